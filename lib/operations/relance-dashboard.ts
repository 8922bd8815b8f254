import { Duration } from 'aws-cdk-lib';
import {
  Dashboard,
  GraphWidget,
  type IMetric,
  MathExpression,
  Metric,
  Stats,
  TextWidget,
} from 'aws-cdk-lib/aws-cloudwatch';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { METRIC, METRICS_NAMESPACE, STAGE_DIMENSION } from '#platform/metric-names.ts';
import type { StageNames } from '../stage.ts';
import type { WatchedQueue } from './relance-alarms.ts';

export interface RelanceDashboardProps {
  readonly names: StageNames;
  readonly functions: readonly IFunction[];
  readonly stateMachines: ReadonlyMap<string, IStateMachine>;
  readonly queues: readonly WatchedQueue[];
}

const PERIOD = Duration.minutes(5);

/**
 * One CloudWatch dashboard per stage: events in, runs started, messages sent and skipped by reason,
 * provider feedback, leads routed and time to first rep notification, and the errors (functions,
 * executions, queues waiting for someone).
 */
export class RelanceDashboard extends Construct {
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: RelanceDashboardProps) {
    super(scope, id);
    const { names } = props;
    const stage = names.dimension;
    const metric = (metricName: string, statistic: string = Stats.SUM, label?: string) =>
      new Metric({
        namespace: METRICS_NAMESPACE,
        metricName,
        dimensionsMap: { [STAGE_DIMENSION]: stage },
        statistic,
        period: PERIOD,
        ...(label ? { label } : {}),
      });
    // A metric with one more dimension (Channel, Reason, Journey, Outcome): one line per value.
    const byDimension = (metricName: string, dimension: string, id: string) =>
      new MathExpression({
        expression: `SEARCH('{${METRICS_NAMESPACE},${STAGE_DIMENSION},${dimension}} MetricName="${metricName}" ${STAGE_DIMENSION}="${stage}"', 'Sum', ${PERIOD.toSeconds()})`,
        label: id,
        period: PERIOD,
      });
    const graph = (title: string, left: IMetric[], width = 8) =>
      new GraphWidget({ title, left, width, height: 6 });

    this.dashboard = new Dashboard(this, 'Dashboard', {
      dashboardName: names.name('operations'),
      defaultInterval: Duration.hours(24),
    });
    this.dashboard.addWidgets(
      new TextWidget({
        markdown: `# relance — ${stage}\nEvents, journeys, messages and leads of this stage. Alarms: see README "Operate".`,
        width: 24,
        height: 2,
      }),
    );
    this.dashboard.addWidgets(
      graph('Events in', [metric(METRIC.eventsAccepted), metric(METRIC.eventsRejected)]),
      graph('Runs started by journey', [byDimension(METRIC.runsStarted, 'Journey', 'runs')]),
      graph('Messages sent by channel', [byDimension(METRIC.messagesSent, 'Channel', 'sent')]),
    );
    this.dashboard.addWidgets(
      graph('Messages skipped by reason', [byDimension(METRIC.messagesSkipped, 'Reason', 'skipped')]),
      graph('Messages deferred by reason', [byDimension(METRIC.messagesDeferred, 'Reason', 'deferred')]),
      graph('Provider feedback', [byDimension(METRIC.providerFeedback, 'Outcome', 'feedback')]),
    );
    this.dashboard.addWidgets(
      graph('Leads routed and SLA breaches', [metric(METRIC.leadsRouted), metric(METRIC.leadSlaBreaches)]),
      graph('Time to first rep notification (ms)', [
        metric(METRIC.timeToFirstRepNotification, Stats.percentile(50), 'p50'),
        metric(METRIC.timeToFirstRepNotification, Stats.percentile(99), 'p99'),
      ]),
      graph('Sends failed and throttled, stalled runs', [
        metric(METRIC.sendsFailed),
        metric(METRIC.sendsThrottled),
        metric(METRIC.stalledRuns),
      ]),
    );
    this.dashboard.addWidgets(
      graph(
        'Function errors',
        props.functions.map((fn) => fn.metricErrors({ period: PERIOD })),
      ),
      graph(
        'Executions failed or timed out',
        [...props.stateMachines].flatMap(([label, machine]) => [
          machine.metricFailed({ period: PERIOD, label: `${label} failed` }),
          machine.metricTimedOut({ period: PERIOD, label: `${label} timed out` }),
        ]),
      ),
      graph(
        'Messages waiting in dead-letter queues',
        props.queues.map(({ label, queue }) =>
          queue.metricApproximateNumberOfMessagesVisible({ period: PERIOD, statistic: Stats.MAXIMUM, label }),
        ),
      ),
    );
  }
}
