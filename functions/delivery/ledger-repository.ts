/**
 * The send ledger: one item per (journey run, step, channel[, recipient]), stored under the digest
 * of its ledger key (`ledgerTag`), which is also the `ledger` tag every message carries: provider
 * feedback finds the entry of a message directly, with no index item. A send begins with a
 * conditional put, so a retried step finds its entry instead of sending again; the entry then
 * records the outcome. Read by contact through the keys-only `byContactKeys` index to answer "why".
 */

import { batchGetAll } from '#platform/batch-get.ts';
import { dynamo, GetCommand, PutCommand, QueryCommand, ScanCommand } from '#platform/clients/dynamo.ts';
import { type ItemUpdate, updateIfHolds } from '#platform/conditional-update.ts';
import { isConditionFailure } from '#platform/dynamo-errors.ts';
import {
  type CounterDeltas,
  counterUpdate,
  dayOf,
  feedbackDeltas,
  ledgerTransitionDeltas,
  sendCountersKey,
  shardOf,
} from '../journey-report/counters.ts';
import {
  LEDGER_RETENTION_DAYS,
  LedgerEntry,
  type LedgerOutcome,
  ledgerTag,
  MAX_DELIVERY_EVENTS,
} from './ledger.ts';

/** The ledger's keys-only index of entries by contact (`contactId`, `createdAt`). */
export const LEDGER_BY_CONTACT_INDEX = 'byContactKeys';

const LEDGER_RETENTION_SECONDS = LEDGER_RETENTION_DAYS * 86_400;

/** Reads of an entry before giving up settling it while its state keeps changing under us. */
const MAX_SETTLE_ATTEMPTS = 5;

/** A settle of an entry that was never begun: a fault in the caller. */
export class LedgerEntryMissing extends Error {
  override readonly name = 'LedgerEntryMissing';
}

/** Entries whose state this repository last wrote or read, kept to change them without reading first. */
const KNOWN_ENTRIES = 256;

export class LedgerRepository {
  /**
   * The state each entry was in when this repository last wrote or read it: a change is conditioned
   * on that state, so a stale one only costs a read and a second attempt.
   */
  private readonly known = new Map<string, LedgerEntry>();

  constructor(private readonly tableName: string) {}

  /** Creates the entry in flight; returns the existing entry instead when the key was already used. */
  async begin(
    entry: LedgerEntry,
    nowMs: number,
  ): Promise<{ created: true } | { created: false; existing: LedgerEntry }> {
    try {
      await dynamo.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            pk: ledgerTag(entry.ledgerKey),
            ...entry,
            expiresAt: Math.floor(nowMs / 1000) + LEDGER_RETENTION_SECONDS,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      this.remember(entry);
      return { created: true };
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      const existing = await this.get(entry.ledgerKey);
      if (!existing) throw error;
      return { created: false, existing };
    }
  }

