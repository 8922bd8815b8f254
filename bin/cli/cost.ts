/**
 * `relance cost` (npm run cost): runs a typical run of each reference journey on the local runtime
 * and counts what it uses: Express executions, schedule invocations, Lambda invocations and
 * measured durations, DynamoDB read and write units, events. Each journey is measured twice, with
 * and without its trigger rule, so the ingest of the trigger event is reported apart from the run.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { DeleteScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { type LocalRuntime, startLocalRuntime } from '../../local/dev/runtime.ts';
import { synthesizeForLocal } from '../../local/dev/synth.ts';
import {
  addUsage,
  type CostBreakdown,
  costOf,
  DECLARED,
  declaredLambdaGbSeconds,
  expressBilledGbSeconds,
  PRICES,
  perRun,
  platformLogBytesPerInvocation,
  STORAGE_HORIZON_MONTHS,
  storageGrowth,
  subtractUsage,
  type Usage,
} from './cost-model.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** Runs per journey and pass: enough to average out, small enough to take seconds. */
const RUNS = 5;
/** Runs start this far apart in journey time, so their segments never overlap and durations are not inflated by contention. */
const STAGGER = 10 * 60_000;

type Put = (detailType: string, detail: Record<string, unknown>) => Promise<void>;

interface Scenario {
  readonly journeyId: string;
  readonly typical: string;
  /** Prepares what a run needs (waitlists, interested contacts); not counted. */
  readonly setup?: (put: Put, key: string) => Promise<void>;
  readonly trigger: (put: Put, key: string) => Promise<void>;
  readonly runFor: number;
}

const item = (sku: string) => ({ sku, name: `Product ${sku}`, qty: 1, price: 40 });

const SCENARIOS: Scenario[] = [
  {
    journeyId: 'welcome',
    typical: 'sign-up with e-mail only, no order: welcome + tips e-mails',
    trigger: (put, key) =>
      put('contact.signed_up', { contact: { email: `${key}@example.com` }, firstName: 'Sam' }),
    runFor: 8 * DAY,
  },
  {
    journeyId: 'abandoned-cart',
    typical: 'cart with items, never ordered: reminder after 1 h, last call after 24 h',
    trigger: (put, key) =>
      put('cart.updated', {
        contact: { email: `${key}@example.com` },
        cartId: `cart-${key}`,
        items: [item('SKU-1'), item('SKU-2')],
        value: 80,
        currency: 'EUR',
      }),
    runFor: 25 * HOUR,
  },
  {
    journeyId: 'back-in-stock',
    typical: 'SKU back from 0 to 5 units with 5 contacts waitlisted: 5 e-mails',
    setup: async (put, key) => {
      for (let i = 0; i < 5; i++)
        await put('product.waitlisted', { contact: { email: `${key}-${i}@example.com` }, sku: `SKU-${key}` });
    },
    trigger: (put, key) =>
      put('product.stock_changed', { sku: `SKU-${key}`, previousQuantity: 0, newQuantity: 5 }),
    runFor: HOUR,
  },
  {
    journeyId: 'price-drop',
    typical: 'price lowered on a SKU 5 contacts carted in the last 30 days: 5 e-mails',
    setup: async (put, key) => {
      for (let i = 0; i < 5; i++) {
        await put('cart.updated', {
          contact: { email: `${key}-${i}@example.com` },
          cartId: `cart-${key}-${i}`,
          items: [item(`SKU-${key}`)],
          value: 40,
          currency: 'EUR',
        });
      }
    },
    trigger: (put, key) =>
      put('product.price_changed', { sku: `SKU-${key}`, oldPrice: 40, newPrice: 30, currency: 'EUR' }),
    runFor: HOUR,
  },
];

/** Events no journey starts on, measured for their ingest alone. */
interface EventScenario {
  readonly type: string;
  readonly typical: string;
  readonly put: (put: Put, key: string) => Promise<void>;
}

