import * as z from '#catalogue/zod.ts';
import { Currency, Identifier, LineItem, limits, Money } from './common.ts';
import { contactEventBase } from './contact-ref.ts';

/** A completed order; `cartId` links it to the cart events so abandoned-cart journeys can stop. */
export const OrderCompleted = z
  .object({
    ...contactEventBase,
    orderId: Identifier,
    cartId: z.optional(Identifier),
    items: z.array(LineItem).check(z.minLength(1), z.maxLength(limits.items)),
    total: Money,
    currency: Currency,
  })
  .check(z.describe('An order was completed (paid).'));

/** Parsed `order.completed` detail. */
export type OrderCompleted = z.infer<typeof OrderCompleted>;
