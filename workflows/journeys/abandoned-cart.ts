import { byField, defineJourney, exit, send, waitFor } from '#language/builder.ts';

const orderForThisCart = { event: 'order.completed', correlate: byField('cartId') } as const;

/**
 * A cart with items → wait up to 1 h for the order of that cart → a reminder listing the items →
 * wait up to 23 h more → a last call. One run per cart at a time; an order for the cart ends it.
 */
export const abandonedCart = defineJourney({
  id: 'abandoned-cart',
  description: 'Remind shoppers of a cart they did not check out',
  trigger: { event: 'cart.updated', filter: { items: { sku: [{ exists: true }] } } },
  entry: { reentry: true, dedupeKey: 'cartId' },
  goal: orderForThisCart,
  steps: [
    waitFor('await-order', { ...orderForThisCart, timeout: { hours: 1 }, onEvent: [exit()] }),
    send('first-reminder', { channel: 'email', template: 'cart-reminder', topic: 'cart_reminders' }),
    waitFor('await-order-again', { ...orderForThisCart, timeout: { hours: 23 }, onEvent: [exit()] }),
    send('last-call', { channel: 'email', template: 'cart-last-call', topic: 'cart_reminders' }),
  ],
});
