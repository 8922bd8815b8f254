import { broadcast, defineJourney } from '#language/builder.ts';

/**
 * A SKU goes from 0 to some stock → notify its waitlist in arrival order, no more contacts than
 * units available (the stock is read again before each batch), each taken off the list.
 */
export const backInStock = defineJourney({
  id: 'back-in-stock',
  description: 'Tell waitlisted contacts a product is back',
  trigger: {
    event: 'product.stock_changed',
    filter: { previousQuantity: [0], newQuantity: [{ numeric: ['>', 0] }] },
  },
  entry: { reentry: true },
  steps: [
    broadcast('notify-waitlist', {
      audience: { kind: 'waitlist', skuField: 'sku', limitToStock: true },
      channel: 'email',
      template: 'back-in-stock',
      topic: 'back_in_stock',
      batchSize: 25,
    }),
  ],
});
