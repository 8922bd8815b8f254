/**
 * AWS list prices (us-east-1, on-demand, no free tier), the declared models the cost report uses
 * where a local measurement would not be AWS's (Lambda and Express durations, platform log lines,
 * X-Ray sampling, storage horizon), and the arithmetic from counted usage to dollars. SES and SMS
 * per-message fees are priced on their own line: they are the same whatever runs the journeys.
 */

export const PRICES = {
  lambdaPerRequest: 0.2 / 1e6,
  /** arm64, per GB-second. */
  lambdaPerGbSecond: 0.0000133334,
  expressPerRequest: 1 / 1e6,
  /** Express duration, per GB-second, billed in 64 MB and 100 ms increments. */
  expressPerGbSecond: 0.00001667,
  eventBridgePerEvent: 1 / 1e6,
  schedulerPerInvocation: 1 / 1e6,
  dynamoPerWriteUnit: 0.625 / 1e6,
  dynamoPerReadUnit: 0.125 / 1e6,
  /** Standard table class storage, and continuous backups (point-in-time recovery), per GB-month. */
  dynamoStoragePerGbMonth: 0.25,
  dynamoPitrPerGbMonth: 0.2,
  /** CloudWatch Logs ingestion (standard class) per GB; storage per GB-month. */
  logsIngestPerGb: 0.5,
  logsStoragePerGbMonth: 0.03,
  /** X-Ray traces recorded. */
  xrayPerTrace: 5 / 1e6,
  /** API Gateway REST API requests (first 333 million a month). */
  apiGatewayPerRequest: 3.5 / 1e6,
  /** SES outbound e-mail. */
  sesPerEmail: 0.1 / 1000,
} as const;

/** The journey step function's handler entry: the function a journey's segments and messages run in. */
export const JOURNEY_STEP_ENTRY = 'functions/journeys/step-handler.ts';

/**
 * What the report assumes instead of measuring locally. Local wall time is not Lambda's (and flips
 * with the machine's load), so durations are declared: a warm invocation of a relance handler is a
 * few DynamoDB calls and at most one provider call.
 */
export const DECLARED = {
  /** Billed duration of one warm invocation, by handler entry (functions/...); `default` for the rest. */
  lambdaMs: {
    [JOURNEY_STEP_ENTRY]: 120,
    'functions/ingest/bus-handler.ts': 80,
    'functions/ingest/http-handler.ts': 40,
    'functions/journeys/event-router-handler.ts': 60,
    'functions/delivery/feedback-handler.ts': 40,
    default: 60,
  } as { readonly default: number } & Readonly<Record<string, number>>,
  /** Billed duration of one Express execution (64 MB): its Lambda tasks and transitions, in 100 ms steps. */
  expressMs: 200,
  /** Lambda's platform records per invocation in JSON format at the INFO system level (platform.start, platform.report). */
  platformLogBytesAtInfo: 600,
  /**
   * The system log level of relance's functions (lib/stateless/relance-function.ts; the infra tests
   * hold the template to it): at WARN, Lambda writes no start and report records.
   */
  systemLogLevel: 'WARN' as 'DEBUG' | 'INFO' | 'WARN',
  /**
   * X-Ray's default sampling rule past its reservoir of one request a second: 5% of the requests
   * that begin a trace are recorded (Lambda in Active mode samples a request that arrives without a
   * trace header; one that carries a header follows its decision).
   */
  xraySampling: 0.05,
  /**
   * The bytes a function's log record gains deployed: Lambda sets the invocation's trace header
   * (`_X_AMZN_TRACE_ID`) and Powertools' logger writes its root,
   * `,"xray_trace_id":"1-5759e988-bd862e3fe1be46a994272793"`. The local runtime runs functions
   * untraced, so its records lack it. Counted for PassThrough functions too: whether Lambda gives
   * them a header when nothing upstream traced is not verified here, so the bound is kept.
   */
  traceIdFieldBytes: 54,
  /** CloudWatch Logs retention of the function log groups (one month). */
  logRetentionMonths: 1,
} as const;

/** The bytes of Lambda's own records per invocation at a system log level (none at WARN). */
export function platformLogBytesPerInvocation(level = DECLARED.systemLogLevel): number {
  return level === 'WARN' ? 0 : DECLARED.platformLogBytesAtInfo;
}

/** What one run (or one event) used, as counted on the local runtime. */
export interface Usage {
  readonly lambdaInvocations: number;
  readonly lambdaGbSeconds: number;
  readonly expressExecutions: number;
  readonly expressGbSeconds: number;
  readonly events: number;
  readonly scheduleInvocations: number;
  /**
   * Requests that begin an X-Ray trace: scheduled invocations, AWS services' events (SES, End User
   * Messaging), producers' events and API requests. X-Ray bills per trace recorded; what a traced
   * function calls joins its trace (the SDK sends the invocation's trace header with every call,
   * EventBridge passes a PutEvents call's header to its targets, Step Functions to its tasks).
   */
  readonly traceRoots: number;
  readonly dynamoReadUnits: number;
  readonly dynamoWriteUnits: number;
  /** Of the write units, those billed for global secondary indexes. */
  readonly dynamoIndexWriteUnits: number;
  /** Bytes written to CloudWatch Logs at the template's log levels (handler lines, EMF, platform records). */
  readonly logBytes: number;
  /**
   * Of logBytes, the handlers' records below WARN (DEBUG and INFO, with their trace id): what the
   * functions would not write with `relance:logging` at WARN. 0 where not measured (estimates).
   */
  readonly belowWarnLogBytes: number;
  /** Byte-months of DynamoDB storage what was written will bill (items and index copies, until their TTL or the horizon). */
  readonly storedByteMonths: number;
  readonly emails: number;
  readonly sms: number;
  /** Calls placed (End User Messaging voice, priced per minute and country: counted, not priced). */
  readonly calls: number;
}

