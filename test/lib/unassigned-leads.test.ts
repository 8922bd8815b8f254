// The unassigned queue in the template: an hourly schedule starts the router's pass (invoke on the
// router only), and a metric read from the router's log lines raises an alarm while leads wait.
import { Match } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UNASSIGNED_QUEUE } from '#platform/lead-env.ts';
import { logicalId, type SynthesizedRelance, synthRelance } from './synth.ts';

let synth: SynthesizedRelance;

beforeAll(() => {
  synth = synthRelance();
});
afterAll(() => synth?.dispose());

describe('the unassigned leads', () => {
  it('are passed over every hour by a schedule that may invoke the router and send to the schedule dead-letter queue, nothing else', () => {
    const router = logicalId(synth.stacks.app.leads.routerFunction);
    synth.app.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(1 hour)',
      Target: {
        Arn: { 'Fn::GetAtt': [router, 'Arn'] },
        Input: JSON.stringify({ 'detail-type': UNASSIGNED_QUEUE.passDetailType, detail: {} }),
      },
    });
    synth.app.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [
          { Action: 'lambda:InvokeFunction', Effect: 'Allow', Resource: { 'Fn::GetAtt': [router, 'Arn'] } },
          {
            Action: 'sqs:SendMessage',
            Effect: 'Allow',
            Resource: { 'Fn::GetAtt': [logicalId(synth.stacks.app.scheduleDeadLetters), 'Arn'] },
          },
        ],
      },
      Roles: [{ Ref: Match.stringLikeRegexp('UnassignedPassRole') }],
    });
  });

  it('raise an alarm while the queue is not empty, from the size the router logs', () => {
    synth.app.hasResourceProperties('AWS::Logs::MetricFilter', {
      FilterPattern: `{ $.message = "${UNASSIGNED_QUEUE.logMessage}" }`,
      MetricTransformations: [
        {
          MetricNamespace: UNASSIGNED_QUEUE.metricNamespace,
          MetricName: UNASSIGNED_QUEUE.metricName,
          MetricValue: '$.unassignedLeads',
        },
      ],
    });
    const alarms = synth.app.findResources('AWS::CloudWatch::Alarm', {
      Properties: {
        MetricName: UNASSIGNED_QUEUE.metricName,
        Namespace: UNASSIGNED_QUEUE.metricNamespace,
        ComparisonOperator: 'GreaterThanThreshold',
        Threshold: 0,
        Statistic: 'Maximum',
      },
    });
    expect(Object.keys(alarms)).toHaveLength(1);
  });
});
