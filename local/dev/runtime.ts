/**
 * The local runtime: the whole system from the synthesized template, on one edge port. DynamoDB
 * (dynalite), EventBridge (bus and rules), Lambda (each production handler in its own worker
 * thread with only its own template environment), Step Functions (aws-local-stepfunctions),
 * EventBridge Scheduler, SES (aws-ses-v2-local), SNS and SQS stand-ins, and the API Gateway
 * routes, with IAM enforced: every AWS call a function, a state machine, a rule or a schedule makes
 * is checked against its role's policies (or the function's permissions) in the template, and
 * refused as AWS refuses it. Used by `relance dev`, `relance simulate` and the tests.
 */

import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { z } from 'zod';
import { useClock } from '#platform/clock.ts';
import { PREFERENCES_ENV } from '#platform/preferences-env.ts';
import { smsKeyword } from '../../functions/delivery/provider-feedback.ts';
import { JOURNEY_VERSIONS_FILE } from '../../workflows/versions/index.ts';
import { LocalApiGateway } from '../aws/api-gateway.ts';
import { writeFileAtomically } from '../aws/atomic-file.ts';
import { type LocalClock, ScaledClock, VirtualClock } from '../aws/clock.ts';
import { LocalCloudWatchMetrics } from '../aws/cloudwatch-metrics.ts';
import { LocalDynamo } from '../aws/dynamodb.ts';
import { EdgeServer } from '../aws/edge.ts';
import {
  type BusEventEnvelope,
  type BusJournal,
  busJournal,
  EventBusService,
} from '../aws/eventbridge/bus.ts';
import { FaultInjector } from '../aws/faults.ts';
import {
  type Denial,
  denialMessage,
  evaluateResourcePolicy,
  type IamCheck,
  LocalIam,
  unsupportedOperatorsIn,
} from '../aws/iam.ts';
import { accessDeniedResponse, accessKeyOf, checksFor } from '../aws/iam-requests.ts';
import { LambdaHost } from '../aws/lambda-host.ts';
import type { AwsRequest, AwsResponse } from '../aws/protocol.ts';
import { Retrier } from '../aws/retry.ts';
import { type Schedule, SchedulerService, scheduleJournal } from '../aws/scheduler/scheduler.ts';
import { SecretsManagerService } from '../aws/secrets-manager.ts';
import { LocalSes, type StoredEmail } from '../aws/ses.ts';
import { SmsVoiceV2Service, smsVoiceBusEvent } from '../aws/sms-voice-v2.ts';
import { SnsService } from '../aws/sns.ts';
import { messageJournal, SqsService } from '../aws/sqs.ts';
import {
  type Execution,
  executionJournal,
  type JournaledExecution,
  type RestartedExecution,
  StepFunctionsService,
} from '../aws/step-functions.ts';
import {
  LOCAL_ACCOUNT,
  LOCAL_REGION,
  type LocalApp,
  type LocalFunction,
  type LocalRule,
  type LocalRuleTarget,
  type LocalSchedule,
  loadLocalApp,
} from '../aws/template.ts';
import { WorkTracker } from '../aws/work-tracker.ts';
import type { WriteAheadJournal } from '../aws/write-ahead-journal.ts';
import { controlRouteRefusal } from './control-routes.ts';
import { publishedBySes, sesEventsFor } from './ses-feedback.ts';
import { inboundSmsNotification, smsDeliveryEventsFor, snsNotification } from './sms-feedback.ts';
import type { TemplateCheck } from './template-check.ts';

/** Runs first in every Lambda sandbox: installs the runtime's clock for the handlers. */
const LAMBDA_BOOTSTRAP = fileURLToPath(new URL('./lambda-bootstrap.ts', import.meta.url));
/** Where the functions' bundles look for the catalog of journey versions they run (see moduleSubstitutes). */
const DEPLOYED_JOURNEYS_MODULE = fileURLToPath(
  new URL('../../workflows/versions/deployed.ts', import.meta.url),
);

/** Background tasks (deliveries, executions, invocations) in flight before outside work is refused. */
export const DEFAULT_MAX_BACKLOG = 2000;

