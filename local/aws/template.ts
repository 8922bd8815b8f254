/**
 * Reads the synthesized cloud assembly (cdk.out) into the model the local runtime runs: tables,
 * buses and rules, functions, state machines, queues, schedule groups and API routes, and the IAM
 * roles with their policies, the Lambda permissions, the API's throttling and CORS preflights.
 * Intrinsic functions are resolved to local physical names and ARNs, so what runs locally is what
 * deploys.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PolicyDocument, PolicyStatement } from './iam.ts';

/**
 * The template metadata key naming a function's source file (the CDK construct writes it), so the
 * Lambda host can run the handler from source instead of a bundle.
 */
export const LOCAL_ENTRY_METADATA = 'relance:entry';

export const LOCAL_REGION = 'us-east-1';
export const LOCAL_ACCOUNT = '000000000000';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

interface CfnResource {
  readonly Type: string;
  readonly Properties?: JsonObject;
  readonly Metadata?: JsonObject;
}

interface CfnTemplate {
  readonly Resources: Record<string, CfnResource>;
  readonly Outputs?: Record<string, { Value: Json; Export?: { Name: Json } }>;
}

export interface LocalTable {
  readonly logicalId: string;
  readonly name: string;
  readonly keySchema: Array<{ AttributeName: string; KeyType: string }>;
  readonly attributeDefinitions: Array<{ AttributeName: string; AttributeType: string }>;
  readonly globalSecondaryIndexes: Array<{
    IndexName: string;
    KeySchema: Array<{ AttributeName: string; KeyType: string }>;
    Projection: JsonObject;
  }>;
  readonly ttlAttribute?: string;
}

export interface LocalRuleTarget {
  readonly id: string;
  readonly arn: string;
  readonly input?: string;
  readonly inputPath?: string;
  readonly deadLetterArn?: string;
  /** RetryPolicy.MaximumRetryAttempts (EventBridge's default 185). */
  readonly maxRetries: number;
  /** RetryPolicy.MaximumEventAgeInSeconds (EventBridge's default 86400). */
  readonly maxEventAgeSeconds?: number;
  /** The role EventBridge assumes to reach the target (Step Functions, API destinations). */
  readonly roleArn?: string;
}

export interface LocalRule {
  readonly logicalId: string;
  /** The rule's ARN as the template resolves it (Lambda permissions name it as their source). */
  readonly arn?: string;
  readonly name: string;
  readonly busName: string;
  readonly description?: string;
  readonly pattern: JsonObject;
  readonly enabled: boolean;
  readonly targets: LocalRuleTarget[];
}

export interface LocalFunction {
  readonly logicalId: string;
  readonly name: string;
  readonly arn: string;
  /** Source file of the handler, relative to the project root. */
  readonly entry: string;
  readonly environment: Record<string, string>;
  readonly timeoutSeconds: number;
  readonly memorySize: number;
  /** LoggingConfig.SystemLogLevel: which of Lambda's own records (start, report) it logs; INFO unless set. */
  readonly systemLogLevel: 'DEBUG' | 'INFO' | 'WARN';
  /** TracingConfig.Mode: Active, Lambda gives every invocation an X-Ray trace header; PassThrough unless set. */
  readonly tracing: 'Active' | 'PassThrough';
  /** The template's ReservedConcurrentExecutions: at most this many invocations at once. */
  readonly reservedConcurrency?: number;
  readonly asyncRetries: number;
  readonly onFailureArn?: string;
  /** The execution role: every AWS call the handler makes is checked against its policies. */
  readonly roleArn?: string;
  /** The function's resource-based policy (its AWS::Lambda::Permission resources). */
  readonly resourcePolicy?: PolicyStatement[];
}

/** An IAM role with every policy attached to it in the template. */
export interface LocalRole {
  readonly logicalId: string;
  readonly name: string;
  readonly arn: string;
  readonly trust?: PolicyDocument;
  readonly policies: PolicyDocument[];
  /** Managed policies this reader does not know the content of (they grant nothing locally). */
  readonly unknownManagedPolicies: string[];
}

export interface LocalStateMachine {
  readonly logicalId: string;
  readonly name: string;
  readonly arn: string;
  readonly type: 'STANDARD' | 'EXPRESS';
  readonly definition: JsonObject;
  /** The role the state machine calls its tasks with. */
  readonly roleArn?: string;
}

export interface LocalQueue {
  readonly logicalId: string;
  readonly name: string;
  readonly arn: string;
  /** The queue policy (AWS::SQS::QueuePolicy): what services may send to it. */
  readonly resourcePolicy?: PolicyStatement[];
}

/** A schedule declared in the template (cron, rate or at), created in the scheduler at start. */
export interface LocalSchedule {
  readonly name: string;
  readonly groupName: string;
  readonly expression: string;
  readonly timezone?: string;
  readonly state: string;
  readonly target: {
    arn: string;
    roleArn: string;
    input?: string;
    retryPolicy?: { MaximumRetryAttempts?: number; MaximumEventAgeInSeconds?: number };
    deadLetterArn?: string;
  };
}

