import { Duration, Stack } from 'aws-cdk-lib';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { CfnSchedule } from 'aws-cdk-lib/aws-scheduler';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ENV } from '#platform/env-names.ts';
import type { RelanceConfig } from '../config.ts';
import type { StageNames } from '../stage.ts';
import { RelanceFunction } from './relance-function.ts';

export interface ReportDigestProps {
  readonly config: Pick<RelanceConfig, 'reportDigest' | 'fromAddress' | 'brand' | 'defaultTimezone'>;
  readonly names: StageNames;
  readonly tables: { readonly ledger: ITableV2; readonly journeyState: ITableV2; readonly events: ITableV2 };
  readonly senderIdentityArn: string;
  readonly configurationSetName: string;
  /** Where the schedule's input goes once every retry failed. */
  readonly scheduleDeadLetters: IQueue;
}

/**
 * The weekly journey digest: an EventBridge Scheduler schedule (Monday 08:00 in the deployment's
 * zone by default) starts a function that reports every journey's past week and e-mails it to
 * `relance:reportDigest.recipients`. It reads the ledger and the runs (scans: once a week) and the
 * contacts' event history, and sends from the sender identity only.
 */
export class ReportDigest extends Construct {
  readonly fn: RelanceFunction;

  constructor(scope: Construct, id: string, props: ReportDigestProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const { config, tables } = props;
    this.fn = new RelanceFunction(this, 'WeeklyDigest', {
      entry: 'functions/journey-report/digest-handler.ts',
      description: "E-mails every journey's weekly report (runs, conversions against the holdout, funnel)",
      timeout: Duration.minutes(5),
      environment: {
        [ENV.digestRecipients]: JSON.stringify(config.reportDigest.recipients),
        [ENV.fromAddress]: config.fromAddress,
        [ENV.brand]: JSON.stringify(config.brand),
        [ENV.sesConfigurationSet]: props.configurationSetName,
      },
    })
      // The journey counters (BatchGetItem by day and shard), and the runs for conversions (Scan).
      .useTable(tables.ledger, ENV.ledgerTable, ['BatchGetItem'])
      .useTable(tables.journeyState, ENV.journeyStateTable, ['Scan', 'BatchGetItem'])
      .useTable(tables.events, ENV.eventsTable, ['Query'])
      .allowSendingEmail(props.senderIdentityArn, props.configurationSetName);
    const role = new Role(this, 'SchedulerRole', {
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
      }),
      description: 'EventBridge Scheduler starts the weekly journey digest',
    });
    this.fn.grantInvoke(role);
    props.scheduleDeadLetters.grant(role, 'sqs:SendMessage');
    new CfnSchedule(this, 'Schedule', {
      name: props.names.name('weekly-digest'),
      description: "Weekly: every journey's report, e-mailed to the marketing team",
      scheduleExpression: config.reportDigest.schedule,
      scheduleExpressionTimezone: config.defaultTimezone,
      flexibleTimeWindow: { mode: 'OFF' },
      target: {
        arn: this.fn.functionArn,
        roleArn: role.roleArn,
        retryPolicy: { maximumRetryAttempts: 2, maximumEventAgeInSeconds: 3600 },
        deadLetterConfig: { arn: props.scheduleDeadLetters.queueArn },
      },
    });
  }
}
