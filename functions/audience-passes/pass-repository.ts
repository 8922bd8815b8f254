/**
 * Audience passes in the journey-state table. A pass (`PASS#<passId>` / `PASS`) names its journey,
 * segment and workers; each worker (`PASS#<passId>` / `WORKER#<n>`) keeps its scan cursor and its
 * counts. A page's progress is one conditional update on the worker's page number, so a retried
 * page never counts twice; the pass totals are the sum of its workers, read when asked.
 */

import * as z from '#catalogue/zod.ts';
import { batchGetAll } from '#platform/batch-get.ts';
import { dynamo, GetCommand, PutCommand, UpdateCommand } from '#platform/clients/dynamo.ts';
import { isConditionFailure } from '#platform/dynamo-errors.ts';

/** Passes are kept a year: long enough to compare this year's campaign with last year's. */
const PASS_TTL_SECONDS = 400 * 86_400;

export const PassCounts = z.object({
  /** Contacts read. */
  scanned: z._default(z.number(), 0),
  /** In the segment. */
  matched: z._default(z.number(), 0),
  /** In the segment but not at their local time this hour (admitted by a later pass). */
  notLocalTime: z._default(z.number(), 0),
  /** In the holdout share: recorded by the journey, sent nothing. */
  heldOut: z._default(z.number(), 0),
  /** Runs started. */
  admitted: z._default(z.number(), 0),
});
export type PassCounts = z.infer<typeof PassCounts>;

export const NO_COUNTS: PassCounts = { scanned: 0, matched: 0, notLocalTime: 0, heldOut: 0, admitted: 0 };

export const PassRecord = z.object({
  passId: z.string(),
  journeyId: z.string(),
  segment: z.string(),
  workers: z.number(),
  startedAt: z.string(),
});
export type PassRecord = z.infer<typeof PassRecord>;

/** A worker item: its counts (kept flat on the item so pages can ADD to them) and where it is. */
const StoredWorker = z.extend(PassCounts, {
  page: z._default(z.number(), 0),
  cursor: z.optional(z.record(z.string(), z.unknown())),
  done: z._default(z.boolean(), false),
  finishedAt: z.optional(z.string()),
});

/** A worker's progress: the item with its counts grouped. */
export type WorkerProgress = Omit<z.infer<typeof StoredWorker>, keyof PassCounts> & {
  readonly counts: PassCounts;
};

export interface PassSummary extends PassRecord {
  readonly status: 'running' | 'finished';
  readonly workersDone: number;
  readonly totals: PassCounts;
  readonly finishedAt?: string;
}

const passKey = (passId: string) => ({ pk: `PASS#${passId}`, sk: 'PASS' });
const workerKey = (passId: string, worker: number) => ({ pk: `PASS#${passId}`, sk: `WORKER#${worker}` });
const expiresAt = (nowMs: number) => Math.floor(nowMs / 1000) + PASS_TTL_SECONDS;

export class PassRepository {
  constructor(private readonly tableName: string) {}

  /**
   * Records a pass and its workers. Every write is conditional on the item's absence, so a retried
   * plan completes a half-written pass and never resets a worker that has started.
   */
  async create(pass: PassRecord, nowMs: number): Promise<void> {
    const putNew = async (item: Record<string, unknown>) => {
      try {
        await dynamo.send(
          new PutCommand({
            TableName: this.tableName,
            Item: { ...item, expiresAt: expiresAt(nowMs) },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        );
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
      }
    };
    await putNew({ ...passKey(pass.passId), ...pass });
    await Promise.all(
      Array.from({ length: pass.workers }, (_, worker) =>
        putNew({ ...workerKey(pass.passId, worker), page: 0, done: false, ...NO_COUNTS }),
      ),
    );
  }

  async pass(passId: string): Promise<PassRecord | undefined> {
    const { Item } = await dynamo.send(
      new GetCommand({ TableName: this.tableName, Key: passKey(passId), ConsistentRead: true }),
    );
    return Item ? PassRecord.parse(Item) : undefined;
  }

  async worker(passId: string, worker: number): Promise<WorkerProgress | undefined> {
    const { Item } = await dynamo.send(
      new GetCommand({ TableName: this.tableName, Key: workerKey(passId, worker), ConsistentRead: true }),
    );
    if (!Item) return undefined;
    const { page, cursor, done, finishedAt, ...counts } = StoredWorker.parse(Item);
    return { page, ...(cursor ? { cursor } : {}), done, counts, ...(finishedAt ? { finishedAt } : {}) };
  }

  /**
   * Records one page of a worker: its counts, the cursor to resume from (none when the segment is
   * exhausted). Conditioned on the page number read, so a retried page records nothing; false then.
   */
  async recordPage(
    passId: string,
    worker: number,
    page: number,
    progress: { counts: PassCounts; cursor?: Record<string, unknown>; done: boolean },
    at: string,
  ): Promise<boolean> {
    const { counts } = progress;
    try {
      await dynamo.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: workerKey(passId, worker),
          // Every name through a placeholder: `cursor` and friends are DynamoDB reserved words.
          UpdateExpression:
            `SET #page = :next, #done = :done, updatedAt = :at${progress.done ? ', finishedAt = :at' : ''}` +
            `${progress.cursor ? ', #cursor = :cursor' : ''} ` +
            'ADD #scanned :scanned, #matched :matched, #notLocalTime :notLocalTime, #heldOut :heldOut, #admitted :admitted' +
            `${progress.cursor ? '' : ' REMOVE #cursor'}`,
          ConditionExpression: '#page = :page AND #done = :false',
          ExpressionAttributeNames: {
            '#page': 'page',
            '#done': 'done',
            '#cursor': 'cursor',
            '#scanned': 'scanned',
            '#matched': 'matched',
            '#notLocalTime': 'notLocalTime',
            '#heldOut': 'heldOut',
            '#admitted': 'admitted',
          },
          ExpressionAttributeValues: {
            ':page': page,
            ':next': page + 1,
            ':done': progress.done,
            ':false': false,
            ':at': at,
            ...(progress.cursor ? { ':cursor': progress.cursor } : {}),
            ':scanned': counts.scanned,
            ':matched': counts.matched,
            ':notLocalTime': counts.notLocalTime,
            ':heldOut': counts.heldOut,
            ':admitted': counts.admitted,
          },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  /** The pass with its progress: workers done, and the totals over all workers. */
  async summary(passId: string): Promise<PassSummary | undefined> {
    const pass = await this.pass(passId);
    if (!pass) return undefined;
    const keys = Array.from({ length: pass.workers }, (_, worker) => workerKey(passId, worker));
    const items = (await batchGetAll(this.tableName, keys, { consistent: true })).map((item) =>
      StoredWorker.parse(item),
    );
    const totals = items.reduce<PassCounts>(
      (sum, c) => ({
        scanned: sum.scanned + c.scanned,
        matched: sum.matched + c.matched,
        notLocalTime: sum.notLocalTime + c.notLocalTime,
        heldOut: sum.heldOut + c.heldOut,
        admitted: sum.admitted + c.admitted,
      }),
      NO_COUNTS,
    );
    const done = items.filter((item) => item.done);
    const finishedAt = done
      .map((item) => item.finishedAt ?? '')
      .sort()
      .at(-1);
    const finished = done.length === pass.workers;
    return {
      ...pass,
      status: finished ? 'finished' : 'running',
      workersDone: done.length,
      totals,
      ...(finished && finishedAt ? { finishedAt } : {}),
    };
  }
}
