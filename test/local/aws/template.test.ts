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
          Role: { 'Fn::GetAtt': ['FnRole', 'Arn'] },
          MemorySize: 256,
          Timeout: 30,
          LoggingConfig: { LogFormat: 'JSON', SystemLogLevel: 'WARN' },
          TracingConfig: { Mode: 'Active' },
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
      FnRole: {
        Type: 'AWS::IAM::Role',
        Properties: {
          AssumeRolePolicyDocument: {
            Statement: [
              { Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' } },
            ],
          },
          ManagedPolicyArns: [
            {
              'Fn::Join': [
                '',
                [
                  'arn:',
                  { Ref: 'AWS::Partition' },
                  ':iam::aws:policy/service-role/AWSLambdaBasicExecutionRole',
                ],
              ],
            },
            'arn:aws:iam::aws:policy/AdministratorAccess',
          ],
          Policies: [
            {
              PolicyName: 'inline',
              PolicyDocument: {
                Statement: [
                  {
                    Effect: 'Allow',
                    Action: 'sqs:SendMessage',
                    Resource: { 'Fn::GetAtt': ['Queue', 'Arn'] },
                  },
                ],
              },
            },
          ],
        },
      },
      FnRoleDefaultPolicy: {
        Type: 'AWS::IAM::Policy',
        Properties: {
          PolicyName: 'default',
          Roles: [{ Ref: 'FnRole' }],
          PolicyDocument: {
            Statement: [
              {
                Effect: 'Allow',
                Action: 'dynamodb:GetItem',
                Resource: [
                  { 'Fn::ImportValue': 'Data:TableArn' },
                  { 'Fn::Join': ['', [{ 'Fn::ImportValue': 'Data:TableArn' }, '/index/*']] },
                ],
              },
            ],
          },
        },
      },
      FnFromRule: {
        Type: 'AWS::Lambda::Permission',
        Properties: {
          Action: 'lambda:InvokeFunction',
          FunctionName: { 'Fn::GetAtt': ['Fn', 'Arn'] },
          Principal: 'events.amazonaws.com',
          SourceArn: { 'Fn::GetAtt': ['Rule', 'Arn'] },
        },
      },
      Api: { Type: 'AWS::ApiGateway::RestApi', Properties: { Name: 'Api' } },
      ApiLeads: {
        Type: 'AWS::ApiGateway::Resource',
        Properties: {
          ParentId: { 'Fn::GetAtt': ['Api', 'RootResourceId'] },
          PathPart: 'leads',
          RestApiId: { Ref: 'Api' },
        },
      },
      ApiLeadsPost: {
        Type: 'AWS::ApiGateway::Method',
        Properties: {
          HttpMethod: 'POST',
          ResourceId: { Ref: 'ApiLeads' },
          RestApiId: { Ref: 'Api' },
          Integration: {
            Type: 'AWS_PROXY',
            Uri: {
              'Fn::Join': [
                '',
                [
                  'arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/',
                  { 'Fn::GetAtt': ['Fn', 'Arn'] },
                  '/invocations',
                ],
              ],
            },
          },
        },
      },
      ApiLeadsOptions: {
        Type: 'AWS::ApiGateway::Method',
        Properties: {
          HttpMethod: 'OPTIONS',
          ResourceId: { Ref: 'ApiLeads' },
          RestApiId: { Ref: 'Api' },
          Integration: {
            Type: 'MOCK',
            IntegrationResponses: [
              {
                StatusCode: '204',
                ResponseParameters: {
                  'method.response.header.Access-Control-Allow-Origin': "'https://shop.example.com'",
                  'method.response.header.Access-Control-Allow-Methods': "'POST'",
                },
                ResponseTemplates: {
                  'application/json':
                    '#set($origin = $input.params().header.get("Origin"))\n#if($origin == "http://localhost:4747")\n  #set($context.responseOverride.header.Access-Control-Allow-Origin = $origin)\n#end',
                },
              },
            ],
          },
        },
      },
      ApiStage: {
        Type: 'AWS::ApiGateway::Stage',
        Properties: {
          StageName: 'v1',
          RestApiId: { Ref: 'Api' },
          MethodSettings: [
            { HttpMethod: '*', ResourcePath: '/*', ThrottlingBurstLimit: 400, ThrottlingRateLimit: 200 },
            {
              HttpMethod: 'POST',
              ResourcePath: '/~1leads',
              ThrottlingBurstLimit: 40,
              ThrottlingRateLimit: 20,
            },
          ],
        },
      },
      ApiPermission: {
        Type: 'AWS::Lambda::Permission',
        Properties: {
          Action: 'lambda:InvokeFunction',
          FunctionName: { 'Fn::GetAtt': ['Fn', 'Arn'] },
          Principal: 'apigateway.amazonaws.com',
          SourceArn: {
            'Fn::Join': [
              '',
              [
                'arn:aws:execute-api:us-east-1:000000000000:',
                { Ref: 'Api' },
                '/',
                { Ref: 'ApiStage' },
                '/POST/leads',
              ],
            ],
          },
        },
      },
      Machine: {
        Type: 'AWS::StepFunctions::StateMachine',
        Properties: {
          StateMachineName: 'App-flow',
          StateMachineType: 'EXPRESS',
          RoleArn: 'arn:aws:iam::000000000000:role/MachineRole',
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
              RetryPolicy: { MaximumRetryAttempts: 4, MaximumEventAgeInSeconds: 600 },
              RoleArn: 'arn:aws:iam::000000000000:role/RuleRole',
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
          Target: {
            Arn: { Ref: 'Machine' },
            RoleArn: 'arn:aws:iam::000000000000:role/r',
            Input: '{"k":1}',
            RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 120 },
            DeadLetterConfig: { Arn: { 'Fn::GetAtt': ['Queue', 'Arn'] } },
          },
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
      systemLogLevel: 'WARN',
      tracing: 'Active',
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
          maxEventAgeSeconds: 600,
          roleArn: 'arn:aws:iam::000000000000:role/RuleRole',
          deadLetterArn: 'arn:aws:sqs:us-east-1:000000000000:Queue',
        },
      ],
    });
    // A rule on a custom bus: rule/<bus>/<name>, named after the stack when the template does not.
    expect(app.rules[0]?.arn).toBe('arn:aws:events:us-east-1:000000000000:rule/AppBus/App-Rule');
  });

  it('reads roles with their inline, attached and known managed policies, and says which it cannot read', () => {
    const role = app.roles.find((r) => r.logicalId === 'FnRole');
    expect(role).toMatchObject({
      arn: 'arn:aws:iam::000000000000:role/FnRole',
      trust: { Statement: [expect.anything()] },
    });
    const statements = role?.policies.flatMap((p) => p.Statement);
    expect(statements).toEqual([
      expect.objectContaining({
        Action: 'sqs:SendMessage',
        Resource: 'arn:aws:sqs:us-east-1:000000000000:Queue',
      }),
      expect.objectContaining({
        Action: 'dynamodb:GetItem',
        Resource: [
          'arn:aws:dynamodb:us-east-1:000000000000:table/Table1',
          'arn:aws:dynamodb:us-east-1:000000000000:table/Table1/index/*',
        ],
      }),
      expect.objectContaining({
        Action: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'],
      }),
    ]);
    expect(role?.unknownManagedPolicies).toEqual(['arn:aws:iam::aws:policy/AdministratorAccess']);
    expect(app.functions[0]?.roleArn).toBe('arn:aws:iam::000000000000:role/FnRole');
    expect(app.stateMachines[0]?.roleArn).toBe('arn:aws:iam::000000000000:role/MachineRole');
  });

  it('gives each function the resource-based policy of its Lambda permissions', () => {
    expect(app.functions[0]?.resourcePolicy).toEqual([
      {
        Effect: 'Allow',
        Principal: { Service: 'events.amazonaws.com' },
        Action: 'lambda:InvokeFunction',
        Resource: 'arn:aws:lambda:us-east-1:000000000000:function:Fn',
        Condition: {
          ArnLike: { 'AWS:SourceArn': 'arn:aws:events:us-east-1:000000000000:rule/AppBus/App-Rule' },
        },
      },
      expect.objectContaining({
        Principal: { Service: 'apigateway.amazonaws.com' },
        Condition: {
          ArnLike: { 'AWS:SourceArn': 'arn:aws:execute-api:us-east-1:000000000000:Api/v1/POST/leads' },
        },
      }),
    ]);
  });

  it('reads the API: routes with their API id, CORS preflights, stage throttles', () => {
    expect(app.routes).toEqual([
      {
        method: 'POST',
        path: '/leads',
        functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:Fn',
        apiKeyRequired: false,
        restApiId: 'Api',
      },
    ]);
    expect(app.preflights).toEqual([
      {
        path: '/leads',
        status: 204,
        headers: {
          'Access-Control-Allow-Origin': 'https://shop.example.com',
          'Access-Control-Allow-Methods': 'POST',
        },
        echoedOrigins: ['http://localhost:4747'],
      },
    ]);
    expect(app.throttles).toEqual([
      { scope: 'method', httpMethod: '*', resourcePath: '/*', rateLimit: 200, burstLimit: 400 },
      { scope: 'method', httpMethod: 'POST', resourcePath: '/leads', rateLimit: 20, burstLimit: 40 },
    ]);
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
          retryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 120 },
          deadLetterArn: 'arn:aws:sqs:us-east-1:000000000000:Queue',
        },
      },
    ]);
  });
});
