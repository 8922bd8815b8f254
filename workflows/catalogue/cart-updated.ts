import * as z from '#catalogue/zod.ts';
import { Currency, HttpUrl, Identifier, LineItem, limits, Money } from './common.ts';
import { contactEventBase } from './contact-ref.ts';

/** The full current content of a cart; an empty `items` list means the cart was emptied. */
export const CartUpdated = z
  .object({
    ...contactEventBase,
    cartId: Identifier,
    items: z.array(LineItem).check(z.maxLength(limits.items)),
    value: Money,
    currency: Currency,
    cartUrl: z.optional(HttpUrl),
  })
  .check(z.describe('The full current content of a cart; an empty items list means it was emptied.'));

/** Parsed `cart.updated` detail. */
export type CartUpdated = z.infer<typeof CartUpdated>;
