// The Relance construct as an infra team places it: from another folder, twice in one existing
// stack (two stages side by side, no physical name used twice), with its operations on by default
// (alarms to one topic, a dashboard, a dead-letter queue on every schedule) and its sender identity.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { EventBus } from 'aws-cdk-lib/aws-events';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigValidationError, Relance, RelancePropsError } from '../../lib/index.ts';

const REPO = resolve(import.meta.dirname, '../..');
const NO_BUNDLING = { 'aws:cdk:bundling-stacks': [] };

/** The property naming each resource type physically (unique per account and region). */
const PHYSICAL_NAME: Record<string, string> = {
  'AWS::DynamoDB::GlobalTable': 'TableName',
  'AWS::Lambda::Function': 'FunctionName',
  'AWS::StepFunctions::StateMachine': 'StateMachineName',
  'AWS::SQS::Queue': 'QueueName',
  'AWS::SNS::Topic': 'TopicName',
  'AWS::CloudWatch::Alarm': 'AlarmName',
  'AWS::CloudWatch::Dashboard': 'DashboardName',
  'AWS::Events::EventBus': 'Name',
  'AWS::Events::Rule': 'Name',
  'AWS::Scheduler::ScheduleGroup': 'Name',
  'AWS::Scheduler::Schedule': 'Name',
  'AWS::Logs::LogGroup': 'LogGroupName',
  'AWS::IAM::Role': 'RoleName',
  'AWS::SecretsManager::Secret': 'Name',
  'AWS::SES::ConfigurationSet': 'Name',
  'AWS::SES::EmailIdentity': 'EmailIdentity',
  'AWS::ApiGateway::RestApi': 'Name',
};

type Resources = Record<string, { Type: string; Properties?: Record<string, unknown> }>;

function physicalNames(resources: Resources): string[] {
  return Object.values(resources).flatMap(({ Type, Properties }) => {
    const property = PHYSICAL_NAME[Type];
    const value = property ? Properties?.[property] : undefined;
    if (value === undefined) return [];
    // A schedule's name is unique within its group (the default group without one).
    const group = Type === 'AWS::Scheduler::Schedule' ? `${String(Properties?.GroupName ?? 'default')}/` : '';
    return [`${Type} ${group}${JSON.stringify(value)}`];
  });
}

function prefixed(resources: Resources, prefix: string): Resources {
  return Object.fromEntries(Object.entries(resources).map(([id, r]) => [`${prefix}${id}`, r]));
}

function byType(resources: Resources, type: string) {
  return Object.entries(resources).filter(([, r]) => r.Type === type);
}

