import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalApp, loadLocalApp } from '../../../local/aws/template.ts';

/** A two-stack cloud assembly written by hand: what the reader must understand of CDK's output. */
function writeAssembly(dir: string): void {
  const data = {
    Resources: {
      Table1: {
        Type: 'AWS::DynamoDB::GlobalTable',
        Properties: {
          KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
          AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
          TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
        },
      },
    },
    Outputs: { TableArn: { Value: { 'Fn::GetAtt': ['Table1', 'Arn'] }, Export: { Name: 'Data:TableArn' } } },
  };
  const app = {
    Resources: {
      Bus: { Type: 'AWS::Events::EventBus', Properties: { Name: 'AppBus' } },
      Fn: {
        Type: 'AWS::Lambda::Function',
        Metadata: { 'relance:entry': 'functions/handlers/x.ts' },
        Properties: {
          MemorySize: 256,
          Timeout: 30,
          Environment: {
            Variables: {
              TABLE_ARN: { 'Fn::ImportValue': 'Data:TableArn' },
              QUEUE: { Ref: 'Queue' },
              ARN_JOIN: {
                'Fn::Join': [
                  '',
                  ['arn:aws:sns:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':t'],
                ],
              },
            },
          },
        },
      },
      Queue: { Type: 'AWS::SQS::Queue', Properties: {} },
      Machine: {
        Type: 'AWS::StepFunctions::StateMachine',
        Properties: {
          StateMachineName: 'App-flow',
          StateMachineType: 'EXPRESS',
          // biome-ignore lint/suspicious/noTemplateCurlyInString: a CloudFormation definition substitution, as CDK writes it
          DefinitionString: '{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"${Fn}","End":true}}}',
          DefinitionSubstitutions: { Fn: { 'Fn::GetAtt': ['Fn', 'Arn'] } },
        },
      },
      Rule: {
        Type: 'AWS::Events::Rule',
        Properties: {
          EventBusName: { Ref: 'Bus' },
          EventPattern: { source: ['shop'] },
          Targets: [
            {
              Id: 'T',
              Arn: { Ref: 'Machine' },
              DeadLetterConfig: { Arn: { 'Fn::GetAtt': ['Queue', 'Arn'] } },
              RetryPolicy: { MaximumRetryAttempts: 4 },
            },
          ],
        },
      },
      Nightly: {
        Type: 'AWS::Scheduler::Schedule',
        Properties: {
          Name: 'nightly',
          GroupName: 'default',
          ScheduleExpression: 'cron(0 9 * * ? *)',
          ScheduleExpressionTimezone: 'Europe/Paris',
          FlexibleTimeWindow: { Mode: 'OFF' },
          Target: { Arn: { Ref: 'Machine' }, RoleArn: 'arn:aws:iam::000000000000:role/r', Input: '{"k":1}' },
        },
      },
    },
  };
  writeFileSync(join(dir, 'Data.template.json'), JSON.stringify(data));
  writeFileSync(join(dir, 'App.template.json'), JSON.stringify(app));
  writeFileSync(
    join(dir, 'manifest.json'),
    JSON.stringify({
      artifacts: {
        App: {
          type: 'aws:cloudformation:stack',
          properties: { templateFile: 'App.template.json' },
          dependencies: ['Data'],
        },
        Data: { type: 'aws:cloudformation:stack', properties: { templateFile: 'Data.template.json' } },
      },
    }),
  );
}

describe('loadLocalApp', () => {
  let dir: string;
  let app: LocalApp;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'relance-template-'));
    writeAssembly(dir);
    app = loadLocalApp(dir, 'http://127.0.0.1:9999');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads tables with their keys and TTL', () => {
    expect(app.tables).toEqual([
      expect.objectContaining({
        name: 'Table1',
        keySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        ttlAttribute: 'expiresAt',
      }),
    ]);
  });

  it('resolves Fn::ImportValue across stacks, Ref to a queue as its local URL, and Fn::Join with pseudo parameters', () => {
    expect(app.functions[0]?.environment).toEqual({
      TABLE_ARN: 'arn:aws:dynamodb:us-east-1:000000000000:table/Table1',
      QUEUE: 'http://127.0.0.1:9999/000000000000/Queue',
      ARN_JOIN: 'arn:aws:sns:us-east-1:000000000000:t',
    });
    expect(app.functions[0]).toMatchObject({
      entry: 'functions/handlers/x.ts',
      memorySize: 256,
      timeoutSeconds: 30,
    });
  });

  it('substitutes the definition of a state machine and names it as the template does', () => {
    expect(app.stateMachines[0]).toMatchObject({
      name: 'App-flow',
      arn: 'arn:aws:states:us-east-1:000000000000:stateMachine:App-flow',
      type: 'EXPRESS',
      definition: { States: { A: { Resource: 'arn:aws:lambda:us-east-1:000000000000:function:Fn' } } },
    });
  });

  it('reads rules with their bus, pattern, targets, retry policy and dead-letter queue', () => {
    expect(app.rules[0]).toMatchObject({
      busName: 'AppBus',
      pattern: { source: ['shop'] },
      targets: [
        {
          id: 'T',
          arn: 'arn:aws:states:us-east-1:000000000000:stateMachine:App-flow',
          maxRetries: 4,
          deadLetterArn: 'arn:aws:sqs:us-east-1:000000000000:Queue',
        },
      ],
    });
  });

  it('reads the schedules the template declares, with their timezone and target', () => {
    expect(app.schedules).toEqual([
      {
        name: 'nightly',
        groupName: 'default',
        expression: 'cron(0 9 * * ? *)',
        timezone: 'Europe/Paris',
        state: 'ENABLED',
        target: {
          arn: 'arn:aws:states:us-east-1:000000000000:stateMachine:App-flow',
          roleArn: 'arn:aws:iam::000000000000:role/r',
          input: '{"k":1}',
        },
      },
    ]);
  });
});
