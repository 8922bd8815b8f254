// `cdk synth` refuses a template AWS would refuse at deploy: each limit is crossed by a synthetic
// template here (the checker is pure), the wiring is crossed through buildApp, and the real app,
// with every reference journey and worst-case ARNs, crosses none.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../lib/app.ts';
import {
  type CfnResource,
  type CfnTemplate,
  type DeployLimitViolation,
  deployLimitViolations,
  lambdaEnvironmentSizes,
  type StackTemplate,
  WorstCaseResolver,
} from '../../lib/deploy-limits.ts';
import { journeys } from '../../workflows/index.ts';
import { type SynthesizedRelance, synthRelance } from './synth.ts';

const STACK = 'Relance';

function stackOf(resources: Record<string, CfnResource>, extra: Partial<CfnTemplate> = {}): StackTemplate {
  return { stackName: STACK, template: { Resources: resources, ...extra } };
}

function violationsOf(resources: Record<string, CfnResource>, extra: Partial<CfnTemplate> = {}) {
  return deployLimitViolations([stackOf(resources, extra)]);
}

/** The one violation of a rule, checked to name the stack, the resource and the limit. */
function only(violations: DeployLimitViolation[], rule: string, logicalId?: string): DeployLimitViolation {
  const matching = violations.filter((v) => v.rule === rule);
  expect(matching, JSON.stringify(violations, undefined, 1)).toHaveLength(1);
  const [violation] = matching as [DeployLimitViolation];
  expect(violation.stackName).toBe(STACK);
  if (logicalId) {
    expect(violation.logicalId).toBe(logicalId);
    expect(violation.message).toContain(`${STACK}/${logicalId}`);
  } else {
    expect(violation.logicalId).toBeUndefined();
    expect(violation.message).toContain(`stack ${STACK}`);
  }
  expect(violation.limit).toMatch(/https:\/\/docs\.aws\.amazon\.com\//);
  return violation;
}

const fn = (variables: Record<string, unknown>, more: Record<string, unknown> = {}): CfnResource => ({
  Type: 'AWS::Lambda::Function',
  Properties: { Environment: { Variables: variables }, ...more },
});

const policy = (roleId: string, resources: unknown[]): CfnResource => ({
  Type: 'AWS::IAM::Policy',
  Properties: {
    PolicyName: 'P',
    Roles: [{ Ref: roleId }],
    PolicyDocument: {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: resources }],
    },
  },
});

const role: CfnResource = {
  Type: 'AWS::IAM::Role',
  Properties: {
    AssumeRolePolicyDocument: {
      Statement: [
        { Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Service: 'lambda.amazonaws.com' } },
      ],
    },
  },
};

describe('worst-case resolution', () => {
  const data: StackTemplate = {
    stackName: 'RelanceData',
    template: {
      Resources: { Contacts: { Type: 'AWS::DynamoDB::GlobalTable', Properties: {} } },
      Outputs: { Export: { Value: { Ref: 'Contacts' }, Export: { Name: 'RelanceData:Contacts' } } },
    },
  };
  const app = stackOf({
    Fn: { Type: 'AWS::Lambda::Function', Properties: {} },
    Named: { Type: 'AWS::Lambda::Function', Properties: { FunctionName: 'named' } },
    Machine: {
      Type: 'AWS::StepFunctions::StateMachine',
      Properties: { StateMachineName: 'Relance-welcome' },
    },
  });
  const resolver = new WorstCaseResolver(app, [data, app]);

  it('counts pseudo parameters at their longest and knows the stack name', () => {
    expect(resolver.text({ Ref: 'AWS::Region' })).toHaveLength(16);
    expect(resolver.text({ Ref: 'AWS::AccountId' })).toHaveLength(12);
    expect(resolver.text({ Ref: 'AWS::Partition' })).toHaveLength(10);
    expect(resolver.text({ 'Fn::Sub': `\${AWS::StackName}-x` })).toBe('Relance-x');
  });

  it('names a resource by its name property, or as CloudFormation generates it, truncated to the maximum', () => {
    expect(resolver.text({ Ref: 'Named' })).toBe('named');
    const generated = resolver.text({ Ref: 'Fn' });
    expect(generated.startsWith('Relance-Fn-')).toBe(true);
    expect(generated).toHaveLength('Relance-Fn-'.length + 14);
  });

  it('writes an ARN with the name in it, about 60 characters plus the name', () => {
    const arn = resolver.text({ 'Fn::GetAtt': ['Machine', 'Arn'] });
    expect(arn).toMatch(/^arn:x{10}:states:x{16}:x{12}:stateMachine:Relance-welcome$/);
    expect(resolver.text({ Ref: 'Machine' })).toBe(arn);
  });

  it('follows an import to the exporting stack', () => {
    expect(resolver.text({ 'Fn::ImportValue': 'RelanceData:Contacts' })).toMatch(
      /^RelanceData-Contacts-x{14}$/,
    );
    expect(resolver.text({ 'Fn::ImportValue': 'Nowhere' })).toHaveLength(256);
  });

  it('joins and substitutes', () => {
    expect(resolver.text({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':states']] })).toBe(
      `arn:${'x'.repeat(10)}:states`,
    );
    expect(resolver.text({ 'Fn::Sub': [`\${A}/\${Named}`, { A: 'a' }] })).toBe('a/named');
  });
});