describe('the Relance construct placed by another app', () => {
  let folder: string;
  let templates: Resources[];
  /** Every template's resources, logical ids prefixed by their template (`t1.Id`). */
  let resources: Resources;

  beforeAll(() => {
    // An app in a folder of its own, run from there: entries must resolve from the module, not the cwd.
    folder = mkdtempSync(join(tmpdir(), 'relance-consumer-'));
    // The consumer's own dependencies: the same aws-cdk-lib relance builds with.
    symlinkSync(join(REPO, 'node_modules'), join(folder, 'node_modules'));
    writeFileSync(join(folder, 'package.json'), JSON.stringify({ type: 'module', private: true }));
    writeFileSync(
      join(folder, 'app.ts'),
      [
        "import { App, Stack } from 'aws-cdk-lib';",
        "import { Queue } from 'aws-cdk-lib/aws-sqs';",
        `import { Relance } from ${JSON.stringify(join(REPO, 'lib/index.ts'))};`,
        `const app = new App({ outdir: 'cdk.out', context: ${JSON.stringify(NO_BUNDLING)} });`,
        "const stack = new Stack(app, 'ExistingPlatform');",
        "new Queue(stack, 'AlreadyThere');",
        "new Relance(stack, 'MarketingDev', { stage: 'dev', nestedStack: true, config: { sandbox: true } });",
        // SES has one identity per domain and account: the second stage sends from the first's.
        "new Relance(stack, 'MarketingProd', { stage: 'prod', nestedStack: true, config: { senderIdentity: { type: 'existing', arn: 'arn:aws:ses:eu-west-1:123456789012:identity/shop.example.com' } } });",
        'app.synth();',
      ].join('\n'),
    );
    const run = spawnSync(join(REPO, 'node_modules/.bin/tsx'), ['app.ts'], {
      cwd: folder,
      encoding: 'utf8',
      env: { ...process.env, CDK_DISABLE_VERSION_CHECK: '1' },
    });
    if (run.status !== 0) throw new Error(`the consumer app failed:\n${run.stderr}`);
    // The host stack's template and each stage's nested stack template.
    const assembly = join(folder, 'cdk.out');
    templates = readdirSync(assembly)
      .filter((file) => file.endsWith('.template.json'))
      .map((file) => JSON.parse(readFileSync(join(assembly, file), 'utf8')).Resources as Resources);
    resources = Object.assign({}, ...templates.map((t, i) => prefixed(t, `t${i}.`)));
  }, 240_000);

  afterAll(() => rmSync(folder, { recursive: true, force: true }));

  it('synthesizes two stages in one existing stack with no physical name used twice', () => {
    expect(templates).toHaveLength(3);
    const names = physicalNames(resources);
    const twice = names.filter((name, index) => names.indexOf(name) !== index);
    expect(twice, twice.join('\n')).toEqual([]);
    // Both stages are there, each with its own prefixed state machines and schedule groups.
    const machines = byType(resources, 'AWS::StepFunctions::StateMachine').map(
      ([, r]) => r.Properties?.StateMachineName,
    );
    expect(machines).toContain('Relance-dev-welcome');
    expect(machines).toContain('Relance-prod-welcome');
    const groups = byType(resources, 'AWS::Scheduler::ScheduleGroup').map(([, r]) => r.Properties?.Name);
    expect(groups).toContain('Relance-dev-welcome');
    expect(groups).toContain('Relance-prod-welcome');
    expect(byType(resources, 'AWS::SQS::Queue').length).toBeGreaterThan(1);
  });

  it('gives each stage its alarms, its topic and its dashboard', () => {
    for (const stage of ['dev', 'prod']) {
      const alarms = byType(resources, 'AWS::CloudWatch::Alarm').filter(([, r]) =>
        String(r.Properties?.AlarmName).startsWith(`Relance-${stage}-`),
      );
      const alarmNames = alarms.map(([, r]) => r.Properties?.AlarmName);
      for (const expected of [
        'RejectedEvents-not-empty',
        'DeadLetters-not-empty',
        'ScheduleDeadLetters-not-empty',
        'welcome-executions-failed',
        'welcome-executions-timed-out',
        'audience-passes-executions-failed',
        'sends-failed',
        'sends-throttled',
        'lead-sla-breaches',
        'stalled-runs',
        'unassigned-leads',
      ])
        expect(alarmNames).toContain(`Relance-${stage}-${expected}`);
      const [topicId] =
        byType(resources, 'AWS::SNS::Topic').find(
          ([, r]) => r.Properties?.TopicName === `Relance-${stage}-alarms`,
        ) ?? [];
      expect(topicId).toBeDefined();
      for (const [, alarm] of alarms) {
        // The alarm and the topic are in the same template: a Ref to the topic's logical id there.
        const topicRef = [{ Ref: topicId?.split('.')[1] }];
        expect(alarm.Properties?.AlarmActions).toEqual(topicRef);
        expect(alarm.Properties?.OKActions).toEqual(topicRef);
      }
      const dashboard = byType(resources, 'AWS::CloudWatch::Dashboard').find(
        ([, r]) => r.Properties?.DashboardName === `Relance-${stage}-operations`,
      );
      expect(JSON.stringify(dashboard)).toContain(`Stage=\\\\\\"${stage}\\\\\\"`);
    }
  });

  it('puts a dead-letter queue on every schedule, and tells the functions that create them at run time', () => {
    const schedules = byType(resources, 'AWS::Scheduler::Schedule');
    expect(schedules.length).toBeGreaterThan(0);
    for (const [, schedule] of schedules)
      expect(schedule.Properties?.Target).toMatchObject({ DeadLetterConfig: { Arn: expect.anything() } });
    const creators = byType(resources, 'AWS::Lambda::Function').filter(([, r]) =>
      JSON.stringify(r.Properties?.Environment ?? {}).includes('SCHEDULE_DEAD_LETTER_ARN'),
    );
    expect(creators.length).toBeGreaterThanOrEqual(2);
  });

  it("creates each stage's sender identity (Easy DKIM, custom MAIL FROM) and grants sending from it only", () => {
    // The dev stage creates the domain's identity; prod sends from it, passed in by ARN.
    const identities = byType(resources, 'AWS::SES::EmailIdentity');
    expect(identities).toHaveLength(1);
    expect(identities[0]?.[1].Properties).toMatchObject({
      EmailIdentity: 'shop.example.com',
      MailFromAttributes: {
        MailFromDomain: 'mail.shop.example.com',
        BehaviorOnMxFailure: 'USE_DEFAULT_VALUE',
      },
    });
    type Statement = { Action: unknown; Resource: unknown };
    const sendGrants = byType(resources, 'AWS::IAM::Policy').flatMap(([, r]) => {
      const document = r.Properties?.PolicyDocument as { Statement: Statement[] } | undefined;
      return (document?.Statement ?? []).filter((s) => s.Action === 'ses:SendEmail');
    });
    expect(sendGrants.length).toBeGreaterThanOrEqual(4);
    for (const grant of sendGrants)
      expect(JSON.stringify(grant.Resource)).toContain(':identity/shop.example.com');
  });
});

