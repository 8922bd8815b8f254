import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ConflictException,
  CreateScheduleCommand,
  type CreateScheduleCommandInput,
  CreateScheduleGroupCommand,
  DeleteScheduleCommand,
  DeleteScheduleGroupCommand,
  GetScheduleCommand,
  GetScheduleGroupCommand,
  ListScheduleGroupsCommand,
  ListSchedulesCommand,
  ResourceNotFoundException,
  SchedulerClient,
  UpdateScheduleCommand,
  ValidationException,
} from '@aws-sdk/client-scheduler';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type ServedAws, serveAws } from '../../../local/aws/http-adapter.ts';
import { nextFireTime, SchedulerService, scheduleJournal } from '../../../local/aws/scheduler/scheduler.ts';
import { rejection } from './rejection.ts';

const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
const ms = (iso: string) => Date.parse(iso);
const iso = (t: number | undefined) => (t === undefined ? undefined : new Date(t).toISOString());
const MINUTE = 60_000;

describe('nextFireTime', () => {
  const next = (expr: string, tz: string, after: string, start?: string, end?: string) =>
    iso(
      nextFireTime(
        expr,
        tz,
        ms(after),
        start === undefined ? undefined : ms(start),
        end === undefined ? undefined : ms(end),
      ),
    );

  it('numbers days of the week from 1 = Sunday, as AWS does', () => {
    // 2024-01-06 is a Saturday.
    expect(next('cron(0 10 ? * 1 *)', 'UTC', '2024-01-06T00:00:00Z')).toBe('2024-01-07T10:00:00.000Z');
    expect(next('cron(0 10 ? * 2 *)', 'UTC', '2024-01-06T00:00:00Z')).toBe('2024-01-08T10:00:00.000Z');
    expect(next('cron(0 10 ? * 7 *)', 'UTC', '2024-01-06T10:00:00Z')).toBe('2024-01-13T10:00:00.000Z');
    expect(next('cron(0 8 ? * MON-FRI *)', 'UTC', '2024-01-05T09:00:00Z')).toBe('2024-01-08T08:00:00.000Z');
  });

  it('treats ? as "no constraint" and requires it in exactly one day field', () => {
    expect(next('cron(0 12 15 * ? *)', 'UTC', '2024-01-16T00:00:00Z')).toBe('2024-02-15T12:00:00.000Z');
    expect(() => nextFireTime('cron(0 12 15 * 2 *)', 'UTC', 0)).toThrow(/exactly one/);
    expect(() => nextFireTime('cron(0 12 ? * ? *)', 'UTC', 0)).toThrow(/exactly one/);
    expect(() => nextFireTime('cron(0 12 * *)', 'UTC', 0)).toThrow(/6 fields/);
    expect(() => nextFireTime('cron(? 12 15 * ? *)', 'UTC', 0)).toThrow(/only allowed in the day fields/);
  });

  it('supports L, W, # and increments', () => {
    expect(next('cron(0 10 ? * 6L *)', 'UTC', '2024-01-01T00:00:00Z')).toBe('2024-01-26T10:00:00.000Z'); // last Friday
    expect(next('cron(0 10 ? * 3#2 *)', 'UTC', '2024-01-01T00:00:00Z')).toBe('2024-01-09T10:00:00.000Z'); // 2nd Tuesday
    expect(next('cron(0 10 L * ? *)', 'UTC', '2024-02-01T00:00:00Z')).toBe('2024-02-29T10:00:00.000Z');
    expect(next('cron(0 9 15W * ? *)', 'UTC', '2024-06-01T00:00:00Z')).toBe('2024-06-14T09:00:00.000Z'); // 15th is a Saturday
    expect(next('cron(0/15 * * * ? *)', 'UTC', '2024-01-01T00:07:00Z')).toBe('2024-01-01T00:15:00.000Z');
    expect(next('cron(0 10 ? * L *)', 'UTC', '2024-01-01T00:00:00Z')).toBe('2024-01-06T10:00:00.000Z'); // L = Saturday
    expect(next('cron(0 10 ? JAN,JUL SUN#1 *)', 'UTC', '2024-02-01T00:00:00Z')).toBe(
      '2024-07-07T10:00:00.000Z',
    );
  });

  it('stops at the year field and at EndDate, and starts at StartDate', () => {
    expect(next('cron(0 10 * * ? 2020)', 'UTC', '2024-01-01T00:00:00Z')).toBeUndefined();
    expect(
      next('cron(0 10 * * ? *)', 'UTC', '2024-01-01T11:00:00Z', undefined, '2024-01-02T09:00:00Z'),
    ).toBeUndefined();
    expect(next('cron(0 10 * * ? *)', 'UTC', '2024-01-01T00:00:00Z', '2024-03-01T10:00:00Z')).toBe(
      '2024-03-01T10:00:00.000Z',
    );
  });

  it('evaluates cron in the schedule time zone across DST', () => {
    expect(next('cron(0 9 * * ? *)', 'Europe/Paris', '2024-01-10T00:00:00Z')).toBe(
      '2024-01-10T08:00:00.000Z',
    );
    expect(next('cron(0 9 * * ? *)', 'Europe/Paris', '2024-07-10T00:00:00Z')).toBe(
      '2024-07-10T07:00:00.000Z',
    );
    // 02:30 does not exist in New York on 2024-03-10: that day is skipped.
    expect(next('cron(30 2 * * ? *)', 'America/New_York', '2024-03-09T08:00:00Z')).toBe(
      '2024-03-11T06:30:00.000Z',
    );
    // 01:30 happens twice on 2024-11-03: it fires once, at the first (EDT) occurrence.
    const first = next('cron(30 1 * * ? *)', 'America/New_York', '2024-11-03T00:00:00Z');
    expect(first).toBe('2024-11-03T05:30:00.000Z');
    expect(next('cron(30 1 * * ? *)', 'America/New_York', first ?? '')).toBe('2024-11-04T06:30:00.000Z');
  });

  it('does not repeat interval cron times in the repeated autumn hour', () => {
    const fires: string[] = [];
    let after = ms('2024-11-03T04:50:00Z');
    for (let i = 0; i < 4; i++) {
      const t = nextFireTime('cron(0/30 * * * ? *)', 'America/New_York', after);
      if (t === undefined) break;
      fires.push(new Date(t).toISOString());
      after = t;
    }
    // 01:00 and 01:30 EDT, then 02:00 and 02:30 EST: the EST 01:00/01:30 repeats are skipped.
    expect(fires).toEqual([
      '2024-11-03T05:00:00.000Z',
      '2024-11-03T05:30:00.000Z',
      '2024-11-03T07:00:00.000Z',
      '2024-11-03T07:30:00.000Z',
    ]);
  });

  it('reads at() as wall-clock time in the schedule time zone', () => {
    expect(next('at(2024-07-01T09:00:00)', 'America/New_York', '2024-01-01T00:00:00Z')).toBe(
      '2024-07-01T13:00:00.000Z',
    );
    expect(next('at(2024-01-15T09:00:00)', 'Asia/Kolkata', '2024-01-01T00:00:00Z')).toBe(
      '2024-01-15T03:30:00.000Z',
    );
    expect(next('at(2024-07-01T09:00:00)', 'UTC', '2024-07-01T09:00:00Z')).toBeUndefined();
    // StartDate and EndDate do not apply to one-time schedules.
    expect(next('at(2024-07-01T09:00:00)', 'UTC', '2024-01-01T00:00:00Z', '2025-01-01T00:00:00Z')).toBe(
      '2024-07-01T09:00:00.000Z',
    );
    expect(() => nextFireTime('at(2024-02-30T09:00:00)', 'UTC', 0)).toThrow(/not a valid date/);
  });

  it('counts rates from the start (creation) time in fixed durations', () => {
    const created = '2024-03-09T12:34:56Z';
    expect(next('rate(5 minutes)', 'UTC', '2024-03-09T12:34:55.999Z', created)).toBe(
      '2024-03-09T12:34:56.000Z',
    );
    expect(next('rate(5 minutes)', 'UTC', created, created)).toBe('2024-03-09T12:39:56.000Z');
    expect(next('rate(5 minutes)', 'UTC', '2024-03-09T13:00:00Z', created)).toBe('2024-03-09T13:04:56.000Z');
    // A day is 24 hours even across the New York DST change.
    expect(next('rate(1 day)', 'America/New_York', created, created)).toBe('2024-03-10T12:34:56.000Z');
    expect(next('rate(2 hours)', 'UTC', created)).toBe('2024-03-09T14:34:56.000Z');
  });

  it('rejects malformed rate expressions and time zones', () => {
    expect(() => nextFireTime('rate(1 minutes)', 'UTC', 0)).toThrow(/singular/);
    expect(() => nextFireTime('rate(5 minute)', 'UTC', 0)).toThrow(/singular/);
    expect(() => nextFireTime('rate(0 minutes)', 'UTC', 0)).toThrow(/Invalid/);
    expect(() => nextFireTime('rate(5 weeks)', 'UTC', 0)).toThrow(/Invalid/);
    expect(() => nextFireTime('every(5 minutes)', 'UTC', 0)).toThrow(/Invalid/);
    expect(() => nextFireTime('rate(5 minutes)', 'Mars/Olympus', 0)).toThrow(/Timezone/);
  });
});

