import * as z from '#catalogue/zod.ts';
import { Currency, eventBase, HttpUrl, Identifier, limits, Money, text } from './common.ts';

/** A SKU's price changed; about a product, so it carries no contact. */
export const ProductPriceChanged = z
  .object({
    ...eventBase,
    sku: Identifier,
    name: z.optional(text(limits.name)),
    oldPrice: Money,
    newPrice: Money,
    currency: Currency,
    url: z.optional(HttpUrl),
  })
  .check(z.describe("A SKU's price changed (no contact: the event is about a product)."));

/** Parsed `product.price_changed` detail. */
export type ProductPriceChanged = z.infer<typeof ProductPriceChanged>;
