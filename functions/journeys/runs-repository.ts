/**
 * Journey-state table. A run (`RUN#<journey>#<runKey>` / `RUN`) holds its generation (bumped on each
 * re-entry, so a stale schedule of an earlier run is ignored), status and, while paused, what it
 * waits for. It stays small (under 1 KB, one write unit per change): the trigger detail is its own
 * item (`TRIGGER#<eventId>`), written once. Listen items (`LISTEN#<eventType>#<value>` /
 * `<journey>#<runKey>`) let the router find runs a goal or waitFor event concerns when the run key
 * cannot be computed from the event. Every state change is a conditional write: that is what makes
 * at-least-once segments safe.
 */

import * as z from 'zod';
import {
  dynamo,
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
  UpdateCommand,
} from '#platform/clients/dynamo.ts';
import { isConditionFailure } from '#platform/dynamo-errors.ts';

export const RunStatus = z.enum(['active', 'waiting', 'ended', 'failed']);
export type RunStatus = z.infer<typeof RunStatus>;

export const RunWaiting = z.object({
  stepId: z.string(),
  /** A wait, a waitFor, or a send deferred (quiet hours, awaiting provider evidence). */
  kind: z.enum(['wait', 'waitFor', 'defer']),
  until: z.string(),
});
export type RunWaiting = z.infer<typeof RunWaiting>;

export const RunResolution = z.object({
  stepId: z.string(),
  via: z.enum(['event', 'timeout', 'wait', 'defer']),
  event: z.record(z.string(), z.unknown()).optional(),
  /** Set when the resumed segment took the resolution (so a duplicate start does nothing). */
  consumedAt: z.string().optional(),
});
export type RunResolution = z.infer<typeof RunResolution>;

export interface RunHistoryEntry {
  readonly at: string;
  readonly step: string;
  readonly what: string;
}

/** A run item as stored, less its keys and expiry. */
const StoredRun = z.object({
  journeyId: z.string(),
  runKey: z.string(),
  gen: z.number(),
  status: RunStatus,
  contactId: z.string().optional(),
  triggerType: z.string(),
  triggerEventId: z.string(),
  startedAt: z.string(),
  updatedAt: z.string(),
  waiting: RunWaiting.optional(),
  resolution: RunResolution.optional(),
  endedAt: z.string().optional(),
  endReason: z.string().optional(),
  /** The trigger detail, when small enough to ride on the run item. */
  trigger: z.record(z.string(), z.unknown()).optional(),
});

export type Run = z.infer<typeof StoredRun> & {
  /** What the run's fields say happened, oldest first (derived, not stored). */
  readonly history: RunHistoryEntry[];
};

const TriggerDetail = z.record(z.string(), z.unknown()).default({});

/** A run listening for an event (goal or waitFor), as its listen item names it. */
export const ListenItem = z.object({ journeyId: z.string(), runKey: z.string(), gen: z.number() });
export type ListenItem = z.infer<typeof ListenItem>;

type RunRef = Pick<Run, 'journeyId' | 'runKey' | 'gen'>;

const runPk = (journeyId: string, runKey: string) => `RUN#${journeyId}#${runKey}`;
/** The key of a run's item (for batch reads by other tools, e.g. the campaign dry run). */
export const runKeyOf = (journeyId: string, runKey: string) => ({ pk: runPk(journeyId, runKey), sk: 'RUN' });
/** Runs are forgotten a while after their longest possible life (a year of waits). */
const RUN_RETENTION_SECONDS = 400 * 86_400;
const STATUS = { '#status': 'status' };
/** Largest trigger (as JSON) kept on the run item: with the run's own fields it stays under 1 KB. */
const INLINE_TRIGGER_BYTES = 450;

export type EnterResult = { entered: true; run: Run } | { entered: false; reason: string; existing?: Run };

export class RunsRepository {
  constructor(private readonly tableName: string) {}

