// The appointment journey confirms by e-mail (.ics), SMS and a call placed through the local End
// User Messaging v2 stand-in; the call's receipts (from the configuration set's SNS destination and
// the default bus) settle its ledger entry; consent, quiet hours, STOP and a refused call are each
// recorded with their reason.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LedgerEntry } from '../../functions/delivery/ledger.ts';
import {
  days,
  eventId,
  hours,
  type LocalSystem,
  minutes,
  startLocalSystem,
} from '../support/local-system.ts';

/** Monday 2 March 2026, 10:00 in Paris (09:00 UTC): daytime for contacts there. */
const MORNING_PARIS = Date.parse('2026-03-02T09:00:00Z');

const stepOf = (entries: LedgerEntry[], stepId: string) => entries.find((e) => e.stepId === stepId);

/** A local system started at `start`, and what the tests do with it. */
function appointmentSystem(start: number) {
  const ctx = { system: undefined as unknown as LocalSystem };
  const now = () => new Date(ctx.system.runtime.clock.now()).toISOString();
  const base = () => ({ eventId: eventId('voice'), occurredAt: now(), source: 'shop.test' });
  beforeAll(async () => {
    ctx.system = await startLocalSystem({ start });
  });
  afterAll(async () => {
    await ctx.system.stop();
  });
  return {
    get system() {
      return ctx.system;
    },
    base,
    signUp: (email: string, phone: string, firstName: string) =>
      ctx.system.put('contact.signed_up', {
        ...base(),
        contact: { email, phone },
        firstName,
        locale: 'fr',
        timezone: 'Europe/Paris',
      }),
    book: (email: string, phone: string) =>
      ctx.system.put('appointment.booked', {
        ...base(),
        contact: { email, phone },
        repId: 'claire-martin',
        appointmentId: eventId('appt'),
        startsAt: new Date(ctx.system.runtime.clock.now() + days(3)).toISOString(),
        durationMinutes: 30,
        location: 'Showroom, 1 rue de Rivoli',
        title: 'Fitting',
      }),
    calls: (phone: string) =>
      ctx.system.runtime.smsVoice
        .outbox()
        .filter((m) => m.channel === 'VOICE' && m.destinationPhoneNumber === phone),
  };
}