export interface LocalRoute {
  readonly method: string;
  readonly path: string;
  readonly functionArn: string;
  readonly apiKeyRequired: boolean;
  /** The REST API's id, as execute-api ARNs (and Lambda permissions) name it. */
  readonly restApiId?: string;
  /** An integration role (`Credentials`): API Gateway then invokes with it, not the function's permissions. */
  readonly credentialsRoleArn?: string;
}

/** An OPTIONS method with a MOCK integration: the CORS preflight answer API Gateway gives. */
export interface LocalPreflight {
  readonly path: string;
  readonly status: number;
  readonly headers: Record<string, string>;
  /**
   * Origins the response template echoes back in Access-Control-Allow-Origin (the template CDK
   * writes for several allowed origins: `#if($origin == "..." || ...)`).
   */
  readonly echoedOrigins: string[];
}

/**
 * A throttle of the API: a stage's method setting (`HttpMethod` / `ResourcePath`, `*` and `/*`
 * for every method), or a usage plan's, per API key.
 */
export interface LocalThrottle {
  readonly scope: 'method' | 'api-key';
  readonly httpMethod: string;
  readonly resourcePath: string;
  readonly rateLimit: number;
  readonly burstLimit: number;
}

export interface LocalSecret {
  readonly logicalId: string;
  readonly name: string;
  readonly arn: string;
}

/** An EventBridge API destination with its connection's API key header (the value a secret reference). */
export interface LocalApiDestination {
  readonly logicalId: string;
  readonly arn: string;
  readonly endpoint: string;
  readonly httpMethod: string;
  readonly apiKey?: { readonly header: string; readonly secretName: string };
}

export interface LocalApp {
  readonly tables: LocalTable[];
  readonly apiDestinations: LocalApiDestination[];
  readonly buses: Array<{ logicalId: string; name: string; arn: string }>;
  readonly rules: LocalRule[];
  readonly functions: LocalFunction[];
  readonly stateMachines: LocalStateMachine[];
  readonly queues: LocalQueue[];
  readonly scheduleGroups: string[];
  readonly schedules: LocalSchedule[];
  readonly routes: LocalRoute[];
  readonly secrets: LocalSecret[];
  readonly roles: LocalRole[];
  readonly preflights: LocalPreflight[];
  readonly throttles: LocalThrottle[];
  readonly topics: Array<{ logicalId: string; name: string; arn: string }>;
  /** Lambda subscriptions of SNS topics. */
  readonly subscriptions: Array<{ topicArn: string; functionArn: string }>;
  /** End User Messaging v2 resources: numbers, opt-out lists, configuration sets and their SNS destinations. */
  readonly phone: LocalPhoneResources;
  /** SES configuration sets' EventBridge destinations (enabled ones): which events SES publishes. */
  readonly sesEventDestinations: LocalSesEventDestination[];
  stage: string;
}

export interface LocalPhoneResources {
  readonly numbers: Array<{ id: string; arn: string; optOutListName?: string; twoWayTopicArn?: string }>;
  readonly optOutLists: string[];
  readonly configurationSets: Array<{ name: string; snsTopicArns: string[] }>;
}

/** An SES configuration set's enabled EventBridge destination (SES publishes only to the default bus). */
export interface LocalSesEventDestination {
  readonly configurationSet: string;
  /** SES's names for the event types it publishes there: `SEND`, `DELIVERY`, `BOUNCE`... */
  readonly eventTypes: readonly string[];
}

const arn = (service: string, resource: string) =>
  `arn:aws:${service}:${LOCAL_REGION}:${LOCAL_ACCOUNT}:${resource}`;

/** The stack templates of a cloud assembly, dependencies first. */
export function readAssembly(cdkOut: string): Array<{ stackName: string; template: CfnTemplate }> {
  const manifest = JSON.parse(readFileSync(join(cdkOut, 'manifest.json'), 'utf8')) as {
    artifacts: Record<
      string,
      { type: string; properties?: { templateFile?: string }; dependencies?: string[] }
    >;
  };
  const stacks = Object.entries(manifest.artifacts).filter(([, a]) => a.type === 'aws:cloudformation:stack');
  const ordered: typeof stacks = [];
  const visit = (name: string) => {
    if (ordered.some(([n]) => n === name)) return;
    const entry = stacks.find(([n]) => n === name);
    if (!entry) return;
    for (const dependency of entry[1].dependencies ?? []) visit(dependency);
    ordered.push(entry);
  };
  for (const [name] of stacks) visit(name);
  return ordered.map(([stackName, artifact]) => ({
    stackName,
    template: JSON.parse(
      readFileSync(join(cdkOut, artifact.properties?.templateFile ?? `${stackName}.template.json`), 'utf8'),
    ),
  }));
}

