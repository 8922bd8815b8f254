// Every function carries the house defaults, and IAM grants are as narrow as the code needs.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { App, Stack } from 'aws-cdk-lib';
import { EventBus, Rule } from 'aws-cdk-lib/aws-events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { JourneyDefinition } from '#language/types.ts';
import { ACCEPTED_SOURCE, HTTP_SOURCE, RELANCE_SOURCE } from '#platform/env-names.ts';
import { DECLARED, platformLogBytesPerInvocation } from '../../bin/cli/cost-model.ts';
import { acceptedTypesMatched, goalEventTypes } from '../../lib/stateless/event-ingest.ts';
import { LOCAL_ENTRY_METADATA } from '../../lib/stateless/relance-function.ts';
import { LOCAL_ENTRY_METADATA as LOCAL_RUNTIME_ENTRY_KEY } from '../../local/aws/template.ts';
import { welcome } from '../../workflows/journeys/welcome.ts';
import {
  allStatements,
  functionRoleId,
  getAttOf,
  logicalId,
  type PolicyStatement,
  props,
  refOf,
  resource,
  resourcesOfType,
  roleOf,
  type SynthesizedRelance,
  stackArn,
  statementResources,
  statementsForRole,
  synthRelance,
} from './synth.ts';

const LoggingConfig = z.looseObject({ LogGroup: z.unknown() });
const RuleTargets = z.array(z.looseObject({ Arn: z.unknown() }));

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

let synth: SynthesizedRelance;

beforeAll(() => {
  synth = synthRelance();
});

afterAll(() => synth?.dispose());

function functions() {
  return [...resourcesOfType(synth.app, 'AWS::Lambda::Function').entries()];
}

/** The async invoke configurations of a function. */
function invokeConfigsOf(functionId: string): Array<Record<string, unknown>> {
  return [...resourcesOfType(synth.app, 'AWS::Lambda::EventInvokeConfig').values()]
    .map(props)
    .filter((config) => isDeepStrictEqual(config.FunctionName, { Ref: functionId }));
}

/** The rules (id and properties) with a target that is this function. */
function rulesInvoking(functionId: string): Array<[string, Record<string, unknown>]> {
  return [...resourcesOfType(synth.app, 'AWS::Events::Rule').entries()]
    .map(([id, rule]): [string, Record<string, unknown>] => [id, props(rule)])
    .filter(([, rule]) =>
      RuleTargets.parse(rule.Targets).some((t) =>
        isDeepStrictEqual(t.Arn, { 'Fn::GetAtt': [functionId, 'Arn'] }),
      ),
    );
}

/** The statements of a function's role that grant any of these actions. */
function grantsOf(functionId: string, ...actions: string[]): PolicyStatement[] {
  return statementsForRole(synth.app, functionRoleId(synth.app, functionId)).filter(
    (s) => s.Effect === 'Allow' && (s.Action ?? []).some((a) => actions.includes(a)),
  );
}

