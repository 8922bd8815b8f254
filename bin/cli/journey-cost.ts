/**
 * What a journey cost over a report's period, estimated from its counters (runs entered and
 * ended, messages attempted by step and channel, provider events recorded) with the declared model
 * of what each costs on AWS (./cost-model.ts prices and durations; the DynamoDB units below are
 * what relance's repositories write for each, transactions at two units an item; storage until each
 * item expires: runs 400 days, ledger entries LEDGER_RETENTION_DAYS). An estimate, not
 * a bill: `npm run cost` measures the reference journeys end to end.
 */
import type { JourneyDefinition } from '#language/types.ts';
import { LEDGER_RETENTION_DAYS } from '../../functions/delivery/ledger.ts';
import type { JourneyReport } from '../../functions/journey-report/journey-report.ts';
import type { FunctionLogLevel } from '../../lib/config.ts';
import {
  type CostBreakdown,
  costOf,
  DECLARED,
  declaredLambdaGbSeconds,
  expressBilledGbSeconds,
  JOURNEY_STEP_ENTRY,
  platformLogBytesPerInvocation,
  STORAGE_HORIZON_MONTHS,
  type Usage,
} from './cost-model.ts';

/** DynamoDB units and stored bytes per counted thing, as the repositories write them. */
export const PER = {
  /**
   * Entering: the run and its counter in one transaction (2 items × 2 units), then a re-entry reads
   * the run back (its generation follows the ended run's; a first entry needs no read, counted the same).
   */
  runEntered: { writeUnits: 4, readUnits: 1, storedBytes: 900 },
  /** Ending: the run read, then the run and its counter in one transaction. */
  runEnded: { writeUnits: 4, readUnits: 1 },
  /**
   * A message attempted: the entry put in flight (1 unit, 1 in the keys-only byContactKeys index),
   * then settled with its counter in one transaction (4 units; nothing in the index), the contact
   * read. Stored: the entry, and its keys in the index.
   */
  messageAttempted: { writeUnits: 6, readUnits: 1, storedBytes: 1100 + 200 },
  /** A provider event counted: the entry read, the event appended with its counter (4 units; nothing in the index). */
  feedbackEvent: { writeUnits: 4, readUnits: 1 },
  /**
   * Handler log bytes an invocation writes besides the platform records, by the functions'
   * `relance:logging` level: at INFO (or DEBUG) its records and EMF metric lines; at WARN (or ERROR)
   * the EMF lines alone (`npm run cost` measured 90-260 bytes an invocation for those, 200-780 with
   * the INFO records).
   */
  logBytesPerInvocation: { records: 1_000, metricsOnly: 300 },
} as const;

/** Handler log bytes an invocation writes at `level` (PER.logBytesPerInvocation). */
export function handlerLogBytesPerInvocation(level: FunctionLogLevel): number {
  return level === 'DEBUG' || level === 'INFO'
    ? PER.logBytesPerInvocation.records
    : PER.logBytesPerInvocation.metricsOnly;
}

export interface JourneyCost {
  /** What the estimate counted. */
  readonly counted: {
    readonly executions: number;
    readonly lambdaInvocations: number;
    readonly messages: number;
    readonly emails: number;
    readonly sms: number;
    readonly providerEvents: number;
  };
  readonly dollars: CostBreakdown;
  readonly basis: string;
}

/**
 * The journey's cost from its report: each run is an Express execution per segment (one, and one
 * more after each wait a treated run passes, at most the definition's waits), a journey-step
 * invocation per segment and per message, a feedback invocation and an event per provider event.
 */