/** Resolves CloudFormation intrinsics against local names. */
class Resolver {
  constructor(
    private readonly stackName: string,
    private readonly resources: Record<string, CfnResource>,
    private readonly exports: Map<string, Json>,
    private readonly queueUrl: (name: string) => string,
  ) {}

  physicalName(logicalId: string): string {
    const resource = this.resources[logicalId];
    const props = resource?.Properties ?? {};
    const named = (key: string) => (typeof props[key] === 'string' ? (props[key] as string) : undefined);
    switch (resource?.Type) {
      case 'AWS::DynamoDB::GlobalTable':
      case 'AWS::DynamoDB::Table':
        return named('TableName') ?? logicalId;
      case 'AWS::Lambda::Function':
        return named('FunctionName') ?? logicalId;
      case 'AWS::StepFunctions::StateMachine':
        return this.text(props.StateMachineName) ?? logicalId;
      case 'AWS::SQS::Queue':
        return named('QueueName') ?? logicalId;
      case 'AWS::SecretsManager::Secret':
        return named('Name') ?? logicalId;
      case 'AWS::Events::EventBus':
      case 'AWS::Scheduler::ScheduleGroup':
        return this.text(props.Name) ?? logicalId;
      case 'AWS::Events::Rule':
        // CloudFormation names a rule after its stack and logical id when the template does not.
        return this.text(props.Name) ?? `${this.stackName}-${logicalId}`;
      case 'AWS::IAM::Role':
        return named('RoleName') ?? logicalId;
      case 'AWS::IAM::ManagedPolicy':
        return named('ManagedPolicyName') ?? logicalId;
      case 'AWS::SNS::Topic':
        return named('TopicName') ?? logicalId;
      case 'AWS::ApiGateway::Stage':
        return named('StageName') ?? logicalId;
      case 'AWS::SMSVOICE::ConfigurationSet':
        return named('ConfigurationSetName') ?? logicalId;
      case 'AWS::SES::ConfigurationSet':
        return named('Name') ?? logicalId;
      case 'AWS::SMSVOICE::OptOutList':
        return named('OptOutListName') ?? logicalId;
      case 'AWS::SMSVOICE::PhoneNumber':
        // End User Messaging names a number `phone-<32 hex>`; the local one is stable across restarts.
        return `phone-${createHash('sha256').update(`${this.stackName}/${logicalId}`).digest('hex').slice(0, 32)}`;
      default:
        return logicalId;
    }
  }

  private text(value: Json | undefined): string | undefined {
    if (value === undefined) return undefined;
    const resolved = this.resolve(value);
    return typeof resolved === 'string' ? resolved : undefined;
  }

  ref(logicalId: string): string {
    const pseudo: Record<string, string> = {
      'AWS::Region': LOCAL_REGION,
      'AWS::AccountId': LOCAL_ACCOUNT,
      'AWS::Partition': 'aws',
      'AWS::URLSuffix': 'amazonaws.com',
      'AWS::StackName': this.stackName,
      'AWS::NoValue': '',
    };
    if (pseudo[logicalId] !== undefined) return pseudo[logicalId];
    const resource = this.resources[logicalId];
    const name = this.physicalName(logicalId);
    switch (resource?.Type) {
      case 'AWS::StepFunctions::StateMachine':
        return arn('states', `stateMachine:${name}`);
      case 'AWS::SQS::Queue':
        return this.queueUrl(name);
      case 'AWS::SecretsManager::Secret':
        // Ref is the ARN; a fixed 6-character suffix keeps it the same across restarts.
        return arn('secretsmanager', `secret:${name}-LOCAL0`);
      case 'AWS::SNS::Topic':
        return arn('sns', name);
      case 'AWS::IAM::ManagedPolicy':
        return `arn:aws:iam::${LOCAL_ACCOUNT}:policy/${name}`;
      default:
        return name;
    }
  }

  getAtt(logicalId: string, attribute: string): string {
    const resource = this.resources[logicalId];
    const name = this.physicalName(logicalId);
    const type = resource?.Type ?? '';
    if (attribute === 'Arn') {
      const byType: Record<string, string> = {
        'AWS::DynamoDB::GlobalTable': arn('dynamodb', `table/${name}`),
        'AWS::DynamoDB::Table': arn('dynamodb', `table/${name}`),
        'AWS::Lambda::Function': arn('lambda', `function:${name}`),
        'AWS::SQS::Queue': arn('sqs', name),
        'AWS::Events::EventBus': arn('events', `event-bus/${name}`),
        'AWS::Events::Rule': arn('events', `rule/${this.ruleBusPrefix(logicalId)}${name}`),
        'AWS::StepFunctions::StateMachine': arn('states', `stateMachine:${name}`),
        'AWS::IAM::Role': `arn:aws:iam::${LOCAL_ACCOUNT}:role/${name}`,
        'AWS::Logs::LogGroup': arn('logs', `log-group:${name}:*`),
        'AWS::Scheduler::ScheduleGroup': arn('scheduler', `schedule-group/${name}`),
        'AWS::SNS::Topic': arn('sns', name),
        'AWS::Events::ApiDestination': arn('events', `api-destination/${name}/local`),
        'AWS::Events::Connection': arn('events', `connection/${name}/local`),
        'AWS::SMSVOICE::PhoneNumber': arn('sms-voice', `phone-number/${name}`),
        'AWS::SMSVOICE::ConfigurationSet': arn('sms-voice', `configuration-set/${name}`),
        'AWS::SMSVOICE::OptOutList': arn('sms-voice', `opt-out-list/${name}`),
      };
      return byType[type] ?? arn('local', `${type}/${name}`);
    }
    if (attribute === 'QueueUrl') return this.queueUrl(name);
    if (attribute === 'QueueName' || attribute === 'Name') return name;
    if (attribute === 'RootResourceId') return `${logicalId}/`;
    return `${logicalId}.${attribute}`;
  }

