import { Stack, Validations } from 'aws-cdk-lib';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import type { IRole } from 'aws-cdk-lib/aws-iam';
import { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import type { IConstruct } from 'constructs';
import type { Relance } from './relance-stack.ts';
import { RelanceFunction } from './stateless/relance-function.ts';

/**
 * cdk-nag findings relance accepts, each with the reason it is acceptable, acknowledged on the
 * resources it concerns (a function's role, a state machine, a queue, the API), never on a stack:
 * a new resource with the same finding is reported. A finding with a subject is acknowledged for
 * that subject only (`AwsSolutions-IAM5[Resource::<arn>]`). Everything else is fixed in the
 * constructs (own Lambda roles instead of managed policies, encrypted TLS-only queues, access logs,
 * request validation, point-in-time recovery).
 */
export function acknowledgeNagFindings(relance: Relance): void {
  // The stack relance builds in: the host stack, or its own nested stack.
  const stack = Stack.of(relance.engine);
  const acknowledge = (scope: IConstruct, id: string, reason: string) =>
    Validations.of(scope).acknowledge({ id, reason });
  const roleOf = (fn: RelanceFunction): IRole => {
    if (!fn.role) throw new Error(`${fn.node.path} has no role`);
    return fn.role;
  };
  const functions = relance.node.findAll().filter((c): c is RelanceFunction => c instanceof RelanceFunction);
  const stateMachines = relance.node.findAll().filter((c): c is StateMachine => c instanceof StateMachine);

  for (const fn of relance.node.findAll().filter((c) => c instanceof LambdaFunction)) {
    acknowledge(
      fn,
      'AwsSolutions-L1',
      'Functions target nodejs22.x on purpose: it is the runtime the project tests against locally and pins in its engines.',
    );
  }

  // "*" resources: X-Ray's PutTraceSegments/PutTelemetryRecords (every traced function,
  // every traced state machine), CloudWatch Logs delivery of state machine logs, and SMS to a phone
  // number, which SNS authorizes on "*" only. No action is wildcarded.
  for (const fn of functions) {
    acknowledge(
      roleOf(fn),
      'AwsSolutions-IAM5[Resource::*]',
      'X-Ray PutTraceSegments/PutTelemetryRecords only accept "*", and SNS SMS publishing to a phone number has no resource ARN; no action is wildcarded.',
    );
  }
  for (const machine of stateMachines) {
    acknowledge(
      machine,
      'AwsSolutions-IAM5[Resource::*]',
      'X-Ray tracing and CloudWatch Logs log delivery of a state machine only accept "*"; no action is wildcarded.',
    );
  }

  const { engine, passes, feedback, names } = relance;
  const logicalIdOf = (fn: RelanceFunction) => stack.getLogicalId(fn.node.defaultChild as never);
  for (const machine of engine.stateMachines.values()) {
    acknowledge(
      machine,
      `AwsSolutions-IAM5[Resource::<${logicalIdOf(engine.stepFunction)}.Arn>:*]`,
      'Invoking the journey-step function by any version or alias is what the CDK grant produces; the function itself is fixed.',
    );
  }
  acknowledge(
    passes.stateMachine,
    `AwsSolutions-IAM5[Resource::<${logicalIdOf(passes.fn)}.Arn>:*]`,
    'Invoking the pass function by any version or alias is what the CDK grant produces; the function itself is fixed.',
  );

  // Schedules are created per run with generated names, each inside its journey's own group. The
  // journey-step function creates them; the event router deletes them; the run sweeper looks them up.
  for (const journeyId of engine.stateMachines.keys()) {
    for (const fn of [engine.stepFunction, engine.routerFunction, relance.sweeper.fn]) {
      acknowledge(
        roleOf(fn),
        `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:scheduler:<AWS::Region>:<AWS::AccountId>:schedule/${names.name(journeyId)}/*]`,
        "Schedules are created per run with generated names, inside this journey's own schedule group only.",
      );
    }
  }
  acknowledge(
    roleOf(passes.fn),
    `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:scheduler:<AWS::Region>:<AWS::AccountId>:schedule/${names.name('audience-passes')}/*]`,
    "An audience pass schedules each worker's next slot with a generated name, inside the passes' own schedule group only.",
  );

  // The ledger has a GSI: a table grant covers "<table>/index/*" for the functions granted the ledger.
  const digest = relance.digest ? [relance.digest.fn] : [];
  for (const fn of [engine.stepFunction, feedback.feedbackFunction, relance.preferences.fn, ...digest]) {
    acknowledge(
      roleOf(fn),
      `AwsSolutions-IAM5[Resource::${indexesOf(stack, relance.tables.ledger)}]`,
      'A grant on the ledger table covers its byContactKeys index ("<table>/index/*"), which the CDK adds to every ledger grant.',
    );
  }

  acknowledge(
    relance.http.api,
    'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
    'API Gateway access logging needs the account-level CloudWatch role; this AWS-managed policy is the documented one for it.',
  );
  acknowledge(
    relance.ingest.rejectedEvents,
    'AwsSolutions-SQS3',
    'This queue is itself the terminal store of rejected events, read by operators; it has no consumer to fail.',
  );
  acknowledge(
    relance.ingest.deadLetters,
    'AwsSolutions-SQS3',
    'This queue is the dead-letter queue of the ingest rule and function.',
  );
  acknowledge(
    relance.scheduleDeadLetters,
    'AwsSolutions-SQS3',
    'This queue is the dead-letter queue of every schedule (resumes, audience passes, the sweeper, the unassigned-leads pass).',
  );
  acknowledge(
    relance.http.api,
    'AwsSolutions-APIG4',
    'Producers are servers authenticated by API key with a usage plan; the public lead form is anonymous by nature and protected by origin checks, honeypot and throttling.',
  );
  acknowledge(
    relance.http.api,
    'AwsSolutions-COG4',
    'No end users sign in to this API: see AwsSolutions-APIG4.',
  );
  acknowledge(
    relance.preferences.secret,
    'AwsSolutions-SMG4',
    'The link signing key is not rotated automatically: a new key would break every unsubscribe link already delivered; rotate it by hand.',
  );
  acknowledge(
    relance.http.api,
    'AwsSolutions-APIG3',
    'WAF is optional: throttling and usage plans cover abuse; attach a web ACL in accounts that mandate one.',
  );
  for (const machine of [...engine.stateMachines.values(), passes.stateMachine]) {
    acknowledge(
      machine,
      'AwsSolutions-SF1',
      'Express journeys and the pass machine log ERROR only: logging ALL would add a CloudWatch Logs write to every run segment, which is most of the cost per run; failures are kept, and a pass records its progress on its record.',
    );
  }
  // The journey-state table has a GSI: a table grant covers "<table>/index/*" for the functions granted it.
  for (const fn of [engine.stepFunction, engine.routerFunction, passes.fn, relance.sweeper.fn, ...digest]) {
    acknowledge(
      roleOf(fn),
      `AwsSolutions-IAM5[Resource::${indexesOf(stack, relance.tables.journeyState)}]`,
      'A grant on the journey-state table covers its byWake index ("<table>/index/*"), which lists waiting runs by wake-up time for the run sweeper; the CDK adds it to every grant of the table.',
    );
  }
  if (relance.digest)
    Validations.of(relance.digest).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${stack.getLogicalId(relance.digest.fn.node.defaultChild as never)}.Arn>:*]`,
      reason:
        'Invoking the digest function by any version or alias is what the CDK grant produces; the function itself is fixed.',
    });
  Validations.of(relance.sweeper).acknowledge({
    id: `AwsSolutions-IAM5[Resource::<${stack.getLogicalId(relance.sweeper.fn.node.defaultChild as never)}.Arn>:*]`,
    reason:
      'Invoking the sweeper function by any version or alias is what the CDK grant produces; the function itself is fixed.',
  });
}

/**
 * How cdk-nag names a table's indexes (`<table ARN>/index/*`) in a finding: a same-stack table by
 * its logical id (`<Id.Arn>`), another stack's by the export the reference becomes (created here,
 * as the reference would create it), an imported one by its ARN with pseudo parameters as `<AWS::...>`.
 */
function indexesOf(stack: Stack, table: ITableV2): string {
  const producer = Stack.of(table);
  const arn = producer === stack ? table.tableArn : producer.exportValue(table.tableArn);
  return `${nagText(stack.resolve(arn))}/index/*`;
}

/** A resolved CloudFormation value as cdk-nag writes it in a finding's subject. */
function nagText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value !== 'object' || value === null) return String(value);
  const intrinsic = value as Record<string, unknown>;
  const getAtt = intrinsic['Fn::GetAtt'];
  if (Array.isArray(getAtt)) return `<${getAtt.join('.')}>`;
  if (typeof intrinsic.Ref === 'string') return `<${intrinsic.Ref}>`;
  if (intrinsic['Fn::ImportValue'] !== undefined) return nagText(intrinsic['Fn::ImportValue']);
  const join = intrinsic['Fn::Join'];
  if (Array.isArray(join) && Array.isArray(join[1])) return join[1].map(nagText).join(String(join[0]));
  return JSON.stringify(value);
}
