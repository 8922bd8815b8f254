import { branch, broadcast, defineJourney } from '#language/builder.ts';

/** A lower price → e-mail who waitlisted or carted the SKU in the last 30 days, once per SKU per contact in 30 days. */
export const priceDrop = defineJourney({
  id: 'price-drop',
  description: 'Tell interested contacts a product got cheaper',
  trigger: { event: 'product.price_changed' },
  entry: { reentry: true },
  steps: [
    branch('is-lower', {
      cases: [
        {
          when: { field: 'trigger.newPrice', op: 'lt', than: 'trigger.oldPrice' },
          steps: [
            broadcast('notify-interested', {
              audience: { kind: 'interested', skuField: 'sku', withinDays: 30, oncePerDays: 30 },
              channel: 'email',
              template: 'price-drop',
              topic: 'price_alerts',
            }),
          ],
        },
      ],
    }),
  ],
});
