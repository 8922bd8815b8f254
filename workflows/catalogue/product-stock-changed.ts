import * as z from 'zod';
import { eventBase, HttpUrl, Identifier, limits, text, wholeNumber } from './common.ts';

const Quantity = wholeNumber().min(0);

/** A SKU's stock level changed; about a product, so it carries no contact. */
export const ProductStockChanged = z
  .object({
    ...eventBase,
    sku: Identifier,
    name: text(limits.name).optional(),
    previousQuantity: Quantity,
    newQuantity: Quantity,
    url: HttpUrl.optional(),
  })
  .meta({ description: "A SKU's stock level changed (no contact: the event is about a product)." });

/** Parsed `product.stock_changed` detail. */
export type ProductStockChanged = z.infer<typeof ProductStockChanged>;