/** CloudWatch Logs bills 26 bytes of metadata with each log event. */
const LOG_EVENT_OVERHEAD_BYTES = 26;
/** A handler's record below WARN: relance's log formatter writes the level first (functions/platform/logger.ts). */
const BELOW_WARN_RECORD = /^\{"level":"(?:TRACE|DEBUG|INFO)"/;

export interface RuntimeOptions {
  /** The backlog at which outside work is refused (see `accepting`). @default DEFAULT_MAX_BACKLOG */
  readonly maxBacklog?: number;
  /** Echo the functions' log lines to this process's stdout (EMF metric lines never are). @default true */
  readonly echoFunctionLogs?: boolean;
  /** The repository root (handler entries in the template are relative to it). */
  readonly projectRoot: string;
  /** The cloud assembly to run. */
  readonly cdkOut: string;
  /** Edge port; 0 picks a free one. */
  readonly port: number;
  /** `virtual`: time moves only with `advance`; `scaled`: wall time × scale. */
  readonly clock: { mode: 'virtual'; start?: number } | { mode: 'scaled'; scale: number };
  /** Directory that keeps data across restarts; in memory when absent. */
  readonly dataDir?: string;
  /** The API key the local API Gateway accepts. */
  readonly apiKey: string;
  /**
   * Values that replace the template's for every function that has the variable (e.g.
   * POWERTOOLS_LOG_LEVEL=SILENT in tests); AWS_*, POWERTOOLS_* and NODE_* settings are added to all.
   */
  readonly environmentOverrides?: Record<string, string>;
  /**
   * Multiplies the real-time back-off of EventBridge and Scheduler retries (1 by default). Tests
   * set 0 so a failing target does not hold them for minutes; attempts and ages keep their meaning.
   */
  readonly retryBackoffScale?: number;
  /**
   * Validates the state machine definitions in a worker thread, all of them once started, instead
   * of each on the main thread at its first execution (which stalls every AWS call meanwhile):
   * `relance dev` does; see StepFunctionsOptions.validateOffThread.
   */
  readonly validateDefinitionsOffThread?: boolean;
  /** Modules the functions' bundles take in place of others, by absolute path (test fixtures). */
  readonly moduleSubstitutes?: Readonly<Record<string, string>>;
  /** Told about every call IAM refuses (the default writes it to stderr). */
  readonly onDenied?: (denial: Denial) => void;
  /** Web answers for unsigned requests that are not API routes (the page, JSON views). */
  readonly web?: (runtime: LocalRuntime, req: AwsRequest) => Promise<AwsResponse | undefined>;
}

interface PersistedState {
  /** Provider events not yet due (see publishProviderEvents). */
  readonly laterProviderEvents?: LaterProviderEvent[];
  readonly sns: unknown;
  readonly sqs: unknown;
  readonly scheduler: unknown;
  readonly secretsManager?: unknown;
  readonly emails: StoredEmail[];
  readonly clock: number;
}

/**
 * What a provider publishes after a delay, with its time: an event for the default bus (SES's Send
 * a second after the send), or a message for an SNS topic (End User Messaging's receipts).
 */
type LaterProviderEvent =
  | { readonly at: number; readonly event: BusEventEnvelope }
  | {
      readonly at: number;
      readonly notification: {
        readonly topicArn: string;
        readonly message: string;
        readonly publisher: string;
      };
    };

/** A running local system. */
export class LocalRuntime {
  readonly tracker = new WorkTracker();
  readonly clock: LocalClock;
  readonly edge: EdgeServer;
  readonly dynamo: LocalDynamo;
  readonly ses = new LocalSes();
  readonly sns: SnsService;
  readonly sqs: SqsService;
  readonly scheduler: SchedulerService;
  readonly secretsManager: SecretsManagerService;
  readonly smsVoice: SmsVoiceV2Service;
  app!: LocalApp;
  iam!: LocalIam;
  lambdas!: LambdaHost;
  stepFunctions!: StepFunctionsService;
  bus!: EventBusService;
  api!: LocalApiGateway;
  /** Executions that were running when the previous process died, started again at this start. */
  restartedAtStart: RestartedExecution[] = [];
  /** Whether the templates would deploy, as `relance dev` validates them (./template-check.ts); unset elsewhere. */
  templateCheck?: () => TemplateCheck;
  private restoreClock?: () => void;
  private ticker?: NodeJS.Timeout;
  private saver?: NodeJS.Timeout;
  /** Set by a simulated crash: the state on disk stays as the last periodic save left it. */
  private dead = false;
  private stopped = false;
  /** Scheduler target invocations, for cost accounting. */
  scheduleFires = 0;
  /** Those whose target begins a trace (a state machine, an actively traced function). */
  private tracedFires = 0;
  /**
   * Events put without a trace header handed to a Step Functions target or an actively traced
   * function (each begins a trace; a refused handoff none, a PassThrough function none).
   */
  private untracedDeliveries = 0;
  /** Invocations of an actively traced function by SNS for an AWS service's message (End User Messaging receipts): each begins a trace. */
  private serviceNotifications = 0;
  /** Provider events dated after now, by time: put on the bus when the clock reaches them. */
  private laterProviderEvents: LaterProviderEvent[] = [];
  private readonly scheduleRetrier: Retrier;
  /** Schedules whose target could not be invoked (shown like a dead-letter queue). */
  /** Bytes the functions wrote to their logs, as CloudWatch Logs bills ingestion (each line and its event overhead). */
  logBytes = 0;
  /**
   * The JSON log records (EMF metric lines apart) each function wrote, by function name: deployed,
   * each also carries the invocation's X-Ray trace id (bin/cli/cost.ts).
   */
  readonly logRecords = new Map<string, number>();
  /**
   * Of logBytes and of the records, those below WARN (DEBUG and INFO): what the functions would not
   * write at `relance:logging` level WARN (the cost report prices the difference).
   */
  logBytesBelowWarn = 0;
  logRecordsBelowWarn = 0;
  /** Events accepted by the bus and not yet delivered, on disk (with a data directory). */
  private readonly journal: BusJournal | undefined;
  /** Executions started and not yet ended, on disk (with a data directory). */
  private readonly executionJournal: WriteAheadJournal<JournaledExecution> | undefined;
  /** Events a previous process had accepted and not delivered, delivered again at this start. */
  replayedAtStart = 0;
  /** Schedules the journal gave back that the last saved state did not have (a crash since the save). */
  schedulesRecoveredAtStart = 0;
  /** Queue messages (dead letters) the journal gave back that the last saved state did not have. */
  messagesRecoveredAtStart = 0;
  /** Failures tests inject into the stand-ins (local/aws/faults.ts). */
  readonly faults = new FaultInjector();
  /** Metrics the functions wrote in the embedded metric format. */
  readonly metrics = new LocalCloudWatchMetrics();
  readonly failedScheduleInvocations: Array<{
    at: string;
    schedule: string;
    targetArn: string;
    error: string;
  }> = [];

  /** Set when an injected crash fault (`crash-before`, `crash-after`) killed this runtime: it has ended. */
  crashed?: Promise<void>;

  constructor(readonly options: RuntimeOptions) {
    // An injected crash dies as kill -9 would: nothing more written, the work in flight cut off.
    this.faults.onCrash = () => {
      this.crashed ??= this.simulateCrash();
    };
    this.journal = options.dataDir ? busJournal(join(options.dataDir, 'bus-journal.jsonl')) : undefined;
    this.executionJournal = options.dataDir
      ? executionJournal(join(options.dataDir, 'execution-journal.jsonl'))
      : undefined;
    // A persistent runtime resumes journey time where it stopped, so persisted schedules keep their meaning.
    const resumedAt = this.readState()?.clock;
    this.clock =
      options.clock.mode === 'virtual'
        ? new VirtualClock(options.clock.start ?? resumedAt ?? Date.now())
        : new ScaledClock(options.clock.scale, Math.max(resumedAt ?? 0, Date.now()));
    const now = () => this.clock.now();
    this.scheduleRetrier = new Retrier(options.retryBackoffScale ?? 1);
    this.sns = new SnsService({ now });
    this.sqs = new SqsService({
      baseUrl: () => this.endpoint,
      now,
      ...(options.dataDir ? { journal: messageJournal(join(options.dataDir, 'queue-journal.jsonl')) } : {}),
    });
    this.scheduler = new SchedulerService({
      now,
      ...(options.dataDir
        ? { journal: scheduleJournal(join(options.dataDir, 'schedule-journal.jsonl')) }
        : {}),
    });
    this.secretsManager = new SecretsManagerService({ now });
    this.smsVoice = new SmsVoiceV2Service({ now, region: LOCAL_REGION, account: LOCAL_ACCOUNT });
    this.dynamo = new LocalDynamo(options.dataDir ? join(options.dataDir, 'dynamodb') : undefined);
    this.edge = new EdgeServer(() => ({
      dynamodb: (req) => this.dynamo.handle(req),
      eventbridge: this.bus.handler,
      stepfunctions: this.stepFunctions.handler,
      sqs: this.sqs.handler,
      sns: this.sns.handler,
      ses: this.ses.handler,
      scheduler: this.scheduler.handler,
      secretsmanager: this.secretsManager.handler,
      'sms-voice': this.smsVoice.handler,
      web: (req, sourceIp) => this.web(req, sourceIp),
      authorize: (service, req) => this.authorizeRequest(service, req),
      faults: this.faults,
    }));
  }

  /**
   * Backpressure: new work from outside (POST /events and the other API routes, PutEvents from a
   * caller that is not a function) is refused with 429 / ThrottlingException while the backlog of
   * deliveries, executions and invocations is at its limit, instead of being accepted and then
   * timing out into a dead-letter queue.
   */
  accepting(): boolean {
    return this.tracker.size < (this.options.maxBacklog ?? DEFAULT_MAX_BACKLOG);
  }

  get endpoint(): string {
    return this.edge.url;
  }

  /** Whether a request is signed with the credentials of one of the template's functions. */
  private callerIsFunction(req: AwsRequest): boolean {
    return this.iam.principalFor(accessKeyOf(req)) !== undefined;
  }

  /**
   * Requests that began an X-Ray trace, for cost accounting: scheduled invocations, API requests,
   * events put without a trace header (producers', AWS services') given to a Lambda or Step
   * Functions target, and SNS notifications of a service's message; for a Lambda target, only when
   * its tracing is Active (a PassThrough function traces only what arrives sampled). Everything a
   * function calls joins its trace: in Lambda the SDK sends the invocation's trace header with every
   * call, which EventBridge passes to targets and Step Functions to its tasks.
   */
  get traceRoots(): number {
    return this.untracedDeliveries + this.tracedFires + this.api.requestCount + this.serviceNotifications;
  }

  private statePath(): string | undefined {
    return this.options.dataDir ? join(this.options.dataDir, 'state.json') : undefined;
  }

  /** Starts every service; resolves when the system is ready for events. */
  async start(): Promise<this> {
    if (this.options.dataDir) mkdirSync(this.options.dataDir, { recursive: true });
    const endpoint = await this.edge.listen(this.options.port);
    this.app = loadLocalApp(this.options.cdkOut, endpoint);
    this.iam = new LocalIam({
      account: LOCAL_ACCOUNT,
      roles: this.app.roles,
      now: () => this.clock.now(),
      onDenied:
        this.options.onDenied ??
        ((denial) => process.stderr.write(`[iam] AccessDenied: ${denialMessage(denial)}\n`)),
    });
    // Say which conditions cannot be evaluated here: the statements that need them never apply.
    for (const role of this.app.roles) {
      const unsupported = unsupportedOperatorsIn([...role.policies, ...(role.trust ? [role.trust] : [])]);
      if (unsupported.length > 0)
        process.stderr.write(
          `[iam] role ${role.name}: condition operator(s) ${unsupported.join(', ')} not evaluated locally; statements that use them never match\n`,
        );
      if (role.unknownManagedPolicies.length > 0)
        process.stderr.write(
          `[iam] role ${role.name}: managed policies ${role.unknownManagedPolicies.join(', ')} unknown locally; they grant nothing here\n`,
        );
    }
    this.configureEnvironment(endpoint);
    this.restoreClock = useClock(this.clock);
    await this.ses.start();
    this.ses.now = () => this.clock.now();
    await this.dynamo.start();
    const now = () => this.clock.now();

    this.lambdas = new LambdaHost(this.app.functions, {
      projectRoot: this.options.projectRoot,
      now,
      environment: (fn) => this.functionEnvironment(fn),
      bootstrap: { module: LAMBDA_BOOTSTRAP, data: { clock: this.clock.shared } },
      // The functions' SDK calls reach the edge's dispatcher in process; the edge port serves the rest.
      aws: { endpoint: () => this.endpoint, dispatch: (req) => this.edge.dispatchSigned(req) },
      substitutes: this.moduleSubstitutes(),
      // CloudWatch Logs turns EMF lines into metrics (the page shows them); other lines are echoed.
      onLogLine: (fn, line) => {
        const bytes = Buffer.byteLength(line) + LOG_EVENT_OVERHEAD_BYTES;
        this.logBytes += bytes;
        if (this.metrics.ingestLogLine(line)) return true;
        if (line.startsWith('{')) {
          this.logRecords.set(fn.name, (this.logRecords.get(fn.name) ?? 0) + 1);
          if (BELOW_WARN_RECORD.test(line)) {
            this.logBytesBelowWarn += bytes;
            this.logRecordsBelowWarn += 1;
          }
        }
        return this.options.echoFunctionLogs === false;
      },
      onAsyncFailure: async (fn, event, error) => {
        if (!fn.onFailureArn) return;
        // Lambda sends to the on-failure destination with the function's execution role.
        const denied = this.authorizeRole(fn.roleArn, `function ${fn.name}`, [
          { action: 'sqs:SendMessage', resource: fn.onFailureArn },
        ]);
        if (denied) return;
        await this.sendToQueueArn(fn.onFailureArn, {
          requestContext: { functionArn: fn.arn, condition: 'RetriesExhausted' },
          requestPayload: event,
          responsePayload: { errorMessage: String(error) },
        });
      },
    });
    this.stepFunctions = new StepFunctionsService(this.app.stateMachines, {
      ...(this.options.validateDefinitionsOffThread ? { validateOffThread: true } : {}),
      lambdas: this.lambdas,
      tracker: this.tracker,
      now,
      // Retries wait real time, never journey time (--time-scale speeds journeys, not infrastructure).
      retryBackoffScale: this.options.retryBackoffScale ?? 1,
      ...(this.executionJournal ? { journal: this.executionJournal } : {}),
      // A Task calls its function with the state machine's role: lambda:InvokeFunction on it.
      authorizeTask: (machine, resource) => {
        const denied = this.authorizeRole(machine.roleArn, `state machine ${machine.name}`, [
          { action: 'lambda:InvokeFunction', resource },
        ]);
        if (!denied) return undefined;
        const error = new Error(
          `${denialMessage(denied)} (Service: AWSLambda; Status Code: 403; Error Code: AccessDeniedException)`,
        );
        error.name = 'Lambda.AWSLambdaException';
        return error;
      },
    });
    this.bus = new EventBusService({
      rules: this.app.rules,
      buses: this.app.buses,
      now,
      deliver: (target, input, rule, traced) => this.deliver(target, input, rule, traced),
      fromFunction: (req) => this.callerIsFunction(req),
      deadLetter: (arn, event, attributes, rule) => this.deadLetter(arn, event, attributes, rule),
      background: (work) => this.tracker.track(work),
      backoffScale: this.options.retryBackoffScale ?? 1,
      ...(this.journal ? { journal: this.journal } : {}),
      // Functions' own puts are part of work already accepted: only outside callers are held back.
      accepting: (req) => this.callerIsFunction(req) || this.accepting(),
    });
    // SES (configuration-set EventBridge destination) and End User Messaging publish to the default bus.
    this.ses.onSent = (email) =>
      this.publishProviderEvents(
        publishedBySes(sesEventsFor(email, { at: this.clock.now() }), this.app.sesEventDestinations),
      );
    this.sns.onPublish((message) =>
      this.publishProviderEvents(smsDeliveryEventsFor(message, { at: this.clock.now() })),
    );
    // End User Messaging sends every event to the default bus, and to the configuration set's
    // destinations, at the event's time (a receipt comes after the send, not inside it).
    this.smsVoice.onEvent((event) => {
      const at = event.record.eventTimestamp;
      const set = this.app.phone.configurationSets.find((c) => c.name === event.configurationSetName);
      const message = JSON.stringify(event.record);
      this.publishAtTheirTime([
        { at, event: smsVoiceBusEvent(event, { account: LOCAL_ACCOUNT, region: LOCAL_REGION }) },
        ...(set?.snsTopicArns ?? []).map((topicArn) => ({
          at,
          notification: { topicArn, message, publisher: 'sms-voice.amazonaws.com' },
        })),
      ]);
    });
    this.api = new LocalApiGateway({
      routes: this.app.routes,
      stage: this.app.stage,
      lambdas: this.lambdas,
      apiKey: this.options.apiKey,
      now,
      preflights: this.app.preflights,
      throttles: this.app.throttles,
      authorizeInvoke: (route, sourceArn) => this.authorizeApiInvoke(route, sourceArn),
      accepting: () => this.accepting(),
    });

    for (const queue of this.app.queues) this.sqs.ensureQueue(queue.name);
    // Restore first: the saved state replaces the stand-ins', so what the template declares is
    // ensured after it (a journey added since the last start gets its schedule group).
    this.restore();
    for (const group of this.app.scheduleGroups) await this.ensureScheduleGroup(group);
    // After restore: a persisted key is kept, so links in e-mails sent before a restart still work.
    for (const secret of this.app.secrets) this.secretsManager.ensureSecret(secret.arn);
    for (const schedule of this.app.schedules) await this.ensureTemplateSchedule(schedule);
    this.ensurePhoneResources();
    await this.dynamo.createTables(endpoint, this.app.tables);
    // Events a previous process accepted and had not delivered when it died go out again.
    this.replayedAtStart = this.bus.replayJournal();
    // Executions it had started and not seen end begin again, under their own names.
    this.restartedAtStart = this.stepFunctions.restartJournaled();
    if (this.clock.mode === 'scaled') this.startTicking();
    if (this.options.dataDir) {
      // Saved once now: the journey clock must not start over if the process dies before the
      // first periodic save, or the schedules the journal keeps would meet a clock that jumped.
      this.save();
      this.saver = setInterval(() => this.save(), 2_000);
    }
    // Once ready: the validator would share the cores with the start.
    this.stepFunctions.validateDefinitions();
    return this;
  }

  /**
   * This process's own AWS clients (the page, the CLI commands, the tests) reach the stand-ins
   * through the SDK's endpoint variables; they call as an administrator would, unchecked. The
   * functions' variables stay in their own sandboxes.
   */
  private configureEnvironment(endpoint: string): void {
    process.env.AWS_ENDPOINT_URL = endpoint;
    process.env.AWS_REGION = LOCAL_REGION;
    process.env.AWS_ACCESS_KEY_ID ??= 'local';
    process.env.AWS_SECRET_ACCESS_KEY ??= 'local';
    process.env.AWS_EC2_METADATA_DISABLED = 'true';
  }

  /**
   * The environment a function of the template runs with here (see functionEnvironment): for its
   * deployed code run outside the runtime's own sandboxes, whose calls the edge then checks
   * against the function's role like any of its calls.
   */
  environmentOf(entry: string): Record<string, string> {
    const fn = this.app.functions.find((f) => f.entry === entry);
    if (!fn) throw new Error(`no function of the template has the handler ${entry}`);
    return this.functionEnvironment(fn);
  }

  /**
   * A function's whole environment, as Lambda builds it: the template's variables, the reserved
   * ones, and credentials of its execution role (a local access key the edge knows it by).
   */
  private functionEnvironment(fn: LocalFunction): Record<string, string> {
    // Lambda runs the function with its execution role, which must trust lambda.amazonaws.com.
    refuseIf(this.authorizeAssume(fn.roleArn, 'lambda.amazonaws.com', fn.arn));
    const credentials = this.iam.credentialsFor(
      fn.roleArn ?? `arn:aws:iam::${LOCAL_ACCOUNT}:role/none`,
      fn.name,
    );
    const environment: Record<string, string> = {
      ...fn.environment,
      AWS_REGION: LOCAL_REGION,
      AWS_DEFAULT_REGION: LOCAL_REGION,
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      AWS_LAMBDA_FUNCTION_NAME: fn.name,
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memorySize),
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${fn.name}`,
      AWS_LAMBDA_LOG_STREAM_NAME: 'local',
      AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
      TZ: ':UTC',
      // Not Lambda's: the SDK reaches the stand-ins through its own endpoint variables.
      AWS_ENDPOINT_URL: this.endpoint,
      AWS_EC2_METADATA_DISABLED: 'true',
      // The function runs on nodejs22.x in AWS: the SDK's warning about this machine's Node is not its.
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      // No X-Ray daemon locally: Powertools Tracer would otherwise trace (the environment says Lambda).
      POWERTOOLS_TRACE_ENABLED: 'false',
    };
    // Links in messages point at the local API routes, not at the template's execute-api URL.
    if (environment[PREFERENCES_ENV.publicBaseUrl] !== undefined)
      environment[PREFERENCES_ENV.publicBaseUrl] = `${this.endpoint}/${this.app.stage}/`;
    // An override replaces a variable the template gives the function; it adds one only when it is
    // a setting of the SDK or the runtime (AWS_*, POWERTOOLS_*, NODE_*), so it cannot hide a
    // variable the template forgot.
    for (const [name, value] of Object.entries(this.options.environmentOverrides ?? {})) {
      if (name in environment || /^(AWS_|POWERTOOLS_|NODE_)/.test(name)) environment[name] = value;
    }
    return environment;
  }

  /** Checks calls a role makes (a state machine's, a rule target's, a schedule's); the denial, if any. */
  private authorizeRole(roleArn: string | undefined, who: string, checks: IamCheck[]): Denial | undefined {
    if (!roleArn) {
      const first = checks[0];
      return this.iam.deny(who, first?.action ?? '?', first?.resource ?? '?', 'because it has no role');
    }
    return this.iam.authorize(roleArn, checks);
  }

  /**
   * A service (EventBridge, API Gateway, SNS) invoking a function on its own behalf: the function's
   * resource-based policy must allow it from that source.
   */
  private authorizeServiceInvoke(fn: LocalFunction, service: string, sourceArn: string): Denial | undefined {
    const decision = evaluateResourcePolicy(fn.resourcePolicy ?? [], service, {
      action: 'lambda:InvokeFunction',
      resource: fn.arn,
      context: { 'aws:SourceArn': sourceArn, 'aws:SourceAccount': LOCAL_ACCOUNT },
    });
    if (decision === 'Allow') return undefined;
    return this.iam.deny(
      service,
      'lambda:InvokeFunction',
      fn.arn,
      `because no resource-based policy allows it from ${sourceArn}`,
    );
  }

  /** The role a service assumes must trust it (its trust policy names the service). */
  private authorizeAssume(
    roleArn: string | undefined,
    service: string,
    resource: string,
  ): Denial | undefined {
    if (roleArn && this.iam.trusts(roleArn, service, { 'aws:SourceAccount': LOCAL_ACCOUNT }))
      return undefined;
    return this.iam.deny(
      service,
      'sts:AssumeRole',
      roleArn ?? '(no role)',
      `because the role's trust policy does not allow ${service} (for ${resource})`,
    );
  }

  /** API Gateway invokes a route's function with its permission, or with the integration's role. */
  private authorizeApiInvoke(
    route: { functionArn: string; credentialsRoleArn?: string },
    sourceArn: string,
  ): Denial | undefined {
    const fn = this.lambdas.find(route.functionArn);
    if (!fn) return undefined;
    if (route.credentialsRoleArn)
      return (
        this.authorizeAssume(route.credentialsRoleArn, 'apigateway.amazonaws.com', sourceArn) ??
        this.iam.authorize(route.credentialsRoleArn, [{ action: 'lambda:InvokeFunction', resource: fn.arn }])
      );
    return this.authorizeServiceInvoke(fn, 'apigateway.amazonaws.com', sourceArn);
  }

  /** IAM at the edge: a request signed with a function's key is checked against its role. */
  private authorizeRequest(
    service: Parameters<typeof checksFor>[0],
    req: AwsRequest,
  ): AwsResponse | undefined {
    const principal = this.iam.principalFor(accessKeyOf(req));
    if (!principal) return undefined;
    const checks = checksFor(service, req, {
      region: LOCAL_REGION,
      account: LOCAL_ACCOUNT,
      secretArn: (secretId) => this.secretsManager.arnOf(secretId),
      originationArn: (reference) => this.smsVoice.originationArn(reference),
    });
    const denial = this.iam.authorize(principal, checks);
    return denial ? accessDeniedResponse(service, denialMessage(denial)) : undefined;
  }

  /**
   * The journey functions run the journey versions the cloud assembly was synthesized with (the file
   * synth.ts writes beside the templates), not whatever the source tree holds now: their bundles get
   * a generated module in place of workflows/versions/deployed.ts.
   */
  private moduleSubstitutes(): Record<string, string> {
    const substitutes: Record<string, string> = { ...this.options.moduleSubstitutes };
    const file = join(this.options.cdkOut, JOURNEY_VERSIONS_FILE);
    if (existsSync(file)) {
      const module = join(this.options.cdkOut, 'relance-deployed-journeys.mjs');
      writeFileSync(module, `export const deployedCatalog = ${readFileSync(file, 'utf8')};\n`);
      substitutes[DEPLOYED_JOURNEYS_MODULE] = module;
    }
    return substitutes;
  }

  private async ensureScheduleGroup(name: string): Promise<void> {
    if (name === 'default' || this.scheduler.groups().some((g) => g.Name === name)) return;
    await this.scheduler.handler({
      method: 'POST',
      path: `/schedule-groups/${encodeURIComponent(name)}`,
      query: new URLSearchParams(),
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
  }

  /** Creates a schedule the template declares, unless a restored state already has it. */
  private async ensureTemplateSchedule(schedule: LocalSchedule): Promise<void> {
    if (
      this.scheduler.schedules().some((s) => s.Name === schedule.name && s.GroupName === schedule.groupName)
    )
      return;
    const response = await this.scheduler.handler({
      method: 'POST',
      path: `/schedules/${encodeURIComponent(schedule.name)}`,
      query: new URLSearchParams(),
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        GroupName: schedule.groupName,
        ScheduleExpression: schedule.expression,
        ...(schedule.timezone ? { ScheduleExpressionTimezone: schedule.timezone } : {}),
        State: schedule.state,
        FlexibleTimeWindow: { Mode: 'OFF' },
        Target: {
          Arn: schedule.target.arn,
          RoleArn: schedule.target.roleArn,
          ...(schedule.target.input ? { Input: schedule.target.input } : {}),
          ...(schedule.target.retryPolicy ? { RetryPolicy: schedule.target.retryPolicy } : {}),
          ...(schedule.target.deadLetterArn
            ? { DeadLetterConfig: { Arn: schedule.target.deadLetterArn } }
            : {}),
        },
      }),
    });
    if (response.status >= 300)
      throw new Error(`template schedule ${schedule.name} refused: ${response.body}`);
  }

  /**
   * The template's End User Messaging numbers and opt-out lists, in the stand-in: each number gets
   * a local phone number (+1 206 555 01xx) and keeps the id its ARN names.
   */
  private ensurePhoneResources(): void {
    for (const list of this.app.phone.optOutLists) this.smsVoice.createOptOutList(list);
    for (const [index, number] of this.app.phone.numbers.entries()) {
      this.smsVoice.addOriginationIdentity(`+1206555${String(100 + index).padStart(4, '0')}`, {
        id: number.id,
        ...(number.optOutListName ? { optOutListName: number.optOutListName } : {}),
      });
    }
  }

  /**
   * Publishes a message to a topic as SNS does for its Lambda subscribers: each subscribed function
   * is invoked asynchronously with the notification, when its resource policy lets SNS invoke it
   * for that topic (else the denial is recorded, as a missing permission would drop it in AWS).
   * `publisher` is the service that publishes (the topic policy allows it).
   */
  private publishToTopic(topicArn: string, message: string, publisher: string): void {
    const topic = this.app.topics.find((t) => t.arn === topicArn);
    if (!topic) return;
    for (const subscription of this.app.subscriptions.filter((s) => s.topicArn === topicArn)) {
      const fn = this.app.functions.find((f) => f.arn === subscription.functionArn);
      if (!fn) continue;
      const allowed =
        evaluateResourcePolicy(fn.resourcePolicy ?? [], 'sns.amazonaws.com', {
          action: 'lambda:InvokeFunction',
          resource: fn.arn,
          context: { 'aws:SourceArn': topicArn, 'aws:SourceAccount': LOCAL_ACCOUNT },
        }) === 'Allow';
      if (!allowed) {
        this.iam.deny(
          'sns.amazonaws.com',
          'lambda:InvokeFunction',
          fn.arn,
          `because no resource-based policy allows it from ${topicArn} (published by ${publisher})`,
        );
        continue;
      }
      const notification = snsNotification({ topicArn, message, at: this.clock.now() });
      if (this.beginsTrace(fn.arn)) this.serviceNotifications++;
      this.tracker.track(() => this.lambdas.invokeAsync(fn.arn, notification));
    }
  }

  /**
   * Puts on the bus what a provider publishes now and keeps what it publishes later for its time:
   * SES's Delivery comes a second after its Send, not with it (two events of one message handled
   * at the same instant would race on its ledger entry, which SES's timing seldom makes happen).
   */
  private publishProviderEvents(events: readonly BusEventEnvelope[]): void {
    this.publishAtTheirTime(events.map((event) => ({ at: Date.parse(event.time), event })));
  }

  /** Publishes what is due now and keeps the rest, in time order, for putDueProviderEvents. */
  private publishAtTheirTime(items: readonly LaterProviderEvent[]): void {
    const now = this.clock.now();
    for (const item of items) {
      if (item.at > now) this.laterProviderEvents.push(item);
      else this.publishProviderItem(item);
    }
    // Stable: events of the same second keep the order their provider gave them.
    this.laterProviderEvents.sort((a, b) => a.at - b.at);
  }

  private publishProviderItem(item: LaterProviderEvent): void {
    if ('event' in item) this.putProviderEvent(item.event);
    else
      this.publishToTopic(item.notification.topicArn, item.notification.message, item.notification.publisher);
  }

  /** Puts the provider events that are due. */
  private putDueProviderEvents(): void {
    const now = this.clock.now();
    let due = 0;
    while (due < this.laterProviderEvents.length && (this.laterProviderEvents[due]?.at ?? 0) <= now) due++;
    for (const later of this.laterProviderEvents.splice(0, due)) this.publishProviderItem(later);
  }

  /** Puts an event an AWS service publishes itself (SES, End User Messaging) on the default bus. */
  private putProviderEvent(event: BusEventEnvelope): void {
    this.bus.put({
      busName: 'default',
      source: event.source,
      detailType: event['detail-type'],
      detail: event.detail,
      time: event.time,
      resources: event.resources,
    });
  }

  /**
   * A recipient's SMS reply (two-way SMS): the inbound topic's function receives the notification
   * SNS would deliver. An opt-out keyword also puts the number on the opt-out list, as End User
   * Messaging does.
   */
  async receiveSms(from: string, body: string): Promise<void> {
    const fn = this.app.functions.find((f) => f.entry === 'functions/delivery/sms-inbound-handler.ts');
    if (!fn) throw new Error('the template has no sms-inbound function');
    if (smsKeyword(body)?.kind === 'opt_out') {
      this.sns.optOut(from);
      // End User Messaging puts the number on the opt-out list of the number it replied to.
      for (const identity of this.smsVoice.identities()) this.smsVoice.optOut(from, identity.optOutListName);
    }
    const notification = inboundSmsNotification({ from, body, at: this.clock.now() });
    // SNS delivers to its Lambda subscriber with the function's permission for the topic.
    const topics = this.app.topics.map((t) => t.arn);
    const allowed = topics.some(
      (topic) =>
        evaluateResourcePolicy(fn.resourcePolicy ?? [], 'sns.amazonaws.com', {
          action: 'lambda:InvokeFunction',
          resource: fn.arn,
          context: { 'aws:SourceArn': topic, 'aws:SourceAccount': LOCAL_ACCOUNT },
        }) === 'Allow',
    );
    if (!allowed) {
      this.iam.deny(
        'sns.amazonaws.com',
        'lambda:InvokeFunction',
        fn.arn,
        `because no resource-based policy allows it from ${topics.join(', ') || 'a topic'}`,
      );
      return;
    }
    this.tracker.track(() => this.lambdas.invokeAsync(fn.arn, notification));
    await this.idle();
  }

  /** POST /_relance/sms/inbound `{ "from": "+1...", "body": "STOP" }`: simulates a reply. */
  private async inboundSmsEndpoint(req: AwsRequest): Promise<AwsResponse> {
    const answer = (status: number, payload: unknown): AwsResponse => ({
      status,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(payload),
    });
    let json: unknown;
    try {
      json = JSON.parse(req.body || '{}');
    } catch {
      return answer(400, { errors: [{ field: 'body', message: 'is not JSON' }] });
    }
    const request = z
      .object({
        from: z.string().regex(/^\+[1-9]\d{1,14}$/, 'must be an E.164 number'),
        body: z.string().min(1),
      })
      .safeParse(json);
    if (!request.success) {
      return answer(400, {
        errors: request.error.issues.map((i) => ({ field: i.path.join('.') || 'body', message: i.message })),
      });
    }
    await this.receiveSms(request.data.from, request.data.body);
    return answer(202, { accepted: true });
  }

  /** Delivers an event to a rule's target as EventBridge does, with the rule's permissions. */
  private async deliver(
    target: LocalRuleTarget,
    input: unknown,
    rule: LocalRule,
    traced: boolean,
  ): Promise<{ settled: Promise<unknown> } | undefined> {
    const source = rule.arn ?? rule.name;
    if (target.arn.includes(':states:')) {
      // EventBridge starts an execution with the target's role.
      refuseIf(
        this.authorizeAssume(target.roleArn, 'events.amazonaws.com', source) ??
          this.authorizeRole(target.roleArn, `rule ${rule.name}`, [
            { action: 'states:StartExecution', resource: target.arn },
          ]),
      );
      if (!traced && this.beginsTrace(target.arn)) this.untracedDeliveries++;
      this.startExecution(target.arn, input);
      return;
    }
    if (target.arn.includes(':lambda:')) {
      const fn = this.lambdas.find(target.arn);
      if (!fn) throw namedError('ResourceNotFoundException', `Function not found: ${target.arn}`);
      // A Lambda target is invoked with the function's permission for the rule, not with a role.
      refuseIf(this.authorizeServiceInvoke(fn, 'events.amazonaws.com', source));
      // EventBridge hands the event to Lambda asynchronously; Lambda then retries on its own.
      if (!traced && this.beginsTrace(fn.arn)) this.untracedDeliveries++;
      const settled = this.lambdas.invokeAsync(target.arn, input);
      this.tracker.track(() => settled);
      return { settled };
    }
    if (target.arn.includes(':sqs:')) {
      refuseIf(this.authorizeQueueSend(target.arn, 'events.amazonaws.com', source));
      await this.sendToQueueArn(target.arn, input);
      return;
    }
    if (target.arn.includes(':api-destination/')) {
      refuseIf(
        this.authorizeAssume(target.roleArn, 'events.amazonaws.com', source) ??
          this.authorizeRole(target.roleArn, `rule ${rule.name}`, [
            { action: 'events:InvokeApiDestination', resource: target.arn },
          ]),
      );
      await this.callApiDestination(target.arn, input);
      return;
    }
    throw namedError('ValidationException', `Target type not supported locally: ${target.arn}`);
  }

  /** StartExecution on behalf of a service: a missing state machine is the API's error. */
  private startExecution(arn: string, input: unknown): void {
    try {
      this.stepFunctions.startExecution(arn, input);
    } catch (error) {
      throw namedError('StateMachineDoesNotExist', error instanceof Error ? error.message : String(error));
    }
  }

  /**
   * A service sending to a queue on its own behalf (a dead-letter queue, a queue target): the
   * queue's policy must allow it from that source, when the template gives the queue a policy.
   */
  private authorizeQueueSend(queueArn: string, service: string, sourceArn: string): Denial | undefined {
    const queue = this.app.queues.find((q) => q.arn === queueArn);
    if (!queue?.resourcePolicy) return undefined;
    const decision = evaluateResourcePolicy(queue.resourcePolicy, service, {
      action: 'sqs:SendMessage',
      resource: queueArn,
      // Services reach SQS over TLS, from this account.
      context: {
        'aws:SourceArn': sourceArn,
        'aws:SourceAccount': LOCAL_ACCOUNT,
        'aws:SecureTransport': 'true',
      },
    });
    if (decision === 'Allow') return undefined;
    return this.iam.deny(
      service,
      'sqs:SendMessage',
      queueArn,
      decision === 'ExplicitDeny'
        ? 'with an explicit deny in the queue policy'
        : `because the queue policy does not allow it from ${sourceArn}`,
    );
  }

  /**
   * An API destination: the event as JSON to its endpoint, with the connection's API key header
   * (its value read from the secret the connection names). Anything but a 2xx is a failed delivery.
   */
  private async callApiDestination(arn: string, input: unknown): Promise<void> {
    const destination = this.app.apiDestinations.find((d) => d.arn === arn);
    if (!destination) throw new Error(`ResourceNotFoundException: API destination not found: ${arn}`);
    const headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8' };
    if (destination.apiKey) {
      const value = this.secretsManager.valueOf(destination.apiKey.secretName);
      if (value === undefined) {
        throw new Error(`the connection's secret ${destination.apiKey.secretName} does not exist`);
      }
      headers[destination.apiKey.header] = value;
    }
    const answer = await fetch(destination.endpoint, {
      method: destination.httpMethod,
      headers,
      body: JSON.stringify(input),
      signal: AbortSignal.timeout(5_000),
    });
    if (!answer.ok)
      throw Object.assign(new Error(`API destination answered ${answer.status}`), {
        statusCode: answer.status,
      });
  }

  /** EventBridge sends an undeliverable event to the target's dead-letter queue, if the queue lets it. */
  private async deadLetter(
    arn: string,
    event: BusEventEnvelope,
    attributes: Record<string, string>,
    rule: LocalRule,
  ): Promise<void> {
    if (this.authorizeQueueSend(arn, 'events.amazonaws.com', rule.arn ?? rule.name)) return;
    await this.sendToQueueArn(arn, event, attributes);
  }

  /** Sends a message to a queue by ARN through the SQS stand-in's own API. */
  async sendToQueueArn(arn: string, body: unknown, attributes: Record<string, string> = {}): Promise<void> {
    const name = arn.split(':').at(-1) ?? '';
    const client = new SQSClient({ endpoint: this.endpoint, region: 'us-east-1' });
    try {
      await client.send(
        new SendMessageCommand({
          QueueUrl: this.sqs.queueUrl(name),
          MessageBody: JSON.stringify(body),
          ...(Object.keys(attributes).length > 0
            ? {
                MessageAttributes: Object.fromEntries(
                  Object.entries(attributes).map(([k, v]) => [
                    k,
                    { DataType: 'String', StringValue: v.slice(0, 1000) },
                  ]),
                ),
              }
            : {}),
        }),
      );
    } finally {
      client.destroy();
    }
  }

  /** Fires every schedule due at the current time (and puts the provider events that are due). */
  fireDueSchedules(): number {
    this.putDueProviderEvents();
    const due = this.scheduler.due(this.clock.now());
    for (const { schedule, scheduledTime } of due) {
      if (!this.scheduler.markFired(schedule.Name, schedule.GroupName, scheduledTime)) continue;
      this.scheduleFires++;
      if (this.beginsTrace(schedule.Target.Arn)) this.tracedFires++;
      this.tracker.track(() => this.invokeScheduleTarget(schedule));
    }
    return due.length;
  }

  /** Whether an invocation of this target without a trace header begins one: a traced state machine or function. */
  private beginsTrace(arn: string): boolean {
    if (arn.includes(':lambda:')) return this.lambdas.find(arn)?.tracing === 'Active';
    return arn.includes(':states:');
  }

  /**
   * Scheduler invokes a schedule's target with the schedule's role, retrying as its retry policy
   * says; after that, the invocation goes to the schedule's dead-letter queue (also sent with the
   * role) or, without one, is recorded as failed.
   */
  private async invokeScheduleTarget(schedule: Schedule): Promise<void> {
    const arn = schedule.Target.Arn;
    const roleArn = schedule.Target.RoleArn;
    const input = schedule.Target.Input ? JSON.parse(schedule.Target.Input) : {};
    const who = `schedule ${schedule.GroupName}/${schedule.Name}`;
    const action = arn.includes(':states:')
      ? 'states:StartExecution'
      : arn.includes(':lambda:')
        ? 'lambda:InvokeFunction'
        : arn.includes(':sqs:')
          ? 'sqs:SendMessage'
          : undefined;
    const outcome = await this.scheduleRetrier.run(
      async () => {
        if (!action) throw namedError('ValidationException', `Target type not supported locally: ${arn}`);
        refuseIf(
          this.authorizeAssume(roleArn, 'scheduler.amazonaws.com', schedule.Arn) ??
            this.authorizeRole(roleArn, who, [{ action, resource: arn }]),
        );
        if (action === 'states:StartExecution') this.startExecution(arn, input);
        else if (action === 'lambda:InvokeFunction') {
          if (!this.lambdas.find(arn))
            throw namedError('ResourceNotFoundException', `Function not found: ${arn}`);
          this.tracker.track(() => this.lambdas.invokeAsync(arn, input));
        } else await this.sendToQueueArn(arn, input);
      },
      {
        maxRetries: schedule.Target.RetryPolicy?.MaximumRetryAttempts ?? 185,
        maxEventAgeSeconds: schedule.Target.RetryPolicy?.MaximumEventAgeInSeconds ?? 86_400,
      },
    );
    if (outcome.ok) return;
    const deadLetterArn = schedule.Target.DeadLetterConfig?.Arn;
    if (deadLetterArn) {
      const denied = this.authorizeRole(roleArn, who, [
        { action: 'sqs:SendMessage', resource: deadLetterArn },
      ]);
      if (!denied) {
        await this.sendToQueueArn(deadLetterArn, input, {
          ERROR_CODE: outcome.errorCode ?? 'Error',
          ERROR_MESSAGE: outcome.error ?? '',
          ...(outcome.condition === 'NotRetryable'
            ? {}
            : { EXHAUSTED_RETRY_CONDITION: String(outcome.condition) }),
          RETRY_ATTEMPTS: String(outcome.attempts - 1),
          SCHEDULE_ARN: schedule.Arn,
          TARGET_ARN: arn,
        });
        return;
      }
    }
    this.failedScheduleInvocations.push({
      at: new Date(this.clock.now()).toISOString(),
      schedule: `${schedule.GroupName}/${schedule.Name}`,
      targetArn: arn,
      error: outcome.error ?? '',
    });
  }

  private startTicking(): void {
    const tick = () => {
      if (this.stopped) return;
      this.fireDueSchedules();
      this.ticker = setTimeout(tick, 100);
    };
    tick();
  }

  /** Moves a virtual clock forward, firing the schedules due on the way in order, waiting for the work each causes. */
  async advance(ms: number): Promise<void> {
    if (!(this.clock instanceof VirtualClock)) throw new Error('advance() needs the virtual clock');
    const target = this.clock.now() + ms;
    await this.idle();
    for (;;) {
      const next = Math.min(
        this.scheduler.nextDueAt() ?? Number.POSITIVE_INFINITY,
        this.laterProviderEvents[0]?.at ?? Number.POSITIVE_INFINITY,
      );
      if (next > target) break;
      this.clock.set(next);
      this.fireDueSchedules();
      await this.idle();
    }
    this.clock.set(target);
    this.fireDueSchedules();
    await this.idle();
  }

  /** Resolves when no event delivery, execution or invocation is in progress. */
  async idle(): Promise<void> {
    await this.tracker.idle();
  }

  /** Requests that are not AWS API calls: API routes first, then the page and JSON views. */
  private async web(req: AwsRequest, sourceIp: string): Promise<AwsResponse> {
    if (req.path.startsWith('/_relance/')) {
      const refused = controlRouteRefusal(req, this.endpoint);
      if (refused) return refused;
    }
    if (req.method === 'POST' && req.path === '/_relance/sms/inbound') return this.inboundSmsEndpoint(req);
    if (this.api.match(req.method, req.path) || (req.method !== 'GET' && this.api.servesPath(req.path))) {
      return this.api.handle(req, sourceIp);
    }
    const answer = await this.options.web?.(this, req);
    return (
      answer ?? {
        status: 404,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ message: 'Not found' }),
      }
    );
  }

  /** Executions still running (with a data directory they begin again at the next start). */
  runningExecutions(): Execution[] {
    return this.stepFunctions.executions.filter((e) => e.status === 'RUNNING');
  }

  private readState(): PersistedState | undefined {
    const path = this.statePath();
    if (!path || !existsSync(path)) return undefined;
    try {
      return JSON.parse(readFileSync(path, 'utf8')) as PersistedState;
    } catch (error) {
      // Saved whole since (writeFileAtomically); a file a stop cut short before stays unreadable.
      throw new Error(
        `${path} cannot be read (${error instanceof Error ? error.message : String(error)}): a stop was cut short while saving it. ` +
          `Move it aside to start with the saved tables but without the saved schedules, queue messages and outbox, or remove ${this.options.dataDir} to start afresh`,
      );
    }
  }

  private restore(): void {
    const state = this.readState();
    if (state) {
      this.sns.restore(state.sns);
      this.sqs.restore(state.sqs);
      this.scheduler.restore(state.scheduler);
      if (state.secretsManager !== undefined) this.secretsManager.restore(state.secretsManager);
      this.ses.restore(state.emails ?? []);
      this.laterProviderEvents = [...(state.laterProviderEvents ?? [])];
    }
    // Schedules and queue messages written since the last save (or with no save at all) come back from their journals.
    this.schedulesRecoveredAtStart = this.scheduler.adoptJournal();
    this.messagesRecoveredAtStart = this.sqs.adoptJournal();
  }

  /** Writes the stand-ins' state (DynamoDB persists itself) next to the LevelDB store. */
  save(): void {
    const path = this.statePath();
    if (!path || this.dead) return;
    const state: PersistedState = {
      sns: this.sns.snapshot(),
      sqs: this.sqs.snapshot(),
      scheduler: this.scheduler.snapshot(),
      secretsManager: this.secretsManager.snapshot(),
      emails: this.ses.emails(),
      laterProviderEvents: this.laterProviderEvents,
      clock: this.clock.now(),
    };
    writeFileAtomically(path, JSON.stringify(state));
  }

  /**
   * Dies as `kill -9` would, for tests: nothing more is written (no state saved, the bus journal
   * closed), then the services are torn down under the work in flight.
   */
  async simulateCrash(): Promise<void> {
    this.closeJournals();
    if (this.saver) clearInterval(this.saver);
    this.saver = undefined;
    this.dead = true;
    await this.stop();
  }

  /** The journals write nothing more: what is open in them stays open for the next start. */
  private closeJournals(): void {
    this.journal?.close();
    this.executionJournal?.close();
    this.scheduler.closeJournal();
    this.sqs.closeJournal();
  }

  /** Stops everything and releases the port; saves state first when persistent. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.ticker) clearTimeout(this.ticker);
    if (this.saver) clearInterval(this.saver);
    this.bus?.close();
    this.scheduleRetrier.close();
    this.save();
    // What is still in flight stays open in the journals (the teardown below cuts it off): the
    // next start delivers those events and begins those executions again.
    this.closeJournals();
    await this.lambdas?.close();
    await this.stepFunctions?.close();
    await this.edge.close();
    await this.ses.close();
    await this.dynamo.close();
    this.restoreClock?.();
  }
}

/** An error with an AWS error name, as a service call fails. */
function namedError(name: string, message: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

/** Throws a denial as the AccessDeniedException the calling service meets. */
function refuseIf(denial: Denial | undefined): void {
  if (denial) throw namedError('AccessDeniedException', denialMessage(denial));
}

/** Starts a local runtime. */
export async function startLocalRuntime(options: RuntimeOptions): Promise<LocalRuntime> {
  const runtime = new LocalRuntime(options);
  try {
    return await runtime.start();
  } catch (error) {
    await runtime.stop().catch(() => undefined);
    throw error;
  }
}
