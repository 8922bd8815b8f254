import * as z from '#catalogue/zod.ts';
import { Identifier, limits, text } from './common.ts';
import { contactEventBase } from './contact-ref.ts';

/** A contact asked to be told when the SKU is back in stock. */
export const ProductWaitlisted = z
  .object({
    ...contactEventBase,
    sku: Identifier,
    name: z.optional(text(limits.name)),
  })
  .check(z.describe('A contact asked to be told when the SKU is back in stock.'));

/** Parsed `product.waitlisted` detail. */
export type ProductWaitlisted = z.infer<typeof ProductWaitlisted>;
