import * as z from 'zod';
import { Currency, Identifier, LineItem, limits, Money } from './common.ts';
import { contactEventBase } from './contact-ref.ts';

/** A completed order; `cartId` links it to the cart events so abandoned-cart journeys can stop. */
export const OrderCompleted = z
  .object({
    ...contactEventBase,
    orderId: Identifier,
    cartId: Identifier.optional(),
    items: z.array(LineItem).min(1).max(limits.items),
    total: Money,
    currency: Currency,
  })
  .meta({ description: 'An order was completed (paid).' });

/** Parsed `order.completed` detail. */
export type OrderCompleted = z.infer<typeof OrderCompleted>;