describe('Lambda functions', () => {
  it('are all in the app stack, none in the data stack', () => {
    expect(functions()).toHaveLength(14);
    synth.data.resourceCountIs('AWS::Lambda::Function', 0);
  });

  it('run Node.js 22 on arm64, traced actively but the delivery feedback, which joins traces only', () => {
    synth.app.allResourcesProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
    });
    const modes = functions().map(([, fn]) => [
      fn.Metadata?.[LOCAL_ENTRY_METADATA],
      (props(fn).TracingConfig as { Mode?: string } | undefined)?.Mode,
    ]);
    expect(modes.filter(([, mode]) => mode !== 'Active')).toEqual([
      ['functions/delivery/feedback-handler.ts', 'PassThrough'],
    ]);
    expect(modes).toHaveLength(14);
  });

  it('log to their own log group, which has a retention, and may write only there', () => {
    for (const [id, fn] of functions()) {
      const logGroupId = refOf(LoggingConfig.parse(props(fn).LoggingConfig).LogGroup);
      const logGroup = resource(synth.app, logGroupId);

      expect(logGroup.Type).toBe('AWS::Logs::LogGroup');
      expect(props(logGroup).RetentionInDays, id).toEqual(expect.any(Number));
      const logWrites = grantsOf(id, 'logs:PutLogEvents');
      expect(logWrites.flatMap(statementResources), id).toEqual([`\${${logGroupId}.Arn}`]);
    }
  });

  it("log JSON with Lambda's own records at the level the cost model prices (WARN: no start and report lines)", () => {
    for (const [id, fn] of functions()) {
      const config = z
        .looseObject({ LogFormat: z.string(), SystemLogLevel: z.string() })
        .parse(props(fn).LoggingConfig);

      expect(config.LogFormat, id).toBe('JSON');
      expect(config.SystemLogLevel, id).toBe(DECLARED.systemLogLevel);
    }
    expect(platformLogBytesPerInvocation()).toBe(0);
  });

  it('name their handler source, an existing handler file in a capability folder under functions/', () => {
    expect(LOCAL_ENTRY_METADATA, 'the key the local runtime reads').toBe(LOCAL_RUNTIME_ENTRY_KEY);
    for (const [id, fn] of functions()) {
      const entry = fn.Metadata?.[LOCAL_ENTRY_METADATA];

      expect(entry, id).toEqual(expect.stringMatching(/^functions\/[\w-]+\/[\w-]+-handler\.ts$/));
      expect(existsSync(resolve(REPO_ROOT, String(entry))), `${id}: ${String(entry)}`).toBe(true);
    }
  });
});

describe('IAM', () => {
  it('uses no AWSLambdaBasicExecutionRole', () => {
    for (const template of [synth.data, synth.app]) {
      expect(JSON.stringify(template.toJSON())).not.toContain('AWSLambdaBasicExecutionRole');
      for (const id of resourcesOfType(template, 'AWS::IAM::Role').keys()) {
        const managed = (roleOf(template, id).ManagedPolicyArns ?? []).map((arn) => JSON.stringify(arn));
        for (const arn of managed) expect(arn, id).not.toContain('AWSLambdaBasicExecutionRole');
      }
    }
  });

  it('allows no wildcard action in either stack', () => {
    const statements = [...allStatements(synth.data), ...allStatements(synth.app)];
    expect(statements.length).toBeGreaterThan(0);

    const wildcards = statements
      .filter(({ statement }) => statement.Effect === 'Allow')
      .flatMap(({ where, statement }) => [
        ...(statement.NotAction ? [`${where}: NotAction ${statement.NotAction.join(',')}`] : []),
        ...(statement.Action ?? [])
          .filter((action) => action === '*' || /^[\w-]+:\*$/.test(action))
          .map((action) => `${where}: ${action}`),
      ]);
    expect(wildcards).toEqual([]);
  });

  it('has wildcard actions only in the TLS-only guards of queue policies, which deny', () => {
    const denies = [...allStatements(synth.app)].filter(({ statement }) =>
      (statement.Action ?? []).some((a) => a === '*' || a.endsWith(':*')),
    );

    for (const { where, statement } of denies) {
      expect(resource(synth.app, where.split('.')[0] ?? '').Type).toBe('AWS::SQS::QueuePolicy');
      expect(statement).toMatchObject({
        Effect: 'Deny',
        Action: ['sqs:*'],
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      });
    }
  });

  it('lets the journey-step function send e-mail only as the SES identity with the configuration set', () => {
    const stepFunction = logicalId(synth.stacks.app.engine.stepFunction);
    const [configurationSet, ...more] = resourcesOfType(synth.app, 'AWS::SES::ConfigurationSet').keys();
    const sesStatements = statementsForRole(synth.app, functionRoleId(synth.app, stepFunction)).filter((s) =>
      (s.Action ?? []).some((a) => a.startsWith('ses:')),
    );

    expect(more).toEqual([]);
    expect(sesStatements).toHaveLength(1);
    expect(sesStatements[0]?.Effect).toBe('Allow');
    expect(sesStatements[0]?.Action).toEqual(['ses:SendEmail']);
    expect(sesStatements[0] && statementResources(sesStatements[0]).sort()).toEqual(
      [
        stackArn('ses', 'identity/shop.example.com'),
        stackArn('ses', `configuration-set/\${${configurationSet}}`),
      ].sort(),
    );
  });

  it('lets no function other than the senders (journey-step, lead router, lead actions, weekly digest) use SES', () => {
    const { engine, leads, digest } = synth.stacks.app;
    const senders = [
      engine.stepFunction,
      leads.routerFunction,
      leads.actionsFunction,
      ...(digest ? [digest.fn] : []),
    ].map(logicalId);
    for (const [id] of functions().filter(([id]) => !senders.includes(id))) {
      const ses = statementsForRole(synth.app, functionRoleId(synth.app, id)).filter((s) =>
        (s.Action ?? []).some((a) => a.startsWith('ses:')),
      );
      expect(ses, id).toEqual([]);
    }
  });
});

