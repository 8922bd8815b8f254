/**
 * Amazon EventBridge Scheduler stand-in for the local runtime: the restJson protocol
 * (`/schedules/{Name}`, `/schedule-groups/{Name}`), in memory, with no timers of its own. The
 * runtime owns the clock: it asks `due(now)` which schedules should fire, invokes their targets,
 * then reports back with `markFired`. Written from the Scheduler API Reference and User Guide.
 */

import TinyQueue from 'tinyqueue';
import { z } from 'zod';
import {
  type AwsRequest,
  type AwsResponse,
  type AwsServiceHandler,
  newRequestId,
  parseJsonObject,
} from '../protocol.ts';
import { WriteAheadJournal } from '../write-ahead-journal.ts';
import { isValidTimezone, nextFireTime, parseScheduleExpression } from './schedule-expression.ts';

export { nextFireTime } from './schedule-expression.ts';

const DEFAULT_GROUP = 'default';
const NAME_PATTERN = /^[0-9a-zA-Z\-_.]{1,64}$/;
const MAX_PAGE = 100;

const jsonObject = z.record(z.string(), z.unknown());

const targetSchema = z.object({
  Arn: z.string(),
  RoleArn: z.string(),
  Input: z.string().optional(),
  RetryPolicy: z
    .object({ MaximumEventAgeInSeconds: z.number().optional(), MaximumRetryAttempts: z.number().optional() })
    .optional(),
  DeadLetterConfig: z.object({ Arn: z.string().optional() }).optional(),
  SqsParameters: z.object({ MessageGroupId: z.string().optional() }).optional(),
  EventBridgeParameters: z.object({ DetailType: z.string(), Source: z.string() }).optional(),
  KinesisParameters: z.object({ PartitionKey: z.string() }).optional(),
  EcsParameters: jsonObject.optional(),
  SageMakerPipelineParameters: jsonObject.optional(),
});

/** Where a schedule sends its invocation, as the API describes it. */
export type ScheduleTarget = z.infer<typeof targetSchema>;

const scheduleSchema = z.object({
  Arn: z.string(),
  Name: z.string(),
  GroupName: z.string(),
  ScheduleExpression: z.string(),
  ScheduleExpressionTimezone: z.string().optional(),
  StartDate: z.string().optional(),
  EndDate: z.string().optional(),
  Description: z.string().optional(),
  State: z.enum(['ENABLED', 'DISABLED']),
  FlexibleTimeWindow: z.object({
    Mode: z.enum(['OFF', 'FLEXIBLE']),
    MaximumWindowInMinutes: z.number().optional(),
  }),
  Target: targetSchema,
  ActionAfterCompletion: z.enum(['NONE', 'DELETE']),
  KmsKeyArn: z.string().optional(),
  CreationDate: z.string(),
  LastModificationDate: z.string(),
});

/** A schedule as GetSchedule describes it, with dates as ISO 8601 strings. */
export type Schedule = z.infer<typeof scheduleSchema>;

const storedScheduleSchema = z.object({
  schedule: scheduleSchema,
  /** When the current definition took effect (create or update): rates count from it. */
  activatedAt: z.number(),
  lastFiredAt: z.number().optional(),
});

type StoredSchedule = z.infer<typeof storedScheduleSchema>;

const groupSchema = z.object({
  Arn: z.string(),
  Name: z.string(),
  State: z.literal('ACTIVE'),
  CreationDate: z.string(),
  LastModificationDate: z.string(),
  Tags: z.record(z.string(), z.string()),
});

/** A schedule group; `default` always exists. */
export type ScheduleGroup = z.infer<typeof groupSchema>;

const snapshotSchema = z.object({ groups: z.array(groupSchema), schedules: z.array(storedScheduleSchema) });

/** The persisted state of the Scheduler stand-in. */
export type SchedulerSnapshot = z.infer<typeof snapshotSchema>;