const EVENT_SCENARIOS: EventScenario[] = [
  {
    type: 'page.viewed',
    typical: 'a known contact views a page (no relance rule takes page views: stored, not re-published)',
    put: (put, key) => put('page.viewed', { contact: { email: `${key}@example.com` }, path: '/pricing' }),
  },
];

/**
 * What the runtime has used so far. Lambda and Express durations are the declared model's (local
 * wall time is not Lambda's); DynamoDB units, log bytes and messages are counted. Storage is not a
 * running total: see storedItems.
 */
function usageNow(runtime: LocalRuntime): Usage {
  const sfn = runtime.stepFunctions;
  let lambdaGbSeconds = 0;
  let platformLogBytes = 0;
  let traceIdBytes = 0;
  for (const fn of runtime.app.functions) {
    const invocations = runtime.lambdas.counts.get(fn.name) ?? 0;
    lambdaGbSeconds += declaredLambdaGbSeconds(fn.entry, fn.memorySize, invocations);
    platformLogBytes += invocations * platformLogBytesPerInvocation(fn.systemLogLevel);
    traceIdBytes += (runtime.logRecords.get(fn.name) ?? 0) * DECLARED.traceIdFieldBytes;
  }
  return {
    lambdaInvocations: [...runtime.lambdas.counts.values()].reduce((a, b) => a + b, 0),
    lambdaGbSeconds,
    expressExecutions: sfn.startedCount,
    expressGbSeconds: sfn.startedCount * expressBilledGbSeconds(DECLARED.expressMs),
    events: runtime.bus.putCount,
    scheduleInvocations: runtime.scheduleFires,
    traceRoots: runtime.traceRoots,
    dynamoReadUnits: runtime.dynamo.units.read,
    dynamoWriteUnits: runtime.dynamo.units.write,
    dynamoIndexWriteUnits: runtime.dynamo.units.indexWrite,
    logBytes: runtime.logBytes + platformLogBytes + traceIdBytes,
    belowWarnLogBytes: runtime.logBytesBelowWarn + runtime.logRecordsBelowWarn * DECLARED.traceIdFieldBytes,
    storedByteMonths: 0,
    // Counted as accepted (the outboxes keep the most recent messages only).
    emails: runtime.ses.sent.accepted,
    // SMS through SNS or End User Messaging, and calls.
    sms: runtime.sns.sent.accepted + runtime.smsVoice.acceptedByChannel.TEXT,
    calls: runtime.smsVoice.acceptedByChannel.VOICE,
  };
}

/** The byte-months each stored item will bill from `atMs` (until its TTL or the horizon). */
function storedItems(runtime: LocalRuntime, atMs: number): Promise<Map<string, number>> {
  return runtime.dynamo.storedByteMonthsByItem(
    runtime.app.tables,
    atMs,
    STORAGE_HORIZON_MONTHS,
    // A journey's counter items are shared by all its runs of a day (16 a day): a few runs would
    // each seem to store one, a million share them. Their writes are counted; their bytes are not.
    (item) => !String(item.pk?.S ?? '').startsWith('COUNTS#'),
  );
}

/** The cost of processing provider feedback (SES Sent and Delivered events) for one e-mail. */
export interface FeedbackCost {
  readonly perMessage: Usage;
  readonly perMillionMessages: CostBreakdown;
}

/** The ingest of an event no journey starts on, per event and per million. */
export interface EventCost {
  readonly type: string;
  readonly typical: string;
  readonly perEvent: Usage;
  readonly perMillionEvents: CostBreakdown;
}

/** What a trigger posted to `POST /events` adds to its ingest: API Gateway, and the HTTP function in front of the bus. */
export interface HttpIngestCost {
  /** API Gateway's requests, per million entries. */
  readonly apiGateway: number;
  /** The HTTP function's invocations, logs and trace share, per million entries. */
  readonly httpFunction: number;
  readonly total: number;
}

