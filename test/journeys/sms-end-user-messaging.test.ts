// SMS through End User Messaging v2 as the deployment's SMS provider: SendTextMessage from the
// template's number with the ledger tag as Context, and the receipts settle the ledger entry.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LedgerEntry } from '../../functions/delivery/ledger.ts';
import { days, eventId, type LocalSystem, minutes, startLocalSystem } from '../support/local-system.ts';

/** Monday 2 March 2026, 10:00 in Paris. */
const MORNING_PARIS = Date.parse('2026-03-02T09:00:00Z');

describe('SMS through End User Messaging v2', () => {
  let system: LocalSystem;
  const base = () => ({
    eventId: eventId('v2'),
    occurredAt: new Date(system.runtime.clock.now()).toISOString(),
    source: 'shop.test',
  });
  const texts = (phone: string) =>
    system.runtime.smsVoice
      .outbox()
      .filter((m) => m.channel === 'TEXT' && m.destinationPhoneNumber === phone);

  async function confirmationSms(email: string): Promise<LedgerEntry | undefined> {
    return (await system.ledgerFor(email)).find((e) => e.stepId === 'confirmation-sms');
  }

  /** Books an appointment; the clock moves a minute unless `advance` is false (then only the work it caused ends). */
  async function book(email: string, phone: string, advance = true): Promise<void> {
    await system.put('appointment.booked', {
      ...base(),
      contact: { email, phone },
      timezone: 'Europe/Paris',
      repId: 'claire-martin',
      appointmentId: eventId('appt'),
      startsAt: new Date(system.runtime.clock.now() + days(3)).toISOString(),
      durationMinutes: 30,
      location: 'Showroom',
    });
    if (advance) await system.advance(minutes(1));
    else await system.runtime.idle();
  }

  beforeAll(async () => {
    system = await startLocalSystem({
      start: MORNING_PARIS,
      context: { 'relance:phoneMessaging': { smsProvider: 'end-user-messaging' } },
    });
  });
  afterAll(async () => {
    await system.stop();
  });

  it('sends from the template number with the ledger tag as Context; the receipt marks it delivered', async () => {
    const email = 'v2.sms@example.com';
    const phone = '+33612340101';
    system.runtime.smsVoice.verifyDestination(phone);

    await book(email, phone);

    expect(system.smsTo(phone)).toEqual([]);
    const [sms] = texts(phone);
    expect(sms).toMatchObject({ messageType: 'TRANSACTIONAL', status: 'DELIVERED' });
    expect(sms?.context).toMatchObject({ journey: 'appointment', step: 'confirmation-sms' });
    expect(system.runtime.smsVoice.identities().map((i) => i.id)).toContain(sms?.originationIdentity);
    const entry = await confirmationSms(email);
    expect(entry).toMatchObject({ channel: 'sms', status: 'sent', providerMessageId: sms?.messageId });
    expect(entry?.deliveryEvents?.filter((e) => e.includes('delivered'))).toHaveLength(1);
  });

  it('receives the receipt a second after the send, once the step has written its outcome', async () => {
    // Prepare
    const email = 'v2.timing@example.com';
    const phone = '+33612340103';
    system.runtime.smsVoice.verifyDestination(phone);
    // Text receipts only: the appointment journey also calls the number to confirm.
    const receipts = () =>
      system.runtime.bus.events.filter(
        (r) =>
          r.event['detail-type'] === 'Text Message Delivery Status Updated' &&
          (r.event.detail as { destinationPhoneNumber?: string }).destinationPhoneNumber === phone,
      ).length;

    // Act: the booking is handled and the SMS sent; the clock has not moved.
    await book(email, phone, false);
    const atSend = await confirmationSms(email);
    const receiptsAtSend = receipts();
    await system.advance(1_000);

    // Assess: the step settled its entry itself before any receipt (one inside the send call raced
    // that write); the receipt follows a second later and is listed once.
    expect(texts(phone)).toHaveLength(1);
    expect(atSend).toMatchObject({ status: 'sent', providerMessageId: texts(phone)[0]?.messageId });
    expect(atSend?.deliveryEvents ?? []).toEqual([]);
    expect(receiptsAtSend).toBe(0);
    expect(receipts()).toBe(1);
    const entry = await confirmationSms(email);
    expect(entry?.deliveryEvents?.filter((e) => e.includes('delivered'))).toHaveLength(1);
  });

  it('lists a carrier failure on the entry without suppressing the number', async () => {
    const email = 'v2.unreachable@example.com';
    const phone = '+33612340102';
    system.runtime.smsVoice.verifyDestination(phone);
    system.runtime.smsVoice.markUnreachable(phone);

    await book(email, phone);

    const entry = await confirmationSms(email);
    expect(entry?.status).toBe('sent');
    expect(entry?.deliveryEvents).toEqual([expect.stringMatching(/ undelivered TEXT_CARRIER_UNREACHABLE$/)]);
  });
});
