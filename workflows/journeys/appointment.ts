import { branch, defineJourney, send, wait } from '#language/builder.ts';

const hasPhone = { field: 'contact.phone', op: 'exists' } as const;

/**
 * A booked appointment: a confirmation e-mail with the .ics invitation, an SMS and a call that reads
 * the confirmation out (SMS and call wait for the end of quiet hours) at once, then an
 * SMS reminder the day before (an SMS falling in quiet hours waits for their end), by e-mail instead
 * (the confirmation again, with its invitation) when the number replied STOP or is refused. Booked
 * less than a day ahead, there is no reminder. Transactional: the contact booked it.
 */
export const appointment = defineJourney({
  id: 'appointment',
  description: 'Confirm a booked appointment and remind the contact the day before',
  trigger: { event: 'appointment.booked' },
  entry: { reentry: true, dedupeKey: 'appointmentId' },
  delivery: { frequencyCap: 'exempt' },
  steps: [
    send('confirmation-email', {
      channel: 'email',
      template: 'appointment-confirmation',
      category: 'transactional',
    }),
    branch('can-text', {
      cases: [
        {
          when: hasPhone,
          steps: [
            send('confirmation-sms', {
              channel: 'sms',
              template: 'appointment-confirmation-sms',
              category: 'transactional',
            }),
            send('confirmation-call', {
              channel: 'voice',
              template: 'appointment-confirmation-call',
              category: 'transactional',
            }),
          ],
        },
      ],
    }),
    wait('day-before', { until: { field: 'trigger.startsAt', before: { days: 1 }, ifPast: 'end' } }),
    branch('can-text-reminder', {
      cases: [
        {
          when: hasPhone,
          steps: [
            send('reminder-sms', {
              channel: 'sms',
              template: 'appointment-reminder-sms',
              category: 'transactional',
              // A number that replied STOP (or that the provider refuses) gets the details by e-mail.
              fallback: { channel: 'email', template: 'appointment-confirmation' },
            }),
          ],
        },
      ],
    }),
  ],
});
