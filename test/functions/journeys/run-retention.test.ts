// How long run items are kept: an ended run of a journey that allows re-entry for 90 days after its
// end (at least as long as a wake-up made before its end could fire); a journey without re-entry, a
// wait with no bound, or a failed run keeps the 400 days from entry.
import { DeleteCommand, GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { longestPauseSeconds } from '#language/duration.ts';
import type { JourneyDefinition } from '#language/types.ts';
import { endedRunRetentionSeconds } from '../../../functions/journeys/run-retention.ts';
import type * as Runs from '../../../functions/journeys/runs-repository.ts';
import { abandonedCart } from '../../../workflows/journeys/abandoned-cart.ts';
import { appointment } from '../../../workflows/journeys/appointment.ts';
import { welcome } from '../../../workflows/journeys/welcome.ts';
import { type LocalDynamo, startDynalite } from '../../support/dynalite.ts';

const DAY = 86_400;

/** A re-entrant journey waiting `days` at its only step. */
function waitingJourney(days: number, reentry = true): JourneyDefinition {
  return {
    ...abandonedCart,
    entry: { reentry },
    steps: { long: { type: 'wait', id: 'long', duration: { days } } },
  } as JourneyDefinition;
}

describe('longestPauseSeconds', () => {
  it('is the longest wait or waitFor timeout, a day for a local time, none for a moment a field names', () => {
    // It waits for the order 1 h, then 23 h more (its two waitFor timeouts).
    expect(longestPauseSeconds(abandonedCart)).toBe(23 * 3600);
    expect(longestPauseSeconds(waitingJourney(200))).toBe(200 * DAY);
    expect(longestPauseSeconds(appointment)).toBeUndefined();
  });
});

describe('endedRunRetentionSeconds', () => {
  it('keeps an ended re-entrant run 90 days, or its longest wait and a day when longer', () => {
    expect(endedRunRetentionSeconds([abandonedCart])).toBe(90 * DAY);
    expect(endedRunRetentionSeconds([abandonedCart, waitingJourney(200)])).toBe(201 * DAY);
  });

  it('keeps the 400 days without re-entry (in any version) or with a wait that has no bound', () => {
    expect(endedRunRetentionSeconds([welcome])).toBeUndefined();
    expect(endedRunRetentionSeconds([abandonedCart, waitingJourney(1, false)])).toBeUndefined();
    expect(endedRunRetentionSeconds([appointment])).toBeUndefined();
    expect(endedRunRetentionSeconds([])).toBeUndefined();
  });
});

// One local DynamoDB for the file: the repositories' shared SDK client binds to the first endpoint.
const TABLE = 'runs-retention';
let dynamo: LocalDynamo;
let repository: typeof Runs;

beforeAll(async () => {
  dynamo = await startDynalite();
  await dynamo.createTable(TABLE);
  await dynamo.createTable('runs-listeners');
  repository = await import('../../../functions/journeys/runs-repository.ts');
});
afterAll(async () => {
  await dynamo?.stop();
});

/** A run of the abandoned cart entered under `runKey` at `atMs` (by `contactId`, when given). */
async function enterRun(runs: Runs.RunsRepository, runKey: string, atMs: number, contactId?: string) {
  const id = contactId ?? runKey;
  const result = await runs.enter({
    journeyId: 'abandoned-cart',
    runKey,
    reentry: true,
    ...(contactId ? { contactId } : {}),
    triggerType: 'cart.updated',
    triggerEventId: `evt-${id}`,
    trigger: { eventId: `evt-${id}` },
    at: new Date(atMs).toISOString(),
    nowMs: atMs,
  });
  if (!result.entered) throw new Error('not entered');
  return result.run;
}

describe('RunsRepository.end', () => {
  const AT = '2026-03-02T10:00:00.000Z';
  const atSeconds = Date.parse(AT) / 1000;

  const entered = (runs: Runs.RunsRepository, runKey: string) => enterRun(runs, runKey, Date.parse(AT));

  const expiresAt = async (runKey: string) =>
    (
      await dynamo.documents.send(
        new GetCommand({ TableName: TABLE, Key: { pk: `RUN#abandoned-cart#${runKey}`, sk: 'RUN' } }),
      )
    ).Item?.expiresAt;

  it('sets an ended run to expire its retention after the end; a failed run keeps the 400 days', async () => {
    // Prepare
    const runs = new repository.RunsRepository(TABLE, { endedRunRetention: () => 90 * DAY });
    const completed = await entered(runs, 'key:cart-1');
    const failed = await entered(runs, 'key:cart-2');
    const endAt = '2026-03-03T10:00:00.000Z';

    // Act
    await runs.end(completed, 'ended', 'completed', endAt);
    await runs.end(failed, 'failed', 'resume_failed', endAt);

    // Assess
    expect(await expiresAt('key:cart-1')).toBe(Date.parse(endAt) / 1000 + 90 * DAY);
    expect(await expiresAt('key:cart-2')).toBe(atSeconds + 400 * DAY);
  });

  it('keeps the 400 days from entry when the journey keeps its runs, or without the option', async () => {
    // Prepare
    const kept = new repository.RunsRepository(TABLE, { endedRunRetention: () => undefined });
    const plain = new repository.RunsRepository(TABLE);
    const one = await entered(kept, 'key:cart-3');
    const two = await entered(plain, 'key:cart-4');

    // Act
    await kept.end(one, 'ended', 'completed', AT);
    await plain.end(two, 'ended', 'completed', AT);

    // Assess
    expect(await expiresAt('key:cart-3')).toBe(atSeconds + 400 * DAY);
    expect(await expiresAt('key:cart-4')).toBe(atSeconds + 400 * DAY);
  });
});

describe('listensFor', () => {
  const TABLE = 'runs-listeners';

  it('takes a listener left by an earlier run under the same key for what it is once the run item expired', async () => {
    // Prepare: contact A's run of cart-X listens for A's orders and ends; its item expires (deleted
    // here, as TTL would) while its listen item stays; 100 days later contact B carts with the same
    // cart id, and the run starts over at generation 1.
    const runs = new repository.RunsRepository(TABLE, { endedRunRetention: () => 90 * DAY });
    const t0 = Date.parse('2026-03-02T10:00:00.000Z');
    const listenForOrders = (contactId: string, atMs: number) =>
      runs.listen(
        'order.completed',
        contactId,
        { journeyId: 'abandoned-cart', runKey: 'key:cart-X', gen: 1 },
        atMs,
      );
    const first = await enterRun(runs, 'key:cart-X', t0, 'contact-a');
    await listenForOrders('contact-a', t0);
    await runs.end(first, 'ended', 'completed', new Date(t0 + DAY * 1000).toISOString());
    await dynamo.documents.send(
      new DeleteCommand({ TableName: TABLE, Key: { pk: 'RUN#abandoned-cart#key:cart-X', sk: 'RUN' } }),
    );
    const laterMs = t0 + 100 * DAY * 1000;
    const second = await enterRun(runs, 'key:cart-X', laterMs, 'contact-b');
    await listenForOrders('contact-b', laterMs);

    // Act
    const [stale] = await runs.listeners('order.completed', 'contact-a');
    const [own] = await runs.listeners('order.completed', 'contact-b');

    // Assess: same key and generation, but A's listener is not B's run's.
    expect(second.gen).toBe(1);
    expect(stale).toMatchObject({ runKey: 'key:cart-X', gen: 1 });
    expect(stale && repository.listensFor(stale, second)).toBe(false);
    expect(own && repository.listensFor(own, second)).toBe(true);
    expect(repository.listensFor({ journeyId: 'abandoned-cart', runKey: 'key:cart-X', gen: 2 }, second)).toBe(
      false,
    );
  });
});