export function journeyCost(
  journey: JourneyDefinition,
  report: JourneyReport,
  { memoryMb = 256, logLevel = 'INFO' }: { memoryMb?: number; logLevel?: FunctionLogLevel } = {},
): JourneyCost {
  const steps = Object.values(journey.steps);
  const pauses = steps.filter((step) => step.type === 'wait' || step.type === 'waitFor').length;
  const { entered, heldOut, inProgress } = report.runs;
  const ended = entered - inProgress;
  const executions = entered + (entered - heldOut) * pauses;
  let emails = 0;
  let sms = 0;
  let messages = 0;
  let providerEvents = 0;
  for (const step of report.steps) {
    const attempted = step.sent + step.skipped + step.deferred + step.failed;
    messages += attempted;
    providerEvents += step.delivered + step.opened + step.clicked + step.bounced + step.complained;
    const definition = journey.steps[step.id];
    const channel = definition && 'channel' in definition ? definition.channel : 'email';
    if (channel === 'email') emails += step.sent;
    else if (channel === 'sms') sms += step.sent;
  }
  const stepInvocations = executions + messages;
  const feedbackInvocations = providerEvents;
  const lambdaInvocations = stepInvocations + feedbackInvocations;
  const usage: Usage = {
    lambdaInvocations,
    lambdaGbSeconds:
      declaredLambdaGbSeconds(JOURNEY_STEP_ENTRY, memoryMb, stepInvocations) +
      declaredLambdaGbSeconds('functions/delivery/feedback-handler.ts', memoryMb, feedbackInvocations),
    expressExecutions: executions,
    expressGbSeconds: executions * expressBilledGbSeconds(DECLARED.expressMs),
    events: providerEvents,
    scheduleInvocations: (entered - heldOut) * pauses,
    // Wake-ups (scheduled) and SES's events begin traces; a run's entry joins its trigger's.
    traceRoots: (entered - heldOut) * pauses + feedbackInvocations,
    dynamoReadUnits:
      entered * PER.runEntered.readUnits +
      ended * PER.runEnded.readUnits +
      messages * PER.messageAttempted.readUnits +
      providerEvents * PER.feedbackEvent.readUnits,
    dynamoWriteUnits:
      entered * PER.runEntered.writeUnits +
      ended * PER.runEnded.writeUnits +
      messages * PER.messageAttempted.writeUnits +
      providerEvents * PER.feedbackEvent.writeUnits,
    dynamoIndexWriteUnits: 0,
    logBytes: lambdaInvocations * (handlerLogBytesPerInvocation(logLevel) + platformLogBytesPerInvocation()),
    belowWarnLogBytes: 0,
    storedByteMonths:
      entered * PER.runEntered.storedBytes * STORAGE_HORIZON_MONTHS +
      messages * PER.messageAttempted.storedBytes * (LEDGER_RETENTION_DAYS / 30.4),
    emails,
    sms,
    calls: 0,
  };
  return {
    counted: { executions, lambdaInvocations, messages, emails, sms, providerEvents },
    dollars: costOf(usage),
    basis: `estimated from the counters with the declared model (bin/cli/cost-model.ts, bin/cli/journey-cost.ts); handler logs at ${logLevel}; storage until each item expires`,
  };
}

const usd = (dollars: number) =>
  dollars < 0.01 && dollars > 0 ? `$${dollars.toFixed(6)}` : `$${dollars.toFixed(2)}`;

/** The cost as lines for a terminal. */
export function formatJourneyCost(cost: JourneyCost): string[] {
  const { dollars: d, counted: c } = cost;
  return [
    `cost: ${usd(d.total)} (${cost.basis})`,
    `  ${c.executions} executions, ${c.lambdaInvocations} invocations, ${c.messages} messages attempted, ${c.providerEvents} provider events`,
    `  Lambda ${usd(d.lambda)}, Step Functions ${usd(d.stepFunctions)}, DynamoDB ${usd(d.dynamoDb)}, storage ${usd(d.dynamoStorage)}, logs ${usd(d.logs)}, X-Ray ${usd(d.xray)}, EventBridge and Scheduler ${usd(d.eventBridge + d.scheduler)}`,
    `  message fees apart: SES ${usd(d.messageFees)} for ${c.emails} e-mails; ${c.sms} SMS priced by country`,
  ];
}
