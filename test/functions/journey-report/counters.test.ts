// A journey's counters against the local DynamoDB: each state change and its count are one
// transaction, so a retried change neither counts twice nor leaves the count behind, and the
// counters always say what the ledger and the runs hold.
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FeedbackRepository as Feedback } from '../../../functions/delivery/feedback-repository.ts';
import { type LedgerEntry, ledgerTag } from '../../../functions/delivery/ledger.ts';
import type { LedgerRepository as Ledger } from '../../../functions/delivery/ledger-repository.ts';
import {
  COUNTER_SHARDS,
  feedbackDeltas,
  ledgerTransitionDeltas,
  shardOf,
} from '../../../functions/journey-report/counters.ts';
import type { CountersRepository as Counters } from '../../../functions/journey-report/counters-repository.ts';
import { funnelFromCounters } from '../../../functions/journey-report/funnel.ts';
import { runCountsFromCounters } from '../../../functions/journey-report/journey-report.ts';
import type { RunsRepository as Runs } from '../../../functions/journeys/runs-repository.ts';
import { type LocalDynamo, startDynalite } from '../../support/dynalite.ts';

const LEDGER = 'ledger';
const STATE = 'journey-state';
const CONTACTS = 'contacts';
const DAY = '2026-03-02';
const AT = `${DAY}T10:00:00.000Z`;

let dynamo: LocalDynamo;
let client: DynamoDBDocumentClient;
let ledger: Ledger;
let runs: Runs;
let feedback: Feedback;
let counters: Counters;

beforeAll(async () => {
  dynamo = await startDynalite();
  client = dynamo.documents;
  await dynamo.createTable(LEDGER, { sortKey: false });
  await dynamo.createTable(CONTACTS, { sortKey: false });
  await dynamo.createTable(STATE);
  const { LedgerRepository } = await import('../../../functions/delivery/ledger-repository.ts');
  const { RunsRepository } = await import('../../../functions/journeys/runs-repository.ts');
  const { FeedbackRepository } = await import('../../../functions/delivery/feedback-repository.ts');
  const { CountersRepository } = await import('../../../functions/journey-report/counters-repository.ts');
  ledger = new LedgerRepository(LEDGER);
  runs = new RunsRepository(STATE);
  feedback = new FeedbackRepository({ contacts: CONTACTS, ledger: LEDGER });
  counters = new CountersRepository({ ledger: LEDGER, journeyState: STATE });
});

afterAll(async () => {
  await dynamo?.stop();
});

function entry(journeyId: string, runKey: string, stepId = 'first-reminder'): LedgerEntry {
  return {
    ledgerKey: `${journeyId}#${runKey}#1#${stepId}#email`,
    contactId: 'c-1',
    journeyId,
    runKey,
    gen: 1,
    version: 'v1',
    stepId,
    channel: 'email',
    template: 'cart',
    category: 'marketing',
    status: 'in_flight',
    createdAt: AT,
    updatedAt: AT,
  };
}

/** Every ledger entry of a journey, as stored. */
async function storedEntries(journeyId: string) {
  const { Items = [] } = await client.send(new ScanCommand({ TableName: LEDGER, ConsistentRead: true }));
  return Items.filter((item) => item.journeyId === journeyId);
}

describe('counter deltas', () => {
  it('moves an entry from one status to another, skip reasons with it, and leaves a repeat alone', () => {
    const e = { version: 'v1', stepId: 's' };
    expect(ledgerTransitionDeltas(e, { status: 'in_flight' }, { status: 'sent' })).toEqual({
      'v1|s|sent': 1,
    });
    expect(ledgerTransitionDeltas(e, { status: 'deferred' }, { status: 'in_flight' })).toEqual({
      'v1|s|deferred': -1,
    });
    expect(
      ledgerTransitionDeltas(e, { status: 'in_flight' }, { status: 'skipped', reason: 'suppressed' }),
    ).toEqual({
      'v1|s|skipped': 1,
      'v1|s|skipped:suppressed': 1,
    });
    expect(ledgerTransitionDeltas(e, { status: 'sent' }, { status: 'sent' })).toEqual({});
  });

  it('counts a delivery event once per message and kind', () => {
    const e = { stepId: 's', deliveryEvents: ['2026-03-02T10:00:01.000Z delivered'] };
    expect(feedbackDeltas(e, '2026-03-02T10:00:09.000Z opened')).toEqual({ 'unversioned|s|opened': 1 });
    expect(feedbackDeltas(e, '2026-03-02T10:00:09.000Z delivered')).toEqual({});
  });

  it('spreads runs over the shards, always the same shard for one run', () => {
    const shards = new Set(Array.from({ length: 400 }, (_, i) => shardOf(`key:cart-${i}`)));
    expect(shards.size).toBe(COUNTER_SHARDS);
    expect(shardOf('key:cart-7')).toBe(shardOf('key:cart-7'));
  });
});

