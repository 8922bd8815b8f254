// A truthful ledger (issue 12, part 3): after an SMS STOP no SMS goes to the number, transactional
// ones included (carriers enforce it anyway); the send is recorded as skipped `sms_opted_out`, and
// a step that declares a fallback channel sends that instead. A provider's refusal is `failed` with
// the provider's reason, never `sent`.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatWhy, why } from '../../bin/cli/why.ts';
import { eventId, type LocalSystem, PROJECT_ROOT, startLocalSystem } from '../support/local-system.ts';

describe('a truthful ledger on the local runtime', () => {
  let system: LocalSystem;
  const now = () => new Date(system.runtime.clock.now()).toISOString();
  const base = (prefix: string) => ({ eventId: eventId(prefix), occurredAt: now(), source: 'shop.test' });
  const report = (subject: string) =>
    why(subject, { projectRoot: PROJECT_ROOT, endpoint: system.endpoint, aws: false, cdkOut: system.cdkOut });
  const ledger = async (email: string) =>
    ((await report(email))?.entries ?? []).map((e) => [e.stepId, e.channel, e.status, e.reason]);
  const book = (email: string, appointmentId: string, startsAt: string) =>
    system.put('appointment.booked', {
      ...base('apt'),
      contact: { email },
      appointmentId,
      repId: 'claire-martin',
      startsAt,
      location: 'Shop, 1 rue de la Paix',
    });
  /** SMS the stand-in accepted for a number, delivered or dropped. */
  const published = (phone: string) => system.runtime.sns.outbox().filter((m) => m.phoneNumber === phone);

  beforeAll(async () => {
    // One SDK attempt per call: a throttled provider fails fast, and the state machine retries.
    system = await startLocalSystem({ environment: { AWS_MAX_ATTEMPTS: '1' } });
  });
  afterAll(async () => {
    await system.stop();
  });

  it('sends no SMS, transactional included, to a number that replied STOP: skipped sms_opted_out, the reminder by e-mail instead', async () => {
    // Prepare: a contact with a phone replies STOP to an earlier message
    const email = 'stopped@example.com';
    const phone = '+33612340077';
    await system.put('contact.signed_up', {
      ...base('s'),
      contact: { email, phone },
      firstName: 'Rosa',
      timezone: 'Europe/Paris',
    });
    await system.runtime.receiveSms(phone, 'STOP');

    // Act: she books an appointment two days ahead; the reminder falls due the day before
    await book(email, 'apt-stopped-1', '2026-03-04T14:00:00Z');
    await system.advance(Date.parse('2026-03-03T14:01:00Z') - system.runtime.clock.now());

    // Assess: nothing published to the number; both SMS recorded as skipped, with the reason
    expect(published(phone)).toEqual([]);
    const entries = await ledger(email);
    expect(entries).toContainEqual(['confirmation-sms', 'sms', 'skipped', 'sms_opted_out']);
    expect(entries).toContainEqual(['reminder-sms', 'sms', 'skipped', 'sms_opted_out']);
    // The reminder step declares an e-mail fallback: it went out instead
    expect(entries).toContainEqual(['reminder-sms', 'email', 'sent', undefined]);
    expect(system.emailsTo(email).filter((m) => m.subject.startsWith('Your appointment'))).toHaveLength(2);
    const found = await report(email);
    const lines = found ? formatWhy(found).join('\n') : '';
    expect(lines).toContain('skipped: the number opted out of SMS (STOP); carriers refuse every SMS to it');
    expect(lines).toContain(`sms number ${phone}: opted out (STOP at `);
  });

  it('applies a STOP to the number, so a household member who shares it gets no SMS either', async () => {
    // Prepare: two people give the same phone; one of them replies STOP
    const phone = '+33612340088';
    await system.put('contact.signed_up', {
      ...base('h1'),
      contact: { email: 'home.one@example.com', phone },
    });
    await system.put('contact.signed_up', {
      ...base('h2'),
      contact: { email: 'home.two@example.com', phone },
    });
    await system.runtime.receiveSms(phone, 'STOP');

    // Act
    await book('home.two@example.com', 'apt-home-2', '2026-03-20T14:00:00Z');

    // Assess
    expect(published(phone)).toEqual([]);
    expect(await ledger('home.two@example.com')).toContainEqual([
      'confirmation-sms',
      'sms',
      'skipped',
      'sms_opted_out',
    ]);
    // `relance why` on the number names both people who give it
    const byNumber = await report(phone);
    expect(byNumber?.phoneGivenBy).toHaveLength(2);
    expect(byNumber ? formatWhy(byNumber).join('\n') : '').toContain('phone given by 2 contacts');
  });

  it('records a provider refusal as failed with the provider reason, never sent', async () => {
    // Prepare
    const email = 'refused@example.com';
    const phone = '+33612340099';
    await system.put('contact.signed_up', { ...base('r'), contact: { email, phone } });
    system.runtime.sns.failNext('InvalidParameter');

    // Act
    await book(email, 'apt-refused-1', '2026-03-21T14:00:00Z');

    // Assess
    const entry = (await report(email))?.entries.find((e) => e.stepId === 'confirmation-sms');
    expect(entry).toMatchObject({
      status: 'failed',
      reason: 'provider_rejected',
      detail: expect.stringContaining('InvalidParameter'),
    });
    const found = await report(email);
    expect(found ? formatWhy(found).join('\n') : '').toMatch(
      /confirmation-sms {2}sms {2}failed: the provider refused the message \(InvalidParameter\w*: /,
    );
  });

  it('records an SMS the provider kept throttling as failed, not sent', async () => {
    // Prepare
    const email = 'throttled.sms@example.com';
    const phone = '+33612340111';
    await system.put('contact.signed_up', { ...base('t'), contact: { email, phone } });
    system.runtime.sns.failNext('Throttling', 10);

    // Act
    await book(email, 'apt-throttled-1', '2026-03-22T14:00:00Z');
    system.runtime.sns.failNext('Throttling', 0);

    // Assess
    expect(published(phone)).toEqual([]);
    const entry = (await report(email))?.entries.find((e) => e.stepId === 'confirmation-sms');
    expect(entry).toMatchObject({ status: 'failed', reason: 'throttled' });
    const found = await report(email);
    expect(found ? formatWhy(found).join('\n') : '').toContain(
      'failed: the provider throttled every attempt; not sent',
    );
  });
});
