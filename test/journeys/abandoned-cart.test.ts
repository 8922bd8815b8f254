import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventId, hours, type LocalSystem, minutes, startLocalSystem } from '../support/local-system.ts';

const lamp = { sku: 'LAMP-01', name: 'Brass desk lamp', qty: 1, price: 89 };
const mug = { sku: 'MUG-02', name: 'Stoneware mug', qty: 2, price: 14.5 };

describe('abandoned-cart journey on the local runtime', () => {
  let system: LocalSystem;
  const now = () => new Date(system.runtime.clock.now()).toISOString();
  const cart = (email: string, cartId: string, items = [lamp, mug], id = eventId('cart')) => ({
    eventId: id,
    occurredAt: now(),
    source: 'shop.test',
    contact: { email },
    cartId,
    items,
    value: items.reduce((sum, i) => sum + i.qty * i.price, 0),
    currency: 'EUR',
  });
  const order = (email: string, cartId: string) => ({
    eventId: eventId('order'),
    occurredAt: now(),
    source: 'shop.test',
    contact: { email },
    orderId: `order-${cartId}`,
    cartId,
    items: [lamp],
    total: 89,
    currency: 'EUR',
  });
  const subjects = (email: string) => system.emailsTo(email).map((m) => m.subject);

  beforeAll(async () => {
    system = await startLocalSystem();
  });
  afterAll(async () => {
    await system.stop();
  });

  it('reminds after 1 hour with the cart items, then sends a last call 23 hours later', async () => {
    const email = 'cart.left@example.com';
    await system.put('cart.updated', cart(email, 'cart-left'));

    await system.advance(minutes(59));
    expect(subjects(email)).toEqual([]);

    await system.advance(minutes(2));
    const [reminder] = system.emailsTo(email);
    expect(reminder?.subject).toBe('Hi, you left something in your cart');
    expect(reminder?.text).toContain('1 x Brass desk lamp: €89.00');
    expect(reminder?.text).toContain('2 x Stoneware mug: €14.50');
    expect(reminder?.tags).toMatchObject({ journey: 'abandoned-cart', step: 'first-reminder' });

    await system.advance(hours(22));
    expect(subjects(email)).toHaveLength(1);
    await system.advance(hours(1) + minutes(1));
    expect(subjects(email)).toEqual([
      'Hi, you left something in your cart',
      'Last call: your cart at Relance Demo Shop',
    ]);

    await system.advance(hours(48));
    expect(subjects(email)).toHaveLength(2);
  });

  it('sends nothing when the order for the cart arrives within the hour (goal reached)', async () => {
    const email = 'cart.ordered@example.com';
    await system.put('cart.updated', cart(email, 'cart-ordered'));
    await system.advance(minutes(20));
    await system.put('order.completed', order(email, 'cart-ordered'));

    await system.advance(hours(30));
    expect(subjects(email)).toEqual([]);
    const run = await system.run('abandoned-cart', 'key:cart-ordered');
    expect(run).toMatchObject({ status: 'ended', endReason: 'goal_reached' });
  });

  it('stops after the first reminder when the order arrives before the last call', async () => {
    const email = 'cart.later@example.com';
    await system.put('cart.updated', cart(email, 'cart-later'));
    await system.advance(hours(2));
    expect(subjects(email)).toHaveLength(1);

    await system.put('order.completed', order(email, 'cart-later'));
    await system.advance(hours(30));
    expect(subjects(email)).toEqual(['Hi, you left something in your cart']);
  });

  it('starts one run per cart: the same event twice, and a second update while a run is active, send one reminder', async () => {
    const email = 'cart.twice@example.com';
    const first = cart(email, 'cart-twice');
    await system.put('cart.updated', first);
    await system.put('cart.updated', first);
    await system.advance(minutes(10));
    await system.put('cart.updated', cart(email, 'cart-twice', [lamp]));

    await system.advance(hours(1) + minutes(1));
    expect(subjects(email)).toEqual(['Hi, you left something in your cart']);
  });

  it('sends once when a resume segment is delivered twice (a schedule fired twice, Express at least once)', async () => {
    const email = 'cart.segment@example.com';
    await system.put('cart.updated', cart(email, 'cart-segment'));
    const timeout = system.runtime.scheduler
      .schedules()
      .find((s) => s.Target.Input?.includes('key:cart-segment'));
    expect(timeout).toBeDefined();

    // Act: the scheduler fires, then the same resume input is delivered once more.
    await system.advance(hours(1) + minutes(1));
    const machine = system.runtime.app.stateMachines.find((m) => m.name.endsWith('-abandoned-cart'));
    system.runtime.stepFunctions.startExecution(
      machine?.arn ?? '',
      JSON.parse(timeout?.Target.Input ?? '{}'),
    );
    await system.runtime.idle();

    // Assess
    expect(subjects(email)).toEqual(['Hi, you left something in your cart']);
    const duplicate = system.runtime.stepFunctions.executions.at(-1);
    expect(duplicate?.history.map((h) => String(h.details.name ?? ''))).toContain('Run not active');
  });

  it('starts nothing for an emptied cart: the trigger filter needs items', async () => {
    const email = 'cart.empty@example.com';
    const cartRuns = () =>
      system.runtime.stepFunctions.executions.filter((e) => e.stateMachineArn.endsWith('-abandoned-cart'))
        .length;
    const executionsBefore = cartRuns();
    await system.put('cart.updated', cart(email, 'cart-empty', []));

    await system.advance(hours(2));
    expect(subjects(email)).toEqual([]);
    expect(cartRuns()).toBe(executionsBefore);
  });

  it('lets a new run start for the same cart once the previous one has ended', async () => {
    const email = 'cart.again@example.com';
    await system.put('cart.updated', cart(email, 'cart-again'));
    await system.put('order.completed', order(email, 'cart-again'));
    await system.advance(minutes(5));

    await system.put('cart.updated', cart(email, 'cart-again', [mug]));
    await system.advance(hours(1) + minutes(1));
    expect(subjects(email)).toEqual(['Hi, you left something in your cart']);
  });
});
