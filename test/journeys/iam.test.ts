// IAM on the local runtime: the calls the journeys make are allowed by the roles the template gives
// them, and a grant the template lacks fails here as it would fail in AWS.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventId, hours, type LocalSystem, minutes, startLocalSystem } from '../support/local-system.ts';

const lamp = { sku: 'LAMP-01', name: 'Brass desk lamp', qty: 1, price: 89 };

describe('the event router cancels a waitFor timeout with its own permission', () => {
  let system: LocalSystem;
  const now = () => new Date(system.runtime.clock.now()).toISOString();

  beforeAll(async () => {
    system = await startLocalSystem();
  });
  afterAll(async () => {
    await system.stop();
  });

  it('deletes the pending timeout schedule when the awaited order arrives (scheduler:DeleteSchedule)', async () => {
    // Prepare: an abandoned cart whose run waits for the order, with its timeout scheduled
    const email = 'iam.router@example.com';
    await system.put('cart.updated', {
      eventId: eventId('cart'),
      occurredAt: now(),
      source: 'shop.test',
      contact: { email },
      cartId: 'cart-iam',
      items: [lamp],
      value: 89,
      currency: 'EUR',
    });
    await system.advance(hours(1) + minutes(1));
    const pending = () =>
      system.runtime.scheduler.schedules().filter((s) => s.Target.Input?.includes('key:cart-iam'));
    expect(pending()).toHaveLength(1);

    // Act: the order resolves the wait
    await system.put('order.completed', {
      eventId: eventId('order'),
      occurredAt: now(),
      source: 'shop.test',
      contact: { email },
      orderId: 'order-cart-iam',
      cartId: 'cart-iam',
      items: [lamp],
      total: 89,
      currency: 'EUR',
    });

    // Assess: the router's call was allowed and the timeout is gone
    const routerFailures = system.runtime.lambdas.invocations.filter(
      (i) => i.functionName.includes('EventRouter') && !i.ok,
    );
    expect(routerFailures.map((i) => i.error)).toEqual([]);
    expect(system.denials()).toEqual([]);
    expect(pending()).toEqual([]);
  });
});
