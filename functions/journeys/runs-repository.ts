/**
 * Journey-state table. A run (`RUN#<journey>#<runKey>` / `RUN`) holds its generation (bumped on each
 * re-entry, so a stale schedule of an earlier run is ignored), status and, while paused, what it
 * waits for. It stays small (under 1 KB, one write unit per change): the trigger detail is its own
 * item (`TRIGGER#<eventId>`), written once. Listen items (`LISTEN#<eventType>#<value>` /
 * `<journey>#<runKey>`) let the router find runs a goal or waitFor event concerns when the run key
 * cannot be computed from the event. Every state change is a conditional write: that is what makes
 * at-least-once segments safe.
 */

import * as z from '#catalogue/zod.ts';
import {
  dynamo,
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
  UpdateCommand,
} from '#platform/clients/dynamo.ts';
import { updateIfHolds } from '#platform/conditional-update.ts';
import { isConditionFailure } from '#platform/dynamo-errors.ts';
import {
  type CounterDeltas,
  counterUpdate,
  dayOf,
  type RunMetric,
  runCounter,
  runCountersKey,
  shardOf,
} from '../journey-report/counters.ts';

/**
 * `stalled`: a waiting run whose wake-up is overdue (its schedule missing, or failing); the sweeper
 * marks it with the reason and resumes it again. It still waits at its step and resumes like a
 * waiting run.
 */
export const RunStatus = z.enum(['active', 'waiting', 'stalled', 'ended', 'failed']);
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
  event: z.optional(z.record(z.string(), z.unknown())),
  /** Set when the resumed segment took the resolution (so a duplicate start does nothing). */
  consumedAt: z.optional(z.string()),
  /**
   * The execution that resumed the run (claimed the wake-up or consumed the event): the same
   * execution may take it again (a retried Resume task, or an execution started again after a crash).
   */
  execution: z.optional(z.string()),
});
export type RunResolution = z.infer<typeof RunResolution>;

/** A run moved to another journey version, or ended because of one (the in-flight policy). */
export const VersionChange = z.object({
  at: z.string(),
  from: z.optional(z.string()),
  to: z.string(),
  policy: z.enum(['migrate', 'exit', 'adopt']),
  /** The step the run waited at, and the step it waits at in the new version (migrate). */
  step: z.string(),
  toStep: z.optional(z.string()),
});
export type VersionChange = z.infer<typeof VersionChange>;

/** Why the sweeper found a run overdue, and how often it resumed it again. */
export const RunStall = z.object({
  at: z.string(),
  reason: z.string(),
  attempts: z.number(),
  /** The step the run was waiting at when it stalled (absent on stalls recorded before it was kept). */
  stepId: z.optional(z.string()),
});
export type RunStall = z.infer<typeof RunStall>;

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
  contactId: z.optional(z.string()),
  triggerType: z.string(),
  triggerEventId: z.string(),
  startedAt: z.string(),
  updatedAt: z.string(),
  waiting: z.optional(RunWaiting),
  resolution: z.optional(RunResolution),
  endedAt: z.optional(z.string()),
  endReason: z.optional(z.string()),
  /** The execution that entered the run: only it may go on with an entry that did not finish. */
  enteredBy: z.optional(z.string()),
  /** The trigger detail, when small enough to ride on the run item. */
  trigger: z.optional(z.record(z.string(), z.unknown())),
  /** The journey version the run is on: the one it entered on, unless a policy moved it. */
  version: z.optional(z.string()),
  versionChanges: z.optional(z.array(VersionChange)),
  /** Set by the sweeper when the run's wake-up was overdue; kept as history once it resumed. */
  stall: z.optional(RunStall),
  /** While it waits: when it should resume (or, once stalled, when the sweeper looks again). */
  wakeAt: z.optional(z.string()),
  /** When its goal event (within the attribution window) converted it, and the order total. */
  convertedAt: z.optional(z.string()),
  conversionRevenue: z.optional(z.number()),
});

export type Run = z.infer<typeof StoredRun> & {
  /** What the run's fields say happened, oldest first (derived, not stored). */
  readonly history: RunHistoryEntry[];
};

const TriggerDetail = z._default(z.record(z.string(), z.unknown()), {});

