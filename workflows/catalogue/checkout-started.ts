import * as z from '#catalogue/zod.ts';
import { Currency, Identifier, Money } from './common.ts';
import { contactEventBase } from './contact-ref.ts';

/** A contact started checking out a cart. */
export const CheckoutStarted = z
  .object({
    ...contactEventBase,
    cartId: Identifier,
    value: Money,
    currency: Currency,
  })
  .check(z.describe('A contact started checking out a cart.'));

/** Parsed `checkout.started` detail. */
export type CheckoutStarted = z.infer<typeof CheckoutStarted>;
