// IAM on the local runtime, with a small hand-written template: a call signed with a role's local
// credentials is checked against that role, in each service's protocol, through the real SDK
// clients; schedules invoke their targets with their role, retry, and dead-letter.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient, PutItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { CreateScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Denial } from '../../../local/aws/iam.ts';
import { type LocalRuntime, startLocalRuntime } from '../../../local/dev/runtime.ts';
import { rejection } from '../../local/aws/rejection.ts';

const ACCOUNT = '000000000000';
const arn = (service: string, resource: string) => `arn:aws:${service}:us-east-1:${ACCOUNT}:${resource}`;
const ROLE = `arn:aws:iam::${ACCOUNT}:role/AppRole`;
const SCHEDULER_ROLE = `arn:aws:iam::${ACCOUNT}:role/SchedulerRole`;
const NOT_TRUSTED_ROLE = `arn:aws:iam::${ACCOUNT}:role/LambdaOnlyRole`;
const MACHINE = arn('states', 'stateMachine:App-flow');
const trust = (service: string) => ({
  Statement: [{ Effect: 'Allow', Principal: { Service: service }, Action: 'sts:AssumeRole' }],
});

/** One stack: a table with an index, a bus, a state machine, a queue, a secret and three roles. */
function writeAssembly(dir: string): void {
  const template = {
    Resources: {
      Table: {
        Type: 'AWS::DynamoDB::Table',
        Properties: {
          TableName: 'Items',
          KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
          AttributeDefinitions: [
            { AttributeName: 'pk', AttributeType: 'S' },
            { AttributeName: 'gsi', AttributeType: 'S' },
          ],
          GlobalSecondaryIndexes: [
            {
              IndexName: 'ByGsi',
              KeySchema: [{ AttributeName: 'gsi', KeyType: 'HASH' }],
              Projection: { ProjectionType: 'ALL' },
            },
          ],
        },
      },
      Other: {
        Type: 'AWS::DynamoDB::Table',
        Properties: {
          TableName: 'Other',
          KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
          AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        },
      },
      Bus: { Type: 'AWS::Events::EventBus', Properties: { Name: 'AppBus' } },
      Queue: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'Dead' } },
      Secret: { Type: 'AWS::SecretsManager::Secret', Properties: { Name: 'app-key' } },
      Group: { Type: 'AWS::Scheduler::ScheduleGroup', Properties: { Name: 'app-group' } },
      Nightly: {
        Type: 'AWS::Scheduler::Schedule',
        Properties: {
          Name: 'nightly',
          GroupName: 'app-group',
          ScheduleExpression: 'cron(0 3 * * ? *)',
          FlexibleTimeWindow: { Mode: 'OFF' },
          Target: {
            Arn: { Ref: 'Machine' },
            RoleArn: SCHEDULER_ROLE,
            RetryPolicy: { MaximumRetryAttempts: 10, MaximumEventAgeInSeconds: 3600 },
            DeadLetterConfig: { Arn: { 'Fn::GetAtt': ['Queue', 'Arn'] } },
          },
        },
      },
      // A function whose role Lambda may not assume (its trust policy names another service).
      Misassigned: {
        Type: 'AWS::Lambda::Function',
        Metadata: { 'relance:entry': 'test/local/aws/fixtures/counting-handler.ts' },
        Properties: { FunctionName: 'misassigned', Role: SCHEDULER_ROLE, Timeout: 3 },
      },
      Machine: {
        Type: 'AWS::StepFunctions::StateMachine',
        Properties: {
          StateMachineName: 'App-flow',
          DefinitionString: '{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}',
          RoleArn: `arn:aws:iam::${ACCOUNT}:role/MachineRole`,
        },
      },
      AppRole: {
        Type: 'AWS::IAM::Role',
        Properties: {
          RoleName: 'AppRole',
          AssumeRolePolicyDocument: trust('lambda.amazonaws.com'),
          Policies: [
            {
              PolicyName: 'app',
              PolicyDocument: {
                Statement: [
                  {
                    Effect: 'Allow',
                    Action: ['dynamodb:PutItem', 'dynamodb:Query'],
                    Resource: { 'Fn::GetAtt': ['Table', 'Arn'] },
                  },
                  { Effect: 'Allow', Action: 'events:PutEvents', Resource: { 'Fn::GetAtt': ['Bus', 'Arn'] } },
                  { Effect: 'Allow', Action: 'states:StartExecution', Resource: { Ref: 'Machine' } },
                  {
                    Effect: 'Allow',
                    Action: 'sqs:SendMessage',
                    Resource: { 'Fn::GetAtt': ['Queue', 'Arn'] },
                  },
                  { Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: { Ref: 'Secret' } },
                  {
                    Effect: 'Allow',
                    Action: 'ses:SendEmail',
                    Resource: [arn('ses', 'identity/shop.example'), arn('ses', 'configuration-set/app-set')],
                  },
                  {
                    Effect: 'Allow',
                    Action: 'scheduler:CreateSchedule',
                    Resource: arn('scheduler', 'schedule/app-group/*'),
                  },
                  { Effect: 'Allow', Action: 'iam:PassRole', Resource: SCHEDULER_ROLE },
                ],
              },
            },
          ],
        },
      },
      SchedulerRole: {
        Type: 'AWS::IAM::Role',
        Properties: {
          RoleName: 'SchedulerRole',
          AssumeRolePolicyDocument: trust('scheduler.amazonaws.com'),
          Policies: [
            {
              PolicyName: 'start',
              PolicyDocument: {
                Statement: [
                  {
                    Effect: 'Allow',
                    Action: 'states:StartExecution',
                    Resource: arn('states', 'stateMachine:App-*'),
                  },
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
      LambdaOnlyRole: {
        Type: 'AWS::IAM::Role',
        Properties: {
          RoleName: 'LambdaOnlyRole',
          AssumeRolePolicyDocument: trust('lambda.amazonaws.com'),
          Policies: [
            {
              PolicyName: 'start',
              PolicyDocument: {
                Statement: [{ Effect: 'Allow', Action: 'states:StartExecution', Resource: '*' }],
              },
            },
          ],
        },
      },
    },
  };
  writeFileSync(join(dir, 'App.template.json'), JSON.stringify(template));
  writeFileSync(
    join(dir, 'manifest.json'),
    JSON.stringify({
      artifacts: {
        App: { type: 'aws:cloudformation:stack', properties: { templateFile: 'App.template.json' } },
      },
    }),
  );
}

let dir: string;
let runtime: LocalRuntime;
const denied: Denial[] = [];
let asRole: {
  region: string;
  endpoint: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
};
let asAdmin: {
  region: string;
  endpoint: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'relance-iam-'));
  writeAssembly(dir);
  runtime = await startLocalRuntime({
    projectRoot: fileURLToPath(new URL('../../..', import.meta.url)),
    cdkOut: dir,
    port: 0,
    clock: { mode: 'virtual', start: Date.parse('2026-03-02T10:00:00Z') },
    apiKey: 'k',
    retryBackoffScale: 0,
    onDenied: (denial) => denied.push(denial),
  });
  asRole = {
    region: 'us-east-1',
    endpoint: runtime.endpoint,
    credentials: runtime.iam.credentialsFor(ROLE, 'app-fn'),
  };
  asAdmin = {
    region: 'us-east-1',
    endpoint: runtime.endpoint,
    credentials: { accessKeyId: 'AKIAADMIN', secretAccessKey: 'x' },
  };
});
afterAll(async () => {
  await runtime.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('calls signed with a role’s credentials', () => {
  it('DynamoDB: allowed on the granted table, AccessDeniedException on another, and on an index not granted', async () => {
    const dynamo = new DynamoDBClient({ ...asRole, maxAttempts: 1 });
    await dynamo.send(new PutItemCommand({ TableName: 'Items', Item: { pk: { S: 'a' }, gsi: { S: 'g' } } }));

    const other = await rejection(
      dynamo.send(new PutItemCommand({ TableName: 'Other', Item: { pk: { S: 'a' } } })),
    );
    const index = await rejection(
      dynamo.send(
        new QueryCommand({
          TableName: 'Items',
          IndexName: 'ByGsi',
          KeyConditionExpression: 'gsi = :g',
          ExpressionAttributeValues: { ':g': { S: 'g' } },
        }),
      ),
    );

    expect(other.name).toBe('AccessDeniedException');
    expect(other.message).toBe(
      `User: arn:aws:sts::${ACCOUNT}:assumed-role/AppRole/app-fn is not authorized to perform: dynamodb:PutItem on resource: ${arn('dynamodb', 'table/Other')} because no identity-based policy allows the dynamodb:PutItem action`,
    );
    expect(index.name).toBe('AccessDeniedException');
    expect(index.message).toContain(`on resource: ${arn('dynamodb', 'table/Items/index/ByGsi')}`);
    dynamo.destroy();
  });

  it('EventBridge, Step Functions, SQS, Secrets Manager: allowed where granted, denied elsewhere', async () => {
    const events = new EventBridgeClient({ ...asRole, maxAttempts: 1 });
    const sfn = new SFNClient({ ...asRole, maxAttempts: 1 });
    const sqs = new SQSClient({ ...asRole, maxAttempts: 1 });
    const secrets = new SecretsManagerClient({ ...asRole, maxAttempts: 1 });
    const entry = { Source: 's', DetailType: 'd', Detail: '{}' };

    expect(
      (await events.send(new PutEventsCommand({ Entries: [{ ...entry, EventBusName: 'AppBus' }] })))
        .FailedEntryCount,
    ).toBe(0);
    expect((await rejection(events.send(new PutEventsCommand({ Entries: [entry] })))).name).toBe(
      'AccessDeniedException',
    );
    await sfn.send(new StartExecutionCommand({ stateMachineArn: MACHINE }));
    expect(
      (
        await rejection(
          sfn.send(new StartExecutionCommand({ stateMachineArn: arn('states', 'stateMachine:Other') })),
        )
      ).name,
    ).toBe('AccessDeniedException');
    await sqs.send(
      new SendMessageCommand({ QueueUrl: `${runtime.endpoint}/${ACCOUNT}/Dead`, MessageBody: 'x' }),
    );
    const secret = await secrets.send(new GetSecretValueCommand({ SecretId: 'app-key' }));
    expect(secret.SecretString).toBeDefined();
    for (const client of [events, sfn, sqs, secrets]) client.destroy();
  });

  it('SES v2 SendEmail is authorized on the sending identity and the configuration set', async () => {
    const ses = new SESv2Client({ ...asRole, maxAttempts: 1 });
    const send = (from: string, configurationSet: string) =>
      ses.send(
        new SendEmailCommand({
          FromEmailAddress: from,
          ConfigurationSetName: configurationSet,
          Destination: { ToAddresses: ['to@example.com'] },
          Content: { Simple: { Subject: { Data: 's' }, Body: { Text: { Data: 't' } } } },
        }),
      );

    await send('Shop <news@shop.example>', 'app-set');
    const otherDomain = await rejection(send('news@elsewhere.example', 'app-set'));
    const otherSet = await rejection(send('news@shop.example', 'other-set'));

    expect(otherDomain.name).toBe('AccessDeniedException');
    expect(otherDomain.message).toContain(arn('ses', 'identity/elsewhere.example'));
    expect(otherSet.message).toContain(arn('ses', 'configuration-set/other-set'));
    ses.destroy();
  });

  it('SNS answers AuthorizationError (403); a message to a phone number is authorized on "*"', async () => {
    const sns = new SNSClient({ ...asRole, maxAttempts: 1 });
    const refused = await rejection(
      sns.send(new PublishCommand({ PhoneNumber: '+33612345678', Message: 'x' })),
    );
    // The awsQuery code AuthorizationError, as the SDK models it.
    expect(refused.name).toBe('AuthorizationErrorException');
    expect(refused.$metadata.httpStatusCode).toBe(403);
    expect(denied.at(-1)).toMatchObject({ action: 'sns:Publish', resource: '*' });
    sns.destroy();
  });

  it('CreateSchedule needs the schedule ARN in its group and iam:PassRole on the target role', async () => {
    const scheduler = new SchedulerClient({ ...asRole, maxAttempts: 1 });
    const create = (name: string, group: string, roleArn: string) =>
      scheduler.send(
        new CreateScheduleCommand({
          Name: name,
          GroupName: group,
          ScheduleExpression: 'at(2030-01-01T00:00:00)',
          FlexibleTimeWindow: { Mode: 'OFF' },
          Target: { Arn: MACHINE, RoleArn: roleArn },
        }),
      );

    await create('ok', 'app-group', SCHEDULER_ROLE);
    const wrongGroup = await rejection(create('x', 'default', SCHEDULER_ROLE));
    const wrongRole = await rejection(create('y', 'app-group', NOT_TRUSTED_ROLE));

    expect(wrongGroup.name).toBe('AccessDeniedException');
    expect(wrongGroup.message).toContain(arn('scheduler', 'schedule/default/x'));
    expect(wrongRole.message).toContain(`iam:PassRole on resource: ${NOT_TRUSTED_ROLE}`);
    scheduler.destroy();
  });

  it('lets calls that are not a function’s (a person, a tool) through unchecked', async () => {
    const dynamo = new DynamoDBClient({ ...asAdmin, maxAttempts: 1 });
    await dynamo.send(new PutItemCommand({ TableName: 'Other', Item: { pk: { S: 'admin' } } }));
    dynamo.destroy();
  });
});

describe('PutEvents from callers', () => {
  it('refuses an aws.* source, as EventBridge does: only AWS services publish those', async () => {
    const events = new EventBridgeClient({ ...asAdmin, maxAttempts: 1 });
    const forged = { Source: 'aws.ses', DetailType: 'Email Bounced', Detail: '{"bounce":{}}' };
    const own = { Source: 'shop.test', DetailType: 'd', Detail: '{}' };

    const result = await events.send(new PutEventsCommand({ Entries: [forged, own] }));

    expect(result.FailedEntryCount).toBe(1);
    expect(result.Entries?.[0]).toMatchObject({ ErrorCode: 'NotAuthorizedForSourceException' });
    expect(result.Entries?.[0]?.EventId).toBeUndefined();
    expect(result.Entries?.[1]?.EventId).toEqual(expect.any(String));
    events.destroy();
  });
});

describe('roles Lambda and Scheduler assume', () => {
  it('refuse to run a function whose role does not trust Lambda', async () => {
    await expect(runtime.lambdas.invoke('misassigned', {})).rejects.toMatchObject({
      name: 'AccessDeniedException',
      message: expect.stringContaining('sts:AssumeRole'),
    });
  });

  it('create the template’s schedules with their retry policy and dead-letter queue', () => {
    expect(runtime.scheduler.schedules().find((s) => s.Name === 'nightly')?.Target).toMatchObject({
      RetryPolicy: { MaximumRetryAttempts: 10, MaximumEventAgeInSeconds: 3600 },
      DeadLetterConfig: { Arn: arn('sqs', 'Dead') },
    });
  });
});

describe('schedules invoke their target with their role', () => {
  const scheduler = () => new SchedulerClient({ ...asAdmin, maxAttempts: 1 });
  const deadLetters = () => runtime.sqs.queues().find((q) => q.name === 'Dead')?.messages ?? [];

  it('send a target that cannot be invoked to the dead-letter queue, with Scheduler’s attributes', async () => {
    const client = scheduler();
    const before = deadLetters().length;
    await client.send(
      new CreateScheduleCommand({
        Name: 'gone-target',
        GroupName: 'app-group',
        ScheduleExpression: 'at(2026-03-02T10:05:00)',
        FlexibleTimeWindow: { Mode: 'OFF' },
        Target: {
          Arn: arn('states', 'stateMachine:App-gone'),
          RoleArn: SCHEDULER_ROLE,
          Input: '{"k":1}',
          RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 600 },
          DeadLetterConfig: { Arn: arn('sqs', 'Dead') },
        },
      }),
    );

    await runtime.advance(10 * 60_000);

    const message = deadLetters().slice(before)[0];
    expect(message?.body).toBe('{"k":1}');
    expect(message?.messageAttributes).toMatchObject({
      ERROR_CODE: expect.objectContaining({ StringValue: 'StateMachineDoesNotExist' }),
      SCHEDULE_ARN: expect.objectContaining({
        StringValue: arn('scheduler', 'schedule/app-group/gone-target'),
      }),
      TARGET_ARN: expect.objectContaining({ StringValue: arn('states', 'stateMachine:App-gone') }),
    });
    client.destroy();
  });

  it('record a failed invocation when the role may not call the target (no dead-letter queue), or is not trusted', async () => {
    const client = scheduler();
    for (const [name, roleArn] of [
      ['no-permission', SCHEDULER_ROLE],
      ['not-trusted', NOT_TRUSTED_ROLE],
    ] as const) {
      await client.send(
        new CreateScheduleCommand({
          Name: name,
          GroupName: 'app-group',
          ScheduleExpression: 'at(2026-03-02T10:20:00)',
          FlexibleTimeWindow: { Mode: 'OFF' },
          Target: {
            Arn: name === 'no-permission' ? arn('states', 'stateMachine:Elsewhere') : MACHINE,
            RoleArn: roleArn,
          },
        }),
      );
    }

    await runtime.advance(20 * 60_000);

    expect(runtime.failedScheduleInvocations).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          schedule: 'app-group/no-permission',
          error: expect.stringContaining('states:StartExecution'),
        }),
        expect.objectContaining({
          schedule: 'app-group/not-trusted',
          error: expect.stringContaining('sts:AssumeRole'),
        }),
      ]),
    );
    client.destroy();
  });

  it('start the target when the role allows it', async () => {
    const client = scheduler();
    const before = runtime.stepFunctions.startedCount;
    await client.send(
      new CreateScheduleCommand({
        Name: 'fine',
        GroupName: 'app-group',
        ScheduleExpression: 'at(2026-03-02T10:40:00)',
        FlexibleTimeWindow: { Mode: 'OFF' },
        Target: { Arn: MACHINE, RoleArn: SCHEDULER_ROLE },
      }),
    );
    await runtime.advance(20 * 60_000);
    expect(runtime.stepFunctions.startedCount).toBe(before + 1);
    client.destroy();
  });
});
