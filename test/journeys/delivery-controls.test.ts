import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { report } from '../../bin/cli/report.ts';
import { formatWhy, why } from '../../bin/cli/why.ts';
import type { RelanceTables } from '../../local/dev/relance-template.ts';
import {
  days,
  eventId,
  hours,
  type LocalSystem,
  minutes,
  PROJECT_ROOT,
  startLocalSystem,
} from '../support/local-system.ts';

/** 23:30 in Paris on Monday 2 March 2026 (UTC+1). */
const LATE_EVENING_PARIS = Date.parse('2026-03-02T22:30:00Z');
/** The tables of the running system, read as an administrator would. */
let tables: RelanceTables = {};
const lamp = { sku: 'LAMP-01', name: 'Brass desk lamp', qty: 1, price: 89 };

async function ledgerFor(contactEmail: string) {
  const { ContactsRepository } = await import('../../functions/contacts/contacts-repository.ts');
  const { LedgerRepository } = await import('../../functions/delivery/ledger-repository.ts');
  const contacts = new ContactsRepository(tables.contacts ?? '');
  const contactId = await contacts.findByIdentity('EMAIL', contactEmail);
  return contactId ? new LedgerRepository(tables.ledger ?? '').forContact(contactId) : [];
}

async function contactFor(contactEmail: string) {
  const { ContactsRepository } = await import('../../functions/contacts/contacts-repository.ts');
  const contacts = new ContactsRepository(tables.contacts ?? '');
  const contactId = await contacts.findByIdentity('EMAIL', contactEmail);
  return contactId ? contacts.get(contactId) : undefined;
}

