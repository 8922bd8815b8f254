// Whether a message may go out (decideDelivery): every skip reason, and what transactional mail ignores.
import { describe, expect, it } from 'vitest';
import type { ConsentRecord, ConsentStatus, Contact } from '#catalogue/contact.ts';
import {
  type DeliveryPolicy,
  decideDelivery,
  type SendIntent,
} from '../../../functions/delivery/delivery-controls.ts';
import { contactWith } from '../fixtures.ts';

/** No opt-in topics, quiet hours at night, checked at noon UTC: only consent and suppression decide. */
const POLICY: DeliveryPolicy = {
  emailTopics: {},
  quietHours: { start: '21:00', end: '08:00' },
  emailQuietHours: false,
  defaultTimezone: 'UTC',
};
const NOON = Date.parse('2026-03-02T12:00:00Z');

const marketingEmail: SendIntent = { channel: 'email', category: 'marketing', topic: 'cart_reminders' };
const marketingSms: SendIntent = { channel: 'sms', category: 'marketing', topic: 'offers' };
const transactionalEmail: SendIntent = { channel: 'email', category: 'transactional' };

function record(status: ConsentStatus): ConsentRecord {
  return { status, at: '2024-05-01T12:00:00Z', source: 'test', proof: { kind: 'form' } };
}

/** A contact with an e-mail address and a phone number, plus `changes`. */
function reachable(changes: Partial<Contact> = {}): Contact {
  return contactWith({ email: 'ada@example.com', phone: '+33612345678', ...changes });
}

describe('decideDelivery: addresses', () => {
  it('skips an e-mail to a contact without an e-mail address (no_email_address)', () => {
    // Act
    const decision = decideDelivery(contactWith({ phone: '+33612345678' }), marketingEmail, POLICY, NOON);

    // Assess
    expect(decision).toEqual({ action: 'skip', reason: 'no_email_address' });
  });

  it('skips an SMS to a contact without a phone number (no_phone_number), even a transactional one', () => {
    // Prepare
    const contact = contactWith({ email: 'ada@example.com' });

    // Act
    const decisions = [
      decideDelivery(contact, marketingSms, POLICY, NOON),
      decideDelivery(contact, { channel: 'sms', category: 'transactional' }, POLICY, NOON),
    ];

    // Assess
    expect(decisions).toEqual([
      { action: 'skip', reason: 'no_phone_number' },
      { action: 'skip', reason: 'no_phone_number' },
    ]);
  });
});

describe('decideDelivery: suppression', () => {
  it('skips a suppressed channel with the suppression reason as detail, even for transactional mail', () => {
    // Prepare
    const contact = reachable({
      suppressed: { email: { reason: 'hard_bounce', at: '2024-05-01T12:00:00Z' } },
      consent: { email: { channel: record('opted_in'), topics: {} } },
    });

    // Act
    const decisions = [
      decideDelivery(contact, marketingEmail, POLICY, NOON),
      decideDelivery(contact, transactionalEmail, POLICY, NOON),
    ];

    // Assess
    expect(decisions).toEqual([
      { action: 'skip', reason: 'suppressed', detail: 'hard_bounce' },
      { action: 'skip', reason: 'suppressed', detail: 'hard_bounce' },
    ]);
  });

  it('suppresses only the channel that is suppressed', () => {
    // Prepare
    const contact = reachable({
      suppressed: { sms: { reason: 'carrier_blocked', at: '2024-05-01T12:00:00Z' } },
    });

    // Act
    const decision = decideDelivery(contact, marketingEmail, POLICY, NOON);

    // Assess
    expect(decision).toEqual({ action: 'send', address: 'ada@example.com' });
  });
});