  /** A rule on a custom bus has `rule/<bus>/<name>` in its ARN; on the default bus `rule/<name>`. */
  private ruleBusPrefix(logicalId: string): string {
    const bus = this.text(this.resources[logicalId]?.Properties?.EventBusName);
    const name = bus?.startsWith('arn:') ? bus.split('/').at(-1) : bus;
    return name && name !== 'default' ? `${name}/` : '';
  }

  resolve(value: Json): Json {
    if (Array.isArray(value)) return value.map((v) => this.resolve(v));
    if (value === null || typeof value !== 'object') return value;
    const keys = Object.keys(value);
    if (keys.length === 1) {
      const [key] = keys as [string];
      const arg = value[key] as Json;
      switch (key) {
        case 'Ref':
          return this.ref(String(arg));
        case 'Fn::GetAtt': {
          const [id, attribute] = Array.isArray(arg) ? arg.map(String) : String(arg).split('.');
          return this.getAtt(id ?? '', attribute ?? '');
        }
        case 'Fn::Join': {
          const [separator, parts] = arg as [string, Json[]];
          return (this.resolve(parts) as Json[]).map(String).join(separator);
        }
        case 'Fn::Select': {
          const [index, list] = arg as [number, Json];
          return (this.resolve(list) as Json[])[Number(index)] ?? null;
        }
        case 'Fn::Split': {
          const [separator, source] = arg as [string, Json];
          return String(this.resolve(source)).split(separator);
        }
        case 'Fn::ImportValue': {
          const name = String(this.resolve(arg));
          const exported = this.exports.get(name);
          if (exported === undefined) throw new Error(`Fn::ImportValue: no export named ${name}`);
          return exported;
        }
        case 'Fn::Sub': {
          const [text, vars] = Array.isArray(arg) ? (arg as [string, JsonObject]) : [String(arg), {}];
          return text.replace(/\$\{([^}]+)\}/g, (_, name: string) => {
            if (vars[name] !== undefined) return String(this.resolve(vars[name] as Json));
            const [id, attribute] = name.split('.');
            return attribute ? this.getAtt(id ?? '', attribute) : this.ref(name);
          });
        }
        default:
          break;
      }
    }
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.resolve(v)]));
  }
}

function substituteDefinition(definition: string, substitutions: JsonObject): JsonObject {
  const text = definition.replace(/\$\{([A-Za-z0-9_]+)\}/g, (match, name: string) =>
    substitutions[name] === undefined ? match : String(substitutions[name]),
  );
  return JSON.parse(text) as JsonObject;
}

/**
 * AWS managed policies the local runtime knows the content of. Any other managed policy is kept
 * in `unknownManagedPolicies` and grants nothing locally (it would have to be written out here).
 */
const AWS_MANAGED_POLICIES: Record<string, PolicyDocument> = {
  'arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole': {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Action: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: '*',
      },
    ],
  },
  'arn:aws:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs': {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Action: [
          'logs:CreateLogGroup',
          'logs:CreateLogStream',
          'logs:DescribeLogGroups',
          'logs:DescribeLogStreams',
          'logs:PutLogEvents',
          'logs:GetLogEvents',
          'logs:FilterLogEvents',
        ],
        Resource: '*',
      },
    ],
  },
  'arn:aws:iam::aws:policy/AWSXRayDaemonWriteAccess': {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Action: [
          'xray:PutTraceSegments',
          'xray:PutTelemetryRecords',
          'xray:GetSamplingRules',
          'xray:GetSamplingTargets',
          'xray:GetSamplingStatisticSummaries',
        ],
        Resource: '*',
      },
    ],
  },
};

/** A method setting's resource path (`/~1leads`: "~1" stands for "/") as a route path (`/leads`). */
function methodSettingPath(raw: string): string {
  return raw === '/*' ? '/*' : raw.slice(1).replaceAll('~1', '/') || '/';
}

