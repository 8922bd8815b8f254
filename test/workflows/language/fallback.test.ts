// A send step's fallback channel: built by the builder, checked like any send (another channel, a
// template for it that reads only provided fields), and reported at its own path.
import { describe, expect, it } from 'vitest';
import { defineJourney, send } from '#language/builder.ts';
import { fallbackViolations } from '#language/fallback.ts';
import type { JourneyDefinition, SendFallback } from '#language/types.ts';
import { contactAttributes, journeyViolations, templates } from '../../../workflows/index.ts';
import { appointment } from '../../../workflows/journeys/appointment.ts';

function appointmentSms(fallback: SendFallback): JourneyDefinition {
  return defineJourney({
    id: 'reminder',
    description: 'an SMS reminder with a fallback',
    trigger: { event: 'appointment.booked' },
    entry: { reentry: true, dedupeKey: 'appointmentId' },
    steps: [
      send('remind', {
        channel: 'sms',
        template: 'appointment-reminder-sms',
        category: 'transactional',
        fallback,
      }),
    ],
  });
}

describe('send fallback', () => {
  it('is built onto the send step', () => {
    const journey = appointmentSms({ channel: 'email', template: 'appointment-confirmation' });
    expect(journey.steps.remind).toMatchObject({
      type: 'send',
      channel: 'sms',
      fallback: { channel: 'email', template: 'appointment-confirmation' },
    });
  });

  it('accepts another channel with a template for it', () => {
    const journey = appointmentSms({ channel: 'email', template: 'appointment-confirmation' });
    expect(fallbackViolations(journey, { templates, attributes: contactAttributes })).toEqual([]);
  });

  it('refuses the step’s own channel', () => {
    const journey = appointmentSms({ channel: 'sms', template: 'appointment-confirmation-sms' });
    expect(fallbackViolations(journey, { templates, attributes: contactAttributes })).toEqual([
      {
        journey: 'reminder',
        path: 'steps.remind.fallback.channel',
        message: "must be another channel than the step's own (sms)",
      },
    ]);
  });

  it('checks the fallback template like a send: it exists, is for the channel, reads what the trigger has', () => {
    const unknown = appointmentSms({ channel: 'email', template: 'no-such-template' });
    const wrongChannel = appointmentSms({ channel: 'email', template: 'appointment-reminder-sms' });
    const cart = appointmentSms({ channel: 'email', template: 'cart-reminder' });
    expect(fallbackViolations(unknown, { templates, attributes: contactAttributes })).toEqual([
      expect.objectContaining({
        path: 'steps.remind.fallback.template',
        message: 'unknown template "no-such-template"',
      }),
    ]);
    expect(fallbackViolations(wrongChannel, { templates, attributes: contactAttributes })).toEqual([
      expect.objectContaining({
        path: 'steps.remind.fallback.template',
        message: expect.stringContaining('is for sms'),
      }),
    ]);
    expect(fallbackViolations(cart, { templates, attributes: contactAttributes }).length).toBeGreaterThan(0);
    expect(
      fallbackViolations(cart, { templates, attributes: contactAttributes }).every((v) =>
        v.path.startsWith('steps.remind.fallback.template'),
      ),
    ).toBe(true);
  });

  it('is valid on the reference appointment journey, and checked with every deployed journey', () => {
    expect(appointment.steps['reminder-sms']).toMatchObject({ fallback: { channel: 'email' } });
    expect(journeyViolations()).toEqual([]);
  });
});
