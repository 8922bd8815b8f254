// Least privilege, checked against the code: each function's handler is bundled the way the CDK
// bundles it (esbuild, the AWS SDK external), and the SDK commands its bundle can reach are
// compared with its role. No action is granted that the code cannot call (apart from what the
// Lambda service itself does with the role), every non-DynamoDB call the code can make is granted,
// and no bundle imports an SDK client it never calls.
//
// DynamoDB is checked one way only. A bundle reaches whole repository modules, so it holds commands
// of methods the function never calls (the contacts repository's Scan and DescribeTable serve the
// audience passes only); roles are granted, table by table, the actions the function calls
// (lib/stateless/*.ts), a subset of what the bundle reaches. That every DynamoDB call is granted is
// what the local runtime's IAM enforcement checks when the journeys and end-to-end tests run.
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_ENTRY_METADATA } from '../../lib/stateless/relance-function.ts';
import {
  functionRoleId,
  props,
  resourcesOfType,
  type SynthesizedRelance,
  statementsForRole,
  synthRelance,
} from './synth.ts';

/** The IAM actions each SDK command needs. A command missing here fails the test: add it. */
const COMMAND_ACTIONS: Record<string, readonly string[]> = {
  // @aws-sdk/lib-dynamodb and @aws-sdk/client-dynamodb
  GetCommand: ['dynamodb:GetItem'],
  PutCommand: ['dynamodb:PutItem'],
  UpdateCommand: ['dynamodb:UpdateItem'],
  DeleteCommand: ['dynamodb:DeleteItem'],
  QueryCommand: ['dynamodb:Query'],
  ScanCommand: ['dynamodb:Scan'],
  BatchGetCommand: ['dynamodb:BatchGetItem'],
  // Authorized per action it holds: relance's transactions are updates (an entry and its counters).
  TransactWriteCommand: ['dynamodb:UpdateItem'],
  DescribeTableCommand: ['dynamodb:DescribeTable'],
  // Messaging and orchestration
  PutEventsCommand: ['events:PutEvents'],
  SendEmailCommand: ['ses:SendEmail'],
  PublishCommand: ['sns:Publish'],
  SendTextMessageCommand: ['sms-voice:SendTextMessage'],
  SendVoiceMessageCommand: ['sms-voice:SendVoiceMessage'],
  SendMessageCommand: ['sqs:SendMessage'],
  StartExecutionCommand: ['states:StartExecution'],
  // A schedule names the role the scheduler assumes: creating one passes that role.
  CreateScheduleCommand: ['scheduler:CreateSchedule', 'iam:PassRole'],
  DeleteScheduleCommand: ['scheduler:DeleteSchedule'],
  GetScheduleCommand: ['scheduler:GetSchedule'],
  GetSecretValueCommand: ['secretsmanager:GetSecretValue'],
};

/** What the Lambda service does with every function's role: its logs and its traces. */
const PLATFORM_ACTIONS = [
  'logs:CreateLogStream',
  'logs:PutLogEvents',
  'xray:PutTraceSegments',
  'xray:PutTelemetryRecords',
];

/** Calls granted only with a setting: the test runs again with it and expects the grant. */
const CONDITIONAL_CALLS: Record<string, Readonly<Record<string, Record<string, unknown>>>> = {
  // SMS go through End User Messaging only where it is the SMS provider (SNS by default).
  ...Object.fromEntries(
    [
      'functions/journeys/step-handler.ts',
      'functions/leads/router-handler.ts',
      'functions/leads/actions-handler.ts',
    ].map((entry) => [
      entry,
      { 'sms-voice:SendTextMessage': { 'relance:phoneMessaging': { smsProvider: 'end-user-messaging' } } },
    ]),
  ),
  'functions/leads/form-handler.ts': {
    'secretsmanager:GetSecretValue': {
      'relance:leads': {
        captcha: { verifyUrl: 'https://captcha.example.com/verify', secretName: 'relance/captcha' },
      },
    },
  },
};

/**
 * Calls whose grant another branch adds (the event router cancels a resume schedule; the grant
 * comes with the local-runtime half of issue 16). Remove an entry once its grant is merged.
 */
