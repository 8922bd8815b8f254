// Latest-state items against a real DynamoDB API (dynalite in process): a cart, a price or a stock
// level is replaced only by a newer version (time, then event id), so a late event changes nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type * as Products from '../../../functions/products/products-repository.ts';
import { type LocalDynamo, startDynalite } from '../../support/dynalite.ts';

const TABLE = 'products-test';
const NOW = Date.parse('2026-03-02T10:00:00Z');

let dynamo: LocalDynamo;
let products: Products.ProductsRepository;

beforeAll(async () => {
  dynamo = await startDynalite();
  await dynamo.createTable(TABLE);
  const module = await import('../../../functions/products/products-repository.ts');
  products = new module.ProductsRepository(TABLE);
});

afterAll(async () => {
  await dynamo?.stop();
});

const cart = (eventId: string, updatedAt: string, value: number): Products.CartState => ({
  cartId: 'cart-1',
  items: [{ sku: 'A', name: 'A', qty: 1, price: value }],
  value,
  currency: 'EUR',
  updatedAt,
  eventId,
});

describe('latest-state items', () => {
  it('keeps the newest cart whatever order the updates arrive in, comparing instants', async () => {
    // Act
    expect(await products.saveCart(cart('e-3', '2026-03-02T11:30:00+01:00', 30), NOW)).toBe(true);
    expect(await products.saveCart(cart('e-2', '2026-03-02T10:20:00Z', 20), NOW)).toBe(false);
    expect(await products.saveCart(cart('e-3', '2026-03-02T10:30:00Z', 30), NOW)).toBe(true);

    // Assess
    expect(await products.cart('cart-1')).toMatchObject({
      value: 30,
      eventId: 'e-3',
      updatedAt: '2026-03-02T10:30:00.000Z',
    });
    expect(await products.cart('cart-unknown')).toBeUndefined();
  });

  it('breaks a tie on time with the event id', async () => {
    await products.saveCart({ ...cart('b', '2026-03-03T10:00:00Z', 2), cartId: 'cart-2' }, NOW);
    await products.saveCart({ ...cart('a', '2026-03-03T10:00:00Z', 1), cartId: 'cart-2' }, NOW);
    expect((await products.cart('cart-2'))?.eventId).toBe('b');
  });

  it('keeps the newest price and stock level of a SKU', async () => {
    await products.setPrice('SKU-1', {
      price: 10,
      currency: 'EUR',
      updatedAt: '2026-03-02T10:00:00Z',
      eventId: 'p-2',
    });
    await products.setPrice('SKU-1', {
      price: 12,
      currency: 'EUR',
      updatedAt: '2026-03-02T09:00:00Z',
      eventId: 'p-1',
    });
    await products.setStock('SKU-1', 4, '2026-03-02T12:00:00+02:00', 's-1');
    expect(await products.price('SKU-1')).toMatchObject({ price: 10, eventId: 'p-2' });
    expect(await products.stockState('SKU-1')).toEqual({
      quantity: 4,
      updatedAt: '2026-03-02T10:00:00.000Z',
      eventId: 's-1',
    });
  });
});
