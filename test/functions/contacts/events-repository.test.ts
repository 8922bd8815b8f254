// Issue 18.4: a history item stored the event's time and id three times (in its key, as attributes,
// and in the detail), about a fifth of each item, kept 400 days. The key now holds them alone.
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type * as Repository from '../../../functions/contacts/events-repository.ts';
import { type LocalDynamo, startDynalite } from '../../support/dynalite.ts';

const TABLE = 'events-test';
const NOW = Date.parse('2026-03-02T10:00:00Z');

let dynamo: LocalDynamo;
let repo: typeof Repository;

beforeAll(async () => {
  dynamo = await startDynalite();
  await dynamo.createTable(TABLE);
  repo = await import('../../../functions/contacts/events-repository.ts');
});
afterAll(async () => {
  await dynamo?.stop();
});

/** An entry as ingest appends it: the detail carries the event's own id and time. */
const cart = (eventId: string, occurredAt: string): Repository.HistoryEntry => ({
  type: 'cart.updated',
  eventId,
  occurredAt,
  detail: { eventId, occurredAt, source: 'site', cartId: 'c-1', value: 80, currency: 'EUR' },
});

const stored = async (contactId: string, entry: Repository.HistoryEntry) =>
  (
    await dynamo.documents.send(
      new GetCommand({
        TableName: TABLE,
        Key: { pk: `CONTACT#${contactId}`, sk: `AT#${entry.occurredAt}#${entry.eventId}` },
      }),
    )
  ).Item ?? {};

describe("a contact's history", () => {
  it('stores the time and id in the key alone, and reads every entry back as appended', async () => {
    // Prepare: as ingest appends, an id holding `#`, a detail without the id, one with other values.
    const events = new repo.EventsRepository(TABLE);
    const entries: Repository.HistoryEntry[] = [
      cart('evt-1', '2026-03-01T09:00:00.000Z'),
      cart('shop#42#b', '2026-03-01T10:00:00.000Z'),
      {
        type: 'page.viewed',
        eventId: 'evt-3',
        occurredAt: '2026-03-01T11:00:00.000Z',
        detail: { url: '/a' },
      },
      {
        type: 'page.viewed',
        eventId: 'evt-4',
        occurredAt: '2026-03-01T12:00:00.000Z',
        detail: { eventId: 'other', occurredAt: '2026-03-01T11:59:00.000Z', url: '/b' },
      },
    ];

    // Act
    for (const entry of entries) await events.append('c-1', entry, 400, NOW);

    // Assess
    const item = await stored('c-1', entries[0] as Repository.HistoryEntry);
    expect(item).not.toHaveProperty('eventId');
    expect(item).not.toHaveProperty('occurredAt');
    expect(item.detail).toEqual({ source: 'site', cartId: 'c-1', value: 80, currency: 'EUR' });
    expect(await events.recent('c-1', 10)).toEqual([...entries].reverse());
    expect(await events.between('c-1', '2026-03-01T10:00:00.000Z', '2026-03-01T11:00:00.000Z')).toEqual(
      entries.slice(1, 3),
    );
    const pages: Repository.HistoryEntry[] = [];
    for await (const page of events.history('c-1', 2)) pages.push(...page);
    expect(pages).toEqual(entries);
  });

  it('reads items written whole, before', async () => {
    // Prepare: an item as append wrote it until now.
    const entry = cart('evt-old', '2026-02-01T09:00:00.000Z');
    await dynamo.documents.send(
      new PutCommand({
        TableName: TABLE,
        Item: { pk: 'CONTACT#c-2', sk: `AT#${entry.occurredAt}#${entry.eventId}`, ...entry, expiresAt: 1 },
      }),
    );

    // Act, Assess
    expect(await new repo.EventsRepository(TABLE).recent('c-2', 5)).toEqual([entry]);
  });
});
