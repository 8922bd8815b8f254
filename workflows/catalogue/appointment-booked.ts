import * as z from 'zod';
import { Identifier, limits, Timestamp, TimeZone, text } from './common.ts';
import { contactEventBase } from './contact-ref.ts';

/** A meeting between a contact (lead or customer) and a sales rep was booked. */
export const AppointmentBooked = z
  .object({
    ...contactEventBase,
    appointmentId: Identifier,
    leadId: Identifier.optional(),
    repId: Identifier,
    startsAt: Timestamp,
    durationMinutes: z
      .int()
      .min(5)
      .max(24 * 60)
      .default(30),
    /** An address, or a video-call URL. */
    location: text(limits.name),
    title: text(limits.name).optional(),
    /** The zone the contact reads times in; the profile's, then the deployment's, when absent. */
    timezone: TimeZone.optional(),
  })
  .meta({ description: 'A meeting between a contact and a sales rep was booked.' });

/** Parsed `appointment.booked` detail. */
export type AppointmentBooked = z.infer<typeof AppointmentBooked>;