/** One pending invocation: the schedule and the time it was due (ISO 8601, whole seconds). */
export interface DueInvocation {
  schedule: Schedule;
  scheduledTime: string;
}

/** Constructor options; `now` stamps creation dates and anchors rate schedules. */
export interface SchedulerOptions {
  region?: string;
  accountId?: string;
  now?: () => number;
  /**
   * Where every schedule change is written before the call that made it answers (a schedule open
   * with its latest state, done once deleted): `adoptJournal` takes it back after a crash.
   */
  journal?: WriteAheadJournal<StoredSchedule>;
}

/** The journal a Scheduler keeps its schedules in, at `path`. */
export function scheduleJournal(path: string): WriteAheadJournal<StoredSchedule> {
  return new WriteAheadJournal<StoredSchedule>(path, (stored) =>
    scheduleKey(stored.schedule.GroupName, stored.schedule.Name),
  );
}

/** The error an operation raises; restJson carries the name in `x-amzn-ErrorType`. */
class SchedulerError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

const validation = (message: string) => new SchedulerError(400, 'ValidationException', message);
const notFound = (message: string) => new SchedulerError(404, 'ResourceNotFoundException', message);
const conflict = (message: string) => new SchedulerError(409, 'ConflictException', message);

type Input = Record<string, unknown>;
type Output = Record<string, unknown>;

interface Route {
  operation: string;
  name?: string;
}

/** In-memory EventBridge Scheduler: serve `handler`; drive firing with `due` / `markFired`. */
export class SchedulerService {
  readonly region: string;
  readonly accountId: string;
  /** The restJson endpoint; never throws. */
  readonly handler: AwsServiceHandler = (req) => Promise.resolve(this.handle(req));

  private readonly now: () => number;
  private readonly journal: WriteAheadJournal<StoredSchedule> | undefined;
  private groupsByName = new Map<string, ScheduleGroup>();
  private store = new Map<string, StoredSchedule>();
  /**
   * Pending fire times, earliest first: a timer heap, so finding what is due costs the due
   * schedules only, not every pending one. An entry is current while its stamp is the schedule's
   * latest (a change, a firing or a deletion makes the older entries stale; they are dropped as met).
   */
  private timeline = new TinyQueue<PendingFire>([], byFireTime);
  private readonly stamps = new Map<string, number>();
  private nextStamp = 0;

  constructor(options: SchedulerOptions = {}) {
    this.region = options.region ?? 'us-east-1';
    this.accountId = options.accountId ?? '000000000000';
    this.now = options.now ?? Date.now;
    this.journal = options.journal;
    this.ensureDefaultGroup();
  }

  /**
   * Takes the journal's schedules as the state (it holds every change, so it is newer than any
   * snapshot), then starts it afresh with them; without a journal yet, starts one with the
   * snapshot's. Returns how many schedules the journal gave back that the snapshot did not have.
   */
  adoptJournal(): number {
    const journal = this.journal;
    if (!journal) return 0;
    let recovered = 0;
    if (journal.exists()) {
      const journaled = journal.pending();
      recovered = journaled.filter(
        (s) => !this.store.has(scheduleKey(s.schedule.GroupName, s.schedule.Name)),
      ).length;
      this.store = new Map(journaled.map((s) => [scheduleKey(s.schedule.GroupName, s.schedule.Name), s]));
      this.timeline = new TinyQueue<PendingFire>([], byFireTime);
      this.stamps.clear();
      for (const key of this.store.keys()) this.retime(key);
    }
    journal.reset([...this.store.values()]);
    return recovered;
  }

  /** Writes nothing more to the journal: what a process that dies leaves behind. */
  closeJournal(): void {
    this.journal?.close();
  }

  /** Every schedule (copies), ordered by group then name. */
  schedules(): Schedule[] {
    return this.sortedSchedules().map((s) => structuredClone(s.schedule));
  }

