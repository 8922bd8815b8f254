import * as z from '#catalogue/zod.ts';
import { Identifier, limits, Timestamp, TimeZone, text } from './common.ts';
import { contactEventBase } from './contact-ref.ts';

/** A meeting between a contact (lead or customer) and a sales rep was booked. */
export const AppointmentBooked = z
  .object({
    ...contactEventBase,
    appointmentId: Identifier,
    leadId: z.optional(Identifier),
    repId: Identifier,
    startsAt: Timestamp,
    durationMinutes: z._default(z.int().check(z.gte(5), z.lte(24 * 60)), 30),
    /** An address, or a video-call URL. */
    location: text(limits.name),
    title: z.optional(text(limits.name)),
    /** The zone the contact reads times in; the profile's, then the deployment's, when absent. */
    timezone: z.optional(TimeZone),
  })
  .check(z.describe('A meeting between a contact and a sales rep was booked.'));

/** Parsed `appointment.booked` detail. */
export type AppointmentBooked = z.infer<typeof AppointmentBooked>;