describe('delivery controls on the local runtime', () => {
  let system: LocalSystem;
  const now = () => new Date(system.runtime.clock.now()).toISOString();
  const base = () => ({ eventId: eventId('dc'), occurredAt: now(), source: 'shop.test' });

  beforeAll(async () => {
    system = await startLocalSystem({
      start: LATE_EVENING_PARIS,
      // A cap of one marketing e-mail a week makes the race for the last slot easy to see.
      environment: {
        DELIVERY_POLICY: JSON.stringify({
          quietHours: { start: '21:00', end: '08:00' },
          frequencyCaps: { email: { max: 1, windowDays: 7 }, sms: { max: 2, windowDays: 7 } },
          emailTopics: {
            onboarding: { label: 'Tips', mode: 'opt_out' },
            cart_reminders: { label: 'Carts', mode: 'opt_out' },
          },
          inFlightGraceSeconds: 300,
        }),
      },
    });
    tables = system.tables;
  });
  afterAll(async () => {
    await system.stop();
  });

  it('defers an SMS due at 23:30 local to the end of quiet hours (08:00), not dropping it', async () => {
    // Prepare: signed up at 23:30 Paris time; the day-7 SMS falls at 23:30 too.
    const email = 'night.owl@example.com';
    const phone = '+33611112222';
    await system.put('contact.signed_up', { ...base(), contact: { email, phone }, timezone: 'Europe/Paris' });
    await system.put('consent.changed', {
      ...base(),
      contact: { email },
      channel: 'sms',
      status: 'opted_in',
      proof: { kind: 'form' },
    });

    // Act: day 7, 23:30 Paris, plus a minute
    await system.advance(days(7) + minutes(1));

    // Assess: nothing yet, and the ledger says why
    expect(system.smsTo(phone)).toEqual([]);
    const deferred = (await ledgerFor(email)).find((e) => e.stepId === 'sms-offer');
    expect(deferred).toMatchObject({
      status: 'deferred',
      reason: 'quiet_hours',
      deferredUntil: '2026-03-10T07:00:00.000Z',
    });

    // Act: 08:00 Paris the next morning
    await system.advance(hours(8) + minutes(30));

    // Assess
    expect(system.smsTo(phone)).toHaveLength(1);
    expect((await ledgerFor(email)).find((e) => e.stepId === 'sms-offer')).toMatchObject({ status: 'sent' });
  });

  it('lets only one of two journeys racing for the last slot of the cap send', async () => {
    // Prepare: two carts at the same moment; their reminders fall due together, with one slot left.
    const email = 'two.carts@example.com';
    await system.put('cart.updated', {
      ...base(),
      contact: { email },
      cartId: 'race-1',
      items: [lamp],
      value: 89,
      currency: 'EUR',
    });
    await system.put('cart.updated', {
      ...base(),
      contact: { email },
      cartId: 'race-2',
      items: [lamp],
      value: 89,
      currency: 'EUR',
    });

    // Act
    await system.advance(hours(1) + minutes(1));

    // Assess
    expect(system.emailsTo(email)).toHaveLength(1);
    const reminders = (await ledgerFor(email)).filter((e) => e.stepId === 'first-reminder');
    expect(reminders.map((e) => e.status).sort()).toEqual(['sent', 'skipped']);
    expect(reminders.find((e) => e.status === 'skipped')).toMatchObject({ reason: 'frequency_capped' });
  });

  it('sends nothing more after the contact unsubscribes from the topic mid-journey', async () => {
    // Prepare
    const email = 'changed.mind@example.com';
    await system.put('cart.updated', {
      ...base(),
      contact: { email },
      cartId: 'mind-1',
      items: [lamp],
      value: 89,
      currency: 'EUR',
    });
    await system.advance(minutes(30));

    // Act: unsubscribes from cart reminders before the reminder is due
    await system.put('consent.changed', {
      ...base(),
      contact: { email },
      channel: 'email',
      topic: 'cart_reminders',
      status: 'opted_out',
      proof: { kind: 'link' },
    });
    await system.advance(hours(25));

    // Assess
    expect(system.emailsTo(email)).toEqual([]);
    const entries = await ledgerFor(email);
    expect(entries.map((e) => [e.stepId, e.status, e.reason])).toEqual([
      ['first-reminder', 'skipped', 'unsubscribed'],
      ['last-call', 'skipped', 'unsubscribed'],
    ]);

    // And `relance why` says so.
    const report = await why(email, {
      projectRoot: PROJECT_ROOT,
      endpoint: system.endpoint,
      aws: false,
      cdkOut: system.cdkOut,
    });
    const lines = report ? formatWhy(report) : [];
    expect(lines[0]).toContain(`<${email}>`);
    expect(lines).toContain('2 message(s):');
    expect(lines.filter((l) => l.includes('abandoned-cart / first-reminder')).join()).toContain(
      'skipped: the contact unsubscribed from this topic or channel (topic cart_reminders)',
    );
  });

  /** The one-click URL of a received e-mail's List-Unsubscribe header (RFC 8058). */
  const oneClickUrl = (headers: Record<string, string>) => {
    const url = /<(https?:[^>]+)>/.exec(headers['List-Unsubscribe'] ?? '')?.[1];
    if (!url) throw new Error('no https List-Unsubscribe URL');
    return url;
  };
  const postOneClick = (url: string) =>
    fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'List-Unsubscribe=One-Click',
    });
  const abandonCart = async (email: string, cartId: string) => {
    await system.put('cart.updated', {
      ...base(),
      contact: { email },
      cartId,
      items: [lamp],
      value: 89,
      currency: 'EUR',
    });
    await system.advance(hours(1) + minutes(5));
  };

  it('unsubscribes by one-click POST mid-journey: the last call is never sent', async () => {
    // Prepare: the first reminder arrives with its one-click header
    const email = 'one.click@example.com';
    await abandonCart(email, 'one-click-1');
    const [reminder] = system.emailsTo(email);
    expect(reminder?.headers['List-Unsubscribe-Post']).toBe('List-Unsubscribe=One-Click');
    expect(reminder?.text).toContain('Manage your e-mail preferences or unsubscribe');

    // Act: the mailbox provider POSTs the one-click URL
    const answer = await postOneClick(oneClickUrl(reminder?.headers ?? {}));
    await system.advance(hours(24));

    // Assess
    expect(answer.status).toBe(200);
    expect(system.emailsTo(email)).toHaveLength(1);
    const entries = await ledgerFor(email);
    expect(entries.map((e) => [e.stepId, e.status, e.reason])).toEqual([
      ['first-reminder', 'sent', undefined],
      ['last-call', 'skipped', 'unsubscribed'],
    ]);
    // The unsubscribe is recorded on the message whose link made it, and counted on its step once,
    // however often the link is posted.
    expect(entries[0]?.deliveryEvents?.filter((e) => e.endsWith(' unsubscribed'))).toHaveLength(1);
    const counted = async () =>
      (
        await report('abandoned-cart', {
          projectRoot: PROJECT_ROOT,
          endpoint: system.endpoint,
          aws: false,
          cdkOut: system.cdkOut,
        })
      ).steps.find((step) => step.id === 'first-reminder')?.unsubscribed;
    const before = await counted();
    expect(before).toBeGreaterThanOrEqual(1);
    expect((await postOneClick(oneClickUrl(reminder?.headers ?? {}))).status).toBe(200);
    expect(await counted()).toBe(before);
    expect(
      (await ledgerFor(email))[0]?.deliveryEvents?.filter((e) => e.endsWith(' unsubscribed')),
    ).toHaveLength(1);
  });

  it('refuses a forged one-click token with a 4xx and changes nothing', async () => {
    // Prepare
    const email = 'forged.link@example.com';
    await abandonCart(email, 'forged-1');
    const [reminder] = system.emailsTo(email);
    const url = new URL(oneClickUrl(reminder?.headers ?? {}));
    const token = decodeURIComponent(url.pathname.split('/').at(-1) ?? '');
    const [payload = '', signature = ''] = token.split('.');
    const flipped = `${signature.slice(0, -1)}${signature.endsWith('A') ? 'B' : 'A'}`;
    url.pathname = url.pathname.replace(/[^/]+$/, encodeURIComponent(`${payload}.${flipped}`));

    // Act
    const answer = await postOneClick(url.toString());
    await system.advance(hours(24));

    // Assess: refused, the contact's consent untouched, and the last call not skipped as unsubscribed
    // (this suite's cap of one e-mail a week stops it instead)
    expect(answer.status).toBe(403);
    const contact = await contactFor(email);
    expect(contact?.consent.email?.channel?.status).not.toBe('opted_out');
    expect(contact?.consent.email?.topics.cart_reminders).toBeUndefined();
    const entries = await ledgerFor(email);
    expect(entries.map((e) => [e.stepId, e.status, e.reason])).toEqual([
      ['first-reminder', 'sent', undefined],
      ['last-call', 'skipped', 'frequency_capped'],
    ]);
  });

  it('suppresses an address SES reports as bouncing: the next message is skipped', async () => {
    // Prepare: the mailbox simulator's bounce address answers the first reminder with a permanent bounce
    const email = 'bounce@simulator.amazonses.com';
    await abandonCart(email, 'bounce-1');
    expect(system.emailsTo(email)).toHaveLength(1);

    // Act
    await system.advance(hours(24));

    // Assess
    expect(system.emailsTo(email)).toHaveLength(1);
    const entries = await ledgerFor(email);
    expect(entries.map((e) => [e.stepId, e.status, e.reason])).toEqual([
      ['first-reminder', 'sent', undefined],
      ['last-call', 'skipped', 'suppressed'],
    ]);
    expect(entries[0]?.deliveryEvents?.join()).toMatch(/bounced/);
    expect((await contactFor(email))?.suppressed.email?.reason).toMatch(/bounce/);
  });

  it('double opt-in: a pending subscription gets a confirmation e-mail whose link records the opt-in', async () => {
    // Prepare
    const email = 'careful.reader@example.com';
    await system.put('consent.changed', {
      ...base(),
      contact: { email },
      channel: 'email',
      topic: 'newsletter',
      status: 'pending',
      proof: { kind: 'form', reference: 'footer-signup' },
    });
    const [confirmation] = system.emailsTo(email);
    const link = /Confirm: (\S+)/.exec(confirmation?.text ?? '')?.[1];
    expect(confirmation?.subject).toContain('confirm your subscription');
    expect(link).toBeDefined();

    // Act: the page (a GET changes nothing), then its button
    await fetch(link ?? '');
    const answer = await fetch(link ?? '', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'confirm=yes',
    });

    // Assess
    expect(answer.status).toBe(200);
    const topic = (await contactFor(email))?.consent.email?.topics.newsletter;
    expect(topic).toMatchObject({ status: 'opted_in', proof: { kind: 'double_opt_in' } });
  });
});
