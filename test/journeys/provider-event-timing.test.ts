// SES publishes an e-mail's Delivery after its Send, not with it. The local runtime puts each
// provider event on the bus at its own time, so the two events of one message never reach its
// ledger entry at the same instant (a race SES's timing seldom makes, whose retried writes made
// `npm run cost` vary run to run).
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

  it("records the welcome e-mail's Send at once and its Delivery a second later, in that order", async () => {
    // Prepare
    const email = 'timing@example.com';
    const now = new Date(system.runtime.clock.now()).toISOString();

    // Act: the sign-up is handled and the welcome sent; the clock has not moved.
    await system.put('contact.signed_up', {
      eventId: eventId('timing'),
      occurredAt: now,
      source: 'shop.test',
      contact: { email },
    });
    await system.runtime.idle();
    const atSend = await welcomeEntry(email);
    await system.advance(1_000);
    const aSecondLater = await welcomeEntry(email);

    // Assess
    expect(atSend?.status).toBe('sent');
    expect(kinds(atSend)).not.toContain('delivered');
    expect(kinds(aSecondLater).filter((kind) => kind === 'delivered')).toHaveLength(1);
  });
});
