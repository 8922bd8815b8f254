// Each reference journey deploys as an Express state machine carrying the compiler's ASL, a trigger
// rule with the journey's filter, a schedule group and a scheduler role that can start only it.
import { isDeepStrictEqual } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { compileJourney } from '#language/compiler.ts';
import { STEP_FUNCTION_PLACEHOLDER } from '#language/states.ts';
import type { JourneyDefinition } from '#language/types.ts';
import { ACCEPTED_SOURCE } from '#platform/env-names.ts';
import { journeys } from '../../workflows/journeys/index.ts';
import type { JourneyCatalog } from '../../workflows/versions/index.ts';
import {
  flatten,
  functionRoleId,
  getAttOf,
  logicalId,
  props,
  resource,
  resourcesOfType,
  roleOf,
  type SynthesizedRelance,
  stackArn,
  statementResources,
  statementsForRole,
  synthRelance,
} from './synth.ts';

/** What each reference journey must listen to: written out here, not derived from the definitions. */
const EXPECTED_TRIGGERS: Record<string, { detailType: string; detail?: unknown }> = {
  welcome: { detailType: 'contact.signed_up' },
  'abandoned-cart': { detailType: 'cart.updated', detail: { items: { sku: [{ exists: true }] } } },
  'back-in-stock': {
    detailType: 'product.stock_changed',
    detail: { previousQuantity: [0], newQuantity: [{ numeric: ['>', 0] }] },
  },
  'price-drop': { detailType: 'product.price_changed' },
  'double-opt-in': { detailType: 'consent.changed', detail: { channel: ['email'], status: ['pending'] } },
  'lead-confirmation': { detailType: 'lead.submitted' },
  'lead-sla': { detailType: 'lead.assigned' },
  appointment: { detailType: 'appointment.booked' },
  'wishlist-nudge': { detailType: 'product.waitlisted' },
  'vip-welcome': { detailType: 'segment.entered', detail: { segment: ['vip'] } },
};

/** What each scheduled journey's pass runs on: written out here, not derived from the definitions. */
const EXPECTED_PASSES: Record<string, { expression: string; timezone: string }> = {
  'win-back': { expression: 'cron(0 8 * * ? *)', timezone: 'Europe/Paris' },
  // "09:00 in each contact's timezone": a pass every hour on the hour.
  birthday: { expression: 'cron(0 * * * ? *)', timezone: 'UTC' },
  'account-revenue-drop': { expression: 'cron(0 7 ? * MON *)', timezone: 'Europe/Paris' },
};

const FAKE_STEP_ARN = 'arn:aws:lambda:eu-west-3:123456789012:function:journey-step';

let synth: SynthesizedRelance;

beforeAll(() => {
  synth = synthRelance();
});

afterAll(() => synth?.dispose());

function stateMachineId(journey: JourneyDefinition): string {
  const machine = synth.stacks.app.engine.stateMachines.get(journey.id);
  if (!machine) throw new Error(`no state machine for ${journey.id}`);
  return logicalId(machine);
}

function stateMachineName(journey: JourneyDefinition): string {
  return `${synth.stacks.app.stackName}-${journey.id}`;
}

/** The properties of the rules with a target whose `Arn` is this value. */
function rulesTargeting(arn: unknown): Array<Record<string, unknown>> {
  return [...resourcesOfType(synth.app, 'AWS::Events::Rule').values()]
    .map(props)
    .filter((rule) => RuleTargets.parse(rule.Targets).some((target) => isDeepStrictEqual(target.Arn, arn)));
}

const RuleTargets = z.array(z.looseObject({ Arn: z.unknown() }));
const RouterPattern = z.strictObject({ source: z.array(z.string()), 'detail-type': z.array(z.string()) });
const LoggingConfiguration = z.looseObject({
  Level: z.string(),
  Destinations: z.tuple([z.object({ CloudWatchLogsLogGroup: z.object({ LogGroupArn: z.unknown() }) })]),
});

/** The log group a journey's state machine logs to. */
function logGroupOf(journey: JourneyDefinition): string {
  const logging = LoggingConfiguration.parse(
    props(resource(synth.app, stateMachineId(journey))).LoggingConfiguration,
  );
  return getAttOf(logging.Destinations[0].CloudWatchLogsLogGroup.LogGroupArn);
}

