import { Duration, Stack } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, Metric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { CfnSchedule } from 'aws-cdk-lib/aws-scheduler';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ENV } from '#platform/env-names.ts';
import { METRIC, METRICS_NAMESPACE, STAGE_DIMENSION } from '#platform/metric-names.ts';
import type { StageNames } from '../stage.ts';
import { RelanceFunction } from './relance-function.ts';

/** How late a wake-up may be before the run is marked stalled (the scheduler fires within a minute or so). */
const SWEEP_GRACE = Duration.minutes(10);

export interface RunSweeperProps {
  readonly names: StageNames;
  /** Where schedules send their input once every retry failed (their role may send to it). */
  readonly scheduleDeadLetters: IQueue;
  readonly journeyState: ITableV2;
  /** The journey engine's naming variables: where each journey's schedules live and what they start. */
  readonly journeyNaming: Readonly<Record<string, string>>;
  /** The journeys' state machines, which the sweeper starts to resume an overdue run. */
  readonly stateMachineArns: readonly string[];
  /** The journeys' schedule groups, whose schedules the sweeper looks up. */
  readonly scheduleGroups: readonly string[];
  /** How often the sweeper looks: a stalled run is marked and resumed within this plus the grace. @default 1 hour */
  readonly rate?: Duration;
}

/**
 * The run sweeper: a function started periodically (hourly by default) by an EventBridge Scheduler schedule finds
 * runs whose wake-up is overdue (schedule missing, failing, or lost between its firing and the
 * execution), marks them `stalled` with the reason, resumes them again, and publishes the count as
 * the `Relance/StalledRuns` metric; an alarm goes off when any run stalls.
 */
export class RunSweeper extends Construct {
  readonly fn: RelanceFunction;
  readonly alarm: Alarm;

  constructor(scope: Construct, id: string, props: RunSweeperProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const rate = props.rate ?? Duration.hours(1);
    this.fn = new RelanceFunction(this, 'RunSweeper', {
      entry: 'functions/journeys/sweeper-handler.ts',
      description: 'Finds runs whose wake-up is overdue, marks them stalled with the reason and resumes them',
      timeout: Duration.minutes(2),
      environment: {
        ...props.journeyNaming,
        [ENV.runSweepGraceSeconds]: String(SWEEP_GRACE.toSeconds()),
      },
    }).useTable(props.journeyState, ENV.journeyStateTable, ['Query', 'GetItem', 'UpdateItem']);
    if (props.stateMachineArns.length > 0) {
      this.fn.addToRolePolicy(
        new PolicyStatement({ actions: ['states:StartExecution'], resources: [...props.stateMachineArns] }),
      );
      this.fn.addToRolePolicy(
        new PolicyStatement({
          actions: ['scheduler:GetSchedule', 'scheduler:DeleteSchedule'],
          resources: props.scheduleGroups.map((group) =>
            stack.formatArn({ service: 'scheduler', resource: 'schedule', resourceName: `${group}/*` }),
          ),
        }),
      );
    }
    const role = new Role(this, 'SchedulerRole', {
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
      }),
      description: 'EventBridge Scheduler starts the run sweeper',
    });
    this.fn.grantInvoke(role);
    props.scheduleDeadLetters.grant(role, 'sqs:SendMessage');
    new CfnSchedule(this, 'Schedule', {
      name: props.names.name('run-sweeper'),
      description: 'Periodically: find runs whose wake-up is overdue',
      scheduleExpression: `rate(${rate.toMinutes()} minutes)`,
      flexibleTimeWindow: { mode: 'OFF' },
      target: {
        arn: this.fn.functionArn,
        roleArn: role.roleArn,
        retryPolicy: { maximumRetryAttempts: 2, maximumEventAgeInSeconds: 300 },
        deadLetterConfig: { arn: props.scheduleDeadLetters.queueArn },
      },
    });
    this.alarm = new Alarm(this, 'StalledRunsAlarm', {
      alarmName: props.names.name('stalled-runs'),
      alarmDescription:
        'Journey runs whose wake-up was overdue (schedule missing or failing); see `relance why` or the runs view',
      // The sweeper writes the metric with the Stage dimension (functions/journeys/run-sweeper.ts).
      metric: new Metric({
        namespace: METRICS_NAMESPACE,
        metricName: METRIC.stalledRuns,
        dimensionsMap: { [STAGE_DIMENSION]: props.names.dimension },
        statistic: 'Sum',
        period: rate,
      }),
      threshold: 0,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
  }
}
