import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { days, eventId, type LocalSystem, startLocalSystem } from '../support/local-system.ts';

describe('back-in-stock and price-drop journeys on the local runtime', () => {
  let system: LocalSystem;
  const now = () => new Date(system.runtime.clock.now()).toISOString();
  const base = () => ({ eventId: eventId('p'), occurredAt: now(), source: 'shop.test' });
  const stock = (sku: string, previousQuantity: number, newQuantity: number) =>
    system.put('product.stock_changed', {
      ...base(),
      sku,
      name: `Product ${sku}`,
      previousQuantity,
      newQuantity,
    });
  const waitlist = (email: string, sku: string) =>
    system.put('product.waitlisted', { ...base(), contact: { email }, sku });
  const price = (sku: string, oldPrice: number, newPrice: number) =>
    system.put('product.price_changed', {
      ...base(),
      sku,
      name: `Product ${sku}`,
      oldPrice,
      newPrice,
      currency: 'EUR',
    });
  const got = (email: string, subjectPart: string) =>
    system.emailsTo(email).filter((m) => m.subject.includes(subjectPart)).length;

  beforeAll(async () => {
    system = await startLocalSystem();
  });
  afterAll(async () => {
    await system.stop();
  });

  it('notifies the waitlist in arrival order, no more contacts than units back in stock, and takes them off the list', async () => {
    await stock('SKU-A', 5, 0);
    for (const name of ['first', 'second', 'third']) {
      await waitlist(`${name}.a@example.com`, 'SKU-A');
      await system.advance(1000);
    }
    await stock('SKU-A', 0, 2);

    expect(got('first.a@example.com', 'back in stock')).toBe(1);
    expect(got('second.a@example.com', 'back in stock')).toBe(1);
    expect(got('third.a@example.com', 'back in stock')).toBe(0);

    // Sold out again, then one more unit: the third in line is next; the first two were taken off the list.
    await stock('SKU-A', 2, 0);
    await stock('SKU-A', 0, 1);
    expect(got('first.a@example.com', 'back in stock')).toBe(1);
    expect(got('second.a@example.com', 'back in stock')).toBe(1);
    expect(got('third.a@example.com', 'back in stock')).toBe(1);
  });

  it('does nothing when stock goes up without having been at zero (the trigger filter does not match)', async () => {
    await stock('SKU-B', 0, 0);
    await waitlist('waiting.b@example.com', 'SKU-B');
    await stock('SKU-B', 0, 3);
    await stock('SKU-B', 3, 5);
    expect(got('waiting.b@example.com', 'back in stock')).toBe(1);
  });

  it('keeps a contact once on a waitlist even when the request is sent twice', async () => {
    await waitlist('twice.c@example.com', 'SKU-C');
    await waitlist('twice.c@example.com', 'SKU-C');
    await waitlist('other.c@example.com', 'SKU-C');
    await stock('SKU-C', 0, 2);
    expect(got('twice.c@example.com', 'back in stock')).toBe(1);
    expect(got('other.c@example.com', 'back in stock')).toBe(1);
  });

  it('e-mails who carted or waitlisted a SKU in the last 30 days when its price drops, once per 30 days', async () => {
    const carted = 'carted.d@example.com';
    await system.put('cart.updated', {
      ...base(),
      contact: { email: carted },
      cartId: 'cart-d',
      items: [{ sku: 'SKU-D', name: 'Product SKU-D', qty: 1, price: 100 }],
      value: 100,
      currency: 'EUR',
    });
    await waitlist('waited.d@example.com', 'SKU-D');

    await price('SKU-D', 100, 120);
    expect(got(carted, 'Price drop')).toBe(0);

    await price('SKU-D', 120, 80);
    expect(got(carted, 'Price drop')).toBe(1);
    expect(got('waited.d@example.com', 'Price drop')).toBe(1);
    expect(system.emailsTo(carted).find((m) => m.subject.includes('Price drop'))?.text).toContain(
      'went from €120.00 to €80.00',
    );

    await system.advance(days(10));
    await price('SKU-D', 80, 70);
    expect(got(carted, 'Price drop')).toBe(1);

    await system.advance(days(21));
    await price('SKU-D', 70, 60);
    // 31 days after the carting, the interest has lapsed: nobody is e-mailed again.
    expect(got(carted, 'Price drop')).toBe(1);
  });

  it('e-mails again after 30 days when the interest is renewed', async () => {
    const email = 'renewed.e@example.com';
    await waitlist(email, 'SKU-E');
    await price('SKU-E', 50, 40);
    await system.advance(days(31));
    await waitlist(email, 'SKU-E');
    await price('SKU-E', 40, 30);
    expect(got(email, 'Price drop')).toBe(2);
  });
});