/** A Lambda permission as the statement Lambda adds to the function's resource-based policy. */
function permissionStatement(props: JsonObject, functionArn: string): PolicyStatement {
  const principal = String(props.Principal ?? '');
  const condition: Record<string, Record<string, string>> = {};
  if (typeof props.SourceArn === 'string') condition.ArnLike = { 'AWS:SourceArn': props.SourceArn };
  if (typeof props.SourceAccount === 'string')
    condition.StringEquals = { 'AWS:SourceAccount': props.SourceAccount };
  return {
    Effect: 'Allow',
    Principal: principal.endsWith('.amazonaws.com') ? { Service: principal } : { AWS: principal },
    Action: String(props.Action ?? 'lambda:InvokeFunction'),
    Resource: functionArn,
    ...(Object.keys(condition).length > 0 ? { Condition: condition } : {}),
  };
}

/**
 * The origins a CDK preflight response template echoes back: it compares the request's Origin
 * with each (`$origin == "https://a" || $origin == "https://b"`) and sets Allow-Origin to it.
 */
function echoedOrigins(templates: JsonObject | undefined): string[] {
  const text = Object.values(templates ?? {})
    .map(String)
    .join('\n');
  if (!text.includes('responseOverride.header.Access-Control-Allow-Origin')) return [];
  return [...text.matchAll(/\$origin == "([^"]+)"/g)].map((m) => m[1] ?? '');
}

