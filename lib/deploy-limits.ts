/**
 * The AWS limits a deploy of the synthesized templates would hit, checked at synth time so that
 * `cdk synth` (and the local runtime's in-process synth) refuses a template AWS would refuse.
 *
 * `deployLimitViolations` is pure: it reads template JSON and names every violation with its stack,
 * logical id (and construct path when the template carries it) and the limit. `DeployLimitsPlugin`
 * runs it as a CDK validation plugin on the templates of the cloud assembly; its findings are
 * `fatal`, so they fail synth and cannot be acknowledged away.
 *
 * Values CloudFormation only knows at deploy time (`Ref`, `Fn::GetAtt`, `Fn::ImportValue`, pseudo
 * parameters) are counted at their worst-case resolved length, see `WorstCase`.
 */
import { readFileSync } from 'node:fs';
import {
  type IPolicyValidationContext,
  type IPolicyValidationPlugin,
  type PolicyValidationPluginReport,
  type PolicyViolation,
  Stack,
} from 'aws-cdk-lib';
import { type EventPatternProblem, eventPatternProblems } from '#language/event-pattern.ts';

export interface StackTemplate {
  /** The deployed stack name (what `AWS::StackName` resolves to). */
  readonly stackName: string;
  readonly template: CfnTemplate;
  /** Size of the template file as uploaded, in bytes; computed from `template` when absent. */
  readonly templateBytes?: number;
}

export interface CfnTemplate {
  readonly Resources?: Record<string, CfnResource>;
  readonly Outputs?: Record<
    string,
    { readonly Value?: unknown; readonly Export?: { readonly Name?: unknown } }
  >;
  readonly Parameters?: Record<string, unknown>;
  readonly Mappings?: Record<string, unknown>;
  readonly [key: string]: unknown;
}

export interface CfnResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
  readonly Metadata?: Record<string, unknown>;
  readonly [key: string]: unknown;
}

export interface DeployLimitViolation {
  readonly stackName: string;
  /** The resource at fault; absent for a limit on the whole stack. */
  readonly logicalId?: string;
  /** The construct path (`aws:cdk:path` metadata), when the template has it. */
  readonly path?: string;
  /** A short rule id, e.g. `lambda-environment-size`. */
  readonly rule: string;
  /** The limit and the document that states it. */
  readonly limit: string;
  /** What is over the limit, naming the resource. */
  readonly message: string;
}

// ---------------------------------------------------------------------------------------------
// Worst-case resolution of intrinsic functions
// ---------------------------------------------------------------------------------------------

/**
 * Worst-case lengths of what CloudFormation substitutes at deploy time. A value the template does
 * not fix is written as that many `x` (valid in every name character set), so a size or length
 * check counts it at its longest plausible length:
 * - Region: the longest Region code today is 14 characters (`ap-southeast-5`); 16 leaves room.
 * - Partition: `aws-us-gov` (10). Account id: 12 digits. URL suffix: `amazonaws.com.cn` (16).
 * - A name CloudFormation generates is `<stack>-<logicalId>-<random>` with a suffix of up to 13
 *   characters, truncated to the service's maximum (for a table, a function, a queue...).
 * - An ARN is `arn:<partition>:<service>:<region>:<account>:<type><sep><name>`, so about 60
 *   characters plus the resource's name: 100-140 for the names this app generates.
 * - Anything else (an attribute or a function this checker does not model) counts as 256.
 */
export const WorstCase = {
  region: 16,
  partition: 10,
  account: 12,
  urlSuffix: 16,
  generatedSuffix: 14,
  unknown: 256,
} as const;

const x = (n: number) => 'x'.repeat(Math.max(0, n));

/** How a resource type is named and what its `Ref` and `Arn` resolve to. */
interface TypeNaming {
  /** The property that names the resource, if it can be named. */
  readonly nameProperty?: string;
  /** Longest name the service accepts (CloudFormation truncates generated names to it). */
  readonly maxName: number;
  /** What `Ref` returns. */
  readonly ref: 'name' | 'arn' | 'url' | 'id';
  /** The ARN, given the resource's name (`arn:P:R:A:` already written). */
  readonly arn?: (name: string) => string;
  /** Service in the ARN. */
  readonly service?: string;
}