describe('deployLimitViolations', () => {
  it('passes a template within every limit', () => {
    expect(
      violationsOf({
        Fn: fn({ TABLE: { Ref: 'AWS::StackName' } }),
        Role: role,
        Policy: policy('Role', ['*']),
      }),
    ).toEqual([]);
  });

  it("fails a function whose environment is over Lambda's 4 KB, counting an unresolved ARN at its worst", () => {
    const variables: Record<string, unknown> = { POLICY: 'p'.repeat(3000) };
    // 3,000 bytes plus twelve unresolved function ARNs of ~100 characters each.
    for (let i = 0; i < 12; i++) variables[`TARGET_${i}`] = { 'Fn::GetAtt': ['Other', 'Arn'] };

    const violation = only(
      violationsOf({ Fn: fn(variables), Other: { Type: 'AWS::Lambda::Function', Properties: {} } }),
      'lambda-environment-size',
      'Fn',
    );
    expect(violation.message).toMatch(/takes 4,\d{3} bytes/);
    expect(violation.message).toContain('POLICY 3,012 B');
    expect(violation.limit).toContain('4,096 bytes');
  });

  it('fails a role whose inline policies together are over 10,240 characters', () => {
    const arns = (count: number) => Array.from({ length: count }, (_, i) => `arn:aws:s3:::bucket-${i}/*`);
    const violations = violationsOf({
      Role: role,
      A: policy('Role', arns(200)),
      B: policy('Role', arns(200)),
    });

    expect(only(violations, 'iam-role-policy-size', 'Role').limit).toContain('10,240 characters');
    // Each policy alone fits: the aggregate is what IAM counts.
    expect(violationsOf({ Role: role, A: policy('Role', arns(200)) })).toEqual([]);
  });

  it('fails a managed policy over 6,144 characters', () => {
    const document = {
      Statement: [
        {
          Effect: 'Allow',
          Action: 's3:GetObject',
          Resource: Array.from({ length: 400 }, (_, i) => `arn:aws:s3:::b${i}`),
        },
      ],
    };
    only(
      violationsOf({
        Managed: { Type: 'AWS::IAM::ManagedPolicy', Properties: { PolicyDocument: document } },
      }),
      'iam-managed-policy-size',
      'Managed',
    );
  });

  it('fails a trust policy over 2,048 characters and a role with more than 10 managed policies', () => {
    const trusting: CfnResource = {
      Type: 'AWS::IAM::Role',
      Properties: {
        AssumeRolePolicyDocument: {
          Statement: Array.from({ length: 30 }, (_, i) => ({
            Effect: 'Allow',
            Action: 'sts:AssumeRole',
            Principal: { AWS: `arn:aws:iam::1234567890${String(i).padStart(2, '0')}:root` },
          })),
        },
        ManagedPolicyArns: Array.from({ length: 11 }, (_, i) => `arn:aws:iam::aws:policy/P${i}`),
      },
    };
    const violations = violationsOf({ Trusting: trusting });

    only(violations, 'iam-trust-policy-size', 'Trusting');
    only(violations, 'iam-managed-policies-per-role', 'Trusting');
  });

  it('fails a stack over 500 resources, 200 outputs, 200 parameters or 200 mappings', () => {
    const resources = Object.fromEntries(
      Array.from({ length: 501 }, (_, i): [string, CfnResource] => [
        `Queue${i}`,
        { Type: 'AWS::SQS::Queue' },
      ]),
    );
    const many = (count: number) =>
      Object.fromEntries(Array.from({ length: count }, (_, i) => [`N${i}`, {}]));
    const violations = violationsOf(resources, {
      Outputs: many(201),
      Parameters: many(201),
      Mappings: many(201),
    });

    expect(only(violations, 'stack-resources').message).toContain('501 resources');
    expect(only(violations, 'stack-outputs').message).toContain('201 outputs');
    only(violations, 'stack-parameters');
    only(violations, 'stack-mappings');
    expect(violationsOf(Object.fromEntries(Object.entries(resources).slice(0, 500)))).toEqual([]);
  });

  it('fails a template body over 1 MB', () => {
    const big = { Type: 'AWS::SNS::Topic', Properties: { DisplayName: 'd'.repeat(1_100_000) } };
    only(violationsOf({ Big: big }), 'template-size');
    only(deployLimitViolations([{ ...stackOf({}), templateBytes: 1_048_577 }]), 'template-size');
  });

  it('fails an invalid stack name', () => {
    const violations = deployLimitViolations([
      { stackName: `R${'e'.repeat(128)}`, template: { Resources: {} } },
    ]);
    expect(violations.map((v) => v.rule)).toEqual(['stack-name']);
  });

  it('fails an event pattern over 2,048 characters and a rule with more than 5 targets', () => {
    const rule: CfnResource = {
      Type: 'AWS::Events::Rule',
      Properties: {
        EventPattern: { 'detail-type': Array.from({ length: 120 }, (_, i) => `order.event_number_${i}`) },
        Targets: Array.from({ length: 6 }, (_, i) => ({ Id: `T${i}`, Arn: 'arn:aws:sqs:eu-west-3:1:q' })),
      },
    };
    const violations = violationsOf({ Rule: rule });

    expect(only(violations, 'event-pattern-size', 'Rule').limit).toContain('2,048 characters');
    only(violations, 'event-rule-targets', 'Rule');
  });

  it('fails a rule whose event pattern EventBridge would refuse, naming the path (the pattern as an object or as text)', () => {
    const rule = (EventPattern: unknown): CfnResource => ({
      Type: 'AWS::Events::Rule',
      Properties: { EventPattern, Targets: [{ Id: 'T', Arn: 'arn:aws:sqs:eu-west-3:1:q' }] },
    });
    const violations = violationsOf({
      Numeric: rule({ detail: { value: [{ numeric: ['>>', 5] }] } }),
      Text: rule(JSON.stringify({ source: ['shop'], detail: { name: [{ wildcard: 'a**' }] } })),
      Fine: rule({ source: ['shop'], detail: { value: [{ numeric: ['>', 5] }] } }),
    });

    expect(violations.map((v) => [v.logicalId, v.rule])).toEqual([
      ['Numeric', 'event-pattern-invalid'],
      ['Text', 'event-pattern-invalid'],
    ]);
    const messageOf = (logicalId: string) => violations.find((v) => v.logicalId === logicalId)?.message;
    expect(messageOf('Numeric')).toBe(
      'Relance/Numeric (AWS::Events::Rule): its event pattern is refused by EventBridge at detail.value[0]: numeric comparator ">>" is not one of = > >= < <=',
    );
    expect(messageOf('Text')).toContain('at detail.name[0]: wildcard');
  });

  it('fails a state machine definition over 1 MB once its substitutions are made', () => {
    const states = Object.fromEntries(
      Array.from({ length: 3000 }, (_, i) => [
        `S${i}`,
        { Type: 'Task', Resource: `\${Fn}`, Next: `S${i + 1}` },
      ]),
    );
    const definition = JSON.stringify({ StartAt: 'S0', States: states });
    const machine = (substitution: unknown): CfnResource => ({
      Type: 'AWS::StepFunctions::StateMachine',
      Properties: { DefinitionString: definition, DefinitionSubstitutions: { Fn: substitution } },
    });
    // ~120 kB as written, but each `${Fn}` becomes a 400-character value.
    expect(Buffer.byteLength(definition)).toBeLessThan(1_048_576);

    only(violationsOf({ Machine: machine('f'.repeat(400)) }), 'state-machine-definition-size', 'Machine');
    expect(violationsOf({ Machine: machine('f') })).toEqual([]);
  });

  describe('names', () => {
    const cases: Array<[string, string, string, string]> = [
      // type, property, too long, bad characters
      ['AWS::Lambda::Function', 'FunctionName', 'f'.repeat(65), 'my.function'],
      ['AWS::IAM::Role', 'RoleName', 'r'.repeat(65), 'my role'],
      ['AWS::Events::Rule', 'Name', 'r'.repeat(65), 'rule/1'],
      ['AWS::Events::EventBus', 'Name', 'b'.repeat(257), 'bus:1'],
      ['AWS::StepFunctions::StateMachine', 'StateMachineName', 's'.repeat(81), 'machine:1'],
      ['AWS::Scheduler::ScheduleGroup', 'Name', 'g'.repeat(65), 'group/1'],
      ['AWS::Scheduler::Schedule', 'Name', 's'.repeat(65), 'schedule 1'],
      ['AWS::Logs::LogGroup', 'LogGroupName', 'l'.repeat(513), 'logs:1'],
      ['AWS::SQS::Queue', 'QueueName', 'q'.repeat(81), 'queue.1'],
      ['AWS::SNS::Topic', 'TopicName', 't'.repeat(257), 'topic.1'],
      ['AWS::DynamoDB::GlobalTable', 'TableName', 't'.repeat(256), 'table:1'],
      ['AWS::DynamoDB::Table', 'TableName', 'tt', 'table 1'],
      ['AWS::SecretsManager::Secret', 'Name', 's'.repeat(513), 'secret key'],
      ['AWS::SES::ConfigurationSet', 'Name', 'c'.repeat(65), 'set.1'],
      ['AWS::IAM::Policy', 'PolicyName', 'p'.repeat(129), 'policy/1'],
    ];

    it.each(cases)(
      'fails a %s %s that is too long or has a character AWS refuses',
      (type, property, long, bad) => {
        const resourceOf = (name: string): CfnResource => ({ Type: type, Properties: { [property]: name } });

        expect(only(violationsOf({ R: resourceOf(long) }), 'name-length', 'R').message).toContain(property);
        expect(only(violationsOf({ R: resourceOf(bad) }), 'name-characters', 'R').message).toContain(
          `"${bad}"`,
        );
      },
    );

    it('counts a name built from the stack name and pseudo parameters at its worst case', () => {
      const group = (name: unknown): CfnResource => ({
        Type: 'AWS::Scheduler::ScheduleGroup',
        Properties: { Name: name },
      });

      expect(
        violationsOf({ G: group({ 'Fn::Join': ['-', [{ Ref: 'AWS::StackName' }, 'j'.repeat(56)]] }) }),
      ).toEqual([]);
      only(
        violationsOf({ G: group({ 'Fn::Join': ['-', [{ Ref: 'AWS::StackName' }, 'j'.repeat(57)]] }) }),
        'name-length',
        'G',
      );
    });

    it('holds a state machine that logs to CloudWatch Logs to 0-9 A-Z a-z - _', () => {
      const machine = (logging: boolean): CfnResource => ({
        Type: 'AWS::StepFunctions::StateMachine',
        Properties: {
          StateMachineName: 'Relance-welcome.v2',
          DefinitionString: '{}',
          ...(logging ? { LoggingConfiguration: { Level: 'ERROR' } } : {}),
        },
      });

      expect(violationsOf({ M: machine(false) })).toEqual([]);
      only(violationsOf({ M: machine(true) }), 'name-characters', 'M');
    });

    it('fails a description over its maximum', () => {
      only(violationsOf({ F: fn({}, { Description: 'd'.repeat(257) }) }), 'description-length', 'F');
    });
  });
});

