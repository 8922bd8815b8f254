/**
 * AWS list prices (us-east-1, on-demand, no free tier) and the arithmetic from counted usage to
 * dollars. SES and SMS fees are left out: they are the same whatever runs the journeys.
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
} as const;

/** What one run (or one event) used, as counted on the local runtime. */
export interface Usage {
  readonly lambdaInvocations: number;
  readonly lambdaGbSeconds: number;
  readonly expressExecutions: number;
  readonly expressGbSeconds: number;
  readonly events: number;
  readonly scheduleInvocations: number;
  readonly dynamoReadUnits: number;
  readonly dynamoWriteUnits: number;
  /** Of the write units, those billed for global secondary indexes (counted when the runtime bills them). */
  readonly dynamoIndexWriteUnits: number;
}

export const ZERO_USAGE: Usage = {
  lambdaInvocations: 0,
  lambdaGbSeconds: 0,
  expressExecutions: 0,
  expressGbSeconds: 0,
  events: 0,
  scheduleInvocations: 0,
  dynamoReadUnits: 0,
  dynamoWriteUnits: 0,
  dynamoIndexWriteUnits: 0,
};

/** Express bills memory in 64 MB steps and time in 100 ms steps; a small execution is 64 MB. */
export function expressBilledGbSeconds(durationMs: number, memoryMb = 64): number {
  const billedMs = Math.max(100, Math.ceil(durationMs / 100) * 100);
  return (Math.ceil(memoryMb / 64) * 64 * billedMs) / 1024 / 1000;
}

/** a − b, field by field. */
export function subtractUsage(a: Usage, b: Usage): Usage {
  return Object.fromEntries(
    Object.entries(a).map(([k, v]) => [k, v - (b[k as keyof Usage] ?? 0)]),
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
  readonly total: number;
}

/** Dollars for a usage, by service. */
export function costOf(usage: Usage): CostBreakdown {
  const lambda =
    usage.lambdaInvocations * PRICES.lambdaPerRequest + usage.lambdaGbSeconds * PRICES.lambdaPerGbSecond;
  const stepFunctions =
    usage.expressExecutions * PRICES.expressPerRequest + usage.expressGbSeconds * PRICES.expressPerGbSecond;
  const eventBridge = usage.events * PRICES.eventBridgePerEvent;
  const scheduler = usage.scheduleInvocations * PRICES.schedulerPerInvocation;
  const dynamoDb =
    usage.dynamoWriteUnits * PRICES.dynamoPerWriteUnit + usage.dynamoReadUnits * PRICES.dynamoPerReadUnit;
  return {
    lambda,
    stepFunctions,
    eventBridge,
    scheduler,
    dynamoDb,
    total: lambda + stepFunctions + eventBridge + scheduler + dynamoDb,
  };
}
