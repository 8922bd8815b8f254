import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { days, eventId, type LocalSystem, startLocalSystem, T0 } from '../support/local-system.ts';

describe('welcome journey on the local runtime', () => {
  let system: LocalSystem;
  beforeAll(async () => {
    system = await startLocalSystem();
  });
  afterAll(async () => {
    await system.stop();
  });

  it('sends the welcome e-mail at sign-up, tips after 2 days, and an SMS offer at day 7 to an opted-in phone', async () => {
    // Prepare
    const email = 'ada@example.com';
    const phone = '+33612345678';
    await system.put('contact.signed_up', {
      eventId: eventId('signup'),
      occurredAt: new Date(T0).toISOString(),
      source: 'shop.test',
      contact: { email, phone },
      firstName: 'Ada',
    });
    await system.put('consent.changed', {
      eventId: eventId('consent'),
      occurredAt: new Date(T0).toISOString(),
      source: 'shop.test',
      contact: { email },
      channel: 'sms',
      status: 'opted_in',
      proof: { kind: 'form', reference: 'signup-form' },
    });

    // Assess: now
    expect(system.emailsTo(email).map((m) => m.subject)).toEqual(['Welcome to Relance Demo Shop, Ada!']);

    // Act + Assess: after 2 days
    await system.advance(days(2) + 1000);
    expect(system.emailsTo(email).map((m) => m.subject)).toEqual([
      'Welcome to Relance Demo Shop, Ada!',
      '3 things members love about Relance Demo Shop',
    ]);
    expect(system.smsTo(phone)).toEqual([]);

    // Act + Assess: at day 7
    await system.advance(days(5));
    expect(system.smsTo(phone).map((m) => m.message)).toEqual([
      'Relance Demo Shop: 10% off your first order with code HELLO10, this week only. Reply STOP to opt out.',
    ]);
  });
});