/** The local model of every stack in a cloud assembly; queue URLs point at the edge endpoint. */
export function loadLocalApp(cdkOut: string, endpoint: string): LocalApp {
  const queueUrl = (name: string) => `${endpoint}/${LOCAL_ACCOUNT}/${name}`;
  const app: LocalApp = {
    tables: [],
    buses: [],
    rules: [],
    functions: [],
    stateMachines: [],
    queues: [],
    scheduleGroups: [],
    schedules: [],
    routes: [],
    apiDestinations: [],
    secrets: [],
    roles: [],
    preflights: [],
    throttles: [],
    topics: [],
    subscriptions: [],
    phone: { numbers: [], optOutLists: [], configurationSets: [] },
    sesEventDestinations: [],
    stage: 'v1',
  };
  const policiesByRole = new Map<string, PolicyDocument[]>();
  const managedPolicies = new Map<string, PolicyDocument>();
  const permissions: Array<{ functionName: string; props: JsonObject }> = [];
  const queuePolicies: JsonObject[] = [];
  const roleProps = new Map<string, { logicalId: string; name: string; arn: string; props: JsonObject }>();
  const exports = new Map<string, Json>();
  for (const { stackName, template } of readAssembly(cdkOut)) {
    const resolver = new Resolver(stackName, template.Resources, exports, queueUrl);
    const asyncConfigs = new Map<string, { retries: number; onFailureArn?: string }>();
    const apiResources = new Map<string, { parent: string; part: string }>();

    for (const [logicalId, resource] of Object.entries(template.Resources)) {
      const props = (resolver.resolve(resource.Properties ?? {}) ?? {}) as JsonObject;
      const name = resolver.physicalName(logicalId);
      switch (resource.Type) {
        case 'AWS::DynamoDB::GlobalTable':
        case 'AWS::DynamoDB::Table':
          app.tables.push({
            logicalId,
            name,
            keySchema: props.KeySchema as LocalTable['keySchema'],
            attributeDefinitions: props.AttributeDefinitions as LocalTable['attributeDefinitions'],
            globalSecondaryIndexes: (props.GlobalSecondaryIndexes ??
              []) as LocalTable['globalSecondaryIndexes'],
            ...((props.TimeToLiveSpecification as JsonObject | undefined)?.AttributeName
              ? { ttlAttribute: String((props.TimeToLiveSpecification as JsonObject).AttributeName) }
              : {}),
          });
          break;
        case 'AWS::Events::EventBus':
          app.buses.push({ logicalId, name, arn: resolver.getAtt(logicalId, 'Arn') });
          break;
        case 'AWS::Events::Rule':
          app.rules.push({
            logicalId,
            arn: resolver.getAtt(logicalId, 'Arn'),
            name,
            busName: String(props.EventBusName ?? 'default'),
            ...(typeof props.Description === 'string' ? { description: props.Description } : {}),
            pattern: (props.EventPattern ?? {}) as JsonObject,
            enabled: props.State !== 'DISABLED',
            targets: ((props.Targets ?? []) as JsonObject[]).map((t) => ({
              id: String(t.Id),
              arn: String(t.Arn),
              ...(typeof t.Input === 'string' ? { input: t.Input } : {}),
              ...(typeof t.InputPath === 'string' ? { inputPath: t.InputPath } : {}),
              ...((t.DeadLetterConfig as JsonObject | undefined)?.Arn
                ? { deadLetterArn: String((t.DeadLetterConfig as JsonObject).Arn) }
                : {}),
              maxRetries: Number((t.RetryPolicy as JsonObject | undefined)?.MaximumRetryAttempts ?? 185),
              maxEventAgeSeconds: Number(
                (t.RetryPolicy as JsonObject | undefined)?.MaximumEventAgeInSeconds ?? 86_400,
              ),
              ...(typeof t.RoleArn === 'string' ? { roleArn: t.RoleArn } : {}),
            })),
          });
          break;
        case 'AWS::Events::ApiDestination': {
          const connectionId = /connection\/([^/]+)\//.exec(String(props.ConnectionArn))?.[1];
          const connection = connectionId ? template.Resources[connectionId] : undefined;
          const apiKey = (connection?.Properties?.AuthParameters as JsonObject | undefined)
            ?.ApiKeyAuthParameters as JsonObject | undefined;
          // The key's value is a dynamic reference to a secret: `{{resolve:secretsmanager:<name>:SecretString:::}}`.
          const secretName = /\{\{resolve:secretsmanager:([^:}]+)/.exec(
            String(apiKey?.ApiKeyValue ?? ''),
          )?.[1];
          app.apiDestinations.push({
            logicalId,
            arn: resolver.getAtt(logicalId, 'Arn'),
            endpoint: String(props.InvocationEndpoint),
            httpMethod: String(props.HttpMethod ?? 'POST'),
            ...(apiKey && secretName ? { apiKey: { header: String(apiKey.ApiKeyName), secretName } } : {}),
          });
          break;
        }
        case 'AWS::Lambda::Function': {
          const entry = resource.Metadata?.[LOCAL_ENTRY_METADATA];
          if (typeof entry !== 'string') break;
          const variables = ((props.Environment as JsonObject | undefined)?.Variables ?? {}) as Record<
            string,
            Json
          >;
          app.functions.push({
            logicalId,
            name,
            arn: resolver.getAtt(logicalId, 'Arn'),
            entry,
            environment: Object.fromEntries(Object.entries(variables).map(([k, v]) => [k, String(v)])),
            timeoutSeconds: Number(props.Timeout ?? 3),
            memorySize: Number(props.MemorySize ?? 128),
            systemLogLevel: systemLogLevelOf(props.LoggingConfig),
            tracing: tracingModeOf(props.TracingConfig),
            ...(typeof props.ReservedConcurrentExecutions === 'number'
              ? { reservedConcurrency: props.ReservedConcurrentExecutions }
              : {}),
            asyncRetries: 2,
            ...(typeof props.Role === 'string' ? { roleArn: props.Role } : {}),
            resourcePolicy: [],
          });
          break;
        }
        case 'AWS::Lambda::EventInvokeConfig': {
          const onFailure = (
            (props.DestinationConfig as JsonObject | undefined)?.OnFailure as JsonObject | undefined
          )?.Destination;
          asyncConfigs.set(String(props.FunctionName), {
            retries: Number(props.MaximumRetryAttempts ?? 2),
            ...(onFailure ? { onFailureArn: String(onFailure) } : {}),
          });
          break;
        }
        case 'AWS::StepFunctions::StateMachine':
          app.stateMachines.push({
            logicalId,
            name,
            arn: resolver.getAtt(logicalId, 'Arn'),
            type: props.StateMachineType === 'EXPRESS' ? 'EXPRESS' : 'STANDARD',
            definition: substituteDefinition(
              String(props.DefinitionString),
              (props.DefinitionSubstitutions ?? {}) as JsonObject,
            ),
            ...(typeof props.RoleArn === 'string' ? { roleArn: props.RoleArn } : {}),
          });
          break;
        case 'AWS::SQS::Queue':
          app.queues.push({ logicalId, name, arn: resolver.getAtt(logicalId, 'Arn') });
          break;
        case 'AWS::Scheduler::ScheduleGroup':
          app.scheduleGroups.push(name);
          break;
        case 'AWS::SecretsManager::Secret':
          app.secrets.push({ logicalId, name, arn: resolver.ref(logicalId) });
          break;
        case 'AWS::Scheduler::Schedule': {
          const target = (props.Target ?? {}) as JsonObject;
          app.schedules.push({
            name: typeof props.Name === 'string' ? props.Name : logicalId,
            groupName: typeof props.GroupName === 'string' ? props.GroupName : 'default',
            expression: String(props.ScheduleExpression),
            ...(typeof props.ScheduleExpressionTimezone === 'string'
              ? { timezone: props.ScheduleExpressionTimezone }
              : {}),
            state: typeof props.State === 'string' ? props.State : 'ENABLED',
            target: {
              arn: String(target.Arn),
              roleArn: String(target.RoleArn),
              ...(typeof target.Input === 'string' ? { input: target.Input } : {}),
              ...(target.RetryPolicy ? { retryPolicy: target.RetryPolicy as JsonObject } : {}),
              ...((target.DeadLetterConfig as JsonObject | undefined)?.Arn
                ? { deadLetterArn: String((target.DeadLetterConfig as JsonObject).Arn) }
                : {}),
            },
          });
          break;
        }
        case 'AWS::IAM::Role':
          roleProps.set(name, { logicalId, name, arn: resolver.getAtt(logicalId, 'Arn'), props });
          break;
        case 'AWS::IAM::Policy':
        case 'AWS::IAM::ManagedPolicy': {
          const document = props.PolicyDocument as unknown as PolicyDocument;
          if (resource.Type === 'AWS::IAM::ManagedPolicy')
            managedPolicies.set(resolver.ref(logicalId), document);
          for (const role of (props.Roles ?? []) as Json[]) {
            const roleName = String(role);
            policiesByRole.set(roleName, [...(policiesByRole.get(roleName) ?? []), document]);
          }
          break;
        }
        case 'AWS::Lambda::Permission':
          permissions.push({ functionName: String(props.FunctionName), props });
          break;
        case 'AWS::SQS::QueuePolicy':
          queuePolicies.push(props);
          break;
        case 'AWS::SNS::Topic':
          app.topics.push({ logicalId, name, arn: resolver.ref(logicalId) });
          break;
        case 'AWS::SNS::Subscription':
          if (props.Protocol === 'lambda')
            app.subscriptions.push({ topicArn: String(props.TopicArn), functionArn: String(props.Endpoint) });
          break;
        case 'AWS::SMSVOICE::PhoneNumber': {
          const twoWay = (props.TwoWay ?? {}) as JsonObject;
          app.phone.numbers.push({
            id: name,
            arn: resolver.getAtt(logicalId, 'Arn'),
            ...(typeof props.OptOutListName === 'string' ? { optOutListName: props.OptOutListName } : {}),
            ...(twoWay.Enabled === true && typeof twoWay.ChannelArn === 'string'
              ? { twoWayTopicArn: twoWay.ChannelArn }
              : {}),
          });
          break;
        }
        case 'AWS::SMSVOICE::OptOutList':
          app.phone.optOutLists.push(name);
          break;
        case 'AWS::SMSVOICE::ConfigurationSet':
          app.phone.configurationSets.push({
            name,
            snsTopicArns: ((props.EventDestinations ?? []) as JsonObject[])
              .filter((d) => d.Enabled !== false)
              .map((d) => ((d.SnsDestination ?? {}) as JsonObject).TopicArn)
              .filter((topic): topic is string => typeof topic === 'string'),
          });
          break;
        case 'AWS::SES::ConfigurationSetEventDestination': {
          const destination = (props.EventDestination ?? {}) as JsonObject;
          if (destination.Enabled !== true || destination.EventBridgeDestination === undefined) break;
          app.sesEventDestinations.push({
            configurationSet: String(props.ConfigurationSetName),
            eventTypes: ((destination.MatchingEventTypes ?? []) as Json[]).map(String),
          });
          break;
        }
        case 'AWS::ApiGateway::UsagePlan': {
          const throttle = (props.Throttle ?? {}) as JsonObject;
          if (throttle.RateLimit !== undefined || throttle.BurstLimit !== undefined)
            app.throttles.push({
              scope: 'api-key',
              httpMethod: '*',
              resourcePath: '/*',
              rateLimit: Number(throttle.RateLimit ?? Number.POSITIVE_INFINITY),
              burstLimit: Number(throttle.BurstLimit ?? Number.POSITIVE_INFINITY),
            });
          for (const stage of (props.ApiStages ?? []) as JsonObject[]) {
            for (const [key, value] of Object.entries((stage.Throttle ?? {}) as JsonObject)) {
              // Per-method throttles of a usage plan: "/resource/path/METHOD".
              const method = key.split('/').at(-1) ?? '*';
              const limits = value as JsonObject;
              app.throttles.push({
                scope: 'api-key',
                httpMethod: method,
                resourcePath: key.slice(0, key.length - method.length - 1) || '/',
                rateLimit: Number(limits.RateLimit ?? Number.POSITIVE_INFINITY),
                burstLimit: Number(limits.BurstLimit ?? Number.POSITIVE_INFINITY),
              });
            }
          }
          break;
        }
        case 'AWS::ApiGateway::Resource':
          apiResources.set(logicalId, { parent: String(props.ParentId), part: String(props.PathPart) });
          break;
        case 'AWS::ApiGateway::Stage':
          if (typeof props.StageName === 'string') app.stage = props.StageName;
          for (const setting of (props.MethodSettings ?? []) as JsonObject[]) {
            if (setting.ThrottlingRateLimit === undefined && setting.ThrottlingBurstLimit === undefined)
              continue;
            app.throttles.push({
              scope: 'method',
              httpMethod: String(setting.HttpMethod ?? '*'),
              resourcePath: methodSettingPath(String(setting.ResourcePath ?? '/*')),
              rateLimit: Number(setting.ThrottlingRateLimit ?? Number.POSITIVE_INFINITY),
              burstLimit: Number(setting.ThrottlingBurstLimit ?? Number.POSITIVE_INFINITY),
            });
          }
          break;
        default:
          break;
      }
    }
    const pathOf = (resourceId: string): string => {
      if (resourceId.endsWith('/')) return '';
      const resource = apiResources.get(resourceId);
      return resource ? `${pathOf(resource.parent)}/${resource.part}` : '';
    };
    for (const resource of Object.values(template.Resources)) {
      if (resource.Type !== 'AWS::ApiGateway::Method') continue;
      const props = resolver.resolve(resource.Properties ?? {}) as JsonObject;
      const integration = (props.Integration ?? {}) as JsonObject;
      const path = pathOf(String(props.ResourceId)) || '/';
      if (props.HttpMethod === 'OPTIONS' && integration.Type === 'MOCK') {
        const answer = ((integration.IntegrationResponses ?? []) as JsonObject[])[0] ?? {};
        const headers: Record<string, string> = {};
        for (const [key, value] of Object.entries((answer.ResponseParameters ?? {}) as JsonObject)) {
          const header = /^method\.response\.header\.(.+)$/.exec(key)?.[1];
          // A static value is quoted ('value'); anything else maps a request value and is not modelled.
          const literal = /^'(.*)'$/.exec(String(value))?.[1];
          if (header && literal !== undefined) headers[header] = literal;
        }
        app.preflights.push({
          path,
          status: Number(answer.StatusCode ?? 200),
          headers,
          echoedOrigins: echoedOrigins(answer.ResponseTemplates as JsonObject | undefined),
        });
        continue;
      }
      const uri = String(integration.Uri ?? '');
      const functionArn = /functions\/(arn:aws:lambda:[^/]+)\/invocations/.exec(uri)?.[1];
      if (!functionArn || props.HttpMethod === 'OPTIONS') continue;
      app.routes.push({
        method: String(props.HttpMethod),
        path,
        functionArn,
        apiKeyRequired: props.ApiKeyRequired === true,
        restApiId: String(props.RestApiId),
        ...(typeof integration.Credentials === 'string'
          ? { credentialsRoleArn: integration.Credentials }
          : {}),
      });
    }
    for (const [i, fn] of app.functions.entries()) {
      const config = asyncConfigs.get(fn.name);
      if (config)
        app.functions[i] = {
          ...fn,
          asyncRetries: config.retries,
          ...(config.onFailureArn ? { onFailureArn: config.onFailureArn } : {}),
        };
    }
    for (const { functionName, props } of permissions.splice(0)) {
      const fn = app.functions.find(
        (f) => f.arn === functionName || f.name === functionName || functionName.startsWith(`${f.arn}:`),
      );
      fn?.resourcePolicy?.push(permissionStatement(props, fn.arn));
    }
    for (const props of queuePolicies.splice(0)) {
      const document = props.PolicyDocument as unknown as PolicyDocument;
      const statements = Array.isArray(document.Statement) ? document.Statement : [document.Statement];
      for (const url of (props.Queues ?? []) as Json[]) {
        const index = app.queues.findIndex((q) => queueUrl(q.name) === url || q.arn === url);
        const queue = app.queues[index];
        if (queue)
          app.queues[index] = { ...queue, resourcePolicy: [...(queue.resourcePolicy ?? []), ...statements] };
      }
    }
    for (const output of Object.values(template.Outputs ?? {})) {
      if (output.Export)
        exports.set(String(resolver.resolve(output.Export.Name)), resolver.resolve(output.Value));
    }
  }
  // Policies may attach to a role of another stack: roles are completed once every stack is read.
  for (const role of roleProps.values()) {
    const managed = ((role.props.ManagedPolicyArns ?? []) as Json[]).map(String);
    const known = managed.map(
      (policyArn) => AWS_MANAGED_POLICIES[policyArn] ?? managedPolicies.get(policyArn),
    );
    app.roles.push({
      logicalId: role.logicalId,
      name: role.name,
      arn: role.arn,
      ...(role.props.AssumeRolePolicyDocument
        ? { trust: role.props.AssumeRolePolicyDocument as unknown as PolicyDocument }
        : {}),
      policies: [
        ...((role.props.Policies ?? []) as JsonObject[]).map(
          (p) => p.PolicyDocument as unknown as PolicyDocument,
        ),
        ...(policiesByRole.get(role.name) ?? []),
        ...known.filter((p): p is PolicyDocument => p !== undefined),
      ],
      unknownManagedPolicies: managed.filter((_, i) => known[i] === undefined),
    });
  }
  return app;
}

/** A function's tracing mode from its TracingConfig (Lambda's default, PassThrough, when not set). */
function tracingModeOf(config: unknown): LocalFunction['tracing'] {
  return (config as { Mode?: unknown } | undefined)?.Mode === 'Active' ? 'Active' : 'PassThrough';
}

/** A function's system log level from its LoggingConfig (Lambda's default, INFO, when not set). */
function systemLogLevelOf(config: unknown): LocalFunction['systemLogLevel'] {
  const level = (config as { SystemLogLevel?: unknown } | undefined)?.SystemLogLevel;
  return level === 'DEBUG' || level === 'WARN' ? level : 'INFO';
}