const TYPES: Record<string, TypeNaming> = {
  'AWS::Lambda::Function': {
    nameProperty: 'FunctionName',
    maxName: 64,
    ref: 'name',
    service: 'lambda',
    arn: (n) => `function:${n}`,
  },
  'AWS::IAM::Role': {
    nameProperty: 'RoleName',
    maxName: 64,
    ref: 'name',
    service: 'iam',
    arn: (n) => `role/${n}`,
  },
  'AWS::IAM::ManagedPolicy': {
    nameProperty: 'ManagedPolicyName',
    maxName: 128,
    ref: 'arn',
    service: 'iam',
    arn: (n) => `policy/${n}`,
  },
  'AWS::DynamoDB::Table': {
    nameProperty: 'TableName',
    maxName: 255,
    ref: 'name',
    service: 'dynamodb',
    arn: (n) => `table/${n}`,
  },
  'AWS::DynamoDB::GlobalTable': {
    nameProperty: 'TableName',
    maxName: 255,
    ref: 'name',
    service: 'dynamodb',
    arn: (n) => `table/${n}`,
  },
  'AWS::SQS::Queue': { nameProperty: 'QueueName', maxName: 80, ref: 'url', service: 'sqs', arn: (n) => n },
  'AWS::SNS::Topic': { nameProperty: 'TopicName', maxName: 256, ref: 'arn', service: 'sns', arn: (n) => n },
  // End User Messaging v2: a number's id is `phone-` and 32 hexadecimal digits.
  'AWS::SMSVOICE::PhoneNumber': {
    maxName: 38,
    ref: 'id',
    service: 'sms-voice',
    arn: (n) => `phone-number/${n}`,
  },
  'AWS::SMSVOICE::ConfigurationSet': {
    nameProperty: 'ConfigurationSetName',
    maxName: 64,
    ref: 'name',
    service: 'sms-voice',
    arn: (n) => `configuration-set/${n}`,
  },
  'AWS::SMSVOICE::OptOutList': {
    nameProperty: 'OptOutListName',
    maxName: 64,
    ref: 'name',
    service: 'sms-voice',
    arn: (n) => `opt-out-list/${n}`,
  },
  'AWS::Events::EventBus': {
    nameProperty: 'Name',
    maxName: 256,
    ref: 'name',
    service: 'events',
    arn: (n) => `event-bus/${n}`,
  },
  'AWS::Events::Rule': {
    nameProperty: 'Name',
    maxName: 64,
    ref: 'name',
    service: 'events',
    arn: (n) => `rule/${n}`,
  },
  'AWS::StepFunctions::StateMachine': {
    nameProperty: 'StateMachineName',
    maxName: 80,
    ref: 'arn',
    service: 'states',
    arn: (n) => `stateMachine:${n}`,
  },
  'AWS::Logs::LogGroup': {
    nameProperty: 'LogGroupName',
    maxName: 512,
    ref: 'name',
    service: 'logs',
    arn: (n) => `log-group:${n}:*`,
  },
  'AWS::SecretsManager::Secret': {
    nameProperty: 'Name',
    maxName: 512,
    ref: 'arn',
    service: 'secretsmanager',
    arn: (n) => `secret:${n}-xxxxxx`,
  },
  'AWS::Scheduler::ScheduleGroup': {
    nameProperty: 'Name',
    maxName: 64,
    ref: 'name',
    service: 'scheduler',
    arn: (n) => `schedule-group/${n}`,
  },
  'AWS::Scheduler::Schedule': { nameProperty: 'Name', maxName: 64, ref: 'name' },
  'AWS::SES::ConfigurationSet': { nameProperty: 'Name', maxName: 64, ref: 'name' },
  'AWS::ApiGateway::RestApi': { maxName: 10, ref: 'id' },
  'AWS::ApiGateway::Stage': { nameProperty: 'StageName', maxName: 128, ref: 'name' },
  'AWS::ApiGateway::Resource': { maxName: 10, ref: 'id' },
  'AWS::ApiGateway::ApiKey': { maxName: 10, ref: 'id' },
  'AWS::KMS::Key': { maxName: 36, ref: 'id', service: 'kms', arn: (n) => `key/${n}` },
  'AWS::Events::Connection': {
    nameProperty: 'Name',
    maxName: 64,
    ref: 'name',
    service: 'events',
    arn: (n) => `connection/${n}/${x(36)}`,
  },
  'AWS::Events::ApiDestination': {
    nameProperty: 'Name',
    maxName: 64,
    ref: 'name',
    service: 'events',
    arn: (n) => `api-destination/${n}/${x(36)}`,
  },
};

type Json = unknown;

/** Resolves template values to text, writing what only a deploy knows as worst-case `x` runs. */
export class WorstCaseResolver {
  private readonly exports: ReadonlyMap<string, { stack: StackTemplate; value: Json }>;
  private readonly resolving = new Set<string>();

  constructor(
    private readonly stack: StackTemplate,
    all: readonly StackTemplate[],
  ) {
    const exports = new Map<string, { stack: StackTemplate; value: Json }>();
    for (const other of all) {
      for (const output of Object.values(other.template.Outputs ?? {})) {
        const name = output.Export?.Name;
        if (typeof name === 'string') exports.set(name, { stack: other, value: output.Value });
      }
    }
    this.exports = exports;
  }

  private get resources(): Record<string, CfnResource> {
    return this.stack.template.Resources ?? {};
  }

  private pseudo(name: string): string | undefined {
    switch (name) {
      case 'AWS::Region':
        return x(WorstCase.region);
      case 'AWS::AccountId':
        return x(WorstCase.account);
      case 'AWS::Partition':
        return x(WorstCase.partition);
      case 'AWS::URLSuffix':
        return x(WorstCase.urlSuffix);
      case 'AWS::StackName':
        return this.stack.stackName;
      case 'AWS::StackId':
        return `arn:${x(WorstCase.partition)}:cloudformation:${x(WorstCase.region)}:${x(WorstCase.account)}:stack/${this.stack.stackName}/${x(36)}`;
      case 'AWS::NoValue':
        return '';
      default:
        return undefined;
    }
  }

