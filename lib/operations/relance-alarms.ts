import { Duration } from 'aws-cdk-lib';
import {
  Alarm,
  ComparisonOperator,
  type IMetric,
  Metric,
  Stats,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { type ITopic, Topic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { METRIC, METRICS_NAMESPACE, STAGE_DIMENSION } from '#platform/metric-names.ts';
import type { StageNames } from '../stage.ts';

/** A queue whose messages are failures someone must look at, and what a message there means. */
export interface WatchedQueue {
  readonly label: string;
  readonly queue: IQueue;
  /** What a message in the queue means and what to do (the alarm's description). */
  readonly meaning: string;
}

export interface RelanceAlarmsProps {
  readonly names: StageNames;
  /** @default a new TLS-only topic named `Relance-<stage>-alarms` */
  readonly topic?: ITopic;
  /** Every dead-letter queue and the rejected-events queue. */
  readonly queues: readonly WatchedQueue[];
  /** Every state machine, by a short label (the journey id, `audience-passes`). */
  readonly stateMachines: ReadonlyMap<string, IStateMachine>;
  /** Alarms built elsewhere (stalled runs, unassigned leads) that notify the same topic. */
  readonly otherAlarms: readonly Alarm[];
}

/**
 * Operations on by default: an alarm on each place a failure can wait unseen (dead-letter and
 * rejected-events queues, failed and timed-out executions, failed or throttled sends, lead SLA
 * breaches, and the stalled-runs and unassigned-leads alarms built with their features), every one
 * notifying one SNS topic on alarm and on recovery. README "Operate" says what each means.
 */
export class RelanceAlarms extends Construct {
  readonly topic: ITopic;
  readonly alarms: Alarm[] = [];

  constructor(scope: Construct, id: string, props: RelanceAlarmsProps) {
    super(scope, id);
    const { names } = props;
    this.topic =
      props.topic ??
      new Topic(this, 'Topic', {
        topicName: names.stagedName('alarms'),
        displayName: `relance alarms (${names.dimension})`,
        enforceSSL: true,
      });
    const stage = { [STAGE_DIMENSION]: names.dimension };
    const relanceMetric = (metricName: string) =>
      new Metric({
        namespace: METRICS_NAMESPACE,
        metricName,
        dimensionsMap: stage,
        statistic: Stats.SUM,
        period: Duration.minutes(5),
      });

    for (const { label, queue, meaning } of props.queues) {
      this.add(`${label}Alarm`, {
        name: names.name(`${label}-not-empty`),
        description: meaning,
        metric: queue.metricApproximateNumberOfMessagesVisible({
          statistic: Stats.MAXIMUM,
          period: Duration.minutes(5),
        }),
        threshold: 0,
      });
    }
    for (const [label, machine] of props.stateMachines) {
      this.add(`${label}-FailedAlarm`, {
        name: names.name(`${label}-executions-failed`),
        description: `Executions of ${label} failed: a step threw after its retries. Open the execution in the Step Functions console (or \`relance why\`) for the error; the run is recorded failed.`,
        metric: machine.metricFailed({ statistic: Stats.SUM, period: Duration.minutes(5) }),
        threshold: 0,
      });
      this.add(`${label}-TimedOutAlarm`, {
        name: names.name(`${label}-executions-timed-out`),
        description: `Executions of ${label} timed out (an Express workflow stops at 5 minutes): a step waited on a slow dependency. The run sweeper resumes waiting runs; check the function's duration and throttles.`,
        metric: machine.metricTimedOut({ statistic: Stats.SUM, period: Duration.minutes(5) }),
        threshold: 0,
      });
    }
    this.add('SendsFailedAlarm', {
      name: names.name('sends-failed'),
      description:
        'The e-mail or SMS provider refused sends for good (provider_rejected; recorded failed on the ledger, never retried): check the sender identity, the SES account status and the SMS spending limit.',
      metric: relanceMetric(METRIC.sendsFailed),
      threshold: 0,
    });
    this.add('SendsThrottledAlarm', {
      name: names.name('sends-throttled'),
      description:
        'The provider throttled sends after the SDK retries (the step retries them): the account sending quota or SMS throughput is too low for the traffic; raise the quota or lower audiencePasses.rates.',
      metric: relanceMetric(METRIC.sendsThrottled),
      threshold: 0,
    });
    this.add('LeadSlaBreachesAlarm', {
      name: names.name('lead-sla-breaches'),
      description:
        'An assigned lead was not acted on within its SLA (the rep was reminded or the lead reassigned): check the reps roster and their capacity.',
      metric: relanceMetric(METRIC.leadSlaBreaches),
      threshold: 0,
    });
    for (const alarm of props.otherAlarms) this.notify(alarm);
  }

  private add(
    id: string,
    spec: { name: string; description: string; metric: IMetric; threshold: number },
  ): void {
    const alarm = new Alarm(this, id, {
      alarmName: spec.name,
      alarmDescription: spec.description,
      metric: spec.metric,
      threshold: spec.threshold,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      // No data means nothing failed (the metrics are only written when something happens).
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    this.notify(alarm);
  }

  private notify(alarm: Alarm): void {
    const action = new SnsAction(this.topic);
    alarm.addAlarmAction(action);
    alarm.addOkAction(action);
    this.alarms.push(alarm);
  }
}
