// Latest entity state at send time: the trigger's cart, stock or price fields replaced by the newest
// stored version, the version used reported; an emptied cart and a reverted price drop say skip.
import { describe, expect, it } from 'vitest';
import { latestState } from '../../../functions/journeys/latest-state.ts';
import type { CartState, PriceState, StockState } from '../../../functions/products/products-repository.ts';

const lamp = { sku: 'LAMP-01', name: 'Brass desk lamp', qty: 1, price: 89 };
const vase = { sku: 'VASE-03', name: 'Glass vase', qty: 1, price: 35 };

function products(state: { cart?: CartState; stock?: StockState; price?: PriceState }) {
  return {
    cart: async () => state.cart,
    stockState: async () => state.stock,
    price: async () => state.price,
  };
}

const cartTrigger = {
  eventId: 'cart-1',
  occurredAt: '2026-03-02T11:00:00+01:00',
  cartId: 'c-1',
  items: [lamp],
  value: 89,
  currency: 'EUR',
  cartUrl: 'https://shop.example.com/cart/c-1',
  contact: { contactId: 'k-1' },
};

describe('latestState', () => {
  it('replaces the cart fields of the trigger with the newer stored cart, and says which version', async () => {
    // Prepare
    const cart: CartState = {
      cartId: 'c-1',
      items: [lamp, vase],
      value: 124,
      currency: 'EUR',
      updatedAt: '2026-03-02T10:20:00.000Z',
      eventId: 'cart-2',
    };

    // Act
    const latest = await latestState(products({ cart }), 'cart.updated', cartTrigger);

    // Assess
    const { cartUrl: _gone, ...rest } = cartTrigger;
    expect(latest.trigger).toStrictEqual({ ...rest, items: [lamp, vase], value: 124 });
    expect(latest.renderedFrom).toEqual([
      {
        entity: 'cart',
        id: 'c-1',
        updatedAt: '2026-03-02T10:20:00.000Z',
        eventId: 'cart-2',
        newerThanTrigger: true,
      },
    ]);
    expect(latest.skip).toBeUndefined();
  });

  it('keeps the trigger when the stored cart is the trigger itself (compared as instants)', async () => {
    // Prepare
    const cart: CartState = { ...cartTrigger, updatedAt: '2026-03-02T10:00:00.000Z', eventId: 'cart-1' };

    // Act
    const latest = await latestState(products({ cart }), 'cart.updated', cartTrigger);

    // Assess
    expect(latest.trigger).toBe(cartTrigger);
    expect(latest.renderedFrom[0]?.newerThanTrigger).toBe(false);
  });

  it('says skip when the cart was emptied since the run started', async () => {
    const cart: CartState = {
      cartId: 'c-1',
      items: [],
      value: 0,
      currency: 'EUR',
      updatedAt: '2026-03-02T10:30:00.000Z',
      eventId: 'cart-3',
    };
    const latest = await latestState(products({ cart }), 'cart.updated', cartTrigger);
    expect(latest.skip).toEqual({
      reason: 'cart_emptied',
      detail: 'cart.updated cart-3 at 2026-03-02T10:30:00.000Z has no items',
    });
  });

  it('reads the latest stock level for a stock trigger', async () => {
    const trigger = { eventId: 's-1', occurredAt: '2026-03-02T10:00:00Z', sku: 'LAMP-01', newQuantity: 5 };
    const stock = { quantity: 2, updatedAt: '2026-03-02T10:05:00.000Z', eventId: 's-2' };
    const latest = await latestState(products({ stock }), 'product.stock_changed', trigger);
    expect(latest.trigger.newQuantity).toBe(2);
    expect(latest.renderedFrom).toEqual([
      { entity: 'stock', id: 'LAMP-01', updatedAt: stock.updatedAt, eventId: 's-2', newerThanTrigger: true },
    ]);
  });

  it('says skip when a price drop was reverted since', async () => {
    const trigger = {
      eventId: 'p-1',
      occurredAt: '2026-03-02T10:00:00Z',
      sku: 'LAMP-01',
      oldPrice: 89,
      newPrice: 69,
      currency: 'EUR',
    };
    const price = { price: 89, currency: 'EUR', updatedAt: '2026-03-02T10:05:00.000Z', eventId: 'p-2' };
    const latest = await latestState(products({ price }), 'product.price_changed', trigger);
    expect(latest.skip?.reason).toBe('price_no_longer_lower');
    const lower = await latestState(
      products({ price: { ...price, price: 59 } }),
      'product.price_changed',
      trigger,
    );
    expect(lower.skip).toBeUndefined();
    expect(lower.trigger.newPrice).toBe(59);
  });

  it('leaves other triggers alone', async () => {
    const trigger = { eventId: 'x', occurredAt: '2026-03-02T10:00:00Z' };
    expect(await latestState(products({}), 'contact.signed_up', trigger)).toEqual({
      trigger,
      renderedFrom: [],
    });
  });
});
