/**
 * Events table: each contact's event history (`CONTACT#<id>` / `AT#<occurredAt>#<eventId>`, with a
 * TTL) and one dedupe marker per processed event (`EVENT#<eventId>` / `DEDUPE`).
 */

import * as z from '#catalogue/zod.ts';
import { dynamo, GetCommand, PutCommand, QueryCommand } from '#platform/clients/dynamo.ts';

const DEDUPE_DAYS = 7;

/** One event of a contact's history: the accepted event's detail under its type. */
export const HistoryEntry = z.object({
  type: z.string(),
  eventId: z.string(),
  occurredAt: z.string(),
  detail: z._default(z.record(z.string(), z.unknown()), {}),
});
export type HistoryEntry = z.infer<typeof HistoryEntry>;

/**
 * What a history item holds of its entry. The key already names the event's time and id: they are
 * not stored again, nor the detail's copies of them when they are the entry's (as ingest's always
 * are: `keyedDetail` says so, and a read puts them back). The cost run's cart event 534 -> 453 bytes
 * (more with longer ids), kept as long as the history (400 days by default).
 */
function storedEntry({ type, eventId, occurredAt, detail }: HistoryEntry): Record<string, unknown> {
  const { eventId: detailId, occurredAt: detailAt, ...rest } = detail;
  return detailId === eventId && detailAt === occurredAt
    ? { type, detail: rest, keyedDetail: true }
    : { type, detail };
}

/** The entry a history item holds, written as storedEntry writes it or whole, as items were before. */
function entryOf(item: Record<string, unknown>): HistoryEntry {
  if (item.eventId !== undefined) return HistoryEntry.parse(item);
  // `AT#<time>#<event id>`: an ISO-8601 time holds no `#`; an event id may.
  const key = String(item.sk ?? '').slice('AT#'.length);
  const split = key.indexOf('#');
  const occurredAt = key.slice(0, split);
  const eventId = key.slice(split + 1);
  const detail = (item.detail ?? {}) as Record<string, unknown>;
  return HistoryEntry.parse({
    type: item.type,
    eventId,
    occurredAt,
    detail: item.keyedDetail === true ? { eventId, occurredAt, ...detail } : detail,
  });
}

export class EventsRepository {
  constructor(private readonly tableName: string) {}

  /** Whether this event id was already fully processed. */
  async wasProcessed(eventId: string): Promise<boolean> {
    const { Item } = await dynamo.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { pk: `EVENT#${eventId}`, sk: 'DEDUPE' },
        ConsistentRead: true,
      }),
    );
    return Item !== undefined;
  }

  /** Marks an event processed (after its effects are durable), kept long enough to absorb redeliveries. */
  async markProcessed(eventId: string, type: string, nowMs: number): Promise<void> {
    await dynamo.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          pk: `EVENT#${eventId}`,
          sk: 'DEDUPE',
          type,
          processedAt: new Date(nowMs).toISOString(),
          expiresAt: Math.floor(nowMs / 1000) + DEDUPE_DAYS * 86_400,
        },
      }),
    );
  }

  /** Appends to a contact's history; the key makes a repeated append a no-op overwrite. */
  async append(contactId: string, entry: HistoryEntry, retentionDays: number, nowMs: number): Promise<void> {
    await dynamo.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          pk: `CONTACT#${contactId}`,
          sk: `AT#${entry.occurredAt}#${entry.eventId}`,
          ...storedEntry(entry),
          expiresAt: Math.floor(nowMs / 1000) + retentionDays * 86_400,
        },
      }),
    );
  }

  /** A contact's most recent events, newest first. */
  async recent(contactId: string, limit: number): Promise<HistoryEntry[]> {
    const { Items } = await dynamo.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :at)',
        ExpressionAttributeValues: { ':pk': `CONTACT#${contactId}`, ':at': 'AT#' },
        ScanIndexForward: false,
        Limit: limit,
      }),
    );
    return (Items ?? []).map(entryOf);
  }

  /** A contact's events that happened from `from` to `until` (ISO times, both included), oldest first. */
  async between(contactId: string, from: string, until: string): Promise<HistoryEntry[]> {
    const entries: HistoryEntry[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await dynamo.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :until',
          // `~` sorts after the event id that follows the time in the key.
          ExpressionAttributeValues: {
            ':pk': `CONTACT#${contactId}`,
            ':from': `AT#${from}`,
            ':until': `AT#${until}~`,
          },
          ExclusiveStartKey: startKey,
        }),
      );
      startKey = page.LastEvaluatedKey;
      entries.push(...(page.Items ?? []).map(entryOf));
    } while (startKey);
    return entries;
  }

  /** A contact's whole history, oldest first, page by page (a merge copies it to the survivor). */
  async *history(contactId: string, pageSize = 100): AsyncGenerator<HistoryEntry[]> {
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await dynamo.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :at)',
          ExpressionAttributeValues: { ':pk': `CONTACT#${contactId}`, ':at': 'AT#' },
          Limit: pageSize,
          ExclusiveStartKey: startKey,
        }),
      );
      startKey = page.LastEvaluatedKey;
      yield (page.Items ?? []).map(entryOf);
    } while (startKey);
  }
}
