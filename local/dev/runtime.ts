/**
 * The local runtime: the whole system in one process from the synthesized template, on one edge
 * port. DynamoDB (dynalite), EventBridge (bus and rules), Lambda (the production handler modules),
 * Step Functions (aws-local-stepfunctions), EventBridge Scheduler, SES (aws-ses-v2-local), SNS and
 * SQS stand-ins, and the API Gateway routes. Used by `relance dev`, `relance simulate` and the tests.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { z } from 'zod';
import { useClock } from '#platform/clock.ts';
import { PREFERENCES_ENV } from '#platform/preferences-env.ts';
import { smsKeyword } from '../../functions/delivery/provider-feedback.ts';
import { JOURNEY_VERSIONS_FILE, JOURNEY_VERSIONS_VARIABLE } from '../../workflows/versions/index.ts';
import { LocalApiGateway } from '../aws/api-gateway.ts';
import { type LocalClock, ScaledClock, VirtualClock } from '../aws/clock.ts';
import { LocalDynamo } from '../aws/dynamodb.ts';
import { EdgeServer } from '../aws/edge.ts';
import { type BusEventEnvelope, EventBusService } from '../aws/eventbridge/bus.ts';
import { LambdaHost } from '../aws/lambda-host.ts';
import type { AwsRequest, AwsResponse } from '../aws/protocol.ts';
import { SchedulerService } from '../aws/scheduler/scheduler.ts';
import { SecretsManagerService } from '../aws/secrets-manager.ts';
import { LocalSes, type StoredEmail } from '../aws/ses.ts';
import { SnsService } from '../aws/sns.ts';
import { SqsService } from '../aws/sqs.ts';
import { type Execution, StepFunctionsService } from '../aws/step-functions.ts';
import { type LocalApp, type LocalRuleTarget, type LocalSchedule, loadLocalApp } from '../aws/template.ts';
import { WorkTracker } from '../aws/work-tracker.ts';
import { sesEventsFor } from './ses-feedback.ts';
import { inboundSmsNotification, smsDeliveryEventsFor } from './sms-feedback.ts';

export interface RuntimeOptions {
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
  /** Variables set after the template's (e.g. POWERTOOLS_LOG_LEVEL=SILENT in tests). */
  readonly environmentOverrides?: Record<string, string>;
  /** Web answers for unsigned requests that are not API routes (the page, JSON views). */
  readonly web?: (runtime: LocalRuntime, req: AwsRequest) => Promise<AwsResponse | undefined>;
}

export interface InterruptedExecution {
  readonly executionArn: string;
  readonly stateMachineArn: string;
  readonly input: unknown;
  readonly startedAt: string;
}