  /** Every schedule group (copies), `default` included. */
  groups(): ScheduleGroup[] {
    return [...this.groupsByName.values()].map((g) => structuredClone(g));
  }

  /** The schedules whose next fire time is at or before `nowMs`, earliest first (ties in group/name order). */
  due(nowMs: number): DueInvocation[] {
    const due: PendingFire[] = [];
    for (let next = this.current(); next !== undefined && next.at <= nowMs; next = this.current()) {
      due.push(next);
      this.timeline.pop();
    }
    // They stay pending until `markFired` records them (which re-times them).
    for (const entry of due) this.timeline.push(entry);
    return due.flatMap(({ at, key }) => {
      const stored = this.store.get(key);
      return stored ? [{ schedule: structuredClone(stored.schedule), scheduledTime: isoSeconds(at) }] : [];
    });
  }

  /** The earliest current entry of the timeline, stale ones dropped on the way. */
  private current(): PendingFire | undefined {
    for (let top = this.timeline.peek(); top !== undefined; top = this.timeline.peek()) {
      if (this.stamps.get(top.key) === top.stamp && this.store.has(top.key)) return top;
      this.timeline.pop();
    }
    return undefined;
  }

  /** Times the schedule at `key` again after it was created, changed, fired or deleted. */
  private retime(key: string): void {
    const stored = this.store.get(key);
    if (!stored) {
      this.stamps.delete(key);
      return;
    }
    const stamp = ++this.nextStamp;
    this.stamps.set(key, stamp);
    const at = this.pendingFireTime(stored);
    if (at !== undefined)
      this.timeline.push({
        at,
        key,
        stamp,
        order: `${stored.schedule.GroupName}\u0000${stored.schedule.Name}`,
      });
  }

  /**
   * Record that a schedule fired for `scheduledTime`; a schedule with nothing left to fire and
   * ActionAfterCompletion DELETE is then deleted. Returns false when the schedule is gone.
   */
  markFired(name: string, groupName: string, scheduledTime: string): boolean {
    const key = scheduleKey(groupName, name);
    const stored = this.store.get(key);
    const givenAt = Date.parse(scheduledTime);
    if (stored === undefined || Number.isNaN(givenAt)) return false;
    // The scheduled time is written to the second; the fire time it names may have milliseconds (a
    // rate counted from a creation time that had them). Recorded at the second only, that firing
    // would still be pending, and due again at once, forever.
    const pending = this.upcomingFireTime(stored);
    const firedAt =
      pending !== undefined && Math.floor(pending / 1000) === Math.floor(givenAt / 1000) ? pending : givenAt;
    stored.lastFiredAt = Math.max(stored.lastFiredAt ?? Number.NEGATIVE_INFINITY, firedAt);
    const completed = this.upcomingFireTime(stored) === undefined;
    if (completed && stored.schedule.ActionAfterCompletion === 'DELETE') this.store.delete(key);
    this.changed(key);
    return true;
  }

  /** The earliest pending fire time over enabled schedules (for a virtual clock to jump to). */
  nextDueAt(): number | undefined {
    return this.current()?.at;
  }

  /** JSON-serializable state for persistence. */
  snapshot(): SchedulerSnapshot {
    return structuredClone({ groups: this.groups(), schedules: [...this.store.values()] });
  }

  /** Replace the state with a snapshot; throws on data that is not one. */
  restore(data: unknown): void {
    const parsed = snapshotSchema.safeParse(data);
    if (!parsed.success) throw new Error(`Invalid Scheduler snapshot: ${parsed.error.message}`);
    this.groupsByName = new Map(parsed.data.groups.map((g) => [g.Name, g]));
    this.store = new Map(
      parsed.data.schedules.map((s) => [scheduleKey(s.schedule.GroupName, s.schedule.Name), s]),
    );
    this.timeline = new TinyQueue<PendingFire>([], byFireTime);
    this.stamps.clear();
    for (const key of this.store.keys()) this.retime(key);
    this.ensureDefaultGroup();
  }