  /**
   * Starts a run unless one is active for the same key (or, without re-entry, ever existed), and
   * never twice for the same trigger event. With `pause`, the run starts already paused at its
   * first step (one write instead of two).
   */
  async enter(input: {
    journeyId: string;
    runKey: string;
    reentry: boolean;
    contactId?: string;
    triggerType: string;
    triggerEventId: string;
    trigger: Record<string, unknown>;
    pause?: RunWaiting;
    at: string;
    nowMs: number;
  }): Promise<EnterResult> {
    const expiresAt = Math.floor(input.nowMs / 1000) + RUN_RETENTION_SECONDS;
    // A small trigger rides on the run item (still under 1 KB: one write unit per change); a large one
    // gets its own item, written first so the run never points to a trigger that is not there.
    const inline = JSON.stringify(input.trigger).length <= INLINE_TRIGGER_BYTES;
    if (!inline) {
      await dynamo.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            pk: runPk(input.journeyId, input.runKey),
            sk: `TRIGGER#${input.triggerEventId}`,
            detail: input.trigger,
            expiresAt,
          },
        }),
      );
    }
    const sets = [
      'journeyId = :journey',
      'runKey = :runKey',
      '#status = :status',
      'contactId = :contact',
      'triggerType = :type',
      'triggerEventId = :eventId',
      'startedAt = :at',
      'updatedAt = :at',
      'expiresAt = :expires',
      ...(input.pause ? ['waiting = :waiting'] : []),
      ...(inline ? ['#trigger = :trigger'] : []),
    ];
    const removes = [
      'resolution',
      'endedAt',
      'endReason',
      ...(input.pause ? [] : ['waiting']),
      ...(inline ? [] : ['#trigger']),
    ];
    try {
      const { Attributes } = await dynamo.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: runKeyOf(input.journeyId, input.runKey),
          UpdateExpression: `SET ${sets.join(', ')} ADD gen :one REMOVE ${removes.join(', ')}`,
          ConditionExpression: input.reentry
            ? 'attribute_not_exists(pk) OR (#status IN (:ended, :failed) AND triggerEventId <> :eventId)'
            : 'attribute_not_exists(pk)',
          ExpressionAttributeNames: { ...STATUS, '#trigger': 'trigger' },
          ExpressionAttributeValues: {
            ':journey': input.journeyId,
            ':runKey': input.runKey,
            ':status': input.pause ? 'waiting' : 'active',
            ':contact': input.contactId ?? null,
            ':type': input.triggerType,
            ':eventId': input.triggerEventId,
            ':at': input.at,
            ':expires': expiresAt,
            ':one': 1,
            ...(inline ? { ':trigger': input.trigger } : {}),
            ...(input.pause ? { ':waiting': input.pause } : {}),
            ...(input.reentry ? { ':ended': 'ended', ':failed': 'failed' } : {}),
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return { entered: true, run: toRun(Attributes) };
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      const existing = await this.get(input.journeyId, input.runKey);
      const found = existing ? { existing } : {};
      if (existing?.triggerEventId === input.triggerEventId)
        return { entered: false, reason: 'duplicate_trigger', ...found };
      if (existing && (existing.status === 'active' || existing.status === 'waiting')) {
        return { entered: false, reason: 'run_already_active', ...found };
      }
      return { entered: false, reason: 'reentry_not_allowed', ...found };
    }
  }

  /** A run, read consistently. */
  async get(journeyId: string, runKey: string): Promise<Run | undefined> {
    const { Item } = await dynamo.send(
      new GetCommand({ TableName: this.tableName, Key: runKeyOf(journeyId, runKey), ConsistentRead: true }),
    );
    return Item ? toRun(Item) : undefined;
  }

  /** The detail of the event that started a run. */
  async trigger(
    run: Pick<Run, 'journeyId' | 'runKey' | 'triggerEventId' | 'trigger'>,
  ): Promise<Record<string, unknown>> {
    if (run.trigger) return run.trigger;
    const { Item } = await dynamo.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { pk: runPk(run.journeyId, run.runKey), sk: `TRIGGER#${run.triggerEventId}` },
      }),
    );
    return TriggerDetail.parse(Item?.detail);
  }

  /** Marks a run paused at a step; idempotent for a retried step. */
  async pause(run: RunRef, waiting: RunWaiting, at: string): Promise<boolean> {
    return this.conditionalUpdate(run, {
      UpdateExpression: 'SET #status = :waiting, waiting = :w, updatedAt = :at',
      ConditionExpression: 'gen = :gen AND (#status = :active OR waiting.stepId = :step)',
      values: {
        ':waiting': 'waiting',
        ':w': waiting,
        ':at': at,
        ':active': 'active',
        ':step': waiting.stepId,
      },
    });
  }

  /**
   * Claims the resumption of a paused run, once: the router for an event, a schedule for a timeout
   * or the end of a wait. Whoever claims first decides the branch; the others find the claim taken.
   */
  async claimResume(run: RunRef, resolution: RunResolution, at: string): Promise<Run | undefined> {
    return this.updateReturning(run, {
      UpdateExpression: 'SET #status = :active, resolution = :r, updatedAt = :at REMOVE waiting',
      ConditionExpression: 'gen = :gen AND #status = :waiting AND waiting.stepId = :step',
      values: {
        ':active': 'active',
        ':waiting': 'waiting',
        ':step': resolution.stepId,
        ':r': resolution,
        ':at': at,
      },
    });
  }

  /** Takes the event resolution the router claimed, once: a duplicate start of the segment finds it taken. */
  async consumeEventResolution(run: RunRef, stepId: string, at: string): Promise<Run | undefined> {
    return this.updateReturning(run, {
      UpdateExpression: 'SET resolution.consumedAt = :at, updatedAt = :at',
      ConditionExpression:
        'gen = :gen AND #status = :active AND resolution.stepId = :step AND resolution.via = :event AND attribute_not_exists(resolution.consumedAt)',
      values: { ':active': 'active', ':step': stepId, ':event': 'event', ':at': at },
    });
  }

  /** Ends a run (completed, goal reached, failed); false when it had already ended or was re-entered. */
  async end(run: RunRef, status: 'ended' | 'failed', reason: string, at: string): Promise<boolean> {
    return this.conditionalUpdate(run, {
      UpdateExpression:
        'SET #status = :status, endReason = :reason, endedAt = :at, updatedAt = :at REMOVE waiting',
      ConditionExpression: 'gen = :gen AND #status IN (:active, :waiting)',
      values: { ':status': status, ':reason': reason, ':at': at, ':active': 'active', ':waiting': 'waiting' },
    });
  }

  /** Registers that a run listens for an event type with a correlation value (goal or waitFor). */
  async listen(eventType: string, value: string, item: ListenItem, nowMs: number): Promise<void> {
    await dynamo.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          pk: `LISTEN#${eventType}#${value}`,
          sk: `${item.journeyId}#${item.runKey}`,
          ...item,
          expiresAt: Math.floor(nowMs / 1000) + RUN_RETENTION_SECONDS,
        },
      }),
    );
  }

  /** The runs listening for an event type with a correlation value. */
  async listeners(eventType: string, value: string): Promise<ListenItem[]> {
    const { Items } = await dynamo.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': `LISTEN#${eventType}#${value}` },
        ConsistentRead: true,
      }),
    );
    return (Items ?? []).map((item) => ListenItem.parse(item));
  }

  /** Runs, most recently updated first, for the local page and the CLI (a scan: not for hot paths). */
  async list(limit: number): Promise<Run[]> {
    const runs: Run[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const { Items, LastEvaluatedKey } = await dynamo.send(
        new ScanCommand({
          TableName: this.tableName,
          FilterExpression: 'sk = :run',
          ExpressionAttributeValues: { ':run': 'RUN' },
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of Items ?? []) runs.push(toRun(item));
      startKey = LastEvaluatedKey;
    } while (startKey);
    return runs.sort((a, b) => b.updatedAt.localeCompare(a.updatedAt)).slice(0, limit);
  }

  private async updateReturning(run: RunRef, update: RunUpdate): Promise<Run | undefined> {
    const written = await this.writeUpdate(run, update, 'ALL_NEW');
    return written && toRun(written.Attributes);
  }

  private async conditionalUpdate(run: RunRef, update: RunUpdate): Promise<boolean> {
    return (await this.writeUpdate(run, update, 'NONE')) !== undefined;
  }

  /** One conditional update on the run's generation; undefined when its condition fails. */
  private async writeUpdate(
    run: RunRef,
    update: RunUpdate,
    returnValues: 'ALL_NEW' | 'NONE',
  ): Promise<{ Attributes?: Record<string, unknown> } | undefined> {
    try {
      return await dynamo.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: runKeyOf(run.journeyId, run.runKey),
          UpdateExpression: update.UpdateExpression,
          ConditionExpression: update.ConditionExpression,
          ExpressionAttributeNames: STATUS,
          ExpressionAttributeValues: { ':gen': run.gen, ...update.values },
          ReturnValues: returnValues,
        }),
      );
    } catch (error) {
      if (isConditionFailure(error)) return undefined;
      throw error;
    }
  }
}

