import * as z from '#catalogue/zod.ts';
import { Identifier } from './common.ts';
import { contactEventBase } from './contact-ref.ts';

/**
 * A contact of a scheduled journey's audience, admitted by an audience pass. Never on the bus:
 * the pass starts the journey's state machine with it directly.
 */
export const AudienceMember = z
  .object({
    ...contactEventBase,
    journeyId: Identifier,
    /** The audience pass that admitted the contact (`<journeyId>.<start time>`). */
    passId: Identifier,
    segment: Identifier,
    /** One run per key: the contact, plus the year, month or last order as the journey's `once` says. */
    memberKey: Identifier,
  })
  .check(z.describe('A contact admitted to a scheduled journey by an audience pass (never on the bus).'));
export type AudienceMember = z.infer<typeof AudienceMember>;
