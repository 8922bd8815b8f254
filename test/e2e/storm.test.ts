// The duplicate storm: producers resend 20% of their events, SES throttles every tenth send and
// DynamoDB fails every seventh write with a 500. Every accepted sign-up still gets its welcome
// e-mail exactly once (retries and the ledger's exactly-once path absorb the faults), and nothing is
// dead-lettered. The same storm with the process killed mid-way (after SES took an e-mail, before
// the ledger heard) and a producer that resends what was not accepted: every accepted sign-up's
// welcome is sent exactly once across both processes, or recorded as skipped with its reason.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '../../local/dev/runtime.ts';
import {
  crashOf,
  expectWelcomedOnceOrUnknown,
  putAsProducer,
  restartableData,
  signUps,
  startProcess,
} from '../support/local-process.ts';
import { eventId, type LocalSystem, startLocalSystem, T0 } from '../support/local-system.ts';

describe('duplicate storm with throttled sends and failing writes', () => {
  let system: LocalSystem;
  beforeAll(async () => {
    system = await startLocalSystem();
  });
  afterAll(async () => {
    await system.stop();
  });

  it('sends each accepted sign-up its welcome e-mail exactly once', async () => {
    const sesThrottles = system.runtime.faults.inject({
      service: 'ses',
      operation: 'SendEmail',
      kind: 'throttle',
      every: 10,
    });
    const dynamoFailures = system.runtime.faults.inject({
      service: 'dynamodb',
      operation: 'PutItem',
      kind: 'server-error',
      every: 7,
    });
    const signUps = Array.from({ length: 40 }, (_, i) => ({
      eventId: eventId(`storm-${i}`),
      occurredAt: new Date(T0).toISOString(),
      source: 'shop.test',
      contact: { email: `storm.${i}@example.com` },
      firstName: 'Sam',
    }));
    // 20% duplicates: every fifth event is sent twice, the second time after the others.
    const duplicates = signUps.filter((_, i) => i % 5 === 0);

    for (const detail of [...signUps, ...duplicates]) await system.put('contact.signed_up', detail);
    await system.runtime.idle();

    for (const { contact } of signUps) {
      const welcome = system.emailsTo(contact.email).filter((m) => m.subject.startsWith('Welcome'));
      expect(welcome, contact.email).toHaveLength(1);
    }
    // Every message the storm attempted has its outcome: sent exactly once (its provider message in
    // the outbox once), or not sent with a reason; none left in flight or failed without one.
    const { ContactsRepository } = await import('../../functions/contacts/contacts-repository.ts');
    const { LedgerRepository } = await import('../../functions/delivery/ledger-repository.ts');
    const contacts = new ContactsRepository(system.tables.contacts ?? '');
    const ledger = new LedgerRepository(system.tables.ledger ?? '');
    const outboxIds = system.runtime.ses.emails().map((e) => e.messageId);
    for (const { contact } of signUps) {
      const contactId = await contacts.findByIdentity('EMAIL', contact.email);
      const entries = contactId ? await ledger.forContact(contactId) : [];
      expect(entries.length, contact.email).toBeGreaterThan(0);
      for (const entry of entries) {
        expect(['sent', 'skipped', 'deferred'], `${entry.ledgerKey}: ${entry.status}`).toContain(
          entry.status,
        );
        if (entry.status === 'sent') {
          expect(
            outboxIds.filter((id) => id === entry.providerMessageId),
            entry.ledgerKey,
          ).toHaveLength(1);
        } else expect(entry.reason, entry.ledgerKey).toBeTruthy();
      }
    }
    // The faults did happen, and nothing ended in a dead-letter queue.
    expect(sesThrottles.failed).toBeGreaterThan(0);
    expect(dynamoFailures.failed).toBeGreaterThan(0);
    expect(system.runtime.sqs.queues().reduce((sum, q) => sum + q.messages.length, 0)).toBe(0);
    system.runtime.faults.clear();
  });
});

describe('the duplicate storm with a crash mid-way', () => {
  const data = restartableData();

  it('sends each accepted sign-up its welcome once across the crash, or records why not', async () => {
    const details = signUps('storm.crash', 30, T0);
    const duplicates = details.filter((_, i) => i % 5 === 0);
    const storm = (runtime: LocalRuntime) => {
      runtime.faults.inject({ service: 'ses', operation: 'SendEmail', kind: 'throttle', every: 10 });
      runtime.faults.inject({ service: 'dynamodb', operation: 'PutItem', kind: 'server-error', every: 7 });
    };

    // The first process dies after SES took its twelfth e-mail; the producer keeps what it could not put.
    const first = await startProcess({ dataDir: data.path, start: T0 });
    storm(first.runtime);
    const crash = first.runtime.faults.inject({
      service: 'ses',
      operation: 'SendEmail',
      kind: 'crash-after',
      after: 11,
    });
    const refused = await putAsProducer(first, 'contact.signed_up', [...details, ...duplicates], {
      retry: false,
    });
    await crashOf(first);
    expect(crash.failed).toBe(1);

    // The second process takes up the journals; the producer resends what was refused. The welcomes
    // the crash caught in flight are still in flight as it starts (their outcome is left to the
    // provider's evidence for a grace period).
    const second = data.current(await startProcess({ dataDir: data.path }));
    const caughtInFlight = new Set<string>();
    for (const { contact } of details) {
      const known = await second.contact(contact.email);
      const entries = known ? await second.ledger(known.contactId) : [];
      if (entries.some((e) => e.stepId === 'welcome-email' && e.status === 'in_flight'))
        caughtInFlight.add(contact.email);
    }
    storm(second.runtime);
    expect(await putAsProducer(second, 'contact.signed_up', refused, { retry: false })).toEqual([]);
    await second.runtime.idle();
    await second.advance(30 * 60_000);

    const skipped = await expectWelcomedOnceOrUnknown(
      [first, second],
      details.map((d) => d.contact.email),
    );
    // Only sends the crash caught in flight can have an unknown outcome; the others all went out.
    expect(skipped.filter((email) => !caughtInFlight.has(email))).toEqual([]);
    expect(second.runtime.sqs.queues().reduce((sum, q) => sum + q.messages.length, 0)).toBe(0);
  });
});