/** A conditional change of a run item. */
interface RunUpdate {
  readonly UpdateExpression: string;
  readonly ConditionExpression: string;
  readonly values: Record<string, unknown>;
}

/** What a run's fields say happened, for people reading it. */
function historyOf(run: z.infer<typeof StoredRun>): RunHistoryEntry[] {
  const history: RunHistoryEntry[] = [
    { at: run.startedAt, step: 'entry', what: `entered on ${run.triggerType}` },
  ];
  const { resolution, waiting } = run;
  if (resolution)
    history.push({
      at: resolution.consumedAt ?? run.updatedAt,
      step: resolution.stepId,
      what: `last resumed by ${resolution.via}`,
    });
  if (waiting)
    history.push({
      at: run.updatedAt,
      step: waiting.stepId,
      what: `${waiting.kind === 'wait' ? 'waiting' : 'waiting for an event'} until ${waiting.until}`,
    });
  if (run.endedAt)
    history.push({
      at: run.endedAt,
      step: 'end',
      what: `${run.status}: ${String(run.endReason)}`,
    });
  return history;
}

function toRun(item: Record<string, unknown> | undefined): Run {
  if (!item) throw new Error('DynamoDB returned no run attributes');
  // A run without a contact stores contactId as null.
  const { contactId, ...rest } = item;
  const run = StoredRun.parse(typeof contactId === 'string' ? item : rest);
  return { ...run, history: historyOf(run) };
}