describe('appointment confirmations by e-mail, SMS and voice', () => {
  const at = appointmentSystem(MORNING_PARIS);
  const { signUp, book, calls, base } = at;

  it('sends the e-mail with its invitation, the SMS and the call, and the call receipt settles the ledger', async () => {
    const email = 'ada.voice@example.com';
    const phone = '+33612340001';
    at.system.runtime.smsVoice.verifyDestination(phone);
    // A name with markup characters: inserted into SSML, it must be escaped.
    await signUp(email, phone, 'Ada & <Co>');

    await book(email, phone);
    await at.system.advance(minutes(1));

    const confirmations = (address: string) =>
      at.system.emailsTo(address).filter((m) => m.subject.startsWith('Votre rendez-vous'));
    expect(confirmations(email)).toHaveLength(1);
    expect(at.system.smsTo(phone)).toHaveLength(1);
    const [call] = calls(phone);
    expect(call).toMatchObject({ voiceId: 'LEA', bodyType: 'SSML', status: 'COMPLETED' });
    expect(call?.body).toContain('Bonjour Ada &amp; &lt;Co&gt;, ici Relance Demo Shop.');
    expect(call?.body).toMatch(/^<speak>[\s\S]*<\/speak>$/);
    expect(call?.context).toMatchObject({ journey: 'appointment', step: 'confirmation-call' });

    const entry = stepOf(await at.system.ledgerFor(email), 'confirmation-call');
    expect(entry).toMatchObject({
      channel: 'voice',
      status: 'sent',
      providerMessageId: call?.messageId,
    });
    // Delivered once, though the receipt came both ways (event destination and default bus).
    expect(entry?.deliveryEvents?.filter((e) => e.includes('delivered'))).toHaveLength(1);
    // The page's outbox lists the call with its script, voice and ledger decision.
    const { outboxView } = await import('../../local/dev/dashboard.ts');
    const shown = (await outboxView(at.system.runtime)).phone.find((m) => m.messageId === call?.messageId);
    expect(shown).toMatchObject({
      channel: 'VOICE',
      phone,
      voice: 'LEA',
      bodyType: 'SSML',
      journey: 'appointment',
      step: 'confirmation-call',
      ledger: { status: 'sent' },
    });
  });

  it('records a call End User Messaging refuses (sandbox, unverified number) as failed, with its reason', async () => {
    const email = 'unverified.voice@example.com';
    const phone = '+33612340002';
    await signUp(email, phone, 'Grace');

    await book(email, phone);
    await at.system.advance(minutes(1));

    expect(calls(phone)).toEqual([]);
    const entry = stepOf(await at.system.ledgerFor(email), 'confirmation-call');
    expect(entry).toMatchObject({ status: 'failed', reason: 'provider_rejected' });
    expect(entry?.detail).toMatch(/^ConflictException: .*not verified/);
    // The other confirmations go out regardless.
    expect(at.system.emailsTo(email).filter((m) => m.subject.startsWith('Votre rendez-vous'))).toHaveLength(
      1,
    );
    expect(at.system.smsTo(phone)).toHaveLength(1);
  });

  it('neither texts nor calls a number that replied STOP; the e-mail still goes', async () => {
    const email = 'stopped.voice@example.com';
    const phone = '+33612340003';
    at.system.runtime.smsVoice.verifyDestination(phone);
    await signUp(email, phone, 'Hedy');
    await at.system.runtime.receiveSms(phone, 'STOP');

    await book(email, phone);
    await at.system.advance(minutes(1));

    expect(calls(phone)).toEqual([]);
    expect(at.system.smsTo(phone)).toEqual([]);
    const entries = await at.system.ledgerFor(email);
    expect(stepOf(entries, 'confirmation-call')).toMatchObject({
      status: 'skipped',
      reason: 'sms_opted_out',
    });
    expect(stepOf(entries, 'confirmation-sms')).toMatchObject({ status: 'skipped', reason: 'sms_opted_out' });
    expect(stepOf(entries, 'confirmation-email')).toMatchObject({ status: 'sent' });
  });

  it('never calls a contact who opted out of calls, even for a transactional confirmation', async () => {
    const email = 'no.calls@example.com';
    const phone = '+33612340004';
    at.system.runtime.smsVoice.verifyDestination(phone);
    await signUp(email, phone, 'Linus');
    await at.system.put('consent.changed', {
      ...base(),
      contact: { email },
      channel: 'voice',
      status: 'opted_out',
      proof: { kind: 'support', reference: 'ticket-42' },
    });

    await book(email, phone);
    await at.system.advance(minutes(1));

    expect(calls(phone)).toEqual([]);
    const entries = await at.system.ledgerFor(email);
    expect(stepOf(entries, 'confirmation-call')).toMatchObject({
      status: 'skipped',
      reason: 'unsubscribed',
      detail: expect.stringContaining('voice channel'),
    });
    expect(stepOf(entries, 'confirmation-sms')).toMatchObject({ status: 'sent' });
  });

  it("holds the SMS and the call in the contact's quiet hours, then sends both", async () => {
    const email = 'late.voice@example.com';
    const phone = '+33612340005';
    at.system.runtime.smsVoice.verifyDestination(phone);
    // 01:00 in Los Angeles while it is 10:00 in Paris: inside quiet hours (21:00-08:00) there.
    await at.system.put('contact.signed_up', {
      ...base(),
      contact: { email, phone },
      firstName: 'Katherine',
      timezone: 'America/Los_Angeles',
    });
    await book(email, phone);
    await at.system.advance(minutes(1));

    // The SMS waits for 08:00 there; the call comes after it.
    expect(at.system.smsTo(phone)).toEqual([]);
    expect(calls(phone)).toEqual([]);
    expect(stepOf(await at.system.ledgerFor(email), 'confirmation-sms')).toMatchObject({
      status: 'deferred',
      reason: 'quiet_hours',
      deferredUntil: '2026-03-02T16:00:00.000Z',
    });

    await at.system.advance(hours(7));

    expect(at.system.smsTo(phone)).toHaveLength(1);
    expect(calls(phone)).toHaveLength(1);
    const entries = await at.system.ledgerFor(email);
    expect(stepOf(entries, 'confirmation-sms')).toMatchObject({ status: 'sent' });
    expect(stepOf(entries, 'confirmation-call')).toMatchObject({ status: 'sent' });
  });
});
