// The run sweeper against a local DynamoDB with the wake index: overdue runs are marked stalled with
// the reason and resumed again; runs it cannot resume are failed with the reason; the count is the
// StalledRuns metric.
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { useClock } from '#platform/clock.ts';
import type { JourneyTarget } from '../../../functions/journeys/run-scheduler.ts';
import type { RunsRepository } from '../../../functions/journeys/runs-repository.ts';
import { type LocalDynamo, startDynalite } from '../../support/dynalite.ts';

const T0 = Date.parse('2026-03-02T10:00:00Z');
const TARGET: JourneyTarget = {
  stateMachineArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:Relance-welcome',
  scheduleGroup: 'Relance-welcome',
  schedulerRoleArn: 'arn:aws:iam::000000000000:role/scheduler',
};

describe('sweepRuns', () => {
  let dynamo: LocalDynamo;
  let runs: RunsRepository;
  let sweeper: typeof import('../../../functions/journeys/run-sweeper.ts');
  let nowMs = T0;
  let restoreClock: () => void;
  let table = '';
  let tables = 0;

  beforeAll(async () => {
    dynamo = await startDynalite();
    restoreClock = useClock({ now: () => nowMs });
    sweeper = await import('../../../functions/journeys/run-sweeper.ts');
  });
  afterAll(async () => {
    restoreClock();
    await dynamo.stop();
  });

  beforeEach(async () => {
    // A fresh table with the wake index, as the template declares it.
    table = `state-${++tables}`;
    const client = new DynamoDBClient({ endpoint: dynamo.endpoint, region: 'us-east-1' });
    await client.send(
      new CreateTableCommand({
        TableName: table,
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        AttributeDefinitions: ['pk', 'sk', 'wakeShard', 'wakeAt'].map((name) => ({
          AttributeName: name,
          AttributeType: 'S',
        })),
        GlobalSecondaryIndexes: [
          {
            IndexName: 'byWake',
            KeySchema: [
              { AttributeName: 'wakeShard', KeyType: 'HASH' },
              { AttributeName: 'wakeAt', KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'KEYS_ONLY' },
          },
        ],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    client.destroy();
    const { RunsRepository } = await import('../../../functions/journeys/runs-repository.ts');
    runs = new RunsRepository(table);
    nowMs = T0;
  });

  /** A run of `journeyId` waiting at `two-days` until `untilMs`. */
  async function waiting(journeyId: string, runKey: string, untilMs: number) {
    const result = await runs.enter({
      journeyId,
      runKey,
      reentry: false,
      triggerType: 'contact.signed_up',
      triggerEventId: `evt-${runKey}`,
      trigger: { eventId: `evt-${runKey}` },
      pause: { stepId: 'two-days', kind: 'wait', until: new Date(untilMs).toISOString() },
      version: 'v1',
      at: new Date(nowMs).toISOString(),
      nowMs,
    });
    if (!result.entered) throw new Error('not entered');
    return result.run;
  }

  function deps(options: { scheduled?: boolean; targets?: Record<string, JourneyTarget> } = {}) {
    const started: Array<{ name: string; input: unknown }> = [];
    const deleted: string[] = [];
    return {
      started,
      deleted,
      deps: {
        runs,
        targets: options.targets ?? { welcome: TARGET },
        scheduleExists: async () => options.scheduled ?? false,
        startResume: async (_target: JourneyTarget, name: string, input: unknown) => {
          started.push({ name, input });
        },
        deleteSchedule: async (_target: JourneyTarget, name: string) => {
          deleted.push(name);
        },
        now: () => nowMs,
      },
    };
  }

  it('marks an overdue run stalled with the reason and resumes it; a run within the grace is left alone', async () => {
    // Prepare
    await waiting('welcome', 'contact:late', T0 + 60_000);
    await waiting('welcome', 'contact:on-time', T0 + 3_600_000);
    nowMs = T0 + 60_000 + sweeper.SWEEP_GRACE_MS + 1;
    const { deps: d, started, deleted } = deps();

    // Act
    const report = await sweeper.sweepRuns(d);

    // Assess
    expect(report.stalled).toBe(1);
    expect(report.outcomes).toEqual([
      expect.objectContaining({
        runKey: 'contact:late',
        outcome: 'resumed',
        reason: expect.stringContaining('missing'),
      }),
    ]);
    expect(started).toEqual([
      {
        name: expect.stringMatching(/-two-days-sweep-1$/),
        input: { resume: { runKey: 'contact:late', gen: 1, stepId: 'two-days', via: 'wait' } },
      },
    ]);
    expect(deleted).toEqual([]);
    expect(await runs.get('welcome', 'contact:late')).toMatchObject({
      status: 'stalled',
      waiting: { stepId: 'two-days' },
      stall: { attempts: 1, reason: expect.stringContaining('its schedule is missing') },
    });
    expect(await runs.get('welcome', 'contact:on-time')).toMatchObject({ status: 'waiting' });
    expect(sweeper.stalledRunsMetric(report, nowMs, 'dev')).toEqual({
      _aws: {
        Timestamp: nowMs,
        CloudWatchMetrics: [
          {
            Namespace: 'Relance',
            Dimensions: [['Stage']],
            Metrics: [{ Name: 'StalledRuns', Unit: 'Count' }],
          },
        ],
      },
      Stage: 'dev',
      StalledRuns: 1,
    });
  });

  it('leaves alone a run that resumed and paused again between the index read and the sweep', async () => {
    // Prepare: the index lists the run as overdue at two-days; before the sweeper acts on it, its
    // schedule fires late and the run pauses at the next wait, due in five days.
    const run = await waiting('welcome', 'contact:moved-on', T0);
    nowMs = T0 + sweeper.SWEEP_GRACE_MS + 1;
    const { deps: d, started } = deps();
    const racing = Object.create(runs) as RunsRepository;
    racing.overdue = async (...args: Parameters<RunsRepository['overdue']>) => {
      const entries = await runs.overdue(...args);
      const at = new Date(nowMs).toISOString();
      await runs.claimResume(run, { stepId: 'two-days', via: 'wait' }, at);
      await runs.pause(
        run,
        { stepId: 'day-seven', kind: 'wait', until: new Date(nowMs + 5 * 86_400_000).toISOString() },
        at,
      );
      return entries;
    };

    // Act
    const report = await sweeper.sweepRuns({ ...d, runs: racing });

    // Assess
    expect(report.stalled).toBe(0);
    expect(started).toEqual([]);
    expect(await runs.get('welcome', 'contact:moved-on')).toMatchObject({
      status: 'waiting',
      waiting: { stepId: 'day-seven' },
    });
  });

  it('takes the grace it is given: the local runtime widens it when journey time runs faster', async () => {
    // Prepare: 11 minutes late, within a grace of one hour.
    await waiting('welcome', 'contact:slow-scheduler', T0);
    nowMs = T0 + 11 * 60_000;
    const { deps: d, started } = deps();

    // Act
    const report = await sweeper.sweepRuns({ ...d, graceMs: 3_600_000 });

    // Assess
    expect(report.stalled).toBe(0);
    expect(started).toEqual([]);
    expect(await runs.get('welcome', 'contact:slow-scheduler')).toMatchObject({ status: 'waiting' });
  });

  it("keeps the stall in the run's history at the step it stalled at, after the run moved on", async () => {
    // Prepare: stalled at two-days, then resumed by the sweeper's start and paused at day-seven.
    const run = await waiting('welcome', 'contact:history', T0);
    nowMs = T0 + sweeper.SWEEP_GRACE_MS + 1;
    await sweeper.sweepRuns(deps().deps);
    const at = new Date(nowMs).toISOString();
    await runs.claimResume(run, { stepId: 'two-days', via: 'wait' }, at);
    await runs.pause(
      run,
      { stepId: 'day-seven', kind: 'wait', until: new Date(nowMs + 5 * 86_400_000).toISOString() },
      at,
    );

    // Act
    const history = (await runs.get('welcome', 'contact:history'))?.history ?? [];

    // Assess
    expect(history).toContainEqual(
      expect.objectContaining({ step: 'two-days', what: expect.stringContaining('stalled:') }),
    );
    expect(history).toContainEqual(expect.objectContaining({ step: 'day-seven' }));
  });

  it('says when the schedule exists but did not resume the run, and deletes it after resuming', async () => {
    // Prepare
    await waiting('welcome', 'contact:stuck', T0);
    nowMs = T0 + sweeper.SWEEP_GRACE_MS + 1;
    const { deps: d, deleted } = deps({ scheduled: true });

    // Act
    await sweeper.sweepRuns(d);

    // Assess
    expect((await runs.get('welcome', 'contact:stuck'))?.stall?.reason).toContain(
      'its schedule exists but has not resumed the run',
    );
    expect(deleted).toEqual([expect.stringMatching(/-two-days$/)]);
  });

  it('looks again later, and fails the run with the reason once its resumes keep not happening', async () => {
    // Prepare
    await waiting('welcome', 'contact:never', T0);
    const { deps: d, started } = deps();

    // Act: sweep after sweep, hours apart; the resumes it starts never claim the run.
    for (let sweep = 0; sweep <= sweeper.MAX_ATTEMPTS; sweep++) {
      nowMs += 6 * 3_600_000;
      await sweeper.sweepRuns(d);
    }

    // Assess
    expect(started).toHaveLength(sweeper.MAX_ATTEMPTS);
    expect(await runs.get('welcome', 'contact:never')).toMatchObject({
      status: 'failed',
      endReason: expect.stringMatching(/^stalled: .*still not resumed after 5 attempts$/),
    });
    nowMs += 6 * 3_600_000;
    expect((await sweeper.sweepRuns(d)).stalled).toBe(0);
  });

  it('fails a waiting run of a journey that is no longer deployed', async () => {
    // Prepare
    await waiting('retired-journey', 'contact:orphan', T0);
    nowMs = T0 + sweeper.SWEEP_GRACE_MS + 1;

    // Act
    const report = await sweeper.sweepRuns(deps().deps);

    // Assess
    expect(report.outcomes).toEqual([expect.objectContaining({ outcome: 'failed' })]);
    expect(await runs.get('retired-journey', 'contact:orphan')).toMatchObject({
      status: 'failed',
      endReason: 'stalled: journey retired-journey is no longer deployed; nothing can resume the run',
    });
  });

  it('never sees a run that resumed: the claim takes it off the wake index', async () => {
    // Prepare
    const run = await waiting('welcome', 'contact:resumed', T0);
    await runs.claimResume(run, { stepId: 'two-days', via: 'wait' }, new Date(T0).toISOString());
    nowMs = T0 + sweeper.SWEEP_GRACE_MS + 1;

    // Act
    const report = await sweeper.sweepRuns(deps().deps);

    // Assess
    expect(report.stalled).toBe(0);
  });
});