export interface JourneyCost {
  readonly journeyId: string;
  readonly typical: string;
  readonly perRun: Usage;
  /** A run's write units by table and request (`Ledger TransactWriteItems`; `index`: the copies in the table's indexes). */
  readonly writeUnitsPerRun?: Readonly<Record<string, number>>;
  readonly perMillionRuns: CostBreakdown;
  readonly ingestPerEvent: Usage;
  readonly ingestPerMillionEvents: CostBreakdown;
  /** Everything one entry costs: the trigger's ingest, the run, and the provider feedback of its e-mails. */
  readonly perEntry: Usage;
  readonly perMillionEntries: CostBreakdown;
  /**
   * The entry's cost with `relance:logging` at WARN: without the handlers' records below WARN.
   * Absent when the functions wrote none (already at WARN, or nothing logged).
   */
  readonly perMillionEntriesAtWarn?: number;
}

/** What `usage` costs a million times with the handlers' records below WARN left out; undefined without any. */
function perMillionAtWarn(usage: Usage): number | undefined {
  if (usage.belowWarnLogBytes <= 0) return undefined;
  return perMillion({ ...usage, logBytes: usage.logBytes - usage.belowWarnLogBytes, belowWarnLogBytes: 0 })
    .total;
}

async function measure(
  runtime: LocalRuntime,
  put: Put,
  scenario: Scenario,
  pass: string,
  withJourney: boolean,
  withFeedback = false,
): Promise<Measured> {
  // Provider feedback (SES events on the default bus) is a per-message cost, measured apart.
  for (const rule of runtime.app.rules.filter((r) => r.busName === 'default')) {
    if (withFeedback) runtime.bus.disabledRules.delete(rule.name);
    else runtime.bus.disabledRules.add(rule.name);
  }
  // Only the measured journey may start (when measured with it): other journeys' runs are not its cost.
  for (const rule of runtime.app.rules) {
    const machine = runtime.app.stateMachines.find((m) => rule.targets.some((t) => t.arn === m.arn));
    if (!machine) continue;
    if (withJourney && machine.name.endsWith(`-${scenario.journeyId}`))
      runtime.bus.disabledRules.delete(rule.name);
    else runtime.bus.disabledRules.add(rule.name);
  }
  for (let i = 0; i < RUNS; i++) await scenario.setup?.(put, `${scenario.journeyId}-${pass}-${i}`);
  await runtime.idle();
  const startedAt = runtime.clock.now();
  const before = usageNow(runtime);
  const writesBefore = new Map(runtime.dynamo.writeUnitsBy);
  const storedBefore = await storedItems(runtime, startedAt);
  for (let i = 0; i < RUNS; i++) {
    await scenario.trigger(put, `${scenario.journeyId}-${pass}-${i}`);
    await runtime.advance(STAGGER);
  }
  await runtime.advance(scenario.runFor);
  // Both valued from the start: the hours the scenario ran do not shorten what was already stored.
  const stored = storageGrowth(storedBefore, await storedItems(runtime, startedAt));
  return {
    usage: { ...subtractUsage(usageNow(runtime), before), storedByteMonths: stored },
    writes: writesBy(runtime, writesBefore),
  };
}

/** A measured pass: what it used, and its write units by table and request. */
interface Measured {
  readonly usage: Usage;
  readonly writes: ReadonlyMap<string, number>;
}

/** The write units by table and request since `before`, each table by its short name (`Ledger`). */
function writesBy(runtime: LocalRuntime, before: ReadonlyMap<string, number>): Map<string, number> {
  const names = new Map(
    runtime.app.tables.map((t) => [t.name, t.logicalId.replace(/^Tables/, '').replace(/[0-9A-F]{8}$/, '')]),
  );
  const since = new Map<string, number>();
  for (const [key, units] of runtime.dynamo.writeUnitsBy) {
    const added = units - (before.get(key) ?? 0);
    if (added === 0) continue;
    const [table = '', request = ''] = key.split('\t');
    since.set(`${names.get(table) ?? table} ${request}`, added);
  }
  return since;
}

