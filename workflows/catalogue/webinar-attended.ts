import * as z from 'zod';
import { Identifier, limits, text } from './common.ts';
import { contactEventBase } from './contact-ref.ts';

/** A contact attended a webinar (live or replay). */
export const WebinarAttended = z
  .object({
    ...contactEventBase,
    webinarId: Identifier,
    title: text(limits.name).optional(),
    /** Minutes the contact stayed. */
    minutesAttended: z
      .int()
      .min(0)
      .max(24 * 60)
      .optional(),
  })
  .meta({ description: 'A contact attended a webinar.' });

/** Parsed `webinar.attended` detail. */
export type WebinarAttended = z.infer<typeof WebinarAttended>;