const PENDING_GRANTS: Record<string, readonly string[]> = {
  'functions/journeys/event-router-handler.ts': ['scheduler:DeleteSchedule'],
};

interface Reach {
  /** `@aws-sdk/*` packages the bundle imports (statically, or on first use). */
  readonly packages: Set<string>;
  /** SDK command classes the bundle names (its client modules' commands, or SDK imports by name). */
  readonly names: Set<string>;
}

/**
 * The SDK reach of a handler's bundle: esbuild as the CDK runs it, the SDK left external. The
 * clients in functions/platform/clients/ import their SDK packages on first use and name each SDK
 * command in a class of their own (`sdkName = "GetCommand"`), which esbuild leaves out of a bundle
 * that never builds it.
 */
async function sdkReach(entry: string): Promise<Reach> {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    mainFields: ['module', 'main'],
    external: ['@aws-sdk/*'],
    // Without comments: a library's doc comment showing an SDK import is not an import.
    minifyWhitespace: true,
    logLevel: 'silent',
  });
  const text = result.outputFiles[0]?.text ?? '';
  const packages = new Set<string>();
  const names = new Set<string>();
  for (const match of text.matchAll(/import\s*(?:\{([^}]*)\}\s*from\s*)?["'](@aws-sdk\/[^"']+)["']/g)) {
    packages.add(match[2] ?? '');
    for (const name of (match[1] ?? '').split(',')) {
      const imported = name.trim().split(/\s+as\s+/)[0];
      if (imported) names.add(imported);
    }
  }
  for (const match of text.matchAll(/import\(\s*["'](@aws-sdk\/[^"']+)["']\s*\)/g))
    packages.add(match[1] ?? '');
  for (const match of text.matchAll(/sdkName\s*=\s*["'](\w+)["']/g)) names.add(match[1] ?? '');
  return { packages, names };
}

interface FunctionUnderTest {
  readonly logicalId: string;
  readonly entry: string;
  readonly roleActions: Set<string>;
  readonly platformActions: Set<string>;
  readonly reach: Reach;
  readonly codeActions: Set<string>;
}

let synth: SynthesizedRelance;
let functions: FunctionUnderTest[];

beforeAll(async () => {
  synth = synthRelance();
  const invokeConfigs = [...resourcesOfType(synth.app, 'AWS::Lambda::EventInvokeConfig').values()].map(props);
  const candidates = [...resourcesOfType(synth.app, 'AWS::Lambda::Function').entries()];
  functions = await Promise.all(
    candidates.map(async ([logicalId, fn]): Promise<FunctionUnderTest> => {
      const entry = String(fn.Metadata?.[LOCAL_ENTRY_METADATA]);
      const roleActions = new Set(
        statementsForRole(synth.app, functionRoleId(synth.app, logicalId))
          .filter((s) => s.Effect === 'Allow')
          .flatMap((s) => s.Action ?? []),
      );
      // Lambda itself sends a failed asynchronous event to the on-failure destination, with the role.
      const onFailure = invokeConfigs.some(
        (c) =>
          JSON.stringify(c.FunctionName) === JSON.stringify({ Ref: logicalId }) &&
          JSON.stringify(c.DestinationConfig ?? {}).includes('OnFailure'),
      );
      const reach = await sdkReach(entry);
      const codeActions = new Set(
        [...reach.names]
          .filter((n) => n.endsWith('Command'))
          .flatMap((n) => COMMAND_ACTIONS[n] ?? [`unknown:${n}`]),
      );
      return {
        logicalId,
        entry,
        roleActions,
        platformActions: new Set([...PLATFORM_ACTIONS, ...(onFailure ? ['sqs:SendMessage'] : [])]),
        reach,
        codeActions,
      };
    }),
  );
});

afterAll(() => synth?.dispose());

describe('least privilege', () => {
  it('bundles every function of the template', () => {
    expect(functions).toHaveLength(14);
    for (const fn of functions) expect(fn.reach.packages.size, fn.entry).toBeGreaterThan(0);
  });

  it('knows the IAM actions of every SDK command a bundle reaches', () => {
    const unknown = functions.flatMap((fn) =>
      [...fn.codeActions].filter((a) => a.startsWith('unknown:')).map((a) => `${fn.entry}: ${a}`),
    );
    expect(unknown).toEqual([]);
  });

  it('grants every call a function can make (DynamoDB aside, see above)', () => {
    const missing = functions.flatMap((fn) =>
      [...fn.codeActions]
        .filter((a) => !a.startsWith('dynamodb:'))
        .filter((a) => !fn.roleActions.has(a))
        .filter((a) => !(PENDING_GRANTS[fn.entry] ?? []).includes(a))
        .filter((a) => CONDITIONAL_CALLS[fn.entry]?.[a] === undefined)
        .map((a) => `${fn.entry}: ${a}`),
    );
    expect(missing).toEqual([]);
  });

  it.each(
    Object.entries(CONDITIONAL_CALLS).flatMap(([entry, calls]) =>
      Object.entries(calls).map(([action, context]) => ({ entry, action, context })),
    ),
  )('grants $entry $action once its setting is given', ({ entry, action, context }) => {
    const configured = synthRelance(context);
    try {
      const [logicalId] = [...resourcesOfType(configured.app, 'AWS::Lambda::Function').entries()].find(
        ([, fn]) => fn.Metadata?.[LOCAL_ENTRY_METADATA] === entry,
      ) ?? [''];
      const granted = statementsForRole(configured.app, functionRoleId(configured.app, logicalId))
        .filter((s) => s.Effect === 'Allow')
        .flatMap((s) => s.Action ?? []);

      expect(granted).toContain(action);
      expect(functions.find((f) => f.entry === entry)?.roleActions.has(action)).toBe(false);
    } finally {
      configured.dispose();
    }
  });

  it('grants no action a function cannot reach (beyond its logs, traces and on-failure destination)', () => {
    const extra = functions.flatMap((fn) =>
      [...fn.roleActions]
        .filter((a) => !fn.codeActions.has(a) && !fn.platformActions.has(a))
        .map((a) => `${fn.entry} (${fn.logicalId}): ${a}`),
    );
    expect(extra).toEqual([]);
  });

  it('imports no SDK client a function never calls', () => {
    const idle = functions.flatMap((fn) => {
      const services = new Set([...fn.codeActions].map((a) => a.split(':')[0]));
      return [...fn.reach.packages]
        .filter((pkg) => pkg.startsWith('@aws-sdk/client-'))
        .filter((pkg) => !services.has(SERVICE_OF_PACKAGE[pkg] ?? pkg))
        .map((pkg) => `${fn.entry}: ${pkg}`);
    });
    expect(idle).toEqual([]);
  });

  it('keeps the pending grants pending only while they are missing (delete an entry once merged)', () => {
    for (const [entry, actions] of Object.entries(PENDING_GRANTS)) {
      const fn = functions.find((f) => f.entry === entry);
      for (const action of actions) {
        expect(fn?.codeActions.has(action), `${entry} no longer calls ${action}`).toBe(true);
      }
    }
  });

  it('the event router reaches neither PutEvents, GetSecretValue nor CreateSchedule', () => {
    const router = functions.find((f) => f.entry === 'functions/journeys/event-router-handler.ts');

    expect(router?.reach.names).not.toContain('PutEventsCommand');
    expect(router?.reach.names).not.toContain('GetSecretValueCommand');
    expect(router?.reach.names).not.toContain('CreateScheduleCommand');
    expect([...(router?.reach.packages ?? [])].sort()).toEqual([
      '@aws-sdk/client-dynamodb',
      '@aws-sdk/client-scheduler',
      '@aws-sdk/client-sfn',
      '@aws-sdk/lib-dynamodb',
    ]);
  });
});

/** The IAM service prefix of each SDK client package. */
const SERVICE_OF_PACKAGE: Record<string, string> = {
  '@aws-sdk/client-dynamodb': 'dynamodb',
  '@aws-sdk/client-pinpoint-sms-voice-v2': 'sms-voice',
  '@aws-sdk/client-eventbridge': 'events',
  '@aws-sdk/client-scheduler': 'scheduler',
  '@aws-sdk/client-secrets-manager': 'secretsmanager',
  '@aws-sdk/client-sesv2': 'ses',
  '@aws-sdk/client-sfn': 'states',
  '@aws-sdk/client-sns': 'sns',
  '@aws-sdk/client-sqs': 'sqs',
};
