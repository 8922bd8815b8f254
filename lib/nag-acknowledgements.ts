import { Validations } from 'aws-cdk-lib';
import type { RelanceStack } from './relance-stack.ts';

/**
 * cdk-nag findings relance accepts, each with the reason it is acceptable. Everything else is
 * fixed in the constructs (own Lambda roles instead of managed policies, encrypted TLS-only queues,
 * access logs, request validation, point-in-time recovery).
 */
export function acknowledgeNagFindings(stack: RelanceStack): void {
  const acknowledge = (scope: Parameters<typeof Validations.of>[0], id: string, reason: string) =>
    Validations.of(scope).acknowledge({ id, reason });

  acknowledge(
    stack,
    'AwsSolutions-L1',
    'Functions target nodejs22.x on purpose: it is the runtime the project tests against locally and pins in its engines.',
  );
  acknowledge(
    stack,
    'AwsSolutions-IAM5[Resource::*]',
    'X-Ray PutTraceSegments/PutTelemetryRecords only accept "*", and SNS SMS publishing to a phone number has no resource ARN; no action is wildcarded.',
  );
  acknowledge(
    stack.engine,
    'AwsSolutions-SF1',
    'Express journeys log ERROR only: logging ALL would add a CloudWatch Logs write to every run segment, which is most of the cost per run; failures are kept.',
  );
  for (const stateMachine of stack.engine.stateMachines.values()) {
    Validations.of(stateMachine).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${stack.getLogicalId(stack.engine.stepFunction.node.defaultChild as never)}.Arn>:*]`,
      reason:
        'Invoking the journey-step function by any version or alias is what the CDK grant produces; the function itself is fixed.',
    });
  }
  for (const journeyId of stack.engine.stateMachines.keys()) {
    acknowledge(
      stack,
      `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:scheduler:<AWS::Region>:<AWS::AccountId>:schedule/${stack.stackName}-${journeyId}/*]`,
      "Schedules are created per run with generated names, inside this journey's own schedule group only.",
    );
  }
  acknowledge(
    stack,
    `AwsSolutions-IAM5[Resource::RelanceData:ExportsOutputFnGetAttTablesLedgerF9806C8BArnA6AF1EF7/index/*]`,
    'The ledger is read by contact through its byContact GSI; CDK grants "<table>/index/*" for that.',
  );
  acknowledge(
    stack,
    'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
    'API Gateway access logging needs the account-level CloudWatch role; this AWS-managed policy is the documented one for it.',
  );
  acknowledge(
    stack.ingest.rejectedEvents,
    'AwsSolutions-SQS3',
    'This queue is itself the terminal store of rejected events, read by operators; it has no consumer to fail.',
  );
  acknowledge(
    stack.ingest.deadLetters,
    'AwsSolutions-SQS3',
    'This queue is the dead-letter queue of the ingest rule and function.',
  );
  acknowledge(
    stack.http.api,
    'AwsSolutions-APIG4',
    'Producers are servers authenticated by API key with a usage plan; the public lead form is anonymous by nature and protected by origin checks, honeypot and throttling.',
  );
  acknowledge(
    stack.http.api,
    'AwsSolutions-COG4',
    'No end users sign in to this API: see AwsSolutions-APIG4.',
  );
  acknowledge(
    stack.preferences.secret,
    'AwsSolutions-SMG4',
    'The link signing key is not rotated automatically: a new key would break every unsubscribe link already delivered; rotate it by hand.',
  );
  acknowledge(
    stack.http.api,
    'AwsSolutions-APIG3',
    'WAF is optional: throttling and usage plans cover abuse; attach a web ACL in accounts that mandate one.',
  );
  acknowledge(
    stack,
    `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:scheduler:<AWS::Region>:<AWS::AccountId>:schedule/${stack.stackName}-audience-passes/*]`,
    "An audience pass schedules each worker's next slot with a generated name, inside the passes' own schedule group only.",
  );
  Validations.of(stack.passes.stateMachine).acknowledge({
    id: `AwsSolutions-IAM5[Resource::<${stack.getLogicalId(stack.passes.fn.node.defaultChild as never)}.Arn>:*]`,
    reason:
      'Invoking the pass function by any version or alias is what the CDK grant produces; the function itself is fixed.',
  });
  acknowledge(
    stack.passes,
    'AwsSolutions-SF1',
    'The pass machine logs ERROR only, like the journeys: its progress and totals are recorded on the pass record, and failures are kept.',
  );
  acknowledge(
    stack,
    `AwsSolutions-IAM5[Resource::RelanceData:ExportsOutputFnGetAttTablesJourneyStateBFBCC12AArn048EF4BC/index/*]`,
    'Waiting runs are listed by wake-up time through the byWake GSI (the run sweeper); CDK grants "<table>/index/*" with table access.',
  );
  Validations.of(stack.sweeper).acknowledge({
    id: `AwsSolutions-IAM5[Resource::<${stack.getLogicalId(stack.sweeper.fn.node.defaultChild as never)}.Arn>:*]`,
    reason:
      'Invoking the sweeper function by any version or alias is what the CDK grant produces; the function itself is fixed.',
  });
}