describe('decideDelivery: consent', () => {
  it('sends marketing e-mail to a contact who never opted out (no consent record needed)', () => {
    // Act
    const decision = decideDelivery(reachable(), marketingEmail, POLICY, NOON);

    // Assess
    expect(decision).toEqual({ action: 'send', address: 'ada@example.com' });
  });

  it('skips marketing e-mail when the contact opted out of the channel (unsubscribed)', () => {
    // Prepare
    const contact = reachable({ consent: { email: { channel: record('opted_out'), topics: {} } } });

    // Act
    const decision = decideDelivery(contact, marketingEmail, POLICY, NOON);

    // Assess
    expect(decision).toEqual({ action: 'skip', reason: 'unsubscribed', detail: 'email channel' });
  });

  it('skips marketing e-mail on a topic the contact opted out of, and sends other topics', () => {
    // Prepare
    const contact = reachable({ consent: { email: { topics: { cart_reminders: record('opted_out') } } } });

    // Act
    const decisions = [
      decideDelivery(contact, marketingEmail, POLICY, NOON),
      decideDelivery(contact, { ...marketingEmail, topic: 'onboarding' }, POLICY, NOON),
      decideDelivery(contact, { channel: 'email', category: 'marketing' }, POLICY, NOON),
    ];

    // Assess
    expect(decisions).toEqual([
      { action: 'skip', reason: 'unsubscribed', detail: 'topic cart_reminders' },
      { action: 'send', address: 'ada@example.com' },
      { action: 'send', address: 'ada@example.com' },
    ]);
  });

  it('sends transactional e-mail to a contact who unsubscribed from marketing', () => {
    // Prepare
    const contact = reachable({
      consent: { email: { channel: record('opted_out'), topics: { receipts: record('opted_out') } } },
    });

    // Act
    const decision = decideDelivery(contact, { ...transactionalEmail, topic: 'receipts' }, POLICY, NOON);

    // Assess
    expect(decision).toEqual({ action: 'send', address: 'ada@example.com' });
  });

  it.each([
    ['no consent record at all', {}],
    ['a pending opt-in', { sms: { channel: record('pending'), topics: {} } }],
    ['an opt-in to the topic only', { sms: { topics: { offers: record('opted_in') } } }],
    ['an e-mail opt-in only', { email: { channel: record('opted_in'), topics: {} } }],
  ])('skips marketing SMS without an explicit channel opt-in (no_consent): %s', (_case, consent) => {
    // Prepare
    const contact = reachable({ consent });

    // Act
    const decision = decideDelivery(contact, marketingSms, POLICY, NOON);

    // Assess
    expect(decision).toEqual({
      action: 'skip',
      reason: 'no_consent',
      detail: 'SMS marketing needs an explicit opt-in',
    });
  });

  it('sends marketing SMS to the phone number of a contact who opted in to SMS', () => {
    // Prepare
    const contact = reachable({ consent: { sms: { channel: record('opted_in'), topics: {} } } });

    // Act
    const decision = decideDelivery(contact, marketingSms, POLICY, NOON);

    // Assess
    expect(decision).toEqual({ action: 'send', address: '+33612345678' });
  });

  it('skips marketing SMS on a topic opted out of, even with a channel opt-in', () => {
    // Prepare
    const contact = reachable({
      consent: { sms: { channel: record('opted_in'), topics: { offers: record('opted_out') } } },
    });

    // Act
    const decision = decideDelivery(contact, marketingSms, POLICY, NOON);

    // Assess
    expect(decision).toEqual({ action: 'skip', reason: 'unsubscribed', detail: 'topic offers' });
  });

  it('reports an SMS channel opt-out as unsubscribed rather than as missing consent', () => {
    // Prepare
    const contact = reachable({ consent: { sms: { channel: record('opted_out'), topics: {} } } });

    // Act
    const decision = decideDelivery(contact, marketingSms, POLICY, NOON);

    // Assess
    expect(decision).toEqual({ action: 'skip', reason: 'unsubscribed', detail: 'sms channel' });
  });

  it('sends transactional SMS without any SMS consent', () => {
    // Act
    const decision = decideDelivery(reachable(), { channel: 'sms', category: 'transactional' }, POLICY, NOON);

    // Assess
    expect(decision).toEqual({ action: 'send', address: '+33612345678' });
  });
});

describe('decideDelivery: SMS opt-out (STOP)', () => {
  const stopped = (at = '2026-03-01T10:00:00.000Z'): ConsentRecord => ({
    status: 'opted_out',
    at,
    source: 'sms-reply',
    proof: { kind: 'sms_keyword', reference: 'STOP:in-1' },
  });
  const transactionalSms: SendIntent = { channel: 'sms', category: 'transactional' };

  it.each([
    ['transactional', transactionalSms],
    ['marketing', marketingSms],
  ])('skips a %s SMS to a contact whose number replied STOP (sms_opted_out)', (_category, intent) => {
    // Prepare
    const contact = reachable({ consent: { sms: { channel: stopped(), topics: {} } } });

    // Act
    const decision = decideDelivery(contact, intent, POLICY, NOON);

    // Assess
    expect(decision).toEqual({
      action: 'skip',
      reason: 'sms_opted_out',
      detail: 'STOP at 2026-03-01T10:00:00.000Z',
    });
  });

  it('skips an SMS to a number another contact stopped (the number’s own state)', () => {
    // Act
    const decision = decideDelivery(reachable(), transactionalSms, POLICY, NOON, {
      status: 'opted_out',
      at: '2026-03-01T09:00:00.000Z',
      keyword: 'ARRET',
    });

    // Assess
    expect(decision).toEqual({
      action: 'skip',
      reason: 'sms_opted_out',
      detail: 'ARRET at 2026-03-01T09:00:00.000Z',
    });
  });

  it('sends again after a later START, whichever record holds it', () => {
    const contact = reachable({ consent: { sms: { channel: stopped(), topics: {} } } });
    const start = { status: 'opted_in', at: '2026-03-01T11:00:00.000Z', keyword: 'START' } as const;
    expect(decideDelivery(contact, transactionalSms, POLICY, NOON, start)).toEqual({
      action: 'send',
      address: '+33612345678',
    });
  });

  it('lets a transactional SMS through an SMS opt-out that was not a keyword (a preference page)', () => {
    const contact = reachable({ consent: { sms: { channel: record('opted_out'), topics: {} } } });
    expect(decideDelivery(contact, transactionalSms, POLICY, NOON)).toEqual({
      action: 'send',
      address: '+33612345678',
    });
  });
});

