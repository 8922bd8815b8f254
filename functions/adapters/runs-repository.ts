/**
 * Journey-state table. A run (`RUN#<journey>#<runKey>` / `RUN`) holds the trigger, the contact,
 * its generation (bumped on each re-entry, so a stale schedule of an earlier run is ignored), its
 * status and, while paused, what it waits for. Listen items (`LISTEN#<eventType>#<value>` /
 * `<journey>#<runKey>`) let the event router find the runs a goal or waitFor event concerns.
 * Every state change is a conditional write, which is what makes at-least-once segments safe.
 */
import { GetCommand, PutCommand, QueryCommand, ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { dynamo } from '#shared/aws-clients.ts';
import { isConditionFailure } from './dynamo-errors.ts';

export type RunStatus = 'active' | 'waiting' | 'ended' | 'failed';

export interface RunWaiting {
  readonly stepId: string;
  readonly kind: 'wait' | 'waitFor';
  readonly until: string;
  readonly scheduleName: string;
}

export interface RunResolution {
  readonly stepId: string;
  readonly via: 'event' | 'timeout' | 'wait';
  readonly event?: Record<string, unknown>;
  /** Set when the resumed segment took the resolution (so a duplicate start does nothing). */
  readonly consumedAt?: string;
}

export interface RunHistoryEntry {
  readonly at: string;
  readonly step: string;
  readonly what: string;
}

export interface Run {
  readonly journeyId: string;
  readonly runKey: string;
  readonly gen: number;
  readonly status: RunStatus;
  readonly contactId?: string;
  readonly triggerType: string;
  readonly triggerEventId: string;
  readonly trigger: Record<string, unknown>;
  readonly startedAt: string;
  readonly updatedAt: string;
  readonly waiting?: RunWaiting;
  readonly resolution?: RunResolution;
  readonly endedAt?: string;
  readonly endReason?: string;
  readonly history: RunHistoryEntry[];
}

export interface ListenItem {
  readonly journeyId: string;
  readonly runKey: string;
  readonly gen: number;
}

const runKeyOf = (journeyId: string, runKey: string) => ({ pk: `RUN#${journeyId}#${runKey}`, sk: 'RUN' });
/** Runs are forgotten a while after their longest possible life (a year of waits). */
const RUN_RETENTION_SECONDS = 400 * 86_400;

export type EnterResult = { entered: true; run: Run } | { entered: false; reason: string };

export class RunsRepository {
  constructor(private readonly tableName: string) {}

  /**
   * Starts a run unless one is active for the same key (or, without re-entry, ever existed), and
   * never twice for the same trigger event.
   */
  async enter(input: {
    journeyId: string;
    runKey: string;
    reentry: boolean;
    contactId?: string;
    triggerType: string;
    triggerEventId: string;
    trigger: Record<string, unknown>;
    at: string;
    nowMs: number;
  }): Promise<EnterResult> {
    try {
      const { Attributes } = await dynamo.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: runKeyOf(input.journeyId, input.runKey),
          UpdateExpression:
            'SET journeyId = :journey, runKey = :runKey, #status = :active, contactId = :contact, triggerType = :type, ' +
            'triggerEventId = :eventId, #trigger = :trigger, startedAt = :at, updatedAt = :at, expiresAt = :expires, ' +
            'history = :history ADD gen :one REMOVE waiting, resolution, endedAt, endReason',
          ConditionExpression: input.reentry
            ? 'attribute_not_exists(pk) OR (#status IN (:ended, :failed) AND triggerEventId <> :eventId)'
            : 'attribute_not_exists(pk)',
          ExpressionAttributeNames: { '#status': 'status', '#trigger': 'trigger' },
          ExpressionAttributeValues: {
            ':journey': input.journeyId,
            ':runKey': input.runKey,
            ':active': 'active',
            ':contact': input.contactId ?? null,
            ':type': input.triggerType,
            ':eventId': input.triggerEventId,
            ':trigger': input.trigger,
            ':at': input.at,
            ':expires': Math.floor(input.nowMs / 1000) + RUN_RETENTION_SECONDS,
            ':history': [{ at: input.at, step: 'entry', what: `entered on ${input.triggerType}` }],
            ':one': 1,
            ...(input.reentry ? { ':ended': 'ended', ':failed': 'failed' } : {}),
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return { entered: true, run: toRun(Attributes) };
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      const existing = await this.get(input.journeyId, input.runKey);
      if (existing?.triggerEventId === input.triggerEventId)
        return { entered: false, reason: 'duplicate_trigger' };
      if (existing && (existing.status === 'active' || existing.status === 'waiting')) {
        return { entered: false, reason: 'run_already_active' };
      }
      return { entered: false, reason: 'reentry_not_allowed' };
    }
  }

  /** A run, read consistently. */
  async get(journeyId: string, runKey: string): Promise<Run | undefined> {
    const { Item } = await dynamo.send(
      new GetCommand({ TableName: this.tableName, Key: runKeyOf(journeyId, runKey), ConsistentRead: true }),
    );
    return Item ? toRun(Item) : undefined;
  }

  /** Marks a run paused at a step; idempotent for a retried step. */
  async pause(
    run: Pick<Run, 'journeyId' | 'runKey' | 'gen'>,
    waiting: RunWaiting,
    at: string,
  ): Promise<boolean> {
    return this.conditionalUpdate(run, {
      UpdateExpression:
        'SET #status = :waiting, waiting = :w, updatedAt = :at, history = list_append(history, :h)',
      ConditionExpression: 'gen = :gen AND (#status = :active OR waiting.stepId = :step)',
      values: {
        ':waiting': 'waiting',
        ':w': waiting,
        ':at': at,
        ':active': 'active',
        ':step': waiting.stepId,
        ':h': [
          {
            at,
            step: waiting.stepId,
            what: `${waiting.kind === 'wait' ? 'waiting' : 'waiting for event'} until ${waiting.until}`,
          },
        ],
      },
    });
  }

  /**
   * Claims the resumption of a paused run, once: the router for an event, a schedule for a timeout
   * or the end of a wait. Whoever claims first decides the branch; the others find the claim taken.
   */
  async claimResume(
    run: Pick<Run, 'journeyId' | 'runKey' | 'gen'>,
    resolution: RunResolution,
    at: string,
  ): Promise<Run | undefined> {
    try {
      const { Attributes } = await dynamo.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: runKeyOf(run.journeyId, run.runKey),
          UpdateExpression:
            'SET #status = :active, resolution = :r, updatedAt = :at, history = list_append(history, :h) REMOVE waiting',
          ConditionExpression: 'gen = :gen AND #status = :waiting AND waiting.stepId = :step',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':gen': run.gen,
            ':active': 'active',
            ':waiting': 'waiting',
            ':step': resolution.stepId,
            ':r': resolution,
            ':at': at,
            ':h': [{ at, step: resolution.stepId, what: `resumed by ${resolution.via}` }],
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return toRun(Attributes);
    } catch (error) {
      if (isConditionFailure(error)) return undefined;
      throw error;
    }
  }

  /** Takes the event resolution the router claimed, once: a duplicate start of the segment finds it taken. */
  async consumeEventResolution(
    run: Pick<Run, 'journeyId' | 'runKey' | 'gen'>,
    stepId: string,
    at: string,
  ): Promise<Run | undefined> {
    try {
      const { Attributes } = await dynamo.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: runKeyOf(run.journeyId, run.runKey),
          UpdateExpression: 'SET resolution.consumedAt = :at, updatedAt = :at',
          ConditionExpression:
            'gen = :gen AND #status = :active AND resolution.stepId = :step AND resolution.via = :event AND attribute_not_exists(resolution.consumedAt)',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':gen': run.gen,
            ':active': 'active',
            ':step': stepId,
            ':event': 'event',
            ':at': at,
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return toRun(Attributes);
    } catch (error) {
      if (isConditionFailure(error)) return undefined;
      throw error;
    }
  }

  /** Ends a run (completed, goal reached, failed); false when it had already ended or was re-entered. */
  async end(
    run: Pick<Run, 'journeyId' | 'runKey' | 'gen'>,
    status: 'ended' | 'failed',
    reason: string,
    at: string,
  ): Promise<boolean> {
    return this.conditionalUpdate(run, {
      UpdateExpression:
        'SET #status = :status, endReason = :reason, endedAt = :at, updatedAt = :at, history = list_append(history, :h) REMOVE waiting',
      ConditionExpression: 'gen = :gen AND #status IN (:active, :waiting)',
      values: {
        ':status': status,
        ':reason': reason,
        ':at': at,
        ':active': 'active',
        ':waiting': 'waiting',
        ':h': [{ at, step: 'end', what: `${status}: ${reason}` }],
      },
    });
  }

  /** Appends a line to a run's step history (sends, branches taken). */
  async note(run: Pick<Run, 'journeyId' | 'runKey' | 'gen'>, entry: RunHistoryEntry): Promise<void> {
    await this.conditionalUpdate(run, {
      UpdateExpression: 'SET history = list_append(history, :h), updatedAt = :at',
      ConditionExpression: 'gen = :gen',
      values: { ':h': [entry], ':at': entry.at },
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
    return (Items ?? []).map((item) => ({
      journeyId: String(item.journeyId),
      runKey: String(item.runKey),
      gen: Number(item.gen),
    }));
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

  private async conditionalUpdate(
    run: Pick<Run, 'journeyId' | 'runKey' | 'gen'>,
    update: { UpdateExpression: string; ConditionExpression: string; values: Record<string, unknown> },
  ): Promise<boolean> {
    try {
      await dynamo.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: runKeyOf(run.journeyId, run.runKey),
          UpdateExpression: update.UpdateExpression,
          ConditionExpression: update.ConditionExpression,
          ...(update.UpdateExpression.includes('#status') || update.ConditionExpression.includes('#status')
            ? { ExpressionAttributeNames: { '#status': 'status' } }
            : {}),
          ExpressionAttributeValues: { ':gen': run.gen, ...update.values },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }
}

function toRun(item: Record<string, unknown> | undefined): Run {
  if (!item) throw new Error('DynamoDB returned no run attributes');
  return {
    journeyId: String(item.journeyId),
    runKey: String(item.runKey),
    gen: Number(item.gen),
    status: item.status as RunStatus,
    ...(typeof item.contactId === 'string' ? { contactId: item.contactId } : {}),
    triggerType: String(item.triggerType),
    triggerEventId: String(item.triggerEventId),
    trigger: (item.trigger ?? {}) as Record<string, unknown>,
    startedAt: String(item.startedAt),
    updatedAt: String(item.updatedAt),
    ...(item.waiting ? { waiting: item.waiting as RunWaiting } : {}),
    ...(item.resolution ? { resolution: item.resolution as RunResolution } : {}),
    ...(typeof item.endedAt === 'string' ? { endedAt: item.endedAt } : {}),
    ...(typeof item.endReason === 'string' ? { endReason: item.endReason } : {}),
    history: (item.history ?? []) as RunHistoryEntry[],
  };
}