  // ----- firing -----------------------------------------------------------------------------

  /** A schedule was created, changed, fired or deleted: re-timed, and journaled before the caller hears. */
  private changed(key: string): void {
    this.retime(key);
    const stored = this.store.get(key);
    if (stored) this.journal?.opened(stored);
    else this.journal?.done(key);
  }

  /** Next fire time of an enabled schedule, or undefined (disabled, or nothing left). */
  private pendingFireTime(stored: StoredSchedule): number | undefined {
    return stored.schedule.State === 'ENABLED' ? this.upcomingFireTime(stored) : undefined;
  }

  private upcomingFireTime(stored: StoredSchedule): number | undefined {
    try {
      return this.computeFireTime(stored);
    } catch {
      return undefined; // Only a hand-edited snapshot can hold a bad expression; it never fires.
    }
  }

  private computeFireTime(stored: StoredSchedule): number | undefined {
    const s = stored.schedule;
    const timezone = s.ScheduleExpressionTimezone ?? 'UTC';
    if (s.ScheduleExpression.startsWith('at(')) {
      // A one-time schedule fires once, even when its time had passed at creation.
      if (stored.lastFiredAt !== undefined) return undefined;
      return nextFireTime(s.ScheduleExpression, timezone, Number.NEGATIVE_INFINITY);
    }
    const start = s.StartDate === undefined ? undefined : Date.parse(s.StartDate);
    const end = s.EndDate === undefined ? undefined : Date.parse(s.EndDate);
    const after = stored.lastFiredAt ?? stored.activatedAt - 1;
    // Rates count from the StartDate, or from when this definition took effect.
    const anchor = s.ScheduleExpression.startsWith('rate(') ? (start ?? stored.activatedAt) : start;
    return nextFireTime(s.ScheduleExpression, timezone, after, anchor, end);
  }

  // ----- HTTP -------------------------------------------------------------------------------

  private handle(req: AwsRequest): AwsResponse {
    try {
      const route = routeOf(req.method, req.path);
      if (route === undefined) {
        throw new SchedulerError(
          404,
          'UnknownOperationException',
          `No operation at ${req.method} ${req.path}.`,
        );
      }
      const hasBody = req.method === 'POST' || req.method === 'PUT';
      const body = hasBody ? parseJsonObject(req.body) : {};
      if (body === undefined) throw validation('The request body is not a valid JSON object.');
      return respond(200, this.dispatch(route, req.query, body));
    } catch (err) {
      const error =
        err instanceof SchedulerError
          ? err
          : new SchedulerError(
              500,
              'InternalServerException',
              err instanceof Error ? err.message : String(err),
            );
      return respond(error.status, { message: error.message }, error.type);
    }
  }

  private dispatch(route: Route, query: URLSearchParams, body: Input): Output {
    const name = route.name ?? '';
    switch (route.operation) {
      case 'CreateSchedule':
        return this.createSchedule(name, body);
      case 'UpdateSchedule':
        return this.updateSchedule(name, body);
      case 'GetSchedule':
        return toWire(this.getStored(name, query.get('groupName') ?? DEFAULT_GROUP).schedule);
      case 'DeleteSchedule':
        this.deleteSchedule(name, query.get('groupName') ?? DEFAULT_GROUP);
        return {};
      case 'ListSchedules':
        return this.listSchedules(query);
      case 'CreateScheduleGroup':
        return this.createGroup(name, body);
      case 'GetScheduleGroup':
        return groupToWire(this.getGroup(name));
      case 'DeleteScheduleGroup':
        this.deleteGroup(name);
        return {};
      case 'ListScheduleGroups':
        return this.listGroups(query);
      case 'ListTagsForResource':
        return { Tags: tagsToWire(this.groupByArn(name).Tags) };
      case 'TagResource':
        Object.assign(this.groupByArn(name).Tags, parseTags(body.Tags));
        return {};
      case 'UntagResource':
        return this.untag(name, query);
      default:
        throw new SchedulerError(404, 'UnknownOperationException', `Unknown operation ${route.operation}.`);
    }
  }