describe('ingest function', () => {
  const ids = () => {
    const ingest = synth.stacks.app.ingest;
    return {
      fn: logicalId(ingest.ingestFunction),
      bus: logicalId(ingest.bus),
      rejected: logicalId(ingest.rejectedEvents),
      deadLetters: logicalId(ingest.deadLetters),
    };
  };

  it('can send to the rejected-events queue', () => {
    const { fn, rejected } = ids();

    const sends = grantsOf(fn, 'sqs:SendMessage');
    expect(sends.flatMap(statementResources)).toContain(`\${${rejected}.Arn}`);
  });

  it("keeps the journeys' goal events (orders) in the history 400 days and every other event 90 days", () => {
    const { fn } = ids();

    const variables = z
      .object({ Environment: z.object({ Variables: z.record(z.string(), z.unknown()) }) })
      .parse(props(resource(synth.app, fn))).Environment.Variables;
    expect(variables).toMatchObject({
      HISTORY_RETENTION_DAYS: '400',
      RECENT_HISTORY_RETENTION_DAYS: '90',
      FULL_HISTORY_EVENT_TYPES: 'order.completed',
    });
  });

  it("keeps the goal of every journey version in full, an earlier version's included", () => {
    const version = (definition: JourneyDefinition) => ({
      journeyId: definition.id,
      version: 'v',
      definition,
      templates: {},
    });
    const demoGoal = { event: 'demo.requested' as const, correlate: { by: 'contact' as const } };

    expect(
      goalEventTypes({
        current: [version({ ...welcome, goal: demoGoal }), version(welcome)],
        earlier: [version({ ...welcome, goal: { ...demoGoal, event: 'webinar.attended' as const } })],
      }),
    ).toEqual(['demo.requested', 'order.completed', 'webinar.attended']);
  });

  it('re-publishes the accepted event types the relance.ingest rules match, and every type when asked', () => {
    const { fn } = ids();
    const matched = new Set<string>();
    for (const rule of resourcesOfType(synth.app, 'AWS::Events::Rule').values()) {
      const pattern = props(rule).EventPattern as { source?: unknown[]; 'detail-type'?: string[] };
      if (!pattern.source?.includes(ACCEPTED_SOURCE)) continue;
      for (const type of pattern['detail-type'] ?? []) matched.add(type);
    }
    const environment = (app: typeof synth.app, id: string) =>
      z
        .object({ Environment: z.object({ Variables: z.record(z.string(), z.unknown()) }) })
        .parse(props(resource(app, id))).Environment.Variables;

    const published = String(environment(synth.app, fn).PUBLISHED_EVENT_TYPES).split(',');
    expect(published).toEqual([...matched].sort());
    expect(published).toEqual(expect.arrayContaining(['cart.updated', 'lead.submitted', 'order.completed']));
    expect(published).not.toContain('page.viewed');

    const all = synthRelance({ 'relance:publishAcceptedEvents': 'all' });
    try {
      const allFn = [...resourcesOfType(all.app, 'AWS::Lambda::Function').entries()].find(
        ([, f]) => f.Metadata?.[LOCAL_ENTRY_METADATA] === 'functions/ingest/bus-handler.ts',
      )?.[0];
      expect(environment(all.app, String(allFn)).PUBLISHED_EVENT_TYPES).toBe('*');
    } finally {
      all.dispose();
    }
  });

  it('can put events on the relance bus', () => {
    const { fn, bus } = ids();

    const puts = grantsOf(fn, 'events:PutEvents');
    expect(puts.flatMap(statementResources)).toEqual([`\${${bus}.Arn}`]);
  });

  it('retries async invocations, then sends the failure to the dead-letter queue it may write to', () => {
    const { fn, deadLetters } = ids();
    const configs = invokeConfigsOf(fn);

    expect(configs).toHaveLength(1);
    expect(configs[0]).toMatchObject({
      MaximumRetryAttempts: expect.any(Number),
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [deadLetters, 'Arn'] } } },
    });
    expect(grantsOf(fn, 'sqs:SendMessage').flatMap(statementResources)).toContain(`\${${deadLetters}.Arn}`);
  });

  it('receives every producer event, but not the ones relance itself publishes, with a dead-letter queue', () => {
    const { fn, deadLetters, bus } = ids();
    const rules = rulesInvoking(fn);

    expect(rules).toHaveLength(1);
    const [, rule] = rules[0] ?? [];
    expect(rule?.EventBusName).toEqual({ Ref: bus });
    expect(rule?.EventPattern).toEqual({
      source: [{ 'anything-but': expect.arrayContaining([ACCEPTED_SOURCE, RELANCE_SOURCE]) }],
    });
    // Events the HTTP endpoint forwards must still go through ingest.
    expect(JSON.stringify(rule?.EventPattern)).not.toContain(HTTP_SOURCE);
    expect(rule?.Targets).toEqual([
      expect.objectContaining({
        Arn: { 'Fn::GetAtt': [fn, 'Arn'] },
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [deadLetters, 'Arn'] } },
      }),
    ]);
  });

  it('may be invoked by EventBridge only from that rule', () => {
    const { fn } = ids();
    const [ruleId] = rulesInvoking(fn).map(([id]) => id);
    const permissions = [...resourcesOfType(synth.app, 'AWS::Lambda::Permission').values()]
      .map(props)
      .filter((p) => p.Principal === 'events.amazonaws.com' && getAttOf(p.FunctionName) === fn);

    expect(permissions).toHaveLength(1);
    expect(permissions[0]?.SourceArn).toEqual({ 'Fn::GetAtt': [ruleId, 'Arn'] });
  });
});