describe('journeys', () => {
  it('deploys every reference journey', () => {
    expect(journeys.map((j) => j.id).sort()).toEqual(
      [...Object.keys(EXPECTED_TRIGGERS), ...Object.keys(EXPECTED_PASSES)].sort(),
    );
    // Plus the audience-pass machine.
    synth.app.resourceCountIs('AWS::StepFunctions::StateMachine', journeys.length + 1);
  });

  describe.each(journeys.map((j) => [j.id, j] as const))('%s', (_id, journey) => {
    it('is an Express state machine with tracing, logging to its own log group', () => {
      const machine = props(resource(synth.app, stateMachineId(journey)));

      expect(machine).toMatchObject({
        StateMachineName: stateMachineName(journey),
        StateMachineType: 'EXPRESS',
        TracingConfiguration: { Enabled: true },
      });
      const logGroupId = logGroupOf(journey);
      const logGroup = resource(synth.app, logGroupId);
      expect(logGroup.Type).toBe('AWS::Logs::LogGroup');
      expect(props(logGroup).RetentionInDays).toEqual(expect.any(Number));

      const others = journeys.filter((other) => other.id !== journey.id).map(logGroupOf);
      expect(others).not.toContain(logGroupId);
    });

    it("carries the compiler's definition, with the journey-step function substituted", () => {
      const machine = props(resource(synth.app, stateMachineId(journey)));
      const definition = machine.DefinitionString;
      expect(typeof definition).toBe('string');

      const substituted = String(definition).replaceAll(`\${${STEP_FUNCTION_PLACEHOLDER}}`, FAKE_STEP_ARN);
      expect(substituted).not.toContain('${');
      expect(JSON.parse(substituted)).toEqual(expectedAsl(journey, synth.stacks.versions));
      expect(machine.DefinitionSubstitutions).toEqual({
        [STEP_FUNCTION_PLACEHOLDER]: {
          'Fn::GetAtt': [logicalId(synth.stacks.app.engine.stepFunction), 'Arn'],
        },
      });
    });

    it.runIf(journey.schedule)('starts from its audience pass schedule, not from a bus rule', () => {
      const expected = EXPECTED_PASSES[journey.id];
      const schedules = [...resourcesOfType(synth.app, 'AWS::Scheduler::Schedule').values()]
        .map(props)
        .filter((s) => s.Name === `${journey.id}-pass`);

      expect(rulesTargeting({ Ref: stateMachineId(journey) })).toEqual([]);
      expect(schedules).toHaveLength(1);
      expect(schedules[0]).toMatchObject({
        ScheduleExpression: expected?.expression,
        ScheduleExpressionTimezone: expected?.timezone,
        Target: { Input: JSON.stringify({ journeyId: journey.id }) },
      });
    });

    it.skipIf(journey.schedule)(
      'starts from one trigger rule with its filter, with a dead-letter queue',
      () => {
        const expected = EXPECTED_TRIGGERS[journey.id];
        const ingest = synth.stacks.app.ingest;

        const rules = rulesTargeting({ Ref: stateMachineId(journey) });

        expect(rules).toHaveLength(1);
        expect(rules[0]?.EventPattern).toEqual({
          source: [ACCEPTED_SOURCE],
          'detail-type': [expected?.detailType],
          ...(expected?.detail ? { detail: expected.detail } : {}),
        });
        expect(rules[0]).toMatchObject({
          EventBusName: { Ref: logicalId(ingest.bus) },
          Targets: [
            {
              Arn: { Ref: stateMachineId(journey) },
              DeadLetterConfig: { Arn: { 'Fn::GetAtt': [logicalId(ingest.deadLetters), 'Arn'] } },
            },
          ],
        });
        expect(journey.trigger.filter).toEqual(expected?.detail);
      },
    );

    it('has its own schedule group', () => {
      synth.app.resourcePropertiesCountIs(
        'AWS::Scheduler::ScheduleGroup',
        { Name: stateMachineName(journey) },
        1,
      );
    });
  });

  it("has one scheduler role, which may start the journeys' state machines (each listed) and send to the schedule dead-letter queue, nothing else", () => {
    const role = synth.stacks.app.engine.schedulerRole;
    const roleId = logicalId(role);
    const { AssumeRolePolicyDocument, ManagedPolicyArns } = roleOf(synth.app, roleId);

    expect(AssumeRolePolicyDocument.Statement).toHaveLength(1);
    expect(AssumeRolePolicyDocument.Statement[0]).toMatchObject({
      Effect: 'Allow',
      Action: ['sts:AssumeRole'],
      Principal: { Service: 'scheduler.amazonaws.com' },
      // Confused-deputy guard: only schedules of this account may use the role.
      Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
    });
    expect(ManagedPolicyArns).toBeUndefined();
    synth.app.resourcePropertiesCountIs(
      'AWS::IAM::Role',
      { AssumeRolePolicyDocument: { Statement: [{ Principal: { Service: 'scheduler.amazonaws.com' } }] } },
      5, // this one, the audience passes', the unassigned-leads pass's, the run sweeper's and the weekly digest's
    );

    const statements = statementsForRole(synth.app, roleId);
    expect(statements).toHaveLength(2);
    const [only, deadLetters] = statements;
    expect(deadLetters?.Action).toEqual(['sqs:SendMessage']);
    expect(deadLetters && statementResources(deadLetters)).toEqual([
      `\${${logicalId(synth.stacks.app.scheduleDeadLetters)}.Arn}`,
    ]);
    expect(only?.Effect).toBe('Allow');
    expect(only?.Action).toEqual(['states:StartExecution']);
    expect(only?.NotAction).toBeUndefined();
    expect(only && statementResources(only).sort()).toEqual(
      journeys.map((j) => stackArn('states', `stateMachine:${stateMachineName(j)}`)).sort(),
    );
  });

  it('lists in the router rule exactly the events journeys wait for or end on', () => {
    const listened = new Set<string>();
    for (const journey of journeys) {
      if (journey.goal) listened.add(journey.goal.event);
      for (const step of Object.values(journey.steps)) if (step.type === 'waitFor') listened.add(step.event);
    }
    const router = synth.stacks.app.engine.routerFunction;
    const rules = rulesTargeting({ 'Fn::GetAtt': [logicalId(router), 'Arn'] });

    expect(listened).toContain('order.completed');
    expect(rules).toHaveLength(1);
    const pattern = RouterPattern.parse(rules[0]?.EventPattern);
    expect(pattern.source).toEqual([ACCEPTED_SOURCE]);
    expect([...pattern['detail-type']].sort()).toEqual([...listened].sort());
  });

  it('lets the step function create pause schedules and the router delete them, in the journeys’ groups only', () => {
    const scheduleActions = (fn: typeof synth.stacks.app.engine.stepFunction) =>
      statementsForRole(synth.app, functionRoleId(synth.app, logicalId(fn)))
        .filter((s) => (s.Action ?? []).some((a) => a.startsWith('scheduler:')))
        .map((s) => ({ actions: s.Action, resources: statementResources(s) }));
    const groups = journeys.map((j) => stackArn('scheduler', `schedule/${stateMachineName(j)}/*`));

    // The step handler only creates the schedule that resumes a run (run-scheduler.ts scheduleResume).
    expect(scheduleActions(synth.stacks.app.engine.stepFunction)).toEqual([
      { actions: ['scheduler:CreateSchedule'], resources: groups },
    ]);
    // The router cancels the timeout of a wait an event resolved (run-scheduler.ts cancelResume).
    expect(scheduleActions(synth.stacks.app.engine.routerFunction)).toEqual([
      { actions: ['scheduler:DeleteSchedule'], resources: groups },
    ]);
  });

  it('names the schedule groups and state machines consistently (one group per journey, one for passes)', () => {
    synth.app.resourceCountIs('AWS::Scheduler::ScheduleGroup', journeys.length + 1);
    const names = [...resourcesOfType(synth.app, 'AWS::StepFunctions::StateMachine').values()].map((m) =>
      flatten(props(m).StateMachineName),
    );
    const passMachine = `${synth.stacks.app.stackName}-audience-pass`;
    expect(names.sort()).toEqual([...journeys.map(stateMachineName), passMachine].sort());
  });
});

/** The compiler's output for the journey, with the same placeholder substitution CloudFormation does. */
/** The compiler's output for the journey at its deployed version, with its earlier versions kept. */
function expectedAsl(journey: JourneyDefinition, versions: JourneyCatalog): unknown {
  const version = versions.current.find((v) => v.journeyId === journey.id)?.version;
  const earlier = versions.earlier
    .filter((v) => v.journeyId === journey.id)
    .map((v) => ({ version: v.version, definition: v.definition }));
  expect(version).toMatch(/^[0-9a-f]{12}$/);
  return JSON.parse(
    JSON.stringify(compileJourney(journey, { ...(version ? { version } : {}), earlier })).replaceAll(
      `\${${STEP_FUNCTION_PLACEHOLDER}}`,
      FAKE_STEP_ARN,
    ),
  );
}
