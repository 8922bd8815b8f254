// SES publishes an e-mail's events after it answered the send: the Send, then the Delivery. The
// local runtime puts each provider event on the bus at its own time, so neither reaches the ledger
// entry at the instant the sending step writes its outcome there, nor with the other (races SES's
// timing seldom makes, whose billed retries made `npm run cost` vary run to run).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LedgerEntry } from '../../functions/delivery/ledger.ts';
import { eventId, type LocalSystem, startLocalSystem } from '../support/local-system.ts';

describe('provider events at their own time', () => {
  let system: LocalSystem;

  beforeAll(async () => {
    system = await startLocalSystem();
  });
  afterAll(async () => {
    await system.stop();
  });

  const welcomeEntry = async (email: string) =>
    (await system.ledgerFor(email)).find((e) => e.journeyId === 'welcome' && e.channel === 'email');

  const kinds = (entry: LedgerEntry | undefined) => (entry?.deliveryEvents ?? []).map((e) => e.split(' ')[1]);

  const sesEvents = () =>
    system.runtime.bus.events.filter((r) => r.event.source === 'aws.ses').map((r) => r.event['detail-type']);

  it("puts the welcome e-mail's Send a second after the send and its Delivery a second after that; the step settles its entry first", async () => {
    // Prepare
    const email = 'timing@example.com';
    const now = new Date(system.runtime.clock.now()).toISOString();
    const before = sesEvents().length;

    // Act: the sign-up is handled and the welcome sent; the clock has not moved.
    await system.put('contact.signed_up', {
      eventId: eventId('timing'),
      occurredAt: now,
      source: 'shop.test',
      contact: { email },
    });
    await system.runtime.idle();
    const atSend = await welcomeEntry(email);
    const publishedAtSend = sesEvents().slice(before);
    await system.advance(1_000);
    const publishedASecondLater = sesEvents().slice(before);
    await system.advance(1_000);
    const twoSecondsLater = await welcomeEntry(email);

    // Assess: the step wrote its own outcome before SES said anything (a Send racing that write
    // cost a billed retry one run in two); then the Send, then the Delivery.
    expect(atSend?.status).toBe('sent');
    expect(atSend?.providerMessageId).toBeDefined();
    expect(publishedAtSend).toEqual([]);
    expect(publishedASecondLater).toEqual(['Email Sent']);
    expect(sesEvents().slice(before)).toEqual(['Email Sent', 'Email Delivered']);
    expect(kinds(twoSecondsLater).filter((kind) => kind === 'delivered')).toHaveLength(1);
  });
});