  /** The resource's physical name: its name property, or the longest name CloudFormation generates. */
  physicalName(logicalId: string): string {
    const resource = this.resources[logicalId];
    const naming = resource ? TYPES[resource.Type] : undefined;
    const named = naming?.nameProperty ? resource?.Properties?.[naming.nameProperty] : undefined;
    if (named !== undefined) return this.text(named);
    const generated = `${this.stack.stackName}-${logicalId}-${x(WorstCase.generatedSuffix)}`;
    return generated.slice(0, naming?.maxName ?? generated.length);
  }

  private arnPrefix(service: string, global = false): string {
    return `arn:${x(WorstCase.partition)}:${service}:${global ? '' : x(WorstCase.region)}:${x(WorstCase.account)}:`;
  }

  private arn(logicalId: string): string {
    const resource = this.resources[logicalId];
    const naming = resource ? TYPES[resource.Type] : undefined;
    if (!naming?.arn || !naming.service) return x(WorstCase.unknown);
    return `${this.arnPrefix(naming.service, naming.service === 'iam')}${naming.arn(this.physicalName(logicalId))}`;
  }

  private ref(name: string): string {
    const pseudo = this.pseudo(name);
    if (pseudo !== undefined) return pseudo;
    if (this.stack.template.Parameters?.[name] !== undefined) return x(WorstCase.unknown);
    const resource = this.resources[name];
    if (!resource) return x(WorstCase.unknown);
    const naming = TYPES[resource.Type];
    switch (naming?.ref) {
      case 'name':
        return this.physicalName(name);
      case 'arn':
        return this.arn(name);
      case 'id':
        return x(naming.maxName);
      case 'url':
        return `https://sqs.${x(WorstCase.region)}.${x(WorstCase.urlSuffix)}/${x(WorstCase.account)}/${this.physicalName(name)}`;
      default:
        return x(WorstCase.unknown);
    }
  }

  private getAtt(logicalId: string, attribute: string): string {
    const resource = this.resources[logicalId];
    if (!resource) return x(WorstCase.unknown);
    switch (attribute) {
      case 'Arn':
        return this.arn(logicalId);
      case 'QueueName':
      case 'Name':
        return this.physicalName(logicalId);
      case 'QueueUrl':
        return this.ref(logicalId);
      case 'RootResourceId':
        return x(10);
      default:
        return x(WorstCase.unknown);
    }
  }

  /** A value as text at its worst case (a JSON value is serialized). */
  text(value: Json): string {
    const resolved = this.resolve(value);
    return typeof resolved === 'string' ? resolved : JSON.stringify(resolved);
  }

  /** A value with every intrinsic replaced by its worst-case text. */
  resolve(value: Json): Json {
    if (Array.isArray(value)) return value.map((v) => this.resolve(v));
    if (value === null || typeof value !== 'object') return value;
    const entries = Object.entries(value as Record<string, Json>);
    if (entries.length === 1) {
      const [key, arg] = entries[0] as [string, Json];
      const intrinsic = this.intrinsic(key, arg);
      if (intrinsic !== undefined) return intrinsic;
    }
    return Object.fromEntries(entries.map(([k, v]) => [k, this.resolve(v)]));
  }