describe('counters kept with the ledger', () => {
  it('counts a settle once when it is retried, and what a reopened entry became', async () => {
    const sent = entry('retries', 'key:cart-1');
    await ledger.begin(sent, Date.parse(AT));
    await ledger.settle(sent.ledgerKey, { status: 'sent', providerMessageId: 'm-1' }, AT);
    // The retry of the same settle (a step retried after its answer was lost).
    await ledger.settle(sent.ledgerKey, { status: 'sent', providerMessageId: 'm-1' }, AT);

    const deferred = entry('retries', 'key:cart-2');
    await ledger.begin(deferred, Date.parse(AT));
    await ledger.settle(deferred.ledgerKey, { status: 'deferred', reason: 'quiet_hours' }, AT);
    expect(await ledger.reopen(deferred.ledgerKey, 'deferred', `${DAY}T11:00:00.000Z`)).toBe(true);
    expect(await ledger.reopen(deferred.ledgerKey, 'deferred', `${DAY}T11:00:00.000Z`)).toBe(false);
    await ledger.settle(
      deferred.ledgerKey,
      { status: 'sent', providerMessageId: 'm-2' },
      `${DAY}T11:00:01.000Z`,
    );

    const { sends } = await counters.read('retries', [DAY]);
    expect(Object.fromEntries(sends)).toEqual({
      'v1|first-reminder|sent': 2,
      'v1|first-reminder|deferred': 0,
    });
  });

  it('agrees with the ledger after concurrent settles and feedback from another repository instance', async () => {
    // Two step attempts (two Lambda containers) race on each entry; the feedback handler records
    // deliveries and opens, twice each, while they do.
    const other = new (ledger.constructor as new (table: string) => Ledger)(LEDGER);
    const entries = Array.from({ length: 12 }, (_, i) =>
      entry('race', `key:cart-${i}`, i % 2 ? 'first-reminder' : 'last-call'),
    );
    for (const e of entries) await ledger.begin(e, Date.parse(AT));
    await Promise.all(
      entries.flatMap((e, i) => {
        const outcome =
          i % 3 === 0
            ? { status: 'skipped' as const, reason: 'suppressed' }
            : { status: 'sent' as const, providerMessageId: `m-${i}` };
        return [ledger.settle(e.ledgerKey, outcome, AT), other.settle(e.ledgerKey, outcome, AT)];
      }),
    );
    const evidence = (e: LedgerEntry, i: number, status: 'delivered' | 'opened', second: number) =>
      feedback.recordEvidence(
        {
          tag: ledgerTag(e.ledgerKey),
          providerMessageId: `m-${i}`,
          status,
          at: `${DAY}T10:00:${String(second).padStart(2, '0')}.000Z`,
        } as Parameters<Feedback['recordEvidence']>[0],
        AT,
      );
    await Promise.all(
      entries.flatMap((e, i) =>
        i % 3 === 0
          ? []
          : [
              evidence(e, i, 'delivered', 1),
              evidence(e, i, 'delivered', 2),
              evidence(e, i, 'opened', 3),
              evidence(e, i, 'opened', 4),
            ],
      ),
    );

    const stored = await storedEntries('race');
    const { sends } = await counters.read('race', [DAY]);
    const steps = funnelFromCounters(sends, ['first-reminder', 'last-call']);
    for (const step of steps) {
      const own = stored.filter((item) => item.stepId === step.id);
      const withKind = (kind: string) =>
        own.filter((item) => (item.deliveryEvents ?? []).some((text: string) => text.split(' ')[1] === kind))
          .length;
      expect(step.sent).toBe(own.filter((item) => item.status === 'sent').length);
      expect(step.skipped).toBe(own.filter((item) => item.status === 'skipped').length);
      expect(step.skippedBy).toEqual({ suppressed: step.skipped });
      expect(step.delivered).toBe(withKind('delivered'));
      expect(step.opened).toBe(withKind('opened'));
    }
    expect(steps.reduce((n, s) => n + s.sent, 0)).toBe(8);
    expect(steps.reduce((n, s) => n + s.delivered, 0)).toBe(8);
    expect(steps.reduce((n, s) => n + s.opened, 0)).toBe(8);
  });
});