describe('decideDelivery: calls (voice)', () => {
  const transactionalCall: SendIntent = { channel: 'voice', category: 'transactional' };
  const marketingCall: SendIntent = { channel: 'voice', category: 'marketing' };
  const stop = { status: 'opted_out', at: '2026-03-01T10:00:00Z', keyword: 'STOP' } as const;

  it('places a transactional call to the contact number without any opt-in', () => {
    expect(decideDelivery(reachable(), transactionalCall, POLICY, NOON)).toEqual({
      action: 'send',
      address: '+33612345678',
    });
  });

  it('skips a call to a contact without a phone number', () => {
    const contact = contactWith({ email: 'ada@example.com' });
    expect(decideDelivery(contact, transactionalCall, POLICY, NOON)).toEqual({
      action: 'skip',
      reason: 'no_phone_number',
    });
  });

  it('needs an explicit voice opt-in for a marketing call; an SMS opt-in is not one', () => {
    const smsOnly = reachable({ consent: { sms: { channel: record('opted_in'), topics: {} } } });
    const voiceOptIn = reachable({ consent: { voice: { channel: record('opted_in'), topics: {} } } });

    expect(decideDelivery(smsOnly, marketingCall, POLICY, NOON)).toEqual({
      action: 'skip',
      reason: 'no_consent',
      detail: 'automated marketing calls need an explicit opt-in',
    });
    expect(decideDelivery(voiceOptIn, marketingCall, POLICY, NOON)).toEqual({
      action: 'send',
      address: '+33612345678',
    });
  });

  it('never calls a contact who opted out of calls, transactional or not', () => {
    const noCalls = reachable({ consent: { voice: { channel: record('opted_out'), topics: {} } } });
    for (const intent of [transactionalCall, marketingCall]) {
      expect(decideDelivery(noCalls, intent, POLICY, NOON)).toEqual({
        action: 'skip',
        reason: 'unsubscribed',
        detail: 'voice channel: the contact asked not to be called',
      });
    }
  });

  it('does not call a number that replied STOP (the revocation covers calls)', () => {
    expect(decideDelivery(reachable(), transactionalCall, POLICY, NOON, stop)).toEqual({
      action: 'skip',
      reason: 'sms_opted_out',
      detail: 'STOP at 2026-03-01T10:00:00Z',
    });
  });

  it('does not call a number an SMS proved invalid, nor text a number a call proved invalid', () => {
    const invalid = { reason: 'invalid_number', at: '2026-03-01T10:00:00Z' };
    const softBounce = { reason: 'carrier_blocked', at: '2026-03-01T10:00:00Z' };

    expect(
      decideDelivery(reachable({ suppressed: { sms: invalid } }), transactionalCall, POLICY, NOON),
    ).toEqual({
      action: 'skip',
      reason: 'suppressed',
      detail: 'invalid_number',
    });
    expect(
      decideDelivery(
        reachable({ suppressed: { voice: invalid } }),
        { channel: 'sms', category: 'transactional' },
        POLICY,
        NOON,
      ),
    ).toMatchObject({ action: 'skip', reason: 'suppressed' });
    // Any other SMS suppression is about SMS only.
    expect(
      decideDelivery(reachable({ suppressed: { sms: softBounce } }), transactionalCall, POLICY, NOON),
    ).toEqual({
      action: 'send',
      address: '+33612345678',
    });
  });

  it('waits for the end of quiet hours in the contact zone, as an SMS does', () => {
    const lateEvening = Date.parse('2026-03-02T22:30:00Z');
    expect(decideDelivery(reachable(), transactionalCall, POLICY, lateEvening)).toEqual({
      action: 'defer',
      reason: 'quiet_hours',
      until: Date.parse('2026-03-03T08:00:00Z'),
    });
  });
});
