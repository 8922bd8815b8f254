/**
 * The send ledger: one item per (journey run, step, channel[, recipient]), stored under the digest
 * of its ledger key (`ledgerTag`), which is also the `ledger` tag every message carries: provider
 * feedback finds the entry of a message directly, with no index item. A send begins with a
 * conditional put, so a retried step finds its entry instead of sending again; the entry then
 * records the outcome. Read by contact through the `byContact` index to answer "why".
 */
import {
  dynamo,
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
  UpdateCommand,
} from '#platform/clients/dynamo.ts';
import { isConditionFailure } from '#platform/dynamo-errors.ts';
import { LedgerEntry, type LedgerOutcome, ledgerTag } from './ledger.ts';

const LEDGER_RETENTION_SECONDS = 400 * 86_400;

export class LedgerRepository {
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
    try {
      await dynamo.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: ledgerTag(ledgerKey) },
          UpdateExpression: 'SET #status = :status, updatedAt = :at REMOVE reason, detail, deferredUntil',
          ConditionExpression:
            from === 'failed' ? '#status = :from AND reason = :throttled' : '#status = :from',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':status': 'in_flight',
            ':from': from,
            ':at': at,
            ...(from === 'failed' ? { ':throttled': 'throttled' } : {}),
          },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
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
    return LedgerEntry.parse(Item);
  }

  /** Records the outcome of an in-flight entry (or a later delivery event on a sent one). */
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
    await dynamo.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { pk: ledgerTag(ledgerKey) },
        UpdateExpression: `SET ${sets.join(', ')}`,
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      }),
    );
  }

  /** Everything the ledger knows about a contact, oldest first. */
  async forContact(contactId: string): Promise<LedgerEntry[]> {
    const entries: LedgerEntry[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await dynamo.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: 'byContact',
          KeyConditionExpression: 'contactId = :contact',
          ExpressionAttributeValues: { ':contact': contactId },
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of page.Items ?? []) entries.push(LedgerEntry.parse(item));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
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