describe('event router', () => {
  it('the event router also keeps the events it failed to process (on-failure destination)', () => {
    const configs = invokeConfigsOf(logicalId(synth.stacks.app.engine.routerFunction));

    expect(configs).toHaveLength(1);
    expect(configs[0]).toMatchObject({
      MaximumRetryAttempts: expect.any(Number),
      DestinationConfig: { OnFailure: { Destination: expect.anything() } },
    });
  });
});

describe('the accepted event types ingest publishes', () => {
  /** The types `acceptedTypesMatched` reads from these rules on a bus. */
  const matched = (...patterns: Array<Record<string, unknown>>) => {
    const app = new App();
    const stack = new Stack(app, 'Rules');
    const bus = new EventBus(stack, 'Bus');
    patterns.forEach((eventPattern, i) => {
      new Rule(stack, `Rule${i}`, { eventBus: bus, eventPattern });
    });
    return acceptedTypesMatched(stack);
  };

  it("are the detail types of the rules on relance.ingest, others' left out", () => {
    expect(
      matched(
        { source: [ACCEPTED_SOURCE], detailType: ['order.completed', 'cart.updated'] },
        { source: [ACCEPTED_SOURCE], detailType: ['cart.updated'] },
        { source: ['shop.example.com'], detailType: ['page.viewed'] },
      ),
    ).toBe('cart.updated,order.completed');
  });

  it('are every type when such a rule names none, or filters it by content', () => {
    expect(matched({ source: [ACCEPTED_SOURCE] })).toBe('*');
    expect(
      matched({
        source: [ACCEPTED_SOURCE],
        detailType: [{ prefix: 'lead.' } as unknown as string],
      }),
    ).toBe('*');
  });
});
