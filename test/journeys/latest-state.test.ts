// Messages render from the entity's latest state (issue 12, part 2): an abandoned-cart reminder
// shows the cart as its last `cart.updated` left it, not as the run's trigger saw it, and the
// ledger keeps which version it used.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatWhy, why, whyDocument } from '../../bin/cli/why.ts';
import {
  eventId,
  hours,
  type LocalSystem,
  minutes,
  PROJECT_ROOT,
  startLocalSystem,
} from '../support/local-system.ts';

const lamp = { sku: 'LAMP-01', name: 'Brass desk lamp', qty: 1, price: 89 };
const mug = { sku: 'MUG-02', name: 'Stoneware mug', qty: 2, price: 14.5 };
const vase = { sku: 'VASE-03', name: 'Glass vase', qty: 1, price: 35 };

describe('latest entity state at send time on the local runtime', () => {
  let system: LocalSystem;
  const now = () => new Date(system.runtime.clock.now()).toISOString();
  const cart = (email: string, cartId: string, items: (typeof lamp)[], id = eventId('cart')) => ({
    eventId: id,
    occurredAt: now(),
    source: 'shop.test',
    contact: { email },
    cartId,
    items,
    value: items.reduce((sum, i) => sum + i.qty * i.price, 0),
    currency: 'EUR',
  });
  const report = (email: string) =>
    why(email, { projectRoot: PROJECT_ROOT, endpoint: system.endpoint, aws: false, cdkOut: system.cdkOut });

  beforeAll(async () => {
    system = await startLocalSystem();
  });
  afterAll(async () => {
    await system.stop();
  });

  it('shows the cart as last updated, not as first seen, and records the version it used', async () => {
    // Prepare: a cart, then the shopper swaps the mug for a vase while the run waits
    const email = 'cart.changed@example.com';
    await system.put('cart.updated', cart(email, 'cart-changed', [lamp, mug]));
    await system.advance(minutes(20));
    const latest = cart(email, 'cart-changed', [lamp, vase]);
    await system.put('cart.updated', latest);

    // Act
    await system.advance(hours(1));

    // Assess: the reminder lists the latest content and total
    const [reminder] = system.emailsTo(email);
    expect(reminder?.text).toContain('1 x Brass desk lamp: €89.00');
    expect(reminder?.text).toContain('1 x Glass vase: €35.00');
    expect(reminder?.text).not.toContain('Stoneware mug');
    expect(reminder?.text).toContain('Total: €124.00');

    // The ledger keeps the version used, and `relance why` shows it
    const found = await report(email);
    const entry = found?.entries.find((e) => e.stepId === 'first-reminder');
    expect(entry).toMatchObject({
      status: 'sent',
      renderedFrom: [
        expect.objectContaining({
          entity: 'cart',
          id: 'cart-changed',
          eventId: latest.eventId,
          updatedAt: latest.occurredAt,
          newerThanTrigger: true,
        }),
      ],
    });
    const lines = found ? formatWhy(found).join('\n') : '';
    expect(lines).toContain(`cart cart-changed as updated at ${latest.occurredAt} (event ${latest.eventId})`);
    expect(found ? whyDocument(found).entries[0]?.renderedFrom : undefined).toBeDefined();
  });

  it('keeps the newest version when an older cart.updated arrives late', async () => {
    // Prepare: v1 starts the run; v3 arrives, then v2 (made between them) arrives late
    const email = 'cart.late@example.com';
    await system.put('cart.updated', cart(email, 'cart-late', [lamp]));
    await system.advance(minutes(5));
    const v2 = cart(email, 'cart-late', [lamp, mug]);
    await system.advance(minutes(5));
    const v3 = cart(email, 'cart-late', [vase]);
    await system.put('cart.updated', v3);
    await system.put('cart.updated', v2);

    // Act
    await system.advance(hours(1));

    // Assess
    const [reminder] = system.emailsTo(email);
    expect(reminder?.text).toContain('1 x Glass vase: €35.00');
    expect(reminder?.text).not.toContain('Brass desk lamp');
  });

  it('sends no reminder for a cart emptied since the run started, and says why', async () => {
    // Prepare
    const email = 'cart.emptied@example.com';
    await system.put('cart.updated', cart(email, 'cart-emptied', [lamp]));
    await system.advance(minutes(30));
    await system.put('cart.updated', cart(email, 'cart-emptied', []));

    // Act
    await system.advance(hours(25));

    // Assess
    expect(system.emailsTo(email)).toEqual([]);
    const found = await report(email);
    expect(found?.entries.map((e) => [e.stepId, e.status, e.reason])).toEqual([
      ['first-reminder', 'skipped', 'cart_emptied'],
      ['last-call', 'skipped', 'cart_emptied'],
    ]);
    expect(found ? formatWhy(found).join('\n') : '').toContain('the cart was emptied since the run started');
  });
});
