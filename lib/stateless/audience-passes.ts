import { ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { CfnSchedule, CfnScheduleGroup } from 'aws-cdk-lib/aws-scheduler';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { DefinitionBody, LogLevel, StateMachine, StateMachineType } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { JourneyDefinition } from '#language/types.ts';
import { ENV } from '#platform/env-names.ts';
import { PASS_ENV } from '#platform/pass-env.ts';
import type { RelanceConfig } from '../config.ts';
import type { StageNames } from '../stage.ts';
import { RelanceFunction } from './relance-function.ts';

export interface AudiencePassesProps {
  readonly names: StageNames;
  /** Where schedules send their input once every retry failed (their role may send to it). */
  readonly scheduleDeadLetters: IQueue;
  /** Every journey; the scheduled ones get a schedule. */
  readonly journeys: readonly JourneyDefinition[];
  /** The journeys' state machines, which a pass starts runs of. */
  readonly journeyStateMachines: ReadonlyMap<string, StateMachine>;
  /** The journey engine's naming variables (the same values every function reads). */
  readonly journeyNaming: Readonly<Record<string, string>>;
  readonly tables: { readonly contacts: ITableV2; readonly journeyState: ITableV2 };
  readonly config: RelanceConfig;
}

const FUNCTION_PLACEHOLDER = 'PassFunctionArn';

/** The pass state machine: plan, then one worker per scan segment in parallel; or one worker's next slot. */
function passDefinition(): Record<string, unknown> {
  const resource = `\${${FUNCTION_PLACEHOLDER}}`;
  const retry = [
    {
      ErrorEquals: [
        'Lambda.ServiceException',
        'Lambda.AWSLambdaException',
        'Lambda.SdkClientException',
        'Lambda.TooManyRequestsException',
      ],
      IntervalSeconds: 2,
      MaxAttempts: 4,
      BackoffRate: 2,
    },
  ];
  const page = (passId: string, worker: string) => ({
    Type: 'Task',
    Resource: resource,
    Parameters: { action: 'page', 'passId.$': passId, 'worker.$': worker },
    Retry: retry,
    End: true,
  });
  return {
    Comment:
      'relance audience pass: a scheduled journey reaches its segment, throttled to the provider rates',
    StartAt: 'Dispatch',
    TimeoutSeconds: 300,
    States: {
      Dispatch: {
        Type: 'Choice',
        Choices: [{ Variable: '$.resume', IsPresent: true, Next: 'NextSlot' }],
        Default: 'Plan',
      },
      Plan: {
        Type: 'Task',
        Resource: resource,
        Parameters: { action: 'plan', 'journeyId.$': '$.journeyId' },
        ResultPath: '$.plan',
        Retry: retry,
        Next: 'Workers',
      },
      Workers: {
        Type: 'Map',
        ItemsPath: '$.plan.workers',
        MaxConcurrency: 64,
        ItemSelector: { 'passId.$': '$.plan.passId', 'worker.$': '$$.Map.Item.Value' },
        ItemProcessor: {
          ProcessorConfig: { Mode: 'INLINE' },
          StartAt: 'FirstSlot',
          States: { FirstSlot: page('$.passId', '$.worker') },
        },
        ResultPath: null,
        End: true,
      },
      NextSlot: page('$.resume.passId', '$.resume.worker'),
    },
  };
}

/**
 * Scheduled journeys: for each, an EventBridge Scheduler schedule (its expression and timezone,
 * or hourly for "at HH:MM in each contact's own timezone") starts the audience-pass state machine,
 * which scans the contacts table in parallel segments, evaluates the journey's segment on each
 * profile and starts the journey per member, throttled to the configured SES and SMS rates; a
 * worker with more to do schedules its next slot. Progress and totals are kept on the pass record.
 */
export class AudiencePasses extends Construct {
  readonly fn: RelanceFunction;
  readonly stateMachine: StateMachine;

  constructor(scope: Construct, id: string, props: AudiencePassesProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const { config } = props;
    const scheduled = props.journeys.filter((j) => j.schedule);
    const stateMachineName = props.names.name('audience-pass');
    const stateMachineArn = stack.formatArn({
      service: 'states',
      resource: 'stateMachine',
      resourceName: stateMachineName,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    const groupName = props.names.name('audience-passes');
    new CfnScheduleGroup(this, 'Schedules', { name: groupName });
    const schedulerRole = new Role(this, 'SchedulerRole', {
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
      }),
      description: 'EventBridge Scheduler starts audience passes and their next slots',
    });
    schedulerRole.addToPolicy(
      new PolicyStatement({ actions: ['states:StartExecution'], resources: [stateMachineArn] }),
    );
    props.scheduleDeadLetters.grant(schedulerRole, 'sqs:SendMessage');

    this.fn = new RelanceFunction(this, 'AudiencePass', {
      entry: 'functions/audience-passes/pass-handler.ts',
      description: 'Audience passes: plans a pass, scans one worker slot, starts the journey per member',
      timeout: Duration.minutes(2),
      memorySize: 512,
      environment: {
        ...props.journeyNaming,
        [PASS_ENV.settings]: JSON.stringify({
          ...config.audiencePasses,
          defaultTimezone: config.defaultTimezone,
        }),
        [PASS_ENV.target]: stack.toJsonString({
          stateMachineArn,
          scheduleGroup: groupName,
          schedulerRoleArn: schedulerRole.roleArn,
          deadLetterArn: props.scheduleDeadLetters.queueArn,
        }),
      },
    })
      // Contacts: the registry of zones, a parallel scan, the table's item count.
      .useTable(props.tables.contacts, ENV.contactsTable, ['GetItem', 'Scan', 'DescribeTable'])
      // Pass and worker records.
      .useTable(props.tables.journeyState, ENV.journeyStateTable, [
        'GetItem',
        'PutItem',
        'UpdateItem',
        'BatchGetItem',
      ]);
    const journeyMachines = scheduled
      .map((j) => props.journeyStateMachines.get(j.id))
      .filter((m): m is StateMachine => m !== undefined);
    if (journeyMachines.length > 0) {
      this.fn.addToRolePolicy(
        new PolicyStatement({
          actions: ['states:StartExecution'],
          resources: journeyMachines.map((m) => m.stateMachineArn),
        }),
      );
    }
    this.fn.addToRolePolicy(
      new PolicyStatement({
        actions: ['scheduler:CreateSchedule'],
        resources: [
          stack.formatArn({ service: 'scheduler', resource: 'schedule', resourceName: `${groupName}/*` }),
        ],
      }),
    );
    this.fn.addToRolePolicy(
      new PolicyStatement({ actions: ['iam:PassRole'], resources: [schedulerRole.roleArn] }),
    );

    const logGroup = new LogGroup(this, 'PassLogs', { retention: RetentionDays.ONE_MONTH });
    this.stateMachine = new StateMachine(this, 'PassStateMachine', {
      stateMachineName,
      stateMachineType: StateMachineType.EXPRESS,
      definitionBody: DefinitionBody.fromString(JSON.stringify(passDefinition())),
      definitionSubstitutions: { [FUNCTION_PLACEHOLDER]: this.fn.functionArn },
      logs: { destination: logGroup, level: LogLevel.ERROR, includeExecutionData: false },
      tracingEnabled: true,
      comment: 'Audience passes of scheduled journeys',
    });
    this.fn.grantInvoke(this.stateMachine);

    for (const journey of scheduled) {
      const schedule = journey.schedule;
      if (!schedule) continue;
      const local = 'localTime' in schedule;
      const pass = new CfnSchedule(this, `${journey.id}-Pass`, {
        name: `${journey.id}-pass`,
        groupName,
        description: `Audience pass of journey ${journey.id} over segment ${schedule.audience.segment}`,
        // "At HH:MM in each contact's own timezone": a pass every hour at :MM admits those for whom it is HH.
        scheduleExpression: local
          ? `cron(${Number(schedule.localTime.slice(3, 5))} * * * ? *)`
          : schedule.expression,
        scheduleExpressionTimezone: local ? 'UTC' : schedule.timezone,
        flexibleTimeWindow: { mode: 'OFF' },
        target: {
          arn: stateMachineArn,
          roleArn: schedulerRole.roleArn,
          input: JSON.stringify({ journeyId: journey.id }),
          retryPolicy: { maximumRetryAttempts: 10, maximumEventAgeInSeconds: 3600 },
          deadLetterConfig: { arn: props.scheduleDeadLetters.queueArn },
        },
      });
      // Its target's ARN is formatted, not referenced: the schedule must not fire before the machine exists.
      pass.node.addDependency(this.stateMachine);
    }
  }
}