describe('retention', () => {
  it('keeps a ledger entry 90 days and the counters that outlive it 400 days', async () => {
    const kept = entry('retention', 'key:cart-1');
    await ledger.begin(kept, Date.parse(AT));
    await ledger.settle(kept.ledgerKey, { status: 'sent', providerMessageId: 'm-1' }, AT);
    const { Items = [] } = await client.send(new ScanCommand({ TableName: LEDGER, ConsistentRead: true }));
    const stored = Items.find((item) => item.ledgerKey === kept.ledgerKey);
    const counter = Items.find((item) => String(item.pk).startsWith('COUNTS#SENDS#retention#'));
    const at = Date.parse(AT) / 1000;
    expect(stored?.expiresAt).toBe(at + 90 * 86_400);
    expect(counter?.expiresAt).toBe(Date.parse(`${DAY}T00:00:00Z`) / 1000 + 400 * 86_400);
  });
});

describe('unsubscribes counted on the message their link came in', () => {
  it('counts one per message however often its link is posted, and nothing for an unknown message', async () => {
    const sent = entry('unsubscribes', 'key:cart-1');
    await ledger.begin(sent, Date.parse(AT));
    await ledger.settle(sent.ledgerKey, { status: 'sent', providerMessageId: 'm-1' }, AT);
    const tag = ledgerTag(sent.ledgerKey);

    const results = await Promise.all([
      ledger.recordUnsubscribe(tag, `${DAY}T12:00:00.000Z`),
      ledger.recordUnsubscribe(tag, `${DAY}T12:00:01.000Z`),
    ]);
    expect(results.sort()).toEqual(['recorded', 'unchanged']);
    expect(await ledger.recordUnsubscribe(ledgerTag('no#such#message'), AT)).toBe('no_entry');

    const { sends } = await counters.read('unsubscribes', [DAY]);
    expect(sends.get('v1|first-reminder|unsubscribed')).toBe(1);
    const [stored] = await storedEntries('unsubscribes');
    expect(stored?.deliveryEvents).toEqual([
      expect.stringMatching(/^2026-03-02T12:00:0[01]\.000Z unsubscribed$/),
    ]);
  });
});

describe('counters kept with the runs', () => {
  const enter = (runKey: string, eventId: string, execution: string) =>
    runs.enter({
      journeyId: 'cart',
      runKey,
      reentry: true,
      contactId: 'c-1',
      triggerType: 'cart.updated',
      triggerEventId: eventId,
      trigger: {},
      version: 'v2',
      execution,
      at: AT,
      nowMs: Date.parse(AT),
    });

  it('counts an entry and an ending once, however often they are retried', async () => {
    const first = await enter('key:a', 'evt-1', 'exec-1');
    expect(first.entered).toBe(true);
    // The same execution entering again (a retried Enter task) and another trigger while it runs.
    expect(await enter('key:a', 'evt-1', 'exec-1')).toMatchObject({ entered: true, again: true });
    expect(await enter('key:a', 'evt-2', 'exec-2')).toMatchObject({ entered: false });
    const run = first.entered ? first.run : undefined;
    if (!run) throw new Error('not entered');
    expect(await runs.end(run, 'ended', 'goal_reached', AT)).toBe(true);
    expect(await runs.end(run, 'ended', 'goal_reached', AT)).toBe(false);

    const held = await enter('key:b', 'evt-3', 'exec-3');
    if (!held.entered) throw new Error('not entered');
    await runs.end(held.run, 'ended', 'holdout', AT);
    const going = await enter('key:c', 'evt-4', 'exec-4');
    expect(going.entered).toBe(true);
    // Re-entered after it ended: a new run, counted again.
    const again = await enter('key:a', 'evt-5', 'exec-5');
    expect(again.entered).toBe(true);

    const counted = runCountsFromCounters((await counters.read('cart', [DAY])).runs);
    expect(counted).toEqual({
      entered: 4,
      heldOut: 1,
      inProgress: 2,
      completed: 0,
      goalReached: 1,
      exited: 0,
      failed: 0,
    });
    expect(runCountsFromCounters((await counters.read('cart', [DAY])).runs, 'v1').entered).toBe(0);
  });

  it('gives a first entry the run as stored, without reading it back', async () => {
    // Prepare: no contact, a pause, a trigger too large to ride on the run.
    const input = {
      journeyId: 'welcome',
      runKey: 'key:first',
      reentry: false,
      triggerType: 'contact.signed_up',
      triggerEventId: 'evt-first',
      trigger: { note: 'x'.repeat(600) },
      pause: { stepId: 'wait-a-day', kind: 'wait' as const, until: '2026-03-03T10:00:00.000Z' },
      version: 'v1',
      execution: 'exec-first',
      at: AT,
      nowMs: Date.parse(AT),
    };

    // Act
    const entered = await runs.enter(input);

    // Assess
    expect(entered.entered).toBe(true);
    expect(entered.entered && entered.run).toEqual(await runs.get('welcome', 'key:first'));
  });
});
