import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, type CfnFunction, LoggingFormat, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';

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
}

/**
 * A Lambda with the house defaults: Node.js 22 on arm64, bundled and minified by the local esbuild,
 * source maps, JSON logs kept for a month, X-Ray tracing. `useTable` grants access and sets the
 * table's variable together so permissions and configuration cannot drift apart.
 */
export class RelanceFunction extends NodejsFunction {
  constructor(scope: Construct, id: string, props: RelanceFunctionProps) {
    const logGroup = new LogGroup(scope, `${id}Logs`, {
      retention: RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
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
      entry: props.entry,
      handler: 'handler',
      description: props.description,
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 256,
      timeout: props.timeout ?? Duration.seconds(30),
      tracing: Tracing.ACTIVE,
      logGroup,
      loggingFormat: LoggingFormat.JSON,
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_SERVICE_NAME: 'relance',
        POWERTOOLS_LOG_LEVEL: 'INFO',
        ...props.environment,
      },
      bundling: {
        minify: true,
        sourceMap: true,
        format: OutputFormat.ESM,
        target: 'node22',
        mainFields: ['module', 'main'],
        // ESM bundles of CommonJS dependencies still call require().
        banner:
          "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
        externalModules: ['@aws-sdk/*'],
      },
    });
    (this.node.defaultChild as CfnFunction).addMetadata(LOCAL_ENTRY_METADATA, props.entry);
  }

  /** Grants this function access to a table and tells it the table's name in `variable`. */
  useTable(table: ITable, variable: string, access: 'read' | 'readWrite'): this {
    if (access === 'read') table.grantReadData(this);
    else table.grantReadWriteData(this);
    this.addEnvironment(variable, table.tableName);
    return this;
  }

  /** Allows sending e-mail from the sender's domain identity through the configuration set only. */
  allowSendingEmail(senderDomain: string, configurationSetName: string): this {
    const stack = Stack.of(this);
    this.addToRolePolicy(
      new PolicyStatement({
        actions: ['ses:SendEmail'],
        resources: [
          stack.formatArn({ service: 'ses', resource: 'identity', resourceName: senderDomain }),
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