interface PersistedState {
  readonly sns: unknown;
  readonly sqs: unknown;
  readonly scheduler: unknown;
  readonly secretsManager?: unknown;
  readonly emails: StoredEmail[];
  readonly clock: number;
  readonly interrupted: InterruptedExecution[];
}

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
  app!: LocalApp;
  lambdas!: LambdaHost;
  stepFunctions!: StepFunctionsService;
  bus!: EventBusService;
  api!: LocalApiGateway;
  /** Executions that were running when the previous process stopped (reported, not resumed). */
  interruptedAtStart: InterruptedExecution[] = [];
  private restoreClock?: () => void;
  private ticker?: NodeJS.Timeout;
  private saver?: NodeJS.Timeout;
  private stopped = false;
  /** Scheduler target invocations, for cost accounting. */
  scheduleFires = 0;
  /** Schedules whose target could not be invoked (shown like a dead-letter queue). */
  readonly failedScheduleInvocations: Array<{
    at: string;
    schedule: string;
    targetArn: string;
    error: string;
  }> = [];

  constructor(readonly options: RuntimeOptions) {
    // A persistent runtime resumes journey time where it stopped, so persisted schedules keep their meaning.
    const resumedAt = this.readState()?.clock;
    this.clock =
      options.clock.mode === 'virtual'
        ? new VirtualClock(options.clock.start ?? resumedAt ?? Date.now())
        : new ScaledClock(options.clock.scale, Math.max(resumedAt ?? 0, Date.now()));
    const now = () => this.clock.now();
    this.sns = new SnsService({ now });
    this.sqs = new SqsService({ baseUrl: () => this.endpoint, now });
    this.scheduler = new SchedulerService({ now });
    this.secretsManager = new SecretsManagerService({ now });
    this.dynamo = new LocalDynamo(options.dataDir ? join(options.dataDir, 'dynamodb') : undefined);
    this.edge = new EdgeServer(() => ({
      dynamodb: (req, res) => this.dynamo.handle(req, res),
      eventbridge: this.bus.handler,
      stepfunctions: this.stepFunctions.handler,
      sqs: this.sqs.handler,
      sns: this.sns.handler,
      ses: this.ses.handler,
      scheduler: this.scheduler.handler,
      secretsmanager: this.secretsManager.handler,
      web: (req, sourceIp) => this.web(req, sourceIp),
    }));
  }

  get endpoint(): string {
    return this.edge.url;
  }

  private statePath(): string | undefined {
    return this.options.dataDir ? join(this.options.dataDir, 'state.json') : undefined;
  }

  /** Starts every service; resolves when the system is ready for events. */
  async start(): Promise<this> {
    if (this.options.dataDir) mkdirSync(this.options.dataDir, { recursive: true });
    const endpoint = await this.edge.listen(this.options.port);
    this.app = loadLocalApp(this.options.cdkOut, endpoint);
    this.configureEnvironment(endpoint);
    this.restoreClock = useClock(this.clock);
    await this.ses.start();
    this.ses.now = () => this.clock.now();
    await this.dynamo.start();
    const now = () => this.clock.now();

    this.lambdas = new LambdaHost(this.app.functions, {
      projectRoot: this.options.projectRoot,
      now,
      onAsyncFailure: async (fn, event, error) => {
        if (fn.onFailureArn)
          await this.sendToQueueArn(fn.onFailureArn, {
            requestContext: { functionArn: fn.arn, condition: 'RetriesExhausted' },
            requestPayload: event,
            responsePayload: { errorMessage: String(error) },
          });
      },
    });
    this.stepFunctions = new StepFunctionsService(this.app.stateMachines, {
      lambdas: this.lambdas,
      tracker: this.tracker,
      now,
      retryDelayMs: (seconds) =>
        this.clock instanceof ScaledClock ? (seconds * 1000) / this.clock.scale : 0,
    });
    this.bus = new EventBusService({
      rules: this.app.rules,
      buses: this.app.buses,
      now,
      deliver: (target, input) => this.deliver(target, input),
      deadLetter: (arn, event, error, rule) => this.deadLetter(arn, event, error, rule),
      background: (work) => this.tracker.track(work),
    });
    // SES (configuration-set EventBridge destination) and End User Messaging publish to the default bus.
    this.ses.onSent = (email) => {
      for (const event of sesEventsFor(email, { at: this.clock.now() })) this.putProviderEvent(event);
    };
    this.sns.onPublish((message) => {
      for (const event of smsDeliveryEventsFor(message, { at: this.clock.now() }))
        this.putProviderEvent(event);
    });
    this.api = new LocalApiGateway({
      routes: this.app.routes,
      stage: this.app.stage,
      lambdas: this.lambdas,
      apiKey: this.options.apiKey,
      now,
    });

    for (const queue of this.app.queues) this.sqs.ensureQueue(queue.name);
    // Restore first: the saved state replaces the stand-ins', so what the template declares is
    // ensured after it (a journey added since the last start gets its schedule group).
    this.restore();
    for (const group of this.app.scheduleGroups) await this.ensureScheduleGroup(group);
    // After restore: a persisted key is kept, so links in e-mails sent before a restart still work.
    for (const secret of this.app.secrets) this.secretsManager.ensureSecret(secret.arn);
    for (const schedule of this.app.schedules) await this.ensureTemplateSchedule(schedule);
    await this.dynamo.createTables(endpoint, this.app.tables);
    await this.lambdas.warm();
    if (this.clock.mode === 'scaled') this.startTicking();
    if (this.options.dataDir) this.saver = setInterval(() => this.save(), 2_000);
    return this;
  }

  /** The AWS SDK inside handlers reaches the stand-ins through its own endpoint variables. */
  private configureEnvironment(endpoint: string): void {
    process.env.AWS_ENDPOINT_URL = endpoint;
    process.env.AWS_REGION = 'us-east-1';
    process.env.AWS_ACCESS_KEY_ID ??= 'local';
    process.env.AWS_SECRET_ACCESS_KEY ??= 'local';
    process.env.AWS_EC2_METADATA_DISABLED = 'true';
    const seen = new Map<string, string>();
    for (const fn of this.app.functions) {
      for (const [name, value] of Object.entries(fn.environment)) {
        const previous = seen.get(name);
        if (previous !== undefined && previous !== value) {
          throw new Error(`Functions disagree on ${name}; the local runtime shares one process environment`);
        }
        seen.set(name, value);
      }
    }
    for (const [name, value] of seen) if (name !== 'NODE_OPTIONS') process.env[name] = value;
    // Links in messages point at the local API routes, not at the template's execute-api URL.
    process.env[PREFERENCES_ENV.publicBaseUrl] = `${endpoint}/${this.app.stage}/`;
    this.useAssemblyJourneyVersions();
    Object.assign(process.env, this.options.environmentOverrides);
  }

  /**
   * The journey functions run the journey versions the cloud assembly was synthesized with (the
   * file synth.ts writes beside the templates), not whatever the source tree holds now.
   */
  private useAssemblyJourneyVersions(): void {
    const file = join(this.options.cdkOut, JOURNEY_VERSIONS_FILE);
    if (existsSync(file)) process.env[JOURNEY_VERSIONS_VARIABLE] = file;
    else delete process.env[JOURNEY_VERSIONS_VARIABLE];
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
        },
      }),
    });
    if (response.status >= 300)
      throw new Error(`template schedule ${schedule.name} refused: ${response.body}`);
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
    if (smsKeyword(body)?.kind === 'opt_out') this.sns.optOut(from);
    const notification = inboundSmsNotification({ from, body, at: this.clock.now() });
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

  private async deliver(target: LocalRuleTarget, input: unknown): Promise<void> {
    if (target.arn.includes(':states:')) {
      this.stepFunctions.startExecution(target.arn, input);
      return;
    }
    if (target.arn.includes(':lambda:')) {
      const fn = this.lambdas.find(target.arn);
      if (!fn) throw new Error(`ResourceNotFoundException: Function not found: ${target.arn}`);
      // EventBridge hands the event to Lambda asynchronously; Lambda then retries on its own.
      this.tracker.track(() => this.lambdas.invokeAsync(target.arn, input));
      return;
    }
    if (target.arn.includes(':sqs:')) {
      await this.sendToQueueArn(target.arn, input);
      return;
    }
    if (target.arn.includes(':api-destination/')) {
      await this.callApiDestination(target.arn, input);
      return;
    }
    throw new Error(`Target type not supported locally: ${target.arn}`);
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
    if (!answer.ok) throw new Error(`API destination answered ${answer.status}`);
  }

  private async deadLetter(arn: string, event: BusEventEnvelope, error: string, rule: string): Promise<void> {
    await this.sendToQueueArn(arn, event, { ERROR_MESSAGE: error, RULE_ARN: rule });
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

  /** Fires every schedule due at the current time. */
  fireDueSchedules(): number {
    const due = this.scheduler.due(this.clock.now());
    for (const { schedule, scheduledTime } of due) {
      if (!this.scheduler.markFired(schedule.Name, schedule.GroupName, scheduledTime)) continue;
      this.scheduleFires++;
      const input = schedule.Target.Input ? JSON.parse(schedule.Target.Input) : {};
      const arn = schedule.Target.Arn;
      this.tracker.track(async () => {
        try {
          if (arn.includes(':states:')) this.stepFunctions.startExecution(arn, input);
          else if (arn.includes(':lambda:')) await this.lambdas.invokeAsync(arn, input);
          else if (arn.includes(':sqs:')) await this.sendToQueueArn(arn, input);
          else throw new Error(`Target type not supported locally: ${arn}`);
        } catch (error) {
          this.failedScheduleInvocations.push({
            at: new Date(this.clock.now()).toISOString(),
            schedule: `${schedule.GroupName}/${schedule.Name}`,
            targetArn: arn,
            error: error instanceof Error ? error.message : String(error),
          });
        }
      });
    }
    return due.length;
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
      const next = this.scheduler.nextDueAt();
      if (next === undefined || next > target) break;
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

  /** Executions still running: reported as interrupted when the process stops. */
  runningExecutions(): Execution[] {
    return this.stepFunctions.executions.filter((e) => e.status === 'RUNNING');
  }

  private readState(): PersistedState | undefined {
    const path = this.statePath();
    if (!path || !existsSync(path)) return undefined;
    return JSON.parse(readFileSync(path, 'utf8')) as PersistedState;
  }

  private restore(): void {
    const state = this.readState();
    if (!state) return;
    this.sns.restore(state.sns);
    this.sqs.restore(state.sqs);
    this.scheduler.restore(state.scheduler);
    if (state.secretsManager !== undefined) this.secretsManager.restore(state.secretsManager);
    this.ses.restore(state.emails ?? []);
    this.interruptedAtStart = state.interrupted ?? [];
  }

  /** Writes the stand-ins' state (DynamoDB persists itself) next to the LevelDB store. */
  save(): void {
    const path = this.statePath();
    if (!path) return;
    const state: PersistedState = {
      sns: this.sns.snapshot(),
      sqs: this.sqs.snapshot(),
      scheduler: this.scheduler.snapshot(),
      secretsManager: this.secretsManager.snapshot(),
      emails: this.ses.emails(),
      clock: this.clock.now(),
      interrupted: this.runningExecutions().map((e) => ({
        executionArn: e.executionArn,
        stateMachineArn: e.stateMachineArn,
        input: e.input,
        startedAt: new Date(e.startDate).toISOString(),
      })),
    };
    writeFileSync(path, JSON.stringify(state));
  }

  /** Stops everything and releases the port; saves state first when persistent. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.ticker) clearTimeout(this.ticker);
    if (this.saver) clearInterval(this.saver);
    this.save();
    await this.edge.close();
    await this.ses.close();
    await this.dynamo.close();
    this.restoreClock?.();
  }
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