export const ZERO_USAGE: Usage = {
  lambdaInvocations: 0,
  lambdaGbSeconds: 0,
  expressExecutions: 0,
  expressGbSeconds: 0,
  events: 0,
  scheduleInvocations: 0,
  traceRoots: 0,
  dynamoReadUnits: 0,
  dynamoWriteUnits: 0,
  dynamoIndexWriteUnits: 0,
  logBytes: 0,
  belowWarnLogBytes: 0,
  storedByteMonths: 0,
  emails: 0,
  sms: 0,
  calls: 0,
};

/** Express bills memory in 64 MB steps and time in 100 ms steps; a small execution is 64 MB. */
export function expressBilledGbSeconds(durationMs: number, memoryMb = 64): number {
  const billedMs = Math.max(100, Math.ceil(durationMs / 100) * 100);
  return (Math.ceil(memoryMb / 64) * 64 * billedMs) / 1024 / 1000;
}

/** Lambda GB-seconds of `invocations` of a function of `memoryMb`, at its declared duration (1 ms steps). */
export function declaredLambdaGbSeconds(entry: string, memoryMb: number, invocations: number): number {
  const ms = DECLARED.lambdaMs[entry] ?? DECLARED.lambdaMs.default;
  return (invocations * Math.ceil(ms) * memoryMb) / 1024 / 1000;
}

/** a − b, field by field. */
export function subtractUsage(a: Usage, b: Usage): Usage {
  return Object.fromEntries(
    Object.entries(a).map(([k, v]) => [k, v - (b[k as keyof Usage] ?? 0)]),
  ) as unknown as Usage;
}

/**
 * The storage a run added, in byte-months, from the stored items before and after it (valued from
 * the same instant, so what was there before and did not change counts nothing): each item's growth,
 * a new item whole. An item the run deleted or shrank adds nothing rather than a credit: its storage
 * is counted for whatever wrote it (a waitlist entry, for the waitlisted event).
 */
export function storageGrowth(
  before: ReadonlyMap<string, number>,
  after: ReadonlyMap<string, number>,
): number {
  let grown = 0;
  for (const [key, byteMonths] of after) grown += Math.max(0, byteMonths - (before.get(key) ?? 0));
  return grown;
}

/** a + b, field by field. */
export function addUsage(a: Usage, b: Usage): Usage {
  return Object.fromEntries(
    Object.entries(a).map(([k, v]) => [k, v + (b[k as keyof Usage] ?? 0)]),
  ) as unknown as Usage;
}

/** Usage divided by a number of runs. */
export function perRun(usage: Usage, runs: number): Usage {
  return Object.fromEntries(Object.entries(usage).map(([k, v]) => [k, v / runs])) as unknown as Usage;
}

export interface CostBreakdown {
  readonly lambda: number;
  readonly stepFunctions: number;
  readonly eventBridge: number;
  readonly scheduler: number;
  readonly dynamoDb: number;
  /** Storage and point-in-time recovery of what the usage left stored, over the storage horizon. */
  readonly dynamoStorage: number;
  readonly logs: number;
  readonly xray: number;
  /** Everything above. */
  readonly total: number;
  /** SES and SMS per-message fees, apart (SMS priced per country: e-mails only here). */
  readonly messageFees: number;
}

/** Months an item without TTL is counted as stored: the default history retention, 400 days. */
export const STORAGE_HORIZON_MONTHS = 400 / 30.4;

const GB = 1024 ** 3;

/** Dollars for a usage, by item. */
export function costOf(usage: Usage): CostBreakdown {
  const lambda =
    usage.lambdaInvocations * PRICES.lambdaPerRequest + usage.lambdaGbSeconds * PRICES.lambdaPerGbSecond;
  const stepFunctions =
    usage.expressExecutions * PRICES.expressPerRequest + usage.expressGbSeconds * PRICES.expressPerGbSecond;
  const eventBridge = usage.events * PRICES.eventBridgePerEvent;
  const scheduler = usage.scheduleInvocations * PRICES.schedulerPerInvocation;
  const dynamoDb =
    usage.dynamoWriteUnits * PRICES.dynamoPerWriteUnit + usage.dynamoReadUnits * PRICES.dynamoPerReadUnit;
  const dynamoStorage =
    (usage.storedByteMonths / GB) * (PRICES.dynamoStoragePerGbMonth + PRICES.dynamoPitrPerGbMonth);
  const logs =
    (usage.logBytes / GB) *
    (PRICES.logsIngestPerGb + PRICES.logsStoragePerGbMonth * DECLARED.logRetentionMonths);
  const xray = usage.traceRoots * DECLARED.xraySampling * PRICES.xrayPerTrace;
  return {
    lambda,
    stepFunctions,
    eventBridge,
    scheduler,
    dynamoDb,
    dynamoStorage,
    logs,
    xray,
    total: lambda + stepFunctions + eventBridge + scheduler + dynamoDb + dynamoStorage + logs + xray,
    messageFees: usage.emails * PRICES.sesPerEmail,
  };
}