describe('synth', () => {
  const outdirs: string[] = [];
  afterAll(() => {
    for (const dir of outdirs) rmSync(dir, { recursive: true, force: true });
  });

  it('fails `cdk synth` naming the function and the limit when an environment crosses 4 KB', () => {
    const outdir = mkdtempSync(join(tmpdir(), 'relance-limits-'));
    outdirs.push(outdir);
    const app = new App({ outdir, context: { 'aws:cdk:bundling-stacks': [] } });
    const stacks = buildApp(app, { nag: false });
    stacks.app.engine.stepFunction.addEnvironment('OVERSIZED', 'o'.repeat(2000));

    let error: unknown;
    try {
      app.synth();
    } catch (thrown) {
      error = thrown;
    }

    expect(String(error)).toContain('Relance/JourneysJourneyStep');
    expect(String(error)).toContain('relance-deploy-limits::lambda-environment-size');
    expect(String(error)).toContain("over Lambda's 4,096");
  });
});

describe('the relance app', () => {
  let synth: SynthesizedRelance;
  let stacks: StackTemplate[];

  beforeAll(() => {
    synth = synthRelance();
    stacks = [
      { stackName: synth.stacks.data.stackName, template: synth.data.toJSON() as CfnTemplate },
      { stackName: synth.stacks.app.stackName, template: synth.app.toJSON() as CfnTemplate },
    ];
  });
  afterAll(() => synth?.dispose());

  it(`crosses no limit with all ${journeys.length} reference journeys`, () => {
    expect(journeys.length).toBeGreaterThanOrEqual(13);
    expect(deployLimitViolations(stacks)).toEqual([]);
  });

  it('keeps every function environment under 4 KB at worst case, whatever the number of journeys', () => {
    const sizes = lambdaEnvironmentSizes(stacks);
    // The bench line: each function's worst-case environment size.
    console.info(
      `lambda environment (worst case, bytes): ${sizes.map((s) => `${s.logicalId}=${s.bytes}`).join(' ')}`,
    );

    expect(sizes).toHaveLength(14);
    for (const size of sizes) expect(size.bytes, size.logicalId).toBeLessThan(3072);
    const perJourney = JSON.stringify(synth.app.toJSON()).match(/JOURNEY_TARGETS/g);
    expect(perJourney).toBeNull();
  });
});
