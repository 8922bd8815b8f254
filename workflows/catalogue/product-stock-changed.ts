import * as z from '#catalogue/zod.ts';
import { eventBase, HttpUrl, Identifier, limits, text, wholeNumber } from './common.ts';

const Quantity = wholeNumber().check(z.gte(0));

/** A SKU's stock level changed; about a product, so it carries no contact. */
export const ProductStockChanged = z
  .object({
    ...eventBase,
    sku: Identifier,
    name: z.optional(text(limits.name)),
    previousQuantity: Quantity,
    newQuantity: Quantity,
    url: z.optional(HttpUrl),
  })
  .check(z.describe("A SKU's stock level changed (no contact: the event is about a product)."));

/** Parsed `product.stock_changed` detail. */
export type ProductStockChanged = z.infer<typeof ProductStockChanged>;