  /**
   * Puts an entry known not to have been sent (throttled, or deferred by quiet hours) back in flight
   * before sending it again, so a crash during the new attempt is seen as an unknown outcome. False
   * if another attempt did it first.
   */
  async reopen(ledgerKey: string, from: 'failed' | 'deferred' | string, at: string): Promise<boolean> {
    for (let attempt = 1; attempt <= 2; attempt++) {
      const current = (attempt === 1 ? this.known.get(ledgerKey) : undefined) ?? (await this.get(ledgerKey));
      if (!current || current.status !== from || (from === 'failed' && current.reason !== 'throttled'))
        return false;
      const { reason: _reason, detail: _detail, deferredUntil: _until, ...rest } = current;
      const reopened = await this.change(
        current,
        { ...rest, status: 'in_flight', updatedAt: at },
        {
          UpdateExpression: 'SET #status = :status, updatedAt = :at REMOVE reason, detail, deferredUntil',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':status': 'in_flight', ':at': at },
        },
      );
      if (reopened) return true;
    }
    return false;
  }

  /** An entry by key. */
  async get(ledgerKey: string): Promise<LedgerEntry | undefined> {
    return this.getByTag(ledgerTag(ledgerKey));
  }

  /** An entry by the `ledger` tag its message carried (the digest it is stored under). */
  async getByTag(tag: string): Promise<LedgerEntry | undefined> {
    const { Item } = await dynamo.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: tag }, ConsistentRead: true }),
    );
    if (typeof Item?.ledgerKey !== 'string') return undefined;
    const entry = LedgerEntry.parse(Item);
    this.remember(entry);
    return entry;
  }

  /**
   * Records the outcome of an in-flight entry (or a later delivery event on a sent one), with the
   * journey's counters in the same transaction. The counters move from the status the entry was in
   * when last written or read here, and the write is conditioned on it still being so (read again
   * when it is not).
   */
  async settle(ledgerKey: string, outcome: LedgerOutcome, at: string): Promise<void> {
    const names: Record<string, string> = { '#status': 'status' };
    const values: Record<string, unknown> = { ':status': outcome.status, ':at': at };
    const sets = ['#status = :status', 'updatedAt = :at'];
    for (const [key, value] of Object.entries(outcome)) {
      if (key === 'status' || value === undefined) continue;
      names[`#${key}`] = key;
      values[`:${key}`] = value;
      sets.push(`#${key} = :${key}`);
    }
    for (let attempt = 1; ; attempt++) {
      const current = (attempt === 1 ? this.known.get(ledgerKey) : undefined) ?? (await this.get(ledgerKey));
      if (!current) throw new LedgerEntryMissing(`no ledger entry ${ledgerTag(ledgerKey)} to settle`);
      const written = await this.change(
        current,
        {
          ...current,
          ...outcome,
          renderedFrom: outcome.renderedFrom ? [...outcome.renderedFrom] : current.renderedFrom,
          updatedAt: at,
        } as LedgerEntry,
        {
          UpdateExpression: `SET ${sets.join(', ')}`,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        },
      );
      if (written) return;
      if (attempt >= MAX_SETTLE_ATTEMPTS)
        throw new Error(`ledger entry ${ledgerTag(ledgerKey)} kept changing while being settled`);
    }
  }

  private remember(entry: LedgerEntry): void {
    this.known.delete(entry.ledgerKey);
    this.known.set(entry.ledgerKey, entry);
    if (this.known.size > KNOWN_ENTRIES) this.known.delete(this.known.keys().next().value as string);
  }

  /**
   * Changes an entry from the state it was in (its status and last update) to `to`, and the
   * counters by the status change, together; false when the entry changed in between.
   */
  private async change(
    current: LedgerEntry,
    to: LedgerEntry,
    expression: {
      UpdateExpression: string;
      ExpressionAttributeNames: Record<string, string>;
      ExpressionAttributeValues: Record<string, unknown>;
    },
  ): Promise<boolean> {
    const entryUpdate = {
      TableName: this.tableName,
      Key: { pk: ledgerTag(current.ledgerKey) },
      ...expression,
      ConditionExpression: '#status = :readStatus AND updatedAt = :readAt',
      ExpressionAttributeNames: { ...expression.ExpressionAttributeNames, '#status': 'status' },
      ExpressionAttributeValues: {
        ...expression.ExpressionAttributeValues,
        ':readStatus': current.status,
        ':readAt': current.updatedAt,
      },
    };
    // Test sends say nothing of the journey: never counted.
    const deltas = current.test ? {} : ledgerTransitionDeltas(current, current, to);
    const written = await this.writeCounted(current, entryUpdate, deltas);
    if (written) this.remember(to);
    return written;
  }

  /**
   * Appends a delivery event (delivered, opened... unsubscribed) to an entry as it was read, and
   * counts it when it is the message's first of its kind; false when the entry's events changed
   * since it was read (read it again).
   */
  async appendEvent(entry: LedgerEntry, event: string): Promise<boolean> {
    const seen = entry.deliveryEvents?.length;
    const update = {
      TableName: this.tableName,
      Key: { pk: ledgerTag(entry.ledgerKey) },
      UpdateExpression: 'SET #events = list_append(if_not_exists(#events, :empty), :event)',
      ConditionExpression: `attribute_exists(pk) AND ${
        seen === undefined ? 'attribute_not_exists(#events)' : 'size(#events) = :seen'
      }`,
      ExpressionAttributeNames: { '#events': 'deliveryEvents' },
      ExpressionAttributeValues: {
        ':empty': [],
        ':event': [event],
        ...(seen === undefined ? {} : { ':seen': seen }),
      },
    };
    const written = await this.writeCounted(entry, update, entry.test ? {} : feedbackDeltas(entry, event));
    if (written) this.remember({ ...entry, deliveryEvents: [...(entry.deliveryEvents ?? []), event] });
    return written;
  }

  /**
   * Records on the entry of a message (by its `ledger` tag) that its contact unsubscribed through
   * its link, counted on the message's step: once per message, whatever the number of clicks.
   */
  async recordUnsubscribe(tag: string, at: string): Promise<'recorded' | 'unchanged' | 'no_entry'> {
    for (let attempt = 1; attempt <= MAX_SETTLE_ATTEMPTS; attempt++) {
      const entry = await this.getByTag(tag);
      if (!entry) return 'no_entry';
      const events = entry.deliveryEvents ?? [];
      if (
        events.some((text) => text.split(' ')[1] === 'unsubscribed') ||
        events.length >= MAX_DELIVERY_EVENTS
      )
        return 'unchanged';
      if (await this.appendEvent(entry, `${at} unsubscribed`)) return 'recorded';
    }
    throw new Error(`ledger entry ${tag} kept changing while recording an unsubscribe`);
  }

  /** An entry's conditional update, in one transaction with its counters when they change; false when its condition fails. */
  async writeCounted(entry: LedgerEntry, update: ItemUpdate, deltas: CounterDeltas): Promise<boolean> {
    let written = false;
    try {
      written = await updateIfHolds(
        update,
        Object.keys(deltas).length > 0 ? this.counters(entry, deltas) : undefined,
      );
      return written;
    } finally {
      // Not written (its condition failed, or the call did): what this container knew may be stale.
      if (!written) this.known.delete(entry.ledgerKey);
    }
  }

  /** The update of the counter item an entry counts in (its journey, day of creation and run's shard). */
  counters(entry: LedgerEntry, deltas: CounterDeltas) {
    const day = dayOf(entry.createdAt);
    return counterUpdate(
      this.tableName,
      sendCountersKey(entry.journeyId, day, shardOf(entry.runKey)),
      deltas,
      day,
    );
  }

  /**
   * Everything the ledger knows about a contact, oldest first. The index holds keys only (an entry's
   * status changes then write nothing to it), so the entries are read from the table by key.
   */
  async forContact(contactId: string): Promise<LedgerEntry[]> {
    const keys: Array<{ pk: string }> = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await dynamo.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: LEDGER_BY_CONTACT_INDEX,
          KeyConditionExpression: 'contactId = :contact',
          ExpressionAttributeValues: { ':contact': contactId },
          ProjectionExpression: 'pk',
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of page.Items ?? []) if (typeof item.pk === 'string') keys.push({ pk: item.pk });
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    const byTag = new Map<unknown, Record<string, unknown>>();
    for (const item of await batchGetAll(this.tableName, keys, { consistent: false }))
      byTag.set(item.pk, item);
    const entries: LedgerEntry[] = [];
    // In the index's order (by creation); an entry expired between the two reads is left out.
    for (const { pk } of keys) {
      const item = byTag.get(pk);
      if (item) entries.push(LedgerEntry.parse(item));
    }
    return entries;
  }

  /** Every entry of one journey (a filtered scan: for reports read by the CLI, not on a send path). */
  async forJourney(journeyId: string): Promise<LedgerEntry[]> {
    const entries: LedgerEntry[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await dynamo.send(
        new ScanCommand({
          TableName: this.tableName,
          FilterExpression: 'journeyId = :journey',
          ExpressionAttributeValues: { ':journey': journeyId },
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of page.Items ?? []) entries.push(LedgerEntry.parse(item));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return entries;
  }
}