describe('Scheduler API', () => {
  let clock = ms('2025-03-01T12:00:00Z');
  let scheduler: SchedulerService;
  let server: ServedAws;
  let client: SchedulerClient;
  const target = {
    Arn: 'arn:aws:sqs:us-east-1:000000000000:sends',
    RoleArn: 'arn:aws:iam::000000000000:role/s',
  };
  const base = (
    Name: string,
    extra: Partial<CreateScheduleCommandInput> = {},
  ): CreateScheduleCommandInput => ({
    Name,
    ScheduleExpression: 'rate(5 minutes)',
    FlexibleTimeWindow: { Mode: 'OFF' },
    Target: target,
    ...extra,
  });

  beforeAll(async () => {
    scheduler = new SchedulerService({ now: () => clock });
    server = await serveAws(scheduler.handler, { host: '127.0.0.1', port: 0 });
    client = new SchedulerClient({ endpoint: server.url, region: 'us-east-1', credentials });
  });

  afterAll(async () => {
    client.destroy();
    await server.close();
  });

  it('creates, reads, updates and deletes a schedule', async () => {
    const created = await client.send(
      new CreateScheduleCommand(
        base('reminder', {
          ScheduleExpression: 'cron(0 9 ? * MON *)',
          ScheduleExpressionTimezone: 'Europe/Paris',
          StartDate: new Date('2025-03-03T00:00:00Z'),
          Description: 'weekly',
          Target: { ...target, Input: '{"a":1}', RetryPolicy: { MaximumRetryAttempts: 3 } },
        }),
      ),
    );
    expect(created.ScheduleArn).toBe('arn:aws:scheduler:us-east-1:000000000000:schedule/default/reminder');

    const got = await client.send(new GetScheduleCommand({ Name: 'reminder' }));
    expect(got).toMatchObject({
      Name: 'reminder',
      GroupName: 'default',
      ScheduleExpression: 'cron(0 9 ? * MON *)',
      ScheduleExpressionTimezone: 'Europe/Paris',
      State: 'ENABLED',
      ActionAfterCompletion: 'NONE',
      Description: 'weekly',
      Target: { ...target, Input: '{"a":1}', RetryPolicy: { MaximumRetryAttempts: 3 } },
    });
    expect(got.StartDate?.toISOString()).toBe('2025-03-03T00:00:00.000Z');
    expect(got.CreationDate?.toISOString()).toBe('2025-03-01T12:00:00.000Z');

    clock += MINUTE;
    await client.send(new UpdateScheduleCommand({ ...base('reminder'), State: 'DISABLED' }));
    const updated = await client.send(new GetScheduleCommand({ Name: 'reminder', GroupName: 'default' }));
    expect(updated.State).toBe('DISABLED');
    expect(updated.Description).toBeUndefined(); // Update replaces the whole definition.
    expect(updated.LastModificationDate?.toISOString()).toBe('2025-03-01T12:01:00.000Z');
    expect(updated.CreationDate?.toISOString()).toBe('2025-03-01T12:00:00.000Z');

    await client.send(new DeleteScheduleCommand({ Name: 'reminder' }));
    const gone = await rejection(client.send(new GetScheduleCommand({ Name: 'reminder' })));
    expect(gone).toBeInstanceOf(ResourceNotFoundException);
    expect(gone.$metadata.httpStatusCode).toBe(404);
  });

  it('answers ConflictException (409) for an existing name', async () => {
    await client.send(new CreateScheduleCommand(base('dup')));
    const error = await rejection(client.send(new CreateScheduleCommand(base('dup'))));
    expect(error).toBeInstanceOf(ConflictException);
    expect(error.$metadata.httpStatusCode).toBe(409);
    expect(error.message).toBe('Schedule dup already exists.');
  });

  it('validates the definition', async () => {
    const badExpr = await rejection(
      client.send(new CreateScheduleCommand(base('bad1', { ScheduleExpression: 'cron(0 9 * * * *)' }))),
    );
    expect(badExpr).toBeInstanceOf(ValidationException);
    expect(badExpr.$metadata.httpStatusCode).toBe(400);
    const badTz = await rejection(
      client.send(new CreateScheduleCommand(base('bad2', { ScheduleExpressionTimezone: 'Nowhere/Town' }))),
    );
    expect(badTz).toBeInstanceOf(ValidationException);
    const badWindow = await rejection(
      client.send(new CreateScheduleCommand(base('bad3', { FlexibleTimeWindow: { Mode: 'FLEXIBLE' } }))),
    );
    expect(badWindow).toBeInstanceOf(ValidationException);
    const badName = await rejection(client.send(new CreateScheduleCommand(base('no spaces allowed'))));
    expect(badName).toBeInstanceOf(ValidationException);
  });

  it('manages groups: default exists, filters list, and deleting a group deletes its schedules', async () => {
    const def = await client.send(new GetScheduleGroupCommand({ Name: 'default' }));
    expect(def.State).toBe('ACTIVE');

    const group = await client.send(new CreateScheduleGroupCommand({ Name: 'journeys' }));
    expect(group.ScheduleGroupArn).toBe('arn:aws:scheduler:us-east-1:000000000000:schedule-group/journeys');
    const dupGroup = await rejection(client.send(new CreateScheduleGroupCommand({ Name: 'journeys' })));
    expect(dupGroup).toBeInstanceOf(ConflictException);

    await client.send(new CreateScheduleCommand(base('wait-1', { GroupName: 'journeys' })));
    await client.send(new CreateScheduleCommand(base('wait-2', { GroupName: 'journeys' })));
    await client.send(new CreateScheduleCommand(base('other', { GroupName: 'journeys' })));
    await client.send(new CreateScheduleCommand(base('wait-9')));

    const inGroup = await client.send(
      new ListSchedulesCommand({ GroupName: 'journeys', NamePrefix: 'wait-' }),
    );
    expect(inGroup.Schedules?.map((s) => `${s.GroupName}/${s.Name}`)).toEqual([
      'journeys/wait-1',
      'journeys/wait-2',
    ]);
    expect(inGroup.Schedules?.[0]?.Target?.Arn).toBe(target.Arn);
    const paged = await client.send(new ListSchedulesCommand({ GroupName: 'journeys', MaxResults: 2 }));
    expect(paged.Schedules).toHaveLength(2);
    expect(paged.NextToken).toBeDefined();

    const groups = await client.send(new ListScheduleGroupsCommand({}));
    expect(groups.ScheduleGroups?.map((g) => g.Name)).toEqual(['default', 'journeys']);

    await client.send(new DeleteScheduleGroupCommand({ Name: 'journeys' }));
    expect(scheduler.schedules().filter((s) => s.GroupName === 'journeys')).toEqual([]);
    expect(scheduler.schedules().some((s) => s.Name === 'wait-9')).toBe(true);

    const missing = await rejection(
      client.send(new CreateScheduleCommand(base('x', { GroupName: 'journeys' }))),
    );
    expect(missing).toBeInstanceOf(ResourceNotFoundException);
    const deleteDefault = await rejection(client.send(new DeleteScheduleGroupCommand({ Name: 'default' })));
    expect(deleteDefault).toBeInstanceOf(ValidationException);
  });

  it('answers a malformed body with a 400 restJson error, not a crash', async () => {
    const res = await fetch(`${server.url}/schedules/broken`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"ScheduleExpression": ',
    });
    expect(res.status).toBe(400);
    expect(res.headers.get('x-amzn-errortype')).toBe('ValidationException');
    expect(await res.json()).toEqual({ message: 'The request body is not a valid JSON object.' });
    const unknown = await fetch(`${server.url}/nothing-here`);
    expect(unknown.status).toBe(404);
  });
});