  private createSchedule(name: string, body: Input): Output {
    const groupName = this.existingGroupName(body.GroupName);
    const key = scheduleKey(groupName, name);
    if (this.store.has(key)) throw conflict(`Schedule ${name} already exists.`);
    const now = this.now();
    const schedule = buildSchedule(name, groupName, body, this.scheduleArn(groupName, name), now, now);
    this.store.set(key, { schedule, activatedAt: now });
    this.changed(key);
    return { ScheduleArn: schedule.Arn };
  }

  /** UpdateSchedule replaces the whole definition; fields left out take their defaults. */
  private updateSchedule(name: string, body: Input): Output {
    const groupName = this.existingGroupName(body.GroupName);
    const existing = this.getStored(name, groupName);
    const now = this.now();
    const created = Date.parse(existing.schedule.CreationDate);
    const schedule = buildSchedule(name, groupName, body, existing.schedule.Arn, created, now);
    this.store.set(scheduleKey(groupName, name), { schedule, activatedAt: now });
    this.changed(scheduleKey(groupName, name));
    return { ScheduleArn: schedule.Arn };
  }

  private getStored(name: string, groupName: string): StoredSchedule {
    validateName(name, 'Name');
    validateName(groupName, 'GroupName');
    if (!this.groupsByName.has(groupName)) throw notFound(`Schedule group ${groupName} does not exist.`);
    const stored = this.store.get(scheduleKey(groupName, name));
    if (stored === undefined) throw notFound(`Schedule ${name} does not exist.`);
    return stored;
  }

  private deleteSchedule(name: string, groupName: string): void {
    this.getStored(name, groupName);
    this.store.delete(scheduleKey(groupName, name));
    this.changed(scheduleKey(groupName, name));
  }

  private listSchedules(query: URLSearchParams): Output {
    const group = query.get('ScheduleGroup') ?? undefined;
    const prefix = query.get('NamePrefix') ?? '';
    const state = query.get('State') ?? undefined;
    if (state !== undefined && state !== 'ENABLED' && state !== 'DISABLED') {
      throw validation(`Invalid State ${state}.`);
    }
    const matching = this.sortedSchedules()
      .map((s) => s.schedule)
      .filter((s) => (group === undefined || s.GroupName === group) && s.Name.startsWith(prefix))
      .filter((s) => state === undefined || s.State === state);
    const { page, nextToken } = paginate(matching, query);
    return {
      Schedules: page.map((s) => ({
        Arn: s.Arn,
        Name: s.Name,
        GroupName: s.GroupName,
        State: s.State,
        CreationDate: epochSeconds(s.CreationDate),
        LastModificationDate: epochSeconds(s.LastModificationDate),
        Target: { Arn: s.Target.Arn },
      })),
      ...(nextToken === undefined ? {} : { NextToken: nextToken }),
    };
  }

  private sortedSchedules(): StoredSchedule[] {
    const key = (s: StoredSchedule) => `${s.schedule.GroupName}\u0000${s.schedule.Name}`;
    return [...this.store.values()].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  }

  private scheduleArn(groupName: string, name: string): string {
    return `arn:aws:scheduler:${this.region}:${this.accountId}:schedule/${groupName}/${name}`;
  }

  // ----- groups -----------------------------------------------------------------------------

  private ensureDefaultGroup(): void {
    if (!this.groupsByName.has(DEFAULT_GROUP)) this.addGroup(DEFAULT_GROUP, {});
  }

  private addGroup(name: string, tags: Record<string, string>): ScheduleGroup {
    const now = new Date(this.now()).toISOString();
    const group: ScheduleGroup = {
      Arn: `arn:aws:scheduler:${this.region}:${this.accountId}:schedule-group/${name}`,
      Name: name,
      State: 'ACTIVE',
      CreationDate: now,
      LastModificationDate: now,
      Tags: tags,
    };
    this.groupsByName.set(name, group);
    return group;
  }

