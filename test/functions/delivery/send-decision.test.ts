import { describe, expect, it } from 'vitest';
import type { CapRule } from '#language/types.ts';
import { newContact } from '../../../functions/contacts/profile-update.ts';
import type { DeliveryPolicySettings } from '../../../functions/delivery/delivery-policy.ts';
import type { CapDecision } from '../../../functions/delivery/frequency-cap.ts';
import { decideSend, type SendInput } from '../../../functions/delivery/send-decision.ts';

const POLICY: DeliveryPolicySettings = {
  quietHours: { start: '21:00', end: '08:00' },
  frequencyCaps: {
    email: { max: 5, windowDays: 7 },
    sms: { max: 2, windowDays: 7 },
    voice: { max: 2, windowDays: 7 },
  },
  emailTopics: {},
  inFlightGraceSeconds: 300,
};
/** 13:00 and 23:30 in UTC. */
const DAY = Date.parse('2026-03-02T13:00:00Z');
const NIGHT = Date.parse('2026-03-02T23:30:00Z');

const input = (changes: Partial<SendInput> = {}): SendInput => ({
  contact: { ...newContact('c-1', '2026-03-01T00:00:00Z'), email: 'c1@example.com' },
  channel: 'email',
  category: 'marketing',
  policy: POLICY,
  defaultTimezone: 'UTC',
  nowMs: DAY,
  ...changes,
});

/** A cap that answers `decision` and remembers the rules it was asked for. */
function cap(decision: CapDecision) {
  const asked: CapRule[] = [];
  const take = (rule: CapRule) => {
    asked.push(rule);
    return decision;
  };
  return { asked, take };
}

describe('decideSend', () => {
  it('sends to the address once the cap gives a slot', async () => {
    const slot = cap({ allowed: true, entries: [], changed: true });
    expect(await decideSend(input(), slot.take)).toEqual({ outcome: 'send', address: 'c1@example.com' });
    expect(slot.asked).toEqual([{ max: 5, windowDays: 7 }]);
  });

  it('skips a capped message with the count and the rule', async () => {
    const slot = cap({ allowed: false, count: 5 });
    expect(await decideSend(input(), slot.take)).toEqual({
      outcome: 'skip',
      reason: 'frequency_capped',
      detail: '5 email messages in the last 7 days (max 5)',
    });
  });

  it('skips a message missing data as missing_data, naming the variable, without taking a cap slot', async () => {
    const slot = cap({ allowed: true, entries: [], changed: true });
    const missing = input({ missingData: 'trigger.value in default.text' });
    expect(await decideSend(missing, slot.take)).toEqual({
      outcome: 'skip',
      reason: 'missing_data',
      detail: 'trigger.value in default.text',
    });
    expect(slot.asked).toEqual([]);
    // The delivery controls answer first: no address is said before missing data.
    const noAddress = input({ contact: newContact('c-2', '2026-03-01T00:00:00Z'), missingData: 'x' });
    expect(await decideSend(noAddress, slot.take)).toMatchObject({ reason: 'no_email_address' });
  });

  it('takes no slot for a message the delivery controls skip or defer', async () => {
    const slot = cap({ allowed: false, count: 5 });
    const noAddress = input({ contact: newContact('c-2', '2026-03-01T00:00:00Z') });
    expect(await decideSend(noAddress, slot.take)).toEqual({ outcome: 'skip', reason: 'no_email_address' });
    const atNight = input({ nowMs: NIGHT, journey: { emailQuietHours: true } });
    expect(await decideSend(atNight, slot.take)).toEqual({
      outcome: 'defer',
      reason: 'quiet_hours',
      until: Date.parse('2026-03-03T08:00:00Z'),
    });
    expect(slot.asked).toEqual([]);
  });

  it('sends a note to the owner without the contact’s controls or cap', async () => {
    const slot = cap({ allowed: false, count: 5 });
    const suppressed = {
      ...input().contact,
      suppressed: { email: { reason: 'bounce', at: '2026-03-01T00:00:00Z' } },
    };
    expect(
      await decideSend(input({ contact: suppressed, owner: { email: 'rep@example.com' } }), slot.take),
    ).toEqual({ outcome: 'send', address: 'rep@example.com' });
    expect(
      await decideSend(input({ channel: 'sms', owner: { email: 'rep@example.com' } }), slot.take),
    ).toEqual({
      outcome: 'skip',
      reason: 'no_phone_number',
      detail: 'the owner has no phone',
    });
    expect(await decideSend(input({ owner: 'none' }), slot.take)).toEqual({
      outcome: 'skip',
      reason: 'no_owner',
    });
    expect(slot.asked).toEqual([]);
  });

  it('skips an SMS note to an owner whose number replied STOP', async () => {
    const slot = cap({ allowed: true, entries: [], changed: true });
    const owner = { email: 'rep@example.com', phone: '+33612345678' };
    const smsNumberState = { status: 'opted_out', at: '2026-03-01T00:00:00.000Z', keyword: 'STOP' } as const;
    expect(await decideSend(input({ channel: 'sms', owner, smsNumberState }), slot.take)).toEqual({
      outcome: 'skip',
      reason: 'sms_opted_out',
      detail: 'STOP at 2026-03-01T00:00:00.000Z',
    });
  });
});
