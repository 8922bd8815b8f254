import * as z from '#catalogue/zod.ts';
import { Identifier, limits, text } from './common.ts';
import { contactEventBase } from './contact-ref.ts';

/** A contact attended a webinar (live or replay). */
export const WebinarAttended = z
  .object({
    ...contactEventBase,
    webinarId: Identifier,
    title: z.optional(text(limits.name)),
    /** Minutes the contact stayed. */
    minutesAttended: z.optional(z.int().check(z.gte(0), z.lte(24 * 60))),
  })
  .check(z.describe('A contact attended a webinar.'));

/** Parsed `webinar.attended` detail. */
export type WebinarAttended = z.infer<typeof WebinarAttended>;