  private createGroup(name: string, body: Input): Output {
    validateName(name, 'Name');
    if (this.groupsByName.has(name)) throw conflict(`Schedule group ${name} already exists.`);
    return { ScheduleGroupArn: this.addGroup(name, parseTags(body.Tags)).Arn };
  }

  private getGroup(name: string): ScheduleGroup {
    validateName(name, 'Name');
    const group = this.groupsByName.get(name);
    if (group === undefined) throw notFound(`Schedule group ${name} does not exist.`);
    return group;
  }

  /** Deleting a group deletes its schedules too (AWS does it asynchronously; here at once). */
  private deleteGroup(name: string): void {
    this.getGroup(name);
    if (name === DEFAULT_GROUP) throw validation('The default schedule group cannot be deleted.');
    this.groupsByName.delete(name);
    for (const [key, stored] of this.store) {
      if (stored.schedule.GroupName === name) {
        this.store.delete(key);
        this.changed(key);
      }
    }
  }

  private listGroups(query: URLSearchParams): Output {
    const prefix = query.get('NamePrefix') ?? '';
    const matching = [...this.groupsByName.values()]
      .filter((g) => g.Name.startsWith(prefix))
      .sort((a, b) => (a.Name < b.Name ? -1 : 1));
    const { page, nextToken } = paginate(matching, query);
    return {
      ScheduleGroups: page.map(groupToWire),
      ...(nextToken === undefined ? {} : { NextToken: nextToken }),
    };
  }

  private existingGroupName(value: unknown): string {
    if (value !== undefined && typeof value !== 'string') throw validation('GroupName must be a string.');
    const groupName = value ?? DEFAULT_GROUP;
    validateName(groupName, 'GroupName');
    if (!this.groupsByName.has(groupName)) throw notFound(`Schedule group ${groupName} does not exist.`);
    return groupName;
  }

  private groupByArn(arn: string): ScheduleGroup {
    const group = [...this.groupsByName.values()].find((g) => g.Arn === arn);
    if (group === undefined) throw notFound(`Resource ${arn} does not exist.`);
    return group;
  }

  private untag(arn: string, query: URLSearchParams): Output {
    const group = this.groupByArn(arn);
    for (const key of query.getAll('TagKeys')) delete group.Tags[key];
    return {};
  }
}

// ----- routing and wire format ------------------------------------------------------------------

const ROUTES: ReadonlyArray<readonly [string, RegExp, string]> = [
  ['POST', /^\/schedules\/([^/]+)$/, 'CreateSchedule'],
  ['PUT', /^\/schedules\/([^/]+)$/, 'UpdateSchedule'],
  ['GET', /^\/schedules\/([^/]+)$/, 'GetSchedule'],
  ['DELETE', /^\/schedules\/([^/]+)$/, 'DeleteSchedule'],
  ['GET', /^\/schedules\/?$/, 'ListSchedules'],
  ['POST', /^\/schedule-groups\/([^/]+)$/, 'CreateScheduleGroup'],
  ['GET', /^\/schedule-groups\/([^/]+)$/, 'GetScheduleGroup'],
  ['DELETE', /^\/schedule-groups\/([^/]+)$/, 'DeleteScheduleGroup'],
  ['GET', /^\/schedule-groups\/?$/, 'ListScheduleGroups'],
  ['GET', /^\/tags\/(.+)$/, 'ListTagsForResource'],
  ['POST', /^\/tags\/(.+)$/, 'TagResource'],
  ['DELETE', /^\/tags\/(.+)$/, 'UntagResource'],
];

