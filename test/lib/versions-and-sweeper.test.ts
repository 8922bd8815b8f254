// Journey versions and the run sweeper in the template: each journey's state machine records its
// version and keeps the earlier ones; a migrate policy that leaves a removed waiting step unmapped
// fails synth naming it; the sweeper runs on a schedule over the wake index, with a metric alarm.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { journeyVersion } from '#language/versions.ts';
import { type BuildOptions, buildApp, JourneyValidationError, type RelanceApp } from '../../lib/app.ts';
import { journeys } from '../../workflows/journeys/index.ts';
import { edited, original, templatesAfter, templatesBefore } from '../support/journey-edits.ts';
import {
  flatten,
  functionRoleId,
  logicalId,
  props,
  resource,
  resourcesOfType,
  statementResources,
  statementsForRole,
} from './synth.ts';

function synth(options: Omit<BuildOptions, 'nag'>): {
  stacks: RelanceApp;
  app: Template;
  data: Template;
  dispose(): void;
} {
  const outdir = mkdtempSync(join(tmpdir(), 'relance-versions-'));
  let stacks: RelanceApp;
  try {
    const app = new App({ outdir, context: { 'aws:cdk:bundling-stacks': [] } });
    stacks = buildApp(app, { ...options, nag: false });
    app.synth();
  } catch (error) {
    // A refused definition leaves no folder behind either.
    rmSync(outdir, { recursive: true, force: true });
    throw error;
  }
  return {
    stacks,
    app: Template.fromStack(stacks.app),
    data: Template.fromStack(stacks.data),
    dispose: () => rmSync(outdir, { recursive: true, force: true }),
  };
}

describe('journey versions in the template', () => {
  const v1 = journeyVersion(original('rename', 'migrate'), templatesBefore);
  let built: ReturnType<typeof synth>;

  beforeAll(() => {
    built = synth({
      journeys: [...journeys, edited('rename', 'migrate')],
      templates: templatesAfter,
      earlier: [v1],
    });
  });
  afterAll(() => built?.dispose());

  it('compiles each journey at its deployed version, with the earlier versions runs may be on', () => {
    const machine = built.stacks.app.engine.stateMachines.get('edit-rename-migrate');
    const definition = JSON.parse(
      String(props(resource(built.app, logicalId(machine as never))).DefinitionString),
    );
    const deployed = built.stacks.versions.current.find((v) => v.journeyId === 'edit-rename-migrate');
    expect(definition.States.Enter.Parameters.version).toBe(deployed?.version);
    expect(definition.States[`${v1.version} Send tips-email`].Parameters.version).toBe(v1.version);
    expect(built.stacks.versions.earlier.map((v) => v.version)).toEqual([v1.version]);
  });

  it('refuses a migrate policy that leaves a removed waiting step unmapped, naming it', () => {
    expect(() =>
      synth({
        journeys: [{ ...edited('rename', 'migrate'), inFlight: { policy: 'migrate' } }],
        templates: templatesAfter,
        earlier: [v1],
      }),
    ).toThrow(JourneyValidationError);
    expect(() =>
      synth({
        journeys: [{ ...edited('rename', 'migrate'), inFlight: { policy: 'migrate' } }],
        templates: templatesAfter,
        earlier: [v1],
      }),
    ).toThrow(
      /edit-rename-migrate › inFlight.stepMapping: step "two-days" .* was removed and runs may wait there/,
    );
  });
});

describe('the run sweeper in the template', () => {
  let built: ReturnType<typeof synth>;
  beforeAll(() => {
    built = synth({});
  });
  afterAll(() => built?.dispose());

  it('lists waiting runs by wake-up time in a sparse, keys-only index of the journey-state table', () => {
    const table = props(resource(built.data, logicalId(built.stacks.data.tables.journeyState)));
    expect(table.GlobalSecondaryIndexes).toEqual([
      {
        IndexName: 'byWake',
        KeySchema: [
          { AttributeName: 'wakeShard', KeyType: 'HASH' },
          { AttributeName: 'wakeAt', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'KEYS_ONLY' },
      },
    ]);
  });

  it('runs hourly from a schedule, may resume any journey and read its schedules, and nothing more', () => {
    const fnId = logicalId(built.stacks.app.sweeper.fn);
    const schedules = [...resourcesOfType(built.app, 'AWS::Scheduler::Schedule').values()]
      .map(props)
      .filter((s) => flatten((s.Target as { Arn: unknown }).Arn) === `\${${fnId}.Arn}`);
    expect(schedules).toEqual([
      expect.objectContaining({ Name: 'Relance-run-sweeper', ScheduleExpression: 'rate(60 minutes)' }),
    ]);
    const statements = statementsForRole(built.app, functionRoleId(built.app, fnId));
    const starts = statements.filter((s) => s.Action?.includes('states:StartExecution'));
    expect(starts.flatMap(statementResources).sort()).toEqual(
      [...built.stacks.app.engine.stateMachines.values()].map((m) => `\${${logicalId(m)}}`).sort(),
    );
    const scheduleReads = statements.filter((s) => s.Action?.includes('scheduler:GetSchedule'));
    expect(scheduleReads.flatMap((s) => s.Action ?? [])).toEqual([
      'scheduler:GetSchedule',
      'scheduler:DeleteSchedule',
    ]);
    expect(statements.flatMap((s) => s.Action ?? [])).not.toContain('scheduler:CreateSchedule');
  });

  it('has an alarm on the StalledRuns metric: any stalled run sets it off', () => {
    const alarms = [...resourcesOfType(built.app, 'AWS::CloudWatch::Alarm').values()].map(props);
    expect(alarms.filter((alarm) => alarm.MetricName === 'StalledRuns')).toEqual([
      expect.objectContaining({
        Namespace: 'Relance',
        MetricName: 'StalledRuns',
        Statistic: 'Sum',
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
        EvaluationPeriods: 1,
        TreatMissingData: 'notBreaching',
      }),
    ]);
  });
});