describe('Scheduler firing', () => {
  const T0 = ms('2025-03-01T12:00:00Z');
  let clock = T0;
  let scheduler: SchedulerService;
  let server: ServedAws;
  let client: SchedulerClient;
  const target = {
    Arn: 'arn:aws:lambda:us-east-1:000000000000:function:f',
    RoleArn: 'arn:aws:iam::000000000000:role/s',
  };
  const create = (
    Name: string,
    ScheduleExpression: string,
    extra: Partial<CreateScheduleCommandInput> = {},
  ) =>
    client.send(
      new CreateScheduleCommand({
        Name,
        ScheduleExpression,
        FlexibleTimeWindow: { Mode: 'OFF' },
        Target: target,
        ...extra,
      }),
    );
  const dueNames = (now: number) => scheduler.due(now).map((d) => `${d.schedule.Name}@${d.scheduledTime}`);

  beforeAll(async () => {
    server = await serveAws((req) => scheduler.handler(req), { host: '127.0.0.1', port: 0 });
    client = new SchedulerClient({ endpoint: server.url, region: 'us-east-1', credentials });
  });

  beforeEach(() => {
    clock = T0;
    scheduler = new SchedulerService({ now: () => clock });
  });

  afterAll(async () => {
    client.destroy();
    await server.close();
  });

  it('fires a one-time schedule once and deletes it when ActionAfterCompletion is DELETE', async () => {
    await create('once', 'at(2025-03-01T14:30:00)', {
      ScheduleExpressionTimezone: 'Europe/Paris',
      ActionAfterCompletion: 'DELETE',
    });
    expect(scheduler.nextDueAt()).toBe(ms('2025-03-01T13:30:00Z'));
    expect(scheduler.due(ms('2025-03-01T13:29:59Z'))).toEqual([]);

    const [due] = scheduler.due(ms('2025-03-01T13:30:00Z'));
    expect(due?.scheduledTime).toBe('2025-03-01T13:30:00Z');
    expect(due?.schedule).toMatchObject({ Name: 'once', GroupName: 'default', Target: target });
    expect(scheduler.markFired('once', 'default', due?.scheduledTime ?? '')).toBe(true);

    expect(scheduler.schedules()).toEqual([]);
    expect(scheduler.nextDueAt()).toBeUndefined();
    expect(scheduler.markFired('once', 'default', '2025-03-01T13:30:00Z')).toBe(false);
  });

  it('keeps a completed one-time schedule with ActionAfterCompletion NONE, without firing it again', async () => {
    await create('keep', 'at(2025-03-01T12:10:00)');
    scheduler.markFired('keep', 'default', scheduler.due(ms('2025-03-01T12:10:00Z'))[0]?.scheduledTime ?? '');
    expect(scheduler.due(ms('2030-01-01T00:00:00Z'))).toEqual([]);
    expect(scheduler.schedules().map((s) => s.Name)).toEqual(['keep']);
  });

  it('fires a past at() schedule at once (the virtual clock may already be beyond it)', async () => {
    await create('late', 'at(2025-03-01T11:00:00)');
    expect(dueNames(T0)).toEqual(['late@2025-03-01T11:00:00Z']);
  });

  it('fires a rate schedule at creation, then every interval after the last fire', async () => {
    clock = ms('2025-03-01T12:00:30Z');
    await create('every10', 'rate(10 minutes)');
    expect(dueNames(clock)).toEqual(['every10@2025-03-01T12:00:30Z']);
    scheduler.markFired('every10', 'default', '2025-03-01T12:00:30Z');

    expect(scheduler.due(ms('2025-03-01T12:10:29Z'))).toEqual([]);
    expect(scheduler.nextDueAt()).toBe(ms('2025-03-01T12:10:30Z'));
    // A clock far ahead gets the missed runs one at a time, oldest first.
    expect(dueNames(ms('2025-03-01T12:35:00Z'))).toEqual(['every10@2025-03-01T12:10:30Z']);
    scheduler.markFired('every10', 'default', '2025-03-01T12:10:30Z');
    expect(dueNames(ms('2025-03-01T12:35:00Z'))).toEqual(['every10@2025-03-01T12:20:30Z']);
  });

  it('fires a rate schedule created at a time with milliseconds once, not again at the same instant', async () => {
    // A runtime started on the wall clock (a restart with no saved state) creates its template's
    // rate schedules at such a time; the scheduled time reported is to the second.
    clock = ms('2025-03-01T12:00:30Z') + 519;
    await create('sweeper', 'rate(60 minutes)');
    const [first] = scheduler.due(clock);
    expect(first?.scheduledTime).toBe('2025-03-01T12:00:30Z');
    expect(scheduler.markFired('sweeper', 'default', first?.scheduledTime ?? '')).toBe(true);

    expect(scheduler.due(clock)).toEqual([]);
    expect(scheduler.nextDueAt()).toBe(clock + 3_600_000);
  });

  it('evaluates cron in its time zone, orders due schedules and skips disabled ones', async () => {
    await create('paris-9am', 'cron(0 9 * * ? *)', { ScheduleExpressionTimezone: 'Europe/Paris' });
    await create('utc-8am', 'cron(0 8 * * ? *)');
    await create('off', 'cron(0 7 * * ? *)', { State: 'DISABLED' });
    // Both are due at 08:00Z (09:00 in Paris is 08:00 UTC in winter); ties go by name.
    expect(dueNames(ms('2025-03-02T09:00:00Z'))).toEqual([
      'paris-9am@2025-03-02T08:00:00Z',
      'utc-8am@2025-03-02T08:00:00Z',
    ]);
    expect(scheduler.nextDueAt()).toBe(ms('2025-03-02T08:00:00Z'));
  });

  it('stops a recurring schedule at its EndDate and deletes it when asked to', async () => {
    await create('bounded', 'rate(1 hour)', {
      StartDate: new Date('2025-03-01T13:00:00Z'),
      EndDate: new Date('2025-03-01T14:30:00Z'),
      ActionAfterCompletion: 'DELETE',
    });
    expect(dueNames(ms('2025-03-01T12:59:59Z'))).toEqual([]);
    scheduler.markFired('bounded', 'default', '2025-03-01T13:00:00Z');
    expect(scheduler.schedules()).toHaveLength(1);
    expect(dueNames(ms('2025-03-01T14:00:00Z'))).toEqual(['bounded@2025-03-01T14:00:00Z']);
    scheduler.markFired('bounded', 'default', '2025-03-01T14:00:00Z');
    expect(scheduler.schedules()).toEqual([]);
  });

  it('restarts the rate from the update time after UpdateSchedule', async () => {
    await create('moved', 'rate(1 hour)');
    scheduler.markFired('moved', 'default', '2025-03-01T12:00:00Z');
    clock = ms('2025-03-01T12:20:00Z');
    await client.send(
      new UpdateScheduleCommand({
        Name: 'moved',
        ScheduleExpression: 'rate(30 minutes)',
        FlexibleTimeWindow: { Mode: 'OFF' },
        Target: target,
      }),
    );
    expect(dueNames(clock)).toEqual(['moved@2025-03-01T12:20:00Z']);
  });

  it('survives a JSON round trip with its firing state', async () => {
    await create('persist', 'rate(10 minutes)');
    scheduler.markFired('persist', 'default', '2025-03-01T12:00:00Z');
    const copy = new SchedulerService({ now: () => clock });
    copy.restore(JSON.parse(JSON.stringify(scheduler.snapshot())));
    expect(copy.schedules()).toEqual(scheduler.schedules());
    expect(copy.nextDueAt()).toBe(ms('2025-03-01T12:10:00Z'));
    expect(() => copy.restore({ groups: [], schedules: [{}] })).toThrow(/Invalid Scheduler snapshot/);
  });

  it('gives back from its journal what changed after the last snapshot: created, fired, deleted', async () => {
    // Arrange: a journaled scheduler; a snapshot taken early, then more changes before a "crash".
    const folder = mkdtempSync(join(tmpdir(), 'relance-schedules-'));
    const path = join(folder, 'schedule-journal.jsonl');
    try {
      scheduler = new SchedulerService({ now: () => clock, journal: scheduleJournal(path) });
      await create('kept', 'rate(10 minutes)');
      await create('deleted-later', 'rate(1 hour)');
      await create('fired-later', 'at(2025-03-01T12:05:00)', { ActionAfterCompletion: 'DELETE' });
      const staleSnapshot = JSON.parse(JSON.stringify(scheduler.snapshot()));
      await create('created-after-save', 'at(2025-03-02T09:00:00)');
      await client.send(new DeleteScheduleCommand({ Name: 'deleted-later' }));
      scheduler.markFired('kept', 'default', '2025-03-01T12:00:00Z');
      scheduler.markFired('fired-later', 'default', '2025-03-01T12:05:00Z');
      scheduler.closeJournal();

      // Act: the next process restores the stale snapshot, then adopts the journal.
      const next = new SchedulerService({ now: () => clock, journal: scheduleJournal(path) });
      next.restore(staleSnapshot);
      const recovered = next.adoptJournal();

      // Assert: exactly the live schedules, with their firing state.
      expect(next.schedules().map((s) => s.Name)).toEqual(['created-after-save', 'kept']);
      expect(recovered).toBe(1);
      expect(next.nextDueAt()).toBe(ms('2025-03-01T12:10:00Z'));
      expect(scheduleJournal(path).pending()).toHaveLength(2);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it('keeps due times right through updates, deletions and many pending schedules (the timer heap)', async () => {
    // Arrange: many pending schedules, and three that change.
    for (let i = 0; i < 200; i++) await create(`later-${i}`, 'at(2025-06-01T00:00:00)');
    await create('b-moved', 'at(2025-03-01T12:05:00)');
    await create('a-tie', 'at(2025-03-01T12:07:00)');
    await create('c-tie', 'at(2025-03-01T12:07:00)');
    await create('gone', 'at(2025-03-01T12:06:00)');

    // Act
    await client.send(
      new UpdateScheduleCommand({
        Name: 'b-moved',
        ScheduleExpression: 'at(2025-03-01T12:08:00)',
        FlexibleTimeWindow: { Mode: 'OFF' },
        Target: target,
      }),
    );
    await client.send(new DeleteScheduleCommand({ Name: 'gone' }));

    // Assess: earliest first, ties by name; nothing at the old or deleted times; due twice until fired.
    expect(scheduler.nextDueAt()).toBe(ms('2025-03-01T12:07:00Z'));
    expect(dueNames(ms('2025-03-01T12:06:30Z'))).toEqual([]);
    const due = dueNames(ms('2025-03-01T12:10:00Z'));
    expect(due).toEqual([
      'a-tie@2025-03-01T12:07:00Z',
      'c-tie@2025-03-01T12:07:00Z',
      'b-moved@2025-03-01T12:08:00Z',
    ]);
    expect(dueNames(ms('2025-03-01T12:10:00Z'))).toEqual(due);
    for (const name of ['a-tie', 'c-tie', 'b-moved'])
      scheduler.markFired(name, 'default', scheduler.due(ms('2025-03-01T12:10:00Z'))[0]?.scheduledTime ?? '');
    expect(dueNames(ms('2025-03-01T12:10:00Z'))).toEqual([]);
    expect(scheduler.nextDueAt()).toBe(ms('2025-06-01T00:00:00Z'));
    expect(scheduler.due(ms('2025-06-01T00:00:00Z'))).toHaveLength(200);
  });
});