describe('Relance props', () => {
  const place = (props: ConstructorParameters<typeof Relance>[2], context: Record<string, unknown> = {}) => {
    const app = new App({ context: { ...NO_BUNDLING, ...context } });
    const stack = new Stack(app, 'Host');
    const relance = new Relance(stack, 'R', props);
    return { relance, template: Template.fromStack(stack) };
  };

  it('refuses an existing resource and settings for a new one both given, naming both props', () => {
    const app = new App({ context: NO_BUNDLING });
    const stack = new Stack(app, 'Host');
    const eventBus = new EventBus(stack, 'Bus');
    expect(() => new Relance(stack, 'R', { eventBus, eventBusProps: { eventBusName: 'x' } })).toThrow(
      /eventBus and eventBusProps are both given/,
    );
    expect(() => new Relance(stack, 'R2', { stage: 'Bad_Stage' })).toThrow(/is not a stage name/);
  });

  it('refuses the same stage twice in one stack', () => {
    const app = new App({ context: NO_BUNDLING });
    const stack = new Stack(app, 'Host');
    new Relance(stack, 'A', { stage: 'dev' });
    expect(() => new Relance(stack, 'B', { stage: 'dev' })).toThrow(RelancePropsError);
  });

  it('uses a bus and an alarm topic passed in, creating neither', () => {
    const app = new App({ context: NO_BUNDLING });
    const stack = new Stack(app, 'Host');
    const eventBus = new EventBus(stack, 'Existing', { eventBusName: 'company-events' });
    const alarmTopic = new Topic(stack, 'OnCall');
    new Relance(stack, 'R', { stage: 'prod', eventBus, alarmTopic });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::Events::EventBus', 1);
    template.resourceCountIs('AWS::SNS::Topic', 3); // the on-call topic, incoming SMS and call receipts, no alarm topic
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'Relance-prod-sends-failed',
      AlarmActions: [{ Ref: stack.getLogicalId(alarmTopic.node.defaultChild as never) }],
    });
  });

  it('sends from an existing identity passed in by ARN: no identity created, the grant on that ARN', () => {
    const arn = 'arn:aws:ses:eu-west-1:123456789012:identity/shop.example.com';
    const { template } = place({ config: { senderIdentity: { type: 'existing', arn } } });
    template.resourceCountIs('AWS::SES::EmailIdentity', 0);
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Action: 'ses:SendEmail', Resource: Match.arrayWith([arn]) }),
        ]),
      },
    });
  });

  it('refuses an existing identity of another domain (the grant would never authorize a send), naming the field', () => {
    const arn = 'arn:aws:ses:eu-west-1:123456789012:identity/other.example.org';
    expect(() => place({ config: { senderIdentity: { type: 'existing', arn } } })).toThrow(
      ConfigValidationError,
    );
    expect(() => place({ config: { senderIdentity: { type: 'existing', arn } } })).toThrow(
      /config\.senderIdentity\.arn: is the identity of "other\.example\.org"/,
    );
  });

  it('creates an address identity when asked, and sets VDM options on the configuration set', () => {
    const { template } = place({
      config: {
        senderIdentity: { type: 'address' },
        deliverability: { engagementMetrics: true, optimizedSharedDelivery: false },
      },
    });
    template.hasResourceProperties('AWS::SES::EmailIdentity', { EmailIdentity: 'hello@shop.example.com' });
    template.hasResourceProperties('AWS::SES::ConfigurationSet', {
      VdmOptions: {
        DashboardOptions: { EngagementMetrics: 'ENABLED' },
        GuardianOptions: { OptimizedSharedDelivery: 'DISABLED' },
      },
    });
  });

  it('watches the stalled-runs metric with the stage dimension the sweeper writes', () => {
    const { template } = place({ stage: 'qa' });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'Relance-qa-stalled-runs',
      Namespace: 'Relance',
      MetricName: 'StalledRuns',
      Dimensions: [{ Name: 'Stage', Value: 'qa' }],
    });
  });
});