/** A run listening for an event (goal or waitFor), as its listen item names it. */
export const ListenItem = z.object({ journeyId: z.string(), runKey: z.string(), gen: z.number() });
export type ListenItem = z.infer<typeof ListenItem>;

/** A listen item as read: when the run registered it (epoch seconds, from its expiry), when known. */
export type Listener = ListenItem & { readonly listenedAtSeconds?: number };

type RunRef = Pick<Run, 'journeyId' | 'runKey' | 'gen'>;

const runPk = (journeyId: string, runKey: string) => `RUN#${journeyId}#${runKey}`;
/** The key of a run's item (for batch reads by other tools, e.g. the campaign dry run). */
export const runKeyOf = (journeyId: string, runKey: string) => ({ pk: runPk(journeyId, runKey), sk: 'RUN' });
/** Runs are forgotten a while after their longest possible life (a year of waits). */
const RUN_RETENTION_SECONDS = 400 * 86_400;
const STATUS = { '#status': 'status' };
/** Largest trigger (as JSON) kept on the run item: with the run's own fields it stays under 1 KB. */
const INLINE_TRIGGER_BYTES = 450;

/**
 * The wake index (GSI `byWake`): a waiting run carries `wakeShard` and `wakeAt` (when it should
 * resume), removed as soon as it resumes or ends, so the index holds waiting runs only and the
 * sweeper finds the overdue ones with one query per shard. Shards spread the index's writes.
 */
export const WAKE_INDEX = 'byWake';
export const WAKE_SHARDS = 4;

/** The wake-index shard of a run. */
export function wakeShardOf(journeyId: string, runKey: string): string {
  let hash = 0;
  for (const char of `${journeyId}#${runKey}`) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return `WAKE#${hash % WAKE_SHARDS}`;
}

/** A run the wake index lists: its keys, and when it should have resumed. */
export interface WakeEntry {
  readonly journeyId: string;
  readonly runKey: string;
  readonly wakeAt: string;
}

/**
 * `again`: the run was entered by this same execution (its Enter retried, or begun again after a
 * crash) and has not got past its first segment: the execution goes on with it.
 */
export type EnterResult =
  | { entered: true; run: Run; again?: true }
  | { entered: false; reason: string; existing?: Run };

/**
 * Whether a listener was registered by this run: its generation, and not before the run entered.
 * An ended run of a re-entrant journey is forgotten before its listen items (run-retention.ts), so
 * a run entered again under the same key starts over at generation 1; a listener the earlier run
 * left (for another contact's orders, say) has that generation too, but was registered before.
 */
export function listensFor(listener: Listener, run: Pick<Run, 'gen' | 'startedAt'>): boolean {
  if (listener.gen !== run.gen) return false;
  return (
    listener.listenedAtSeconds === undefined ||
    listener.listenedAtSeconds >= Math.floor(Date.parse(run.startedAt) / 1000)
  );
}

export interface RunsRepositoryOptions {
  /**
   * Seconds a run of the journey ended (not failed) is kept after its end, when not the 400 days
   * from its entry (functions/journeys/run-retention.ts); without it, every run keeps those.
   */
  readonly endedRunRetention?: (journeyId: string) => number | undefined;
}