/** `a - b` of two write breakdowns, divided by `runs`, largest first, zeros left out. */
function writesPerRun(
  a: ReadonlyMap<string, number>,
  b: ReadonlyMap<string, number>,
  runs: number,
): Record<string, number> {
  const keys = new Set([...a.keys(), ...b.keys()]);
  const rows = [...keys]
    .map((key): [string, number] => [key, ((a.get(key) ?? 0) - (b.get(key) ?? 0)) / runs])
    .filter(([, units]) => Math.abs(units) > 1e-9)
    .sort((x, y) => y[1] - x[1] || x[0].localeCompare(y[0]));
  return Object.fromEntries(rows);
}

/** The cost of a million of what `usage` measures once. */
function perMillion(usage: Usage): CostBreakdown {
  return costOf(perRun(usage, 1 / 1e6));
}

/** Measures every reference journey; returns the usage and cost per run and per million runs. */
export async function measureJourneyCosts(
  projectRoot: string,
): Promise<{ journeys: JourneyCost[]; feedback: FeedbackCost; events: EventCost[]; http: HttpIngestCost }> {
  const cdkOut = synthesizeForLocal(mkdtempSync(join(tmpdir(), 'relance-cost-')));
  const runtime = await startLocalRuntime({
    projectRoot,
    cdkOut,
    port: 0,
    clock: { mode: 'virtual', start: Date.parse('2026-03-02T10:00:00Z') },
    apiKey: 'cost',
    // The template's log levels, as deployed: their bytes are billed (counted, not printed).
    echoFunctionLogs: false,
    // Virtual time: a failing target's retries do not wait on the wall clock (their number is kept).
    retryBackoffScale: 0,
  });
  // DynamoDB bills the writes a table write makes in its indexes too (the wake index, the ledger's).
  runtime.dynamo.billIndexWrites = true;
  // Audience passes run on their own schedules whatever the journeys do: a fixed cost per pass
  // (estimated by `relance campaign <journey> --dry-run`), not part of any run; so does the run
  // sweeper (a fixed hourly cost per deployment). Off while measuring.
  const scheduler = new SchedulerClient({ endpoint: runtime.endpoint, region: 'us-east-1' });
  // Every schedule of the template is such a fixed cost (the passes, the sweeper, the unassigned-leads pass).
  for (const schedule of runtime.scheduler.schedules()) {
    await scheduler.send(new DeleteScheduleCommand({ Name: schedule.Name, GroupName: schedule.GroupName }));
  }
  scheduler.destroy();
  const client = new EventBridgeClient({ endpoint: runtime.endpoint, region: 'us-east-1' });
  const bus = runtime.app.buses[0]?.name ?? 'default';
  let n = 0;
  /** A detail with the envelope fields every event carries: a new id, now, the producer. */
  const enveloped = (detail: Record<string, unknown>) => {
    n += 1;
    return {
      eventId: `cost-${n}`,
      occurredAt: new Date(runtime.clock.now()).toISOString(),
      source: 'cost.example.com',
      ...detail,
    };
  };
  const put: Put = async (detailType, detail) => {
    const full = enveloped(detail);
    await client.send(
      new PutEventsCommand({
        Entries: [
          {
            EventBusName: bus,
            Source: 'cost.example.com',
            DetailType: detailType,
            Detail: JSON.stringify(full),
          },
        ],
      }),
    );
    await runtime.idle();
  };
  // The same trigger posted to the HTTP API, as a website without AWS credentials sends it.
  const posted: Put = async (detailType, detail) => {
    const full = enveloped(detail);
    const answer = await fetch(`${runtime.endpoint}/${runtime.app.stage}/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': 'cost' },
      body: JSON.stringify({ type: detailType, detail: full }),
    });
    if (answer.status !== 202) throw new Error(`POST /events: ${answer.status} ${await answer.text()}`);
    await runtime.idle();
  };
  try {
    const results: Array<{
      scenario: Scenario;
      journey: Usage;
      ingest: Usage;
      writes: Record<string, number>;
    }> = [];
    for (const scenario of SCENARIOS) {
      const ingestOnly = await measure(runtime, put, scenario, 'ingest', false);
      const withJourney = await measure(runtime, put, scenario, 'journey', true);
      const journey = perRun(subtractUsage(withJourney.usage, ingestOnly.usage), RUNS);
      const ingest = perRun(ingestOnly.usage, RUNS);
      const writes = writesPerRun(withJourney.writes, ingestOnly.writes, RUNS);
      results.push({ scenario, journey, ingest, writes });
    }
    // Feedback: the abandoned cart again, with the SES event rules on; the difference per e-mail sent.
    const cart = SCENARIOS.find((s) => s.journeyId === 'abandoned-cart');
    if (!cart) throw new Error('no abandoned-cart scenario');
    const emailsBefore = runtime.ses.sent.accepted;
    const withoutFeedback = await measure(runtime, put, cart, 'plain', true);
    const emailsPlain = runtime.ses.sent.accepted - emailsBefore;
    const withFeedback = await measure(runtime, put, cart, 'feedback', true, true);
    const feedbackPerMessage = perRun(
      subtractUsage(withFeedback.usage, withoutFeedback.usage),
      Math.max(1, emailsPlain),
    );
    const events: EventCost[] = [];
    for (const event of EVENT_SCENARIOS) {
      // The contact's first event goes before the measurement and creates it: the measured one is a
      // known contact's, as most page views are.
      const scenario: Scenario = {
        journeyId: event.type,
        typical: event.typical,
        setup: (p, key) => event.put(p, `${key}-seen`),
        trigger: (p, key) => event.put(p, `${key}-seen`),
        runFor: 0,
      };
      const perEvent = perRun((await measure(runtime, put, scenario, 'event', false)).usage, RUNS);
      events.push({
        type: event.type,
        typical: event.typical,
        perEvent,
        perMillionEvents: perMillion(perEvent),
      });
    }
    // The abandoned cart's trigger posted instead of put: what API Gateway and the HTTP function add.
    const cartIngest = results.find((r) => r.scenario.journeyId === 'abandoned-cart')?.ingest;
    if (!cartIngest) throw new Error('no abandoned-cart ingest measured');
    const requestsBefore = runtime.api.requestCount;
    const postedIngest = perRun((await measure(runtime, posted, cart, 'http', false)).usage, RUNS);
    const apiRequests = (runtime.api.requestCount - requestsBefore) / RUNS;
    const httpFunction = perMillion(subtractUsage(postedIngest, cartIngest)).total;
    const apiGateway = apiRequests * PRICES.apiGatewayPerRequest * 1e6;
    return {
      journeys: results.map(({ scenario, journey, ingest, writes }) => {
        // The feedback of each e-mail the run sent (none for a run without e-mail).
        const perEntry = addUsage(addUsage(journey, ingest), perRun(feedbackPerMessage, 1 / journey.emails));
        const atWarn = perMillionAtWarn(perEntry);
        return {
          journeyId: scenario.journeyId,
          typical: scenario.typical,
          perRun: journey,
          writeUnitsPerRun: writes,
          perMillionRuns: perMillion(journey),
          ingestPerEvent: ingest,
          ingestPerMillionEvents: perMillion(ingest),
          perEntry,
          perMillionEntries: perMillion(perEntry),
          ...(atWarn === undefined ? {} : { perMillionEntriesAtWarn: atWarn }),
        };
      }),
      feedback: {
        perMessage: feedbackPerMessage,
        perMillionMessages: perMillion(feedbackPerMessage),
      },
      events,
      http: { apiGateway, httpFunction, total: apiGateway + httpFunction },
    };
  } finally {
    client.destroy();
    await runtime.stop();
    rmSync(cdkOut, { recursive: true, force: true });
  }
}

const money = (n: number) => `$${n.toFixed(2)}`;
const count = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(2));

export interface CostResults {
  readonly journeys: readonly JourneyCost[];
  readonly feedback: FeedbackCost;
  /** Events no journey starts on, their ingest alone (absent: not measured). */
  readonly events?: readonly EventCost[];
  /** What posting the trigger to `POST /events` adds (absent: not measured; API Gateway's price alone is printed). */
  readonly http?: HttpIngestCost;
}

/** The budget: an abandoned cart entry (ingest, run, feedback; message fees apart) at or under $15 per million. */
export interface CostTarget {
  readonly journeyId: 'abandoned-cart';
  readonly maxPerMillionEntries: number;
  /** Absent when abandoned cart was not measured. */
  readonly perMillionEntries?: number;
  /**
   * What the entry pays every service but DynamoDB (Lambda, Step Functions, Scheduler, EventBridge,
   * logs, X-Ray): the part no table design changes. Absent with perMillionEntries.
   */
  readonly otherThanDynamoDbPerMillionEntries?: number;
  readonly met: boolean;
}

/** A breakdown's total less DynamoDB's requests and storage. */
const otherThanDynamoDb = (c: CostBreakdown) => c.total - c.dynamoDb - c.dynamoStorage;

/** Whether an abandoned-cart entry stays within $15 per million, everything but the message fees counted. */
export function costTarget(results: CostResults): CostTarget {
  const cart = results.journeys.find((r) => r.journeyId === 'abandoned-cart');
  const maxPerMillionEntries = 15;
  return {
    journeyId: 'abandoned-cart',
    maxPerMillionEntries,
    ...(cart
      ? {
          perMillionEntries: cart.perMillionEntries.total,
          otherThanDynamoDbPerMillionEntries: otherThanDynamoDb(cart.perMillionEntries),
        }
      : {}),
    met: cart !== undefined && cart.perMillionEntries.total <= maxPerMillionEntries,
  };
}

/** The report as one JSON document (`relance cost --json`): the measurements and the target. */
export function costDocument(results: CostResults): CostResults & { readonly target: CostTarget } {
  return {
    journeys: results.journeys,
    feedback: results.feedback,
    ...(results.events ? { events: results.events } : {}),
    ...(results.http ? { http: results.http } : {}),
    target: costTarget(results),
  };
}

/** One line per billed item of a breakdown. */
function breakdownLines(c: CostBreakdown): string[] {
  return [
    `Step Functions ${money(c.stepFunctions)}`,
    `Lambda ${money(c.lambda)}`,
    `DynamoDB requests ${money(c.dynamoDb)}`,
    `DynamoDB storage and PITR ${money(c.dynamoStorage)}`,
    `CloudWatch Logs ${money(c.logs)}`,
    `X-Ray ${money(c.xray)}`,
    `Scheduler ${money(c.scheduler)}`,
    `EventBridge ${money(c.eventBridge)}`,
  ];
}

/** Prints the cost report; returns false when an abandoned-cart entry misses its $15 target. */
export function printCostReport(results: CostResults, write: (line: string) => void): boolean {
  const { journeys, feedback } = results;
  write('Cost per million entries, AWS list prices (us-east-1, no free tier)');
  write(
    `(usage counted on the local runtime at the template's log levels; declared: Lambda ${Object.entries(
      DECLARED.lambdaMs,
    )
      .map(([entry, ms]) => `${entry.replace(/^functions\//, '').replace(/-handler\.ts$/, '')} ${ms} ms`)
      .join(
        ', ',
      )}, Express ${DECLARED.expressMs} ms, ${DECLARED.platformLogBytesAtInfo} B of platform log per invocation at the INFO system level (relance's functions: ${DECLARED.systemLogLevel}), ${DECLARED.traceIdFieldBytes} B of X-Ray trace id in each log record, X-Ray sampling ${DECLARED.xraySampling * 100}% of the requests that begin a trace, storage until TTL or ${STORAGE_HORIZON_MONTHS.toFixed(1)} months)`,
  );
  write('');
  for (const r of journeys) {
    const u = r.perRun;
    write(`${r.journeyId} — ${r.typical}`);
    write(
      `  per run: ${count(u.expressExecutions)} Express executions, ${count(u.scheduleInvocations)} schedule invocations, ` +
        `${count(u.lambdaInvocations)} Lambda invocations (${count(u.traceRoots)} beginning a trace), ${count(u.dynamoReadUnits)} read units, ${count(u.dynamoWriteUnits)} write units (${count(u.dynamoIndexWriteUnits)} in indexes), ` +
        `${count(u.events)} events, ${count(u.logBytes / 1024)} KB of logs, ${count(u.storedByteMonths / 1024)} KB-months stored, ${count(u.emails)} e-mails, ${count(u.sms)} SMS, ${count(u.calls)} calls`,
    );
    const writes = Object.entries(r.writeUnitsPerRun ?? {});
    if (writes.length > 0)
      write(
        `  the run's write units by table and request: ${writes.map(([where, units]) => `${where} ${count(units)}`).join(', ')}`,
      );
    write(
      `  the run, per million: ${money(r.perMillionRuns.total)}  (${breakdownLines(r.perMillionRuns).join(', ')})`,
    );
    write(
      `  ingest of the trigger event, per million: ${money(r.ingestPerMillionEvents.total)}  (${breakdownLines(r.ingestPerMillionEvents).join(', ')})`,
    );
    const entry = r.perMillionEntries;
    write(
      `  an entry (ingest + run + feedback of its e-mails), per million: ${money(entry.total)}  (DynamoDB requests ${money(entry.dynamoDb)}, DynamoDB storage and PITR ${money(entry.dynamoStorage)}, every other service ${money(otherThanDynamoDb(entry))})`,
    );
    if (r.perMillionEntriesAtWarn !== undefined)
      write(
        `  with relance:logging level WARN (the handlers' INFO records left out, metrics kept): ${money(r.perMillionEntriesAtWarn)} per million entries`,
      );
    write(
      `  SES fees, per million entries (apart): ${money(r.perMillionEntries.messageFees)}; SMS at your destination's rate`,
    );
    write(
      results.http
        ? `  if producers POST /events through API Gateway: +${money(results.http.total)} per million entries (API Gateway ${money(results.http.apiGateway)}, the HTTP function ${money(results.http.httpFunction)})`
        : `  if producers POST /events through API Gateway: +${money(PRICES.apiGatewayPerRequest * 1e6)} per million entries`,
    );
    write('');
  }
  const f = feedback.perMessage;
  write('delivery feedback — SES Sent and Delivered events recorded on the ledger entry, per e-mail');
  write(
    `  per e-mail: ${count(f.lambdaInvocations)} Lambda invocations, ${count(f.dynamoReadUnits)} read units, ${count(f.dynamoWriteUnits)} write units (AWS service events on the default bus are free)`,
  );
  write(
    `  per million e-mails: ${money(feedback.perMillionMessages.total)}  (${breakdownLines(feedback.perMillionMessages).join(', ')})`,
  );
  write('');
  for (const event of results.events ?? []) {
    const u = event.perEvent;
    write(`${event.type} — ${event.typical}`);
    write(
      `  per event: ${count(u.lambdaInvocations)} Lambda invocations, ${count(u.dynamoReadUnits)} read units, ${count(u.dynamoWriteUnits)} write units, ${count(u.events)} events put, ${count(u.storedByteMonths / 1024)} KB-months stored`,
    );
    write(
      `  its ingest, per million: ${money(event.perMillionEvents.total)}  (${breakdownLines(event.perMillionEvents).join(', ')})`,
    );
    write('');
  }
  const target = costTarget(results);
  write(
    `target: an abandoned-cart entry at or under ${money(target.maxPerMillionEntries)} per million, message fees apart — ${target.perMillionEntries === undefined ? 'n/a' : money(target.perMillionEntries)} ${target.met ? '✓' : '✗'}`,
  );
  const others = target.otherThanDynamoDbPerMillionEntries;
  if (others !== undefined && others > target.maxPerMillionEntries)
    write(
      `  every service but DynamoDB already costs ${money(others)} an entry (Lambda, Step Functions, Scheduler, EventBridge, logs, X-Ray): over the target before anything is read or stored`,
    );
  return target.met;
}