  private intrinsic(key: string, arg: Json): Json | undefined {
    switch (key) {
      case 'Ref':
        return this.ref(String(arg));
      case 'Fn::GetAtt': {
        const [id, attribute] = Array.isArray(arg) ? arg.map(String) : String(arg).split('.');
        return this.getAtt(id ?? '', attribute ?? '');
      }
      case 'Fn::Join': {
        const [separator, parts] = arg as [string, Json];
        const list = this.resolve(parts);
        if (!Array.isArray(list)) return x(WorstCase.unknown);
        return list.map((p) => (typeof p === 'string' ? p : JSON.stringify(p))).join(separator);
      }
      case 'Fn::Sub': {
        const [template, vars] = Array.isArray(arg)
          ? (arg as [string, Record<string, Json>])
          : [String(arg), {}];
        return template.replace(/\$\{([^}!][^}]*)\}/g, (_, name: string) => {
          if (vars[name] !== undefined) return this.text(vars[name]);
          const [id, attribute] = name.split('.');
          return attribute ? this.getAtt(id ?? '', attribute) : this.ref(name);
        });
      }
      case 'Fn::ImportValue': {
        const name = this.text(arg);
        const exported = this.exports.get(name);
        if (!exported || this.resolving.has(name)) return x(WorstCase.unknown);
        this.resolving.add(name);
        try {
          return new WorstCaseResolver(exported.stack, [...this.exportStacks()]).text(exported.value);
        } finally {
          this.resolving.delete(name);
        }
      }
      case 'Fn::Select': {
        const [index, list] = arg as [number, Json];
        const resolved = this.resolve(list);
        if (Array.isArray(resolved)) return resolved[Number(index)] ?? '';
        return typeof resolved === 'string' ? resolved : x(WorstCase.unknown);
      }
      case 'Fn::Split': {
        const [separator, source] = arg as [string, Json];
        return this.text(source).split(separator);
      }
      case 'Fn::If': {
        const [, a, b] = arg as [string, Json, Json];
        const [ta, tb] = [this.text(a), this.text(b)];
        return ta.length >= tb.length ? this.resolve(a) : this.resolve(b);
      }
      case 'Fn::Base64':
        return x(Math.ceil((Buffer.byteLength(this.text(arg)) * 4) / 3));
      case 'Fn::ToJsonString':
        return JSON.stringify(this.resolve(arg));
      case 'Fn::FindInMap':
      case 'Fn::GetAZs':
      case 'Fn::Cidr':
      case 'Fn::Length':
      case 'Fn::Transform':
        return x(WorstCase.unknown);
      default:
        return undefined;
    }
  }

  private *exportStacks(): Iterable<StackTemplate> {
    const seen = new Set<StackTemplate>();
    for (const { stack } of this.exports.values()) {
      if (!seen.has(stack)) {
        seen.add(stack);
        yield stack;
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// The limits
// ---------------------------------------------------------------------------------------------

const DOCS = {
  lambda: 'https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html',
  lambdaApi: 'https://docs.aws.amazon.com/lambda/latest/api/API_CreateFunction.html',
  iam: 'https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html',
  cloudformation: 'https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html',
  events: 'https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-quota.html',
  eventsApi: 'https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutRule.html',
  eventPatterns: 'https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html',
  states: 'https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html',
  statesApi: 'https://docs.aws.amazon.com/step-functions/latest/apireference/API_CreateStateMachine.html',
  scheduler: 'https://docs.aws.amazon.com/scheduler/latest/APIReference/API_CreateScheduleGroup.html',
  schedule: 'https://docs.aws.amazon.com/scheduler/latest/APIReference/API_CreateSchedule.html',
  logs: 'https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_CreateLogGroup.html',
  sqs: 'https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_CreateQueue.html',
  sns: 'https://docs.aws.amazon.com/sns/latest/api/API_CreateTopic.html',
  dynamodb:
    'https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/HowItWorks.NamingRulesDataTypes.html',
  secrets: 'https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_CreateSecret.html',
  ses: 'https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_CreateConfigurationSet.html',
} as const;

/** What EventBridge refuses in a rule's pattern (the pattern as text, the way the template gives it). */
function patternProblems(text: string): EventPatternProblem[] {
  try {
    return eventPatternProblems(JSON.parse(text));
  } catch {
    return [{ path: '', message: 'the event pattern is not valid JSON' }];
  }
}

/** Lambda: "Function environment variables: 4 KB, for all environment variables associated with the function, in aggregate". Counted as the UTF-8 JSON of the variables (keys, values and their encoding). */
export const LAMBDA_ENVIRONMENT_BYTES = 4096;
/** IAM: a role's inline policies together, 10,240 characters, white space not counted. */
export const ROLE_INLINE_POLICY_CHARS = 10_240;
/** IAM: one managed policy, 6,144 characters, white space not counted. */
export const MANAGED_POLICY_CHARS = 6_144;
/** IAM: role trust policy length, 2,048 characters by default (adjustable to 4,096). */
export const TRUST_POLICY_CHARS = 2_048;
/** IAM: managed policies attached to a role, 10 by default (adjustable to 20). */
export const MANAGED_POLICIES_PER_ROLE = 10;
/** CloudFormation: resources, outputs, parameters and mappings per template. */
export const STACK_RESOURCES = 500;
export const STACK_OUTPUTS = 200;
export const STACK_PARAMETERS = 200;
export const STACK_MAPPINGS = 200;
/** CloudFormation: template body in an S3 object (the CDK uploads templates over 50 KiB): 1 MB, counted in binary units like the quota's former 51,200 and 460,800 bytes. */
export const TEMPLATE_BYTES = 1_048_576;
/** CloudFormation: stack name, 128 characters, `[a-zA-Z][-a-zA-Z0-9]*`. */
export const STACK_NAME_CHARS = 128;
/** EventBridge: event pattern size, 2,048 characters by default (adjustable to 4,096). */
export const EVENT_PATTERN_CHARS = 2_048;
/** EventBridge: targets per rule, 5. */
export const TARGETS_PER_RULE = 5;
/** Step Functions: state machine definition, 1 MB (hard quota). */
export const STATE_MACHINE_DEFINITION_BYTES = 1_048_576;

interface NameRule {
  readonly min: number;
  readonly max: number;
  readonly pattern: RegExp;
  readonly allowed: string;
  readonly doc: string;
}

/** The name each resource type accepts, where relance names resources or lets CloudFormation do it. */
const NAME_RULES: Record<string, Record<string, NameRule>> = {
  'AWS::Lambda::Function': {
    FunctionName: {
      min: 1,
      max: 64,
      pattern: /^[a-zA-Z0-9_-]+$/,
      allowed: 'a-z A-Z 0-9 - _',
      doc: DOCS.lambdaApi,
    },
  },
  'AWS::IAM::Role': {
    RoleName: {
      min: 1,
      max: 64,
      pattern: /^[\w+=,.@-]+$/,
      allowed: 'a-z A-Z 0-9 + = , . @ _ -',
      doc: DOCS.iam,
    },
  },
  'AWS::IAM::Policy': {
    PolicyName: {
      min: 1,
      max: 128,
      pattern: /^[\w+=,.@-]+$/,
      allowed: 'a-z A-Z 0-9 + = , . @ _ -',
      doc: DOCS.iam,
    },
  },
  'AWS::IAM::ManagedPolicy': {
    ManagedPolicyName: {
      min: 1,
      max: 128,
      pattern: /^[\w+=,.@-]+$/,
      allowed: 'a-z A-Z 0-9 + = , . @ _ -',
      doc: DOCS.iam,
    },
  },
  'AWS::Events::Rule': {
    Name: {
      min: 1,
      max: 64,
      pattern: /^[.\-_A-Za-z0-9]+$/,
      allowed: 'a-z A-Z 0-9 . - _',
      doc: DOCS.eventsApi,
    },
  },
  'AWS::Events::EventBus': {
    Name: {
      min: 1,
      max: 256,
      pattern: /^[/.\-_A-Za-z0-9]+$/,
      allowed: 'a-z A-Z 0-9 / . - _',
      doc: DOCS.events,
    },
  },
  'AWS::StepFunctions::StateMachine': {
    // Any character but white space, brackets, wildcards, `"#%\^|~`$&,;:/` and control characters;
    // with CloudWatch Logs logging (every relance machine), only 0-9 A-Z a-z - _.
    StateMachineName: {
      min: 1,
      max: 80,
      // biome-ignore lint/suspicious/noControlCharactersInRegex: the control characters the API forbids
      pattern: /^[^\s<>{}[\]?*"#%\\^|~`$&,;:/\u0000-\u001f\u007f-\u009f]+$/,
      allowed: 'no white space, brackets, wildcards, " # % \\ ^ | ~ ` $ & , ; : /',
      doc: DOCS.statesApi,
    },
  },
  'AWS::Scheduler::ScheduleGroup': {
    Name: {
      min: 1,
      max: 64,
      pattern: /^[0-9a-zA-Z-_.]+$/,
      allowed: '0-9 a-z A-Z - _ .',
      doc: DOCS.scheduler,
    },
  },
  'AWS::Scheduler::Schedule': {
    Name: { min: 1, max: 64, pattern: /^[0-9a-zA-Z-_.]+$/, allowed: '0-9 a-z A-Z - _ .', doc: DOCS.schedule },
    GroupName: {
      min: 1,
      max: 64,
      pattern: /^[0-9a-zA-Z-_.]+$/,
      allowed: '0-9 a-z A-Z - _ .',
      doc: DOCS.schedule,
    },
  },
  'AWS::Logs::LogGroup': {
    LogGroupName: {
      min: 1,
      max: 512,
      pattern: /^[.\-_/#A-Za-z0-9]+$/,
      allowed: 'a-z A-Z 0-9 . - _ / #',
      doc: DOCS.logs,
    },
  },
  'AWS::SQS::Queue': {
    QueueName: {
      min: 1,
      max: 80,
      pattern: /^[A-Za-z0-9_-]+(\.fifo)?$/,
      allowed: 'a-z A-Z 0-9 - _ (.fifo)',
      doc: DOCS.sqs,
    },
  },
  'AWS::SNS::Topic': {
    TopicName: {
      min: 1,
      max: 256,
      pattern: /^[A-Za-z0-9_-]+(\.fifo)?$/,
      allowed: 'a-z A-Z 0-9 - _ (.fifo)',
      doc: DOCS.sns,
    },
  },
  'AWS::DynamoDB::Table': {
    TableName: {
      min: 3,
      max: 255,
      pattern: /^[a-zA-Z0-9_.-]+$/,
      allowed: 'a-z A-Z 0-9 _ - .',
      doc: DOCS.dynamodb,
    },
  },
  'AWS::DynamoDB::GlobalTable': {
    TableName: {
      min: 3,
      max: 255,
      pattern: /^[a-zA-Z0-9_.-]+$/,
      allowed: 'a-z A-Z 0-9 _ - .',
      doc: DOCS.dynamodb,
    },
  },
  'AWS::SecretsManager::Secret': {
    Name: {
      min: 1,
      max: 512,
      pattern: /^[\w/+=.@-]+$/,
      allowed: 'a-z A-Z 0-9 / _ + = . @ -',
      doc: DOCS.secrets,
    },
  },
  'AWS::SES::ConfigurationSet': {
    Name: { min: 1, max: 64, pattern: /^[a-zA-Z0-9_-]+$/, allowed: 'a-z A-Z 0-9 _ -', doc: DOCS.ses },
  },
};

/** State machine names that CloudWatch Logs accepts (the name of a machine that logs). */
const LOGGED_STATE_MACHINE_NAME = /^[0-9A-Za-z_-]+$/;

/** Descriptions with a maximum length, where relance writes them. */
const DESCRIPTION_LIMITS: Record<string, { property: string; max: number; doc: string }> = {
  'AWS::Lambda::Function': { property: 'Description', max: 256, doc: DOCS.lambdaApi },
  'AWS::IAM::Role': { property: 'Description', max: 1000, doc: DOCS.iam },
  'AWS::Events::Rule': { property: 'Description', max: 512, doc: DOCS.eventsApi },
  'AWS::Scheduler::Schedule': { property: 'Description', max: 512, doc: DOCS.schedule },
};

const bytes = (text: string) => Buffer.byteLength(text, 'utf8');
const n = (value: number) => value.toLocaleString('en-US');

/** Every AWS limit the templates would hit at deploy, one entry per resource and limit. */
export function deployLimitViolations(stacks: readonly StackTemplate[]): DeployLimitViolation[] {
  return stacks.flatMap((stack) => stackViolations(stack, stacks));
}

function stackViolations(stack: StackTemplate, all: readonly StackTemplate[]): DeployLimitViolation[] {
  const resolver = new WorstCaseResolver(stack, all);
  const found: DeployLimitViolation[] = [];
  const resources = stack.template.Resources ?? {};
  const at = (logicalId: string | undefined) => {
    if (!logicalId) return { where: `stack ${stack.stackName}` };
    const path = resources[logicalId]?.Metadata?.['aws:cdk:path'];
    const type = resources[logicalId]?.Type ?? '?';
    return {
      logicalId,
      ...(typeof path === 'string' ? { path } : {}),
      where: `${stack.stackName}/${logicalId} (${type}${typeof path === 'string' ? `, ${path}` : ''})`,
    };
  };
  const add = (logicalId: string | undefined, rule: string, limit: string, what: string) => {
    const { where, ...location } = at(logicalId);
    found.push({ stackName: stack.stackName, ...location, rule, limit, message: `${where}: ${what}` });
  };

  // The stack as a whole.
  if (stack.stackName.length > STACK_NAME_CHARS || !/^[a-zA-Z][-a-zA-Z0-9]*$/.test(stack.stackName)) {
    add(
      undefined,
      'stack-name',
      `stack name: 1-${STACK_NAME_CHARS} characters, a letter then letters, digits and hyphens (${DOCS.cloudformation})`,
      `the stack name "${stack.stackName}" is not a valid stack name`,
    );
  }
  const counts: Array<[string, number, number]> = [
    ['resources', Object.keys(resources).length, STACK_RESOURCES],
    ['outputs', Object.keys(stack.template.Outputs ?? {}).length, STACK_OUTPUTS],
    ['parameters', Object.keys(stack.template.Parameters ?? {}).length, STACK_PARAMETERS],
    ['mappings', Object.keys(stack.template.Mappings ?? {}).length, STACK_MAPPINGS],
  ];
  for (const [what, count, max] of counts) {
    if (count > max) {
      add(
        undefined,
        `stack-${what}`,
        `${n(max)} ${what} per template (${DOCS.cloudformation})`,
        `the template declares ${n(count)} ${what}, over CloudFormation's ${n(max)}`,
      );
    }
  }
  const templateBytes = stack.templateBytes ?? bytes(JSON.stringify(stack.template, undefined, 1));
  if (templateBytes > TEMPLATE_BYTES) {
    add(
      undefined,
      'template-size',
      `template body in S3: 1 MB = ${n(TEMPLATE_BYTES)} bytes (${DOCS.cloudformation})`,
      `the template is ${n(templateBytes)} bytes, over CloudFormation's ${n(TEMPLATE_BYTES)}`,
    );
  }

  // IAM: inline policies per role in aggregate (the role's Policies and the AWS::IAM::Policy
  // resources attached to it), trust policies, managed policies.
  const inlineChars = new Map<string, number>();
  const addInline = (roleRef: unknown, chars: number) => {
    const roleId =
      typeof roleRef === 'object' && roleRef !== null ? (roleRef as { Ref?: unknown }).Ref : undefined;
    if (typeof roleId !== 'string' || resources[roleId]?.Type !== 'AWS::IAM::Role') return;
    inlineChars.set(roleId, (inlineChars.get(roleId) ?? 0) + chars);
  };
  const policyChars = (document: unknown) =>
    document === undefined ? 0 : JSON.stringify(resolver.resolve(document)).length;

  for (const [logicalId, resource] of Object.entries(resources)) {
    const props = resource.Properties ?? {};

    // Names and descriptions.
    for (const [property, rule] of Object.entries(NAME_RULES[resource.Type] ?? {})) {
      const value = props[property];
      if (value === undefined) continue;
      const name = resolver.text(value);
      if (name.length < rule.min || name.length > rule.max) {
        add(
          logicalId,
          'name-length',
          `${resource.Type} ${property}: ${rule.min}-${rule.max} characters (${rule.doc})`,
          `${property} "${name}" has ${name.length} characters (worst case), outside ${rule.min}-${rule.max}`,
        );
      }
      if (!rule.pattern.test(name)) {
        add(
          logicalId,
          'name-characters',
          `${resource.Type} ${property}: ${rule.allowed} (${rule.doc})`,
          `${property} "${name}" has characters outside ${rule.allowed}`,
        );
      }
    }
    const description = DESCRIPTION_LIMITS[resource.Type];
    if (description && props[description.property] !== undefined) {
      const text = resolver.text(props[description.property]);
      if (text.length > description.max) {
        add(
          logicalId,
          'description-length',
          `${resource.Type} ${description.property}: at most ${description.max} characters (${description.doc})`,
          `${description.property} has ${text.length} characters, over ${description.max}`,
        );
      }
    }

    switch (resource.Type) {
      case 'AWS::Lambda::Function': {
        const variables = (props.Environment as { Variables?: unknown } | undefined)?.Variables;
        if (variables === undefined) break;
        const size = bytes(JSON.stringify(resolver.resolve(variables)));
        if (size > LAMBDA_ENVIRONMENT_BYTES) {
          add(
            logicalId,
            'lambda-environment-size',
            `Lambda environment variables: 4 KB = ${n(LAMBDA_ENVIRONMENT_BYTES)} bytes in aggregate (${DOCS.lambda})`,
            `its environment takes ${n(size)} bytes (worst case, keys and values as JSON), over Lambda's ${n(LAMBDA_ENVIRONMENT_BYTES)}: ${largestVariables(resolver, variables)}`,
          );
        }
        break;
      }
      case 'AWS::IAM::Role': {
        const trust = policyChars(props.AssumeRolePolicyDocument);
        if (trust > TRUST_POLICY_CHARS) {
          add(
            logicalId,
            'iam-trust-policy-size',
            `role trust policy: ${n(TRUST_POLICY_CHARS)} characters (${DOCS.iam})`,
            `its trust policy has ${n(trust)} characters, over IAM's ${n(TRUST_POLICY_CHARS)}`,
          );
        }
        for (const policy of (props.Policies as Array<{ PolicyDocument?: unknown }> | undefined) ?? []) {
          inlineChars.set(logicalId, (inlineChars.get(logicalId) ?? 0) + policyChars(policy.PolicyDocument));
        }
        const managed = (props.ManagedPolicyArns as unknown[] | undefined)?.length ?? 0;
        if (managed > MANAGED_POLICIES_PER_ROLE) {
          add(
            logicalId,
            'iam-managed-policies-per-role',
            `managed policies attached to a role: ${MANAGED_POLICIES_PER_ROLE} (${DOCS.iam})`,
            `${managed} managed policies are attached, over IAM's ${MANAGED_POLICIES_PER_ROLE}`,
          );
        }
        break;
      }
      case 'AWS::IAM::Policy': {
        const chars = policyChars(props.PolicyDocument);
        for (const role of (props.Roles as unknown[] | undefined) ?? []) addInline(role, chars);
        break;
      }
      case 'AWS::IAM::ManagedPolicy': {
        const chars = policyChars(props.PolicyDocument);
        if (chars > MANAGED_POLICY_CHARS) {
          add(
            logicalId,
            'iam-managed-policy-size',
            `managed policy: ${n(MANAGED_POLICY_CHARS)} characters, white space not counted (${DOCS.iam})`,
            `the policy has ${n(chars)} characters (worst case), over IAM's ${n(MANAGED_POLICY_CHARS)}`,
          );
        }
        break;
      }
      case 'AWS::Events::Rule': {
        if (props.EventPattern !== undefined) {
          const pattern = props.EventPattern;
          const text = typeof pattern === 'string' ? pattern : JSON.stringify(resolver.resolve(pattern));
          const chars = text.length;
          for (const problem of patternProblems(text)) {
            add(
              logicalId,
              'event-pattern-invalid',
              `an event pattern PutRule accepts (${DOCS.eventPatterns})`,
              `its event pattern is refused by EventBridge at ${problem.path || 'the top'}: ${problem.message}`,
            );
          }
          if (chars > EVENT_PATTERN_CHARS) {
            add(
              logicalId,
              'event-pattern-size',
              `event pattern: ${n(EVENT_PATTERN_CHARS)} characters (${DOCS.events})`,
              `its event pattern has ${n(chars)} characters, over EventBridge's ${n(EVENT_PATTERN_CHARS)}`,
            );
          }
        }
        const targets = (props.Targets as unknown[] | undefined)?.length ?? 0;
        if (targets > TARGETS_PER_RULE) {
          add(
            logicalId,
            'event-rule-targets',
            `targets per rule: ${TARGETS_PER_RULE} (${DOCS.events})`,
            `the rule has ${targets} targets, over EventBridge's ${TARGETS_PER_RULE}`,
          );
        }
        break;
      }
      case 'AWS::StepFunctions::StateMachine': {
        const size = bytes(stateMachineDefinition(resolver, props));
        if (size > STATE_MACHINE_DEFINITION_BYTES) {
          add(
            logicalId,
            'state-machine-definition-size',
            `state machine definition: 1 MB = ${n(STATE_MACHINE_DEFINITION_BYTES)} bytes (${DOCS.states})`,
            `its definition takes ${n(size)} bytes, over Step Functions' ${n(STATE_MACHINE_DEFINITION_BYTES)}`,
          );
        }
        const name = props.StateMachineName;
        if (name !== undefined && props.LoggingConfiguration !== undefined) {
          const text = resolver.text(name);
          if (!LOGGED_STATE_MACHINE_NAME.test(text)) {
            add(
              logicalId,
              'name-characters',
              `a state machine that logs to CloudWatch Logs: name of 0-9 A-Z a-z - _ only (${DOCS.statesApi})`,
              `StateMachineName "${text}" has characters CloudWatch Logs logging does not accept`,
            );
          }
        }
        break;
      }
      default:
        break;
    }
  }

  for (const [roleId, chars] of inlineChars) {
    if (chars > ROLE_INLINE_POLICY_CHARS) {
      add(
        roleId,
        'iam-role-policy-size',
        `role inline policies in aggregate: ${n(ROLE_INLINE_POLICY_CHARS)} characters, white space not counted (${DOCS.iam})`,
        `its inline policies have ${n(chars)} characters (worst case), over IAM's ${n(ROLE_INLINE_POLICY_CHARS)}`,
      );
    }
  }
  return found;
}

/** The definition as Step Functions receives it: the string, placeholders substituted. */
function stateMachineDefinition(resolver: WorstCaseResolver, props: Record<string, unknown>): string {
  const raw =
    props.DefinitionString !== undefined
      ? resolver.text(props.DefinitionString)
      : props.Definition !== undefined
        ? JSON.stringify(resolver.resolve(props.Definition))
        : '';
  const substitutions = (props.DefinitionSubstitutions as Record<string, unknown> | undefined) ?? {};
  return raw.replace(/\$\{([A-Za-z0-9_]+)\}/g, (match, name: string) =>
    substitutions[name] === undefined ? match : resolver.text(substitutions[name]),
  );
}

/** The three largest variables with their worst-case sizes, to say what to move out. */
function largestVariables(resolver: WorstCaseResolver, variables: unknown): string {
  const resolved = resolver.resolve(variables);
  if (typeof resolved !== 'object' || resolved === null) return '';
  return Object.entries(resolved as Record<string, unknown>)
    .map(([key, value]) => [key, bytes(JSON.stringify(key)) + bytes(JSON.stringify(value)) + 2] as const)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 3)
    .map(([key, size]) => `${key} ${n(size)} B`)
    .join(', ');
}

/** Bytes of each function's environment, worst case, for reports (`npm run synth` prints none). */
export function lambdaEnvironmentSizes(stacks: readonly StackTemplate[]): Array<{
  stackName: string;
  logicalId: string;
  bytes: number;
}> {
  return stacks.flatMap((stack) => {
    const resolver = new WorstCaseResolver(stack, stacks);
    return Object.entries(stack.template.Resources ?? {})
      .filter(([, r]) => r.Type === 'AWS::Lambda::Function')
      .map(([logicalId, r]) => ({
        stackName: stack.stackName,
        logicalId,
        bytes: bytes(
          JSON.stringify(
            resolver.resolve(
              (r.Properties?.Environment as { Variables?: unknown } | undefined)?.Variables ?? {},
            ),
          ),
        ),
      }));
  });
}

/**
 * Runs `deployLimitViolations` at synth on every template of the cloud assembly. Registered by
 * `buildApp` on the App, so `cdk synth` prints each violation with its construct and fails, and an
 * in-process synth (tests, the local runtime) throws.
 */
export class DeployLimitsPlugin implements IPolicyValidationPlugin {
  readonly name = 'relance-deploy-limits';
  readonly version = '1.0.0';
  readonly ruleIds = [
    'lambda-environment-size',
    'iam-role-policy-size',
    'iam-managed-policy-size',
    'iam-trust-policy-size',
    'iam-managed-policies-per-role',
    'stack-resources',
    'stack-outputs',
    'stack-parameters',
    'stack-mappings',
    'template-size',
    'stack-name',
    'event-pattern-size',
    'event-rule-targets',
    'state-machine-definition-size',
    'name-length',
    'name-characters',
    'description-length',
  ];

  validate(context: IPolicyValidationContext): PolicyValidationPluginReport {
    const stacks = context.stackTemplates.map((s) => {
      const text = readFileSync(s.templatePath, 'utf8');
      const construct = context.appConstruct.node.findAll().find((c) => c.node.path === s.stackConstructPath);
      const stackName =
        construct && Stack.isStack(construct)
          ? construct.stackName
          : (s.stackConstructPath.split('/').at(-1) ?? '');
      return {
        stackName,
        template: JSON.parse(text) as CfnTemplate,
        templateBytes: bytes(text),
        templatePath: s.templatePath,
      };
    });
    const violations = deployLimitViolations(stacks);
    const result: PolicyViolation[] = [];
    for (const v of violations) {
      const templatePath = stacks.find((s) => s.stackName === v.stackName)?.templatePath ?? '';
      // One finding per violation: the description carries the measured value and the limit.
      result.push({
        ruleName: v.rule,
        description: `${v.message}. Limit: ${v.limit}`,
        severity: 'fatal',
        violatingResources: [
          { resourceLogicalId: v.logicalId ?? '', templatePath, locations: v.logicalId ? [] : ['(stack)'] },
        ],
      });
    }
    return { success: result.length === 0, violations: result };
  }
}