function routeOf(method: string, path: string): Route | undefined {
  for (const [routeMethod, pattern, operation] of ROUTES) {
    const match = method === routeMethod ? pattern.exec(path) : null;
    if (match === null) continue;
    const raw = match[1];
    if (raw === undefined) return { operation };
    try {
      return { operation, name: decodeURIComponent(raw) };
    } catch {
      throw validation(`Malformed path parameter in ${path}.`);
    }
  }
  return undefined;
}

function respond(status: number, payload: Output, errorType?: string): AwsResponse {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'x-amzn-requestid': newRequestId(),
  };
  if (errorType !== undefined) headers['x-amzn-errortype'] = errorType;
  return { status, headers, body: JSON.stringify(payload) };
}

/** restJson timestamps travel as epoch seconds. */
function epochSeconds(iso: string): number {
  return Date.parse(iso) / 1000;
}

function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function toWire(s: Schedule): Output {
  const { StartDate, EndDate, CreationDate, LastModificationDate, ...rest } = s;
  return {
    ...structuredClone(rest),
    ...(StartDate === undefined ? {} : { StartDate: epochSeconds(StartDate) }),
    ...(EndDate === undefined ? {} : { EndDate: epochSeconds(EndDate) }),
    CreationDate: epochSeconds(CreationDate),
    LastModificationDate: epochSeconds(LastModificationDate),
  };
}

function groupToWire(g: ScheduleGroup): Output {
  return {
    Arn: g.Arn,
    Name: g.Name,
    State: g.State,
    CreationDate: epochSeconds(g.CreationDate),
    LastModificationDate: epochSeconds(g.LastModificationDate),
  };
}

function tagsToWire(tags: Record<string, string>): Array<{ Key: string; Value: string }> {
  return Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
}

function parseTags(value: unknown): Record<string, string> {
  if (value === undefined) return {};
  const parsed = z.array(z.object({ Key: z.string().min(1), Value: z.string() })).safeParse(value);
  if (!parsed.success) throw validation('Tags must be a list of {Key, Value}.');
  return Object.fromEntries(parsed.data.map((t) => [t.Key, t.Value]));
}

/** Offset pagination over sorted results; NextToken is the next offset. */
function paginate<T>(items: T[], query: URLSearchParams): { page: T[]; nextToken?: string } {
  const maxRaw = query.get('MaxResults');
  const max = maxRaw === null ? MAX_PAGE : Number(maxRaw);
  if (!Number.isInteger(max) || max < 1 || max > MAX_PAGE)
    throw validation('MaxResults must be between 1 and 100.');
  const token = query.get('NextToken');
  const start = token === null ? 0 : Number(token);
  if (!Number.isInteger(start) || start < 0) throw validation('Invalid NextToken.');
  const end = start + max;
  return end < items.length
    ? { page: items.slice(start, end), nextToken: String(end) }
    : { page: items.slice(start) };
}

function validateName(name: string, field: string): void {
  if (!NAME_PATTERN.test(name)) {
    throw validation(
      `1 validation error detected: Value '${name}' at '${field}' failed to satisfy constraint: Member must satisfy regular expression pattern: [0-9a-zA-Z-_.]+ and have length between 1 and 64.`,
    );
  }
}

const createInputSchema = z.object({
  ScheduleExpression: z.string().min(1).max(256),
  ScheduleExpressionTimezone: z.string().min(1).max(50).optional(),
  StartDate: z.union([z.number(), z.string()]).optional(),
  EndDate: z.union([z.number(), z.string()]).optional(),
  Description: z.string().max(512).optional(),
  State: z.enum(['ENABLED', 'DISABLED']).optional(),
  FlexibleTimeWindow: z.object({
    Mode: z.enum(['OFF', 'FLEXIBLE']),
    MaximumWindowInMinutes: z.number().int().min(1).max(1440).optional(),
  }),
  Target: targetSchema.extend({
    Arn: z.string().min(1).max(1600),
    RoleArn: z.string().min(1).max(1600),
    Input: z.string().min(1).max(8192).optional(),
    RetryPolicy: z
      .object({
        MaximumEventAgeInSeconds: z.number().int().min(60).max(86400).optional(),
        MaximumRetryAttempts: z.number().int().min(0).max(185).optional(),
      })
      .optional(),
  }),
  ActionAfterCompletion: z.enum(['NONE', 'DELETE']).optional(),
  KmsKeyArn: z.string().min(1).max(2048).optional(),
});

