import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import {
  Architecture,
  type CfnFunction,
  type DestinationConfig,
  type IDestination,
  type IFunction,
  Function as LambdaFunction,
  LoggingFormat,
  Runtime,
  SystemLogLevel,
  Tracing,
} from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { Construct, IConstruct } from 'constructs';
import { METRICS_NAMESPACE, STAGE_ENV } from '#platform/metric-names.ts';
import { DEFAULT_LOGGING, type RelanceConfig } from '../config.ts';
import { StageNames, settingOf } from '../stage.ts';
import { functionCode, HANDLER } from './function-bundle.ts';

/** The DynamoDB actions relance's repositories call (lib-dynamodb commands and DescribeTable). */
export type TableAction =
  | 'GetItem'
  | 'PutItem'
  | 'UpdateItem'
  | 'DeleteItem'
  | 'Query'
  | 'Scan'
  | 'BatchGetItem'
  | 'DescribeTable';

/** How the functions built inside a deployment log (its `config.logging`), by the construct placing it. */
const loggingByDeployment = new WeakMap<IConstruct, RelanceConfig['logging']>();

/** Gives the functions built inside `scope` from now on its log settings (the Relance construct's config). */
export function setFunctionLogging(scope: IConstruct, logging: RelanceConfig['logging']): void {
  loggingByDeployment.set(scope, logging);
}

/** The log settings of the deployment `scope` is part of: INFO, no sampling, outside one. */
function functionLoggingOf(scope: IConstruct): RelanceConfig['logging'] {
  return settingOf(loggingByDeployment, scope) ?? DEFAULT_LOGGING;
}

/** Where the local runtime finds a function's source: the template carries it as metadata. */
export const LOCAL_ENTRY_METADATA = 'relance:entry';

export interface RelanceFunctionProps {
  /** Source file of the handler, relative to the repository root (`functions/ingest/bus-handler.ts`). */
  readonly entry: string;
  readonly description: string;
  /** @default 256 */
  readonly memorySize?: number;
  /** @default 30 seconds */
  readonly timeout?: Duration;
  readonly environment?: Record<string, string>;
  /**
   * Active: Lambda samples the invocations that arrive without a trace header (1 a second and 5% of
   * the rest) and each sampled one begins a trace, which X-Ray bills. PassThrough: the function
   * joins a trace begun upstream and begins none.
   * @default Tracing.ACTIVE
   */
  readonly tracing?: Tracing.ACTIVE | Tracing.PASS_THROUGH;
}

/**
 * A Lambda with the house defaults: Node.js 22 on arm64, bundled and minified by the local esbuild
 * with code splitting (./function-bundle.ts), source maps, JSON logs kept for a month, X-Ray
 * tracing. `useTable` grants access and sets the table's variable together so permissions and
 * configuration cannot drift apart.
 */
export class RelanceFunction extends LambdaFunction {
  constructor(scope: Construct, id: string, props: RelanceFunctionProps) {
    const logGroup = new LogGroup(scope, `${id}Logs`, {
      retention: RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const logging = functionLoggingOf(scope);
    // An own role instead of AWSLambdaBasicExecutionRole: logs to its own log group only.
    const role = new Role(scope, `${id}Role`, {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: props.description.slice(0, 1000),
    });
    role.addToPolicy(
      new PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [logGroup.logGroupArn],
      }),
    );
    super(scope, id, {
      role,
      code: functionCode(scope, props.entry),
      handler: HANDLER,
      description: props.description,
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 256,
      timeout: props.timeout ?? Duration.seconds(30),
      tracing: props.tracing ?? Tracing.ACTIVE,
      logGroup,
      loggingFormat: LoggingFormat.JSON,
      // Lambda's own start and report records (about 600 B an invocation, two thirds of what a
      // journey step logs) are left out: duration, errors, throttles and concurrency are CloudWatch
      // metrics already. Set INFO on a function to see them again while investigating it.
      systemLogLevelV2: SystemLogLevel.WARN,
      environment: {
        POWERTOOLS_SERVICE_NAME: 'relance',
        POWERTOOLS_LOG_LEVEL: logging.level,
        // Powertools draws it at each invocation (its middy middleware): that share logs at DEBUG.
        ...(logging.debugSampleRate > 0
          ? { POWERTOOLS_LOGGER_SAMPLE_RATE: String(logging.debugSampleRate) }
          : {}),
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        [STAGE_ENV]: StageNames.of(scope).dimension,
        ...props.environment,
      },
    });
    (this.node.defaultChild as CfnFunction).addMetadata(LOCAL_ENTRY_METADATA, props.entry);
  }

  /**
   * Grants this function the DynamoDB `actions` its code calls on a table (the table and its
   * indexes) and tells it the table's name in `variable`. The actions are listed, never a CDK
   * read/write bundle: test/lib/least-privilege.test.ts holds each role to the commands its bundle
   * can reach.
   */
  useTable(table: ITable, variable: string, actions: readonly TableAction[]): this {
    table.grant(this, ...actions.map((action) => `dynamodb:${action}`));
    this.addEnvironment(variable, table.tableName);
    return this;
  }

  /** Allows reading a secret's value (GetSecretValue only) and tells the function its ARN in `variable`. */
  allowReadingSecret(secret: ISecret, variable?: string): this {
    this.addToRolePolicy(
      new PolicyStatement({
        actions: ['secretsmanager:GetSecretValue'],
        // A secret known by name only has a partial ARN: its random suffix is matched.
        resources: [secret.secretFullArn ?? `${secret.secretArn}-??????`],
      }),
    );
    secret.encryptionKey?.grantDecrypt(this);
    if (variable) this.addEnvironment(variable, secret.secretArn);
    return this;
  }

  /** Allows sending messages to a queue (SendMessage only). */
  allowSendingTo(queue: IQueue): this {
    queue.grant(this, 'sqs:SendMessage');
    queue.encryptionMasterKey?.grant(this, 'kms:GenerateDataKey', 'kms:Decrypt');
    return this;
  }

  /** Allows sending e-mail from the sender identity (its ARN) through the configuration set only. */
  allowSendingEmail(identityArn: string, configurationSetName: string): this {
    const stack = Stack.of(this);
    this.addToRolePolicy(
      new PolicyStatement({
        actions: ['ses:SendEmail'],
        resources: [
          identityArn,
          stack.formatArn({
            service: 'ses',
            resource: 'configuration-set',
            resourceName: configurationSetName,
          }),
        ],
      }),
    );
    return this;
  }

  /** Allows sending SMS. SMS to a phone number has no resource ARN: SNS authorizes it on "*" only. */
  allowSendingSms(): this {
    this.addToRolePolicy(new PolicyStatement({ actions: ['sns:Publish'], resources: ['*'] }));
    return this;
  }

  /** The account and region this function runs in, for ARNs it builds. */
  get stackEnv(): { account: string; region: string } {
    const stack = Stack.of(this);
    return { account: stack.account, region: stack.region };
  }
}

/**
 * An SQS destination for asynchronous invocation results that grants the function `SendMessage`
 * only: the CDK's `SqsDestination` also grants GetQueueAttributes and GetQueueUrl, which Lambda
 * does not use to deliver a record.
 */
export class SendOnlyQueueDestination implements IDestination {
  constructor(private readonly queue: IQueue) {}

  bind(_scope: Construct, fn: IFunction): DestinationConfig {
    this.queue.grant(fn, 'sqs:SendMessage');
    this.queue.encryptionMasterKey?.grant(fn, 'kms:GenerateDataKey', 'kms:Decrypt');
    return { destination: this.queue.queueArn };
  }
}