export class RunsRepository {
  constructor(
    private readonly tableName: string,
    private readonly options: RunsRepositoryOptions = {},
  ) {}

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
    /** The journey version the run enters on. */
    version?: string;
    /** The execution entering it (its name). */
    execution?: string;
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
    // What the entry writes, attribute by attribute: the update sets these, and a first entry (gen 1)
    // is exactly these, so it needs no read back.
    const written: Record<string, unknown> = {
      journeyId: input.journeyId,
      runKey: input.runKey,
      status: input.pause ? 'waiting' : 'active',
      contactId: input.contactId ?? null,
      triggerType: input.triggerType,
      triggerEventId: input.triggerEventId,
      startedAt: input.at,
      updatedAt: input.at,
      expiresAt,
      ...(input.pause
        ? {
            waiting: input.pause,
            wakeShard: wakeShardOf(input.journeyId, input.runKey),
            wakeAt: input.pause.until,
          }
        : {}),
      ...(inline ? { trigger: input.trigger } : {}),
      ...(input.version ? { version: input.version } : {}),
      ...(input.execution ? { enteredBy: input.execution } : {}),
    };
    const removes = [
      'resolution',
      'endedAt',
      'endReason',
      'versionChanges',
      'stall',
      'convertedAt',
      'conversionRevenue',
      ...(input.pause ? [] : ['waiting', 'wakeShard', 'wakeAt']),
      ...(inline ? [] : ['trigger']),
      ...(input.version ? [] : ['version']),
      ...(input.execution ? [] : ['enteredBy']),
    ];
    const names = [...Object.keys(written), ...removes];
    const enter = {
      TableName: this.tableName,
      Key: runKeyOf(input.journeyId, input.runKey),
      UpdateExpression: `SET ${Object.keys(written)
        .map((name) => `#${name} = :${name}`)
        .join(', ')} ADD gen :one REMOVE ${removes.map((name) => `#${name}`).join(', ')}`,
      ConditionExpression: input.reentry
        ? 'attribute_not_exists(pk) OR (#status IN (:ended, :failed) AND #triggerEventId <> :triggerEventId)'
        : 'attribute_not_exists(pk)',
      ExpressionAttributeNames: Object.fromEntries(names.map((name) => [`#${name}`, name])),
      ExpressionAttributeValues: {
        ...Object.fromEntries(Object.entries(written).map(([name, value]) => [`:${name}`, value])),
        ':one': 1,
        ...(input.reentry ? { ':ended': 'ended', ':failed': 'failed' } : {}),
      },
    };
    // Entered and counted together: a retried entry neither enters nor counts twice.
    const entered = await updateIfHolds(
      enter,
      this.counters({ ...input, startedAt: input.at }, { [runCounter(input.version, 'entered')]: 1 }),
    );
    if (entered && !input.reentry) return { entered: true, run: toRun({ ...written, gen: 1 }) };
    if (entered) {
      // A re-entry's generation follows the ended run's: read it.
      const run = await this.get(input.journeyId, input.runKey);
      if (!run) throw new Error(`run ${input.journeyId}/${input.runKey} not found after entering it`);
      return { entered: true, run };
    }
    // Not entered: say why.
    const existing = await this.get(input.journeyId, input.runKey);
    const found = existing ? { existing } : {};
    if (existing?.triggerEventId === input.triggerEventId) {
      if (input.execution && existing.status === 'active' && existing.enteredBy === input.execution)
        return { entered: true, run: existing, again: true };
      return { entered: false, reason: 'duplicate_trigger', ...found };
    }
    if (
      existing &&
      (existing.status === 'active' || existing.status === 'waiting' || existing.status === 'stalled')
    ) {
      return { entered: false, reason: 'run_already_active', ...found };
    }
    return { entered: false, reason: 'reentry_not_allowed', ...found };
  }

  /** The update adding `deltas` to the counter item a run counts in (its journey, start day and shard). */
  private counters(run: { journeyId: string; runKey: string; startedAt: string }, deltas: CounterDeltas) {
    const day = dayOf(run.startedAt);
    return counterUpdate(
      this.tableName,
      runCountersKey(run.journeyId, day, shardOf(run.runKey)),
      deltas,
      day,
    );
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
      UpdateExpression:
        'SET #status = :waiting, waiting = :w, updatedAt = :at, wakeShard = :shard, wakeAt = :wakeAt',
      ConditionExpression: 'gen = :gen AND (#status = :active OR waiting.stepId = :step)',
      values: {
        ':waiting': 'waiting',
        ':w': waiting,
        ':at': at,
        ':active': 'active',
        ':step': waiting.stepId,
        ':shard': wakeShardOf(run.journeyId, run.runKey),
        ':wakeAt': waiting.until,
      },
    });
  }

  /**
   * Claims the resumption of a paused run, once: the router for an event, a schedule for a timeout
   * or the end of a wait. Whoever claims first decides the branch; the others find the claim taken.
   */
  async claimResume(run: RunRef, resolution: RunResolution, at: string): Promise<Run | undefined> {
    // The execution that claimed it may claim it again: its Resume task was retried, or the
    // execution was started again after its process died, and the segment must still run.
    // (DynamoDB refuses redundant parentheses: the alternative is added only when there is one.)
    const waitingHere = '#status IN (:waiting, :stalled) AND waiting.stepId = :step';
    const claimable = resolution.execution
      ? `(${waitingHere}) OR (#status = :active AND resolution.stepId = :step AND resolution.execution = :execution)`
      : waitingHere;
    return this.updateReturning(run, {
      UpdateExpression:
        'SET #status = :active, resolution = :r, updatedAt = :at REMOVE waiting, wakeShard, wakeAt',
      ConditionExpression: resolution.execution
        ? `gen = :gen AND (${claimable})`
        : `gen = :gen AND ${claimable}`,
      values: {
        ':active': 'active',
        ':waiting': 'waiting',
        ':stalled': 'stalled',
        ':step': resolution.stepId,
        ':r': resolution,
        ':at': at,
        ...(resolution.execution ? { ':execution': resolution.execution } : {}),
      },
    });
  }

  /**
   * Takes the event resolution the router claimed, once: a duplicate start of the segment finds it
   * taken; the execution that took it may take it again (a retried task, or a restart after a crash).
   */
  async consumeEventResolution(
    run: RunRef,
    stepId: string,
    at: string,
    execution?: string,
  ): Promise<Run | undefined> {
    return this.updateReturning(run, {
      UpdateExpression: `SET resolution.consumedAt = :at, updatedAt = :at${execution ? ', resolution.execution = :execution' : ''}`,
      ConditionExpression: `gen = :gen AND #status = :active AND resolution.stepId = :step AND resolution.via = :event AND ${
        execution
          ? '(attribute_not_exists(resolution.consumedAt) OR resolution.execution = :execution)'
          : 'attribute_not_exists(resolution.consumedAt)'
      }`,
      values: {
        ':active': 'active',
        ':step': stepId,
        ':event': 'event',
        ':at': at,
        ...(execution ? { ':execution': execution } : {}),
      },
    });
  }

  /**
   * Ends a run (completed, goal reached, failed), counted in its journey's counters in the same
   * transaction; false when it had already ended or was re-entered.
   */
  async end(
    run: RunRef | Run,
    status: 'ended' | 'failed',
    reason: string,
    at: string,
    versionChange?: VersionChange,
  ): Promise<boolean> {
    // The counters need the day it started and its version: read unless the caller has the run (the
    // write's condition checks that it still holds either way).
    const current = 'startedAt' in run ? run : await this.get(run.journeyId, run.runKey);
    if (!current || current.gen !== run.gen || !['active', 'waiting', 'stalled'].includes(current.status))
      return false;
    // A failed run keeps its 400 days: a failure stays where `relance why` and the page show it.
    const retention = status === 'ended' ? this.options.endedRunRetention?.(run.journeyId) : undefined;
    return updateIfHolds(
      {
        TableName: this.tableName,
        Key: runKeyOf(run.journeyId, run.runKey),
        UpdateExpression: `SET #status = :status, endReason = :reason, endedAt = :at, updatedAt = :at${
          versionChange ? ', versionChanges = list_append(if_not_exists(versionChanges, :none), :change)' : ''
        }${retention === undefined ? '' : ', expiresAt = :expiresAt'} REMOVE waiting, wakeShard, wakeAt`,
        ConditionExpression: 'gen = :gen AND #status IN (:active, :waiting, :stalled)',
        ExpressionAttributeNames: STATUS,
        ExpressionAttributeValues: {
          ':gen': run.gen,
          ':status': status,
          ':reason': reason,
          ':at': at,
          ':active': 'active',
          ':waiting': 'waiting',
          ':stalled': 'stalled',
          ...(versionChange ? { ':none': [], ':change': [versionChange] } : {}),
          ...(retention === undefined ? {} : { ':expiresAt': Math.floor(Date.parse(at) / 1000) + retention }),
        },
      },
      this.counters(current, { [runCounter(current.version, endingMetric(status, reason))]: 1 }),
    );
  }

  /**
   * Records that the goal event at `at` converted the run (treated or held out), with the order's
   * total, counted in its journey's counters in the same transaction: once per run generation,
   * whatever the number of goal events; false when it converted already or was re-entered.
   */
  async recordConversion(run: Run, at: string, revenue: number): Promise<boolean> {
    const heldOut = run.status === 'ended' && run.endReason === 'holdout';
    const deltas = {
      [runCounter(run.version, heldOut ? 'heldOutConverted' : 'converted')]: 1,
      ...(revenue !== 0
        ? { [runCounter(run.version, heldOut ? 'heldOutRevenue' : 'revenue')]: revenue }
        : {}),
    };
    return updateIfHolds(
      {
        TableName: this.tableName,
        Key: runKeyOf(run.journeyId, run.runKey),
        UpdateExpression: 'SET convertedAt = :at, conversionRevenue = :revenue',
        ConditionExpression: 'gen = :gen AND attribute_not_exists(convertedAt)',
        ExpressionAttributeValues: { ':gen': run.gen, ':at': at, ':revenue': revenue },
      },
      this.counters(run, deltas),
    );
  }

  /**
   * Moves a resumed run to another version of its journey (the `migrate` policy, or a run entered
   * before versions were recorded adopting the deployed one); false when it moved already or changed.
   */
  async changeVersion(run: RunRef & { version?: string }, change: VersionChange): Promise<boolean> {
    return this.conditionalUpdate(run, {
      UpdateExpression:
        'SET version = :to, updatedAt = :at, versionChanges = list_append(if_not_exists(versionChanges, :none), :change)',
      ConditionExpression: `gen = :gen AND #status = :active AND ${
        run.version ? 'version = :from' : 'attribute_not_exists(version)'
      }`,
      values: {
        ':to': change.to,
        ':at': change.at,
        ':none': [],
        ':change': [change],
        ':active': 'active',
        ...(run.version ? { ':from': run.version } : {}),
      },
    });
  }

  /**
   * Marks a run still waiting at `stepId` stalled (its wake-up is overdue) with the reason and the
   * sweep's attempt number, and moves its wake-up to `retryAt` so a later sweep looks again then.
   * Only while its wake-up is still `seenWakeAt`, the one the wake index listed as overdue: a run
   * that resumed and paused again since is not stalled. Returns the run as marked, or undefined when
   * it resumed or changed meanwhile.
   */
  async stall(
    run: RunRef,
    stepId: string,
    stall: RunStall & { retryAt: string },
    seenWakeAt: string,
  ): Promise<Run | undefined> {
    return this.updateReturning(run, {
      UpdateExpression:
        'SET #status = :stalled, stall = :stall, updatedAt = :at, wakeAt = :retryAt, wakeShard = :shard',
      ConditionExpression:
        'gen = :gen AND #status IN (:waiting, :stalled) AND waiting.stepId = :step AND wakeAt = :seenWakeAt',
      values: {
        ':stalled': 'stalled',
        ':waiting': 'waiting',
        ':step': stepId,
        ':stall': { reason: stall.reason, at: stall.at, attempts: stall.attempts, stepId },
        ':at': stall.at,
        ':retryAt': stall.retryAt,
        ':seenWakeAt': seenWakeAt,
        ':shard': wakeShardOf(run.journeyId, run.runKey),
      },
    });
  }

  /** Waiting runs whose wake-up is before `before` (ISO), from one shard of the wake index. */
  async overdue(shard: string, before: string, limit: number): Promise<WakeEntry[]> {
    const { Items } = await dynamo.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: WAKE_INDEX,
        KeyConditionExpression: 'wakeShard = :shard AND wakeAt < :before',
        ExpressionAttributeValues: { ':shard': shard, ':before': before },
        Limit: limit,
      }),
    );
    // Keys only: the run's key `RUN#<journeyId>#<runKey>` names it (journey ids have no `#`).
    return (Items ?? []).flatMap((item) => {
      const match = /^RUN#([^#]+)#(.+)$/.exec(String(item.pk));
      return match?.[1] && match[2] && typeof item.wakeAt === 'string'
        ? [{ journeyId: match[1], runKey: match[2], wakeAt: item.wakeAt }]
        : [];
    });
  }

  /** A contact's runs (a filtered scan: for `relance why` and the local page, not for hot paths). */
  async forContact(contactId: string): Promise<Run[]> {
    const runs = await this.scanRuns('contactId = :contact', { ':contact': contactId });
    return runs.sort((a, b) => a.startedAt.localeCompare(b.startedAt));
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
  async listeners(eventType: string, value: string): Promise<Listener[]> {
    const { Items } = await dynamo.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': `LISTEN#${eventType}#${value}` },
        ConsistentRead: true,
      }),
    );
    return (Items ?? []).map((item) => ({
      ...ListenItem.parse(item),
      ...(typeof item.expiresAt === 'number'
        ? { listenedAtSeconds: item.expiresAt - RUN_RETENTION_SECONDS }
        : {}),
    }));
  }

  /** A journey's runs, oldest first (a filtered scan: for `relance report`, not for hot paths). */
  async forJourney(journeyId: string): Promise<Run[]> {
    const runs = await this.scanRuns('journeyId = :journey', { ':journey': journeyId });
    return runs.sort((a, b) => a.startedAt.localeCompare(b.startedAt));
  }

  /** Runs, most recently updated first, for the local page and the CLI (a scan: not for hot paths). */
  async list(limit: number): Promise<Run[]> {
    const runs = await this.scanRuns();
    return runs.sort((a, b) => b.updatedAt.localeCompare(a.updatedAt)).slice(0, limit);
  }

  /** Every run item (the table's other items left out), with an optional further filter. */
  private async scanRuns(filter?: string, values: Record<string, unknown> = {}): Promise<Run[]> {
    const runs: Run[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const { Items, LastEvaluatedKey } = await dynamo.send(
        new ScanCommand({
          TableName: this.tableName,
          FilterExpression: filter ? `sk = :run AND ${filter}` : 'sk = :run',
          ExpressionAttributeValues: { ':run': 'RUN', ...values },
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of Items ?? []) runs.push(toRun(item));
      startKey = LastEvaluatedKey;
    } while (startKey);
    return runs;
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

/** The run counter an ending adds to. */
function endingMetric(status: 'ended' | 'failed', reason: string): RunMetric {
  if (status === 'failed' || reason === 'failed') return 'failed';
  if (reason === 'holdout') return 'heldOut';
  if (reason === 'completed') return 'completed';
  if (reason === 'goal_reached') return 'goalReached';
  return 'exited';
}

/** A conditional change of a run item. */
interface RunUpdate {
  readonly UpdateExpression: string;
  readonly ConditionExpression: string;
  readonly values: Record<string, unknown>;
}

/** What a run's fields say happened, for people reading it. */
function historyOf(run: z.infer<typeof StoredRun>): RunHistoryEntry[] {
  const entered = run.versionChanges?.[0]?.from ?? (run.versionChanges?.length ? undefined : run.version);
  const history: RunHistoryEntry[] = [
    {
      at: run.startedAt,
      step: 'entry',
      what: `entered on ${run.triggerType}${entered ? ` (version ${entered})` : ''}`,
    },
  ];
  const { resolution, waiting } = run;
  for (const change of run.versionChanges ?? []) {
    history.push({
      at: change.at,
      step: change.step,
      what:
        change.policy === 'exit'
          ? `left version ${change.from ?? '(unrecorded)'}: the journey changed (exit policy)`
          : change.policy === 'adopt'
            ? `no version recorded at entry: continued on version ${change.to} at ${change.toStep ?? change.step}`
            : `moved from version ${change.from ?? '(unrecorded)'} to ${change.to} (migrate): ${change.step} → ${change.toStep ?? change.step}`,
    });
  }
  if (resolution)
    history.push({
      at: resolution.consumedAt ?? run.updatedAt,
      step: resolution.stepId,
      what: `last resumed by ${resolution.via}`,
    });
  if (run.stall)
    history.push({
      at: run.stall.at,
      step: run.stall.stepId ?? waiting?.stepId ?? resolution?.stepId ?? 'wake-up',
      what: `stalled: ${run.stall.reason}; resumed again by the sweeper (attempt ${run.stall.attempts})`,
    });
  if (waiting)
    history.push({
      at: run.updatedAt,
      step: waiting.stepId,
      what: `${waiting.kind === 'waitFor' ? 'waiting for an event' : 'waiting'} until ${waiting.until}`,
    });
  if (run.endedAt)
    history.push({
      at: run.endedAt,
      step: 'end',
      what: `${run.status}: ${String(run.endReason)}`,
    });
  return history.sort((a, b) => a.at.localeCompare(b.at));
}

function toRun(item: Record<string, unknown> | undefined): Run {
  if (!item) throw new Error('DynamoDB returned no run attributes');
  // A run without a contact stores contactId as null.
  const { contactId, ...rest } = item;
  const run = StoredRun.parse(typeof contactId === 'string' ? item : rest);
  return { ...run, history: historyOf(run) };
}