/** Validate a Create/UpdateSchedule body and build the stored schedule. */
function buildSchedule(
  name: string,
  groupName: string,
  body: Input,
  arn: string,
  createdMs: number,
  nowMs: number,
): Schedule {
  validateName(name, 'Name');
  const parsed = createInputSchema.safeParse(body);
  if (!parsed.success) throw validation(describeIssues(parsed.error));
  const input = parsed.data;
  checkExpression(input.ScheduleExpression, input.ScheduleExpressionTimezone);
  const window = input.FlexibleTimeWindow;
  if ((window.Mode === 'FLEXIBLE') !== (window.MaximumWindowInMinutes !== undefined)) {
    throw validation(
      'MaximumWindowInMinutes must be set when, and only when, FlexibleTimeWindow Mode is FLEXIBLE.',
    );
  }
  const start = parseDate(input.StartDate, 'StartDate');
  const end = parseDate(input.EndDate, 'EndDate');
  if (start !== undefined && end !== undefined && start >= end) {
    throw validation('The StartDate must be before the EndDate.');
  }
  return {
    Arn: arn,
    Name: name,
    GroupName: groupName,
    ScheduleExpression: input.ScheduleExpression,
    ...(input.ScheduleExpressionTimezone === undefined
      ? {}
      : { ScheduleExpressionTimezone: input.ScheduleExpressionTimezone }),
    ...(start === undefined ? {} : { StartDate: new Date(start).toISOString() }),
    ...(end === undefined ? {} : { EndDate: new Date(end).toISOString() }),
    ...(input.Description === undefined ? {} : { Description: input.Description }),
    State: input.State ?? 'ENABLED',
    FlexibleTimeWindow: window,
    Target: input.Target,
    ActionAfterCompletion: input.ActionAfterCompletion ?? 'NONE',
    ...(input.KmsKeyArn === undefined ? {} : { KmsKeyArn: input.KmsKeyArn }),
    CreationDate: new Date(createdMs).toISOString(),
    LastModificationDate: new Date(nowMs).toISOString(),
  };
}

function checkExpression(expression: string, timezone: string | undefined): void {
  try {
    parseScheduleExpression(expression);
  } catch (err) {
    throw validation(err instanceof Error ? err.message : String(err));
  }
  if (timezone !== undefined && !isValidTimezone(timezone)) {
    throw validation(`Invalid ScheduleExpressionTimezone ${timezone}.`);
  }
}

/** restJson sends timestamps as epoch seconds; an ISO string is accepted too. */
function parseDate(value: number | string | undefined, field: string): number | undefined {
  if (value === undefined) return undefined;
  const ms = typeof value === 'number' ? value * 1000 : Date.parse(value);
  if (!Number.isFinite(ms)) throw validation(`Invalid ${field}.`);
  return ms;
}

function describeIssues(error: z.ZodError): string {
  const issues = error.issues.map((i) => `Value at '${i.path.join('.') || 'body'}' failed: ${i.message}`);
  return `${issues.length} validation error${issues.length === 1 ? '' : 's'} detected: ${issues.join('; ')}`;
}

/** A schedule's pending fire time on the timeline. */
interface PendingFire {
  readonly at: number;
  readonly key: string;
  readonly stamp: number;
  /** Group, then name: the order of schedules due at the same time. */
  readonly order: string;
}

function byFireTime(a: PendingFire, b: PendingFire): number {
  return a.at - b.at || (a.order < b.order ? -1 : a.order > b.order ? 1 : 0);
}

function scheduleKey(groupName: string, name: string): string {
  return `${groupName}/${name}`;
}
