/**
 * The local web page and its JSON views, served by the runtime's edge for unsigned requests that
 * are not API routes (`RuntimeOptions.web`). Everything is read live from the running system: the
 * stand-ins' memory (outbox, events, executions, schedules, queues) and the DynamoDB tables through
 * the production repositories. It is the local developer's own outbox, so recipients are shown;
 * nothing here logs.
 */
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { ContactsRepository } from '../../functions/adapters/contacts-repository.ts';
import { type Run, RunsRepository } from '../../functions/adapters/runs-repository.ts';
import type { Contact } from '../../functions/domain/contact.ts';
import { explainEntry as explain, type LedgerEntry, ledgerTag } from '../../functions/domain/ledger.ts';
import { dynamo } from '../../functions/shared/aws-clients.ts';
import { ENV } from '../../functions/shared/env-names.ts';
import { DASHBOARD_CSP, renderDashboardPage } from './dashboard-page.ts';
import type { EventRecord } from './eventbridge/bus.ts';
import type { LocalRuntime } from './runtime.ts';
import type { AwsRequest, AwsResponse } from './services/protocol.ts';
import { nextFireTime, type SchedulerSnapshot } from './services/scheduler.ts';
import type { Execution } from './step-functions.ts';

/** Caps on list lengths: the page stays responsive after a long `relance dev` session. */
const MAX_MESSAGES = 500;
const MAX_EVENTS = 200;
const MAX_ROWS = 1000;

// ----- views (the JSON the page renders) ------------------------------------------------------

/** What the ledger decided for one send. */
export interface DecisionView {
  readonly ledgerKey: string;
  readonly status: LedgerEntry['status'];
  readonly reason?: string;
  readonly explanation: string;
}

export interface EmailView {
  readonly messageId: string;
  readonly at: string;
  readonly from: string;
  readonly to: string[];
  readonly subject: string;
  readonly html: string;
  readonly text: string;
  readonly journey?: string;
  readonly step?: string;
  readonly ledger?: DecisionView;
}

export interface SmsView {
  readonly messageId: string;
  readonly at: string;
  readonly phone?: string;
  readonly text: string;
  readonly journey?: string;
  readonly step?: string;
  /** SNS's delivery status (FAILURE for an opted-out number) and why. */
  readonly status: 'SUCCESS' | 'FAILURE';
  readonly providerResponse?: string;
  readonly ledger?: DecisionView;
}

/** Newest first. */
export interface OutboxView {
  readonly emails: EmailView[];
  readonly sms: SmsView[];
}

export type LedgerView = Array<LedgerEntry & { readonly explanation: string }>;

export interface ExecutionLink {
  readonly name: string;
  readonly status: Execution['status'];
}

export type RunsView = Array<Run & { readonly executions: ExecutionLink[] }>;

export interface ExecutionView {
  readonly name: string;
  readonly executionArn: string;
  readonly stateMachine: string;
  readonly journey?: string;
  readonly status: Execution['status'];
  readonly startedAt: string;
  readonly stoppedAt?: string;
  /** The states entered, in order. */
  readonly states: string[];
  readonly error?: string;
  readonly cause?: string;
}

export interface ContactView {
  readonly contactId: string;
  readonly email?: string;
  readonly phone?: string;
  readonly name?: string;
  readonly tags: string[];
  readonly consent: string;
  readonly stats: Contact['stats'];
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface EventView {
  readonly id: string;
  readonly time: string;
  readonly bus: string;
  readonly source: string;
  readonly detailType: string;
  readonly matchedRules: string[];
  /** No rule matched: nothing will ever act on this event. */
  readonly unmatched: boolean;
  readonly detail: Record<string, unknown>;
}

export interface QueueMessageView {
  readonly messageId: string;
  readonly sentAt: string;
  readonly receiveCount: number;
  readonly attributes: Record<string, string>;
  /** The body, parsed when it is JSON. */
  readonly body: unknown;
}

export interface QueueView {
  readonly name: string;
  readonly kind: 'dead-letters' | 'rejected-events' | 'queue';
  readonly messages: QueueMessageView[];
}

/** Newest first. */
export interface EventsView {
  readonly events: EventView[];
  readonly unmatched: EventView[];
  readonly failedDeliveries: LocalRuntime['bus']['failedDeliveries'];
  readonly queues: QueueView[];
  readonly failedScheduleInvocations: LocalRuntime['failedScheduleInvocations'];
  readonly interruptedAtStart: LocalRuntime['interruptedAtStart'];
}

export interface ScheduleView {
  readonly name: string;
  readonly group: string;
  readonly expression: string;
  readonly nextAt: string;
  readonly targetArn: string;
  readonly journey?: string;
  readonly runKey?: string;
  readonly stepId?: string;
  readonly via?: string;
}

export interface StatusView {
  readonly clock: string;
  readonly clockMs: number;
  readonly mode: 'virtual' | 'scaled';
  /** Journey milliseconds per real millisecond (0 on a virtual clock). */
  readonly scale: number;
  readonly endpoint: string;
  readonly counts: Record<string, number>;
}

// ----- helpers --------------------------------------------------------------------------------

const iso = (ms: number) => new Date(ms).toISOString();

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Newest first, at most `max`, without touching the runtime's own arrays. */
const newest = <T>(items: readonly T[], max: number): T[] => items.slice(-max).reverse();

function decisionOf(entry: LedgerEntry | undefined): { ledger: DecisionView } | Record<string, never> {
  if (!entry) return {};
  return {
    ledger: {
      ledgerKey: entry.ledgerKey,
      status: entry.status,
      ...(entry.reason ? { reason: entry.reason } : {}),
      explanation: explain(entry),
    },
  };
}

/** Journey id → state machine ARN, from the variable the journey functions read. */
function journeyByStateMachine(): Map<string, string> {
  const byArn = new Map<string, string>();
  try {
    const targets: unknown = JSON.parse(process.env[ENV.journeyTargets] ?? '{}');
    if (!isRecord(targets)) return byArn;
    for (const [journey, target] of Object.entries(targets)) {
      if (isRecord(target) && typeof target.stateMachineArn === 'string')
        byArn.set(target.stateMachineArn, journey);
    }
  } catch {
    // A malformed variable only loses the journey column; the functions themselves report it.
  }
  return byArn;
}

// ----- data from DynamoDB ---------------------------------------------------------------------

/** Every ledger entry: a scan is fine for a local table, and the page wants all decisions. */
async function scanLedger(): Promise<LedgerEntry[]> {
  const tableName = process.env[ENV.ledgerTable];
  if (!tableName) return [];
  const entries: LedgerEntry[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    // The ledger table also holds frequency-cap items: only entries have a ledger key.
    const page = await dynamo.send(
      new ScanCommand({
        TableName: tableName,
        ExclusiveStartKey: startKey,
        FilterExpression: 'attribute_exists(ledgerKey)',
      }),
    );
    for (const { pk: _pk, expiresAt: _expires, ...entry } of page.Items ?? [])
      entries.push(entry as LedgerEntry);
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return entries;
}

async function listRuns(): Promise<Run[]> {
  const tableName = process.env[ENV.journeyStateTable];
  return tableName ? new RunsRepository(tableName).list(MAX_ROWS) : [];
}

async function listContacts(): Promise<Contact[]> {
  const tableName = process.env[ENV.contactsTable];
  if (!tableName) return [];
  const contacts: Contact[] = [];
  for await (const page of new ContactsRepository(tableName).scan()) contacts.push(...page);
  return contacts;
}

// ----- the views ------------------------------------------------------------------------------

/**
 * When an e-mail left, in journey time. The SES stand-in stamps its store with the wall clock in
 * seconds; the ledger entry's creation is the journey time of the send, so it is preferred.
 */
function emailTime(storedAt: number, entry: LedgerEntry | undefined): string {
  if (entry) return entry.createdAt;
  return iso(storedAt < 1e11 ? storedAt * 1000 : storedAt);
}

/** E-mails and SMS, each tied to its ledger entry through the `ledger` tag the sender attaches. */
export async function outboxView(runtime: LocalRuntime): Promise<OutboxView> {
  const byTag = new Map((await scanLedger()).map((entry) => [ledgerTag(entry.ledgerKey), entry]));
  const emails = newest(runtime.ses.emails(), MAX_MESSAGES).map((email): EmailView => {
    const entry = email.tags.ledger ? byTag.get(email.tags.ledger) : undefined;
    return {
      messageId: email.messageId,
      at: emailTime(email.at, entry),
      from: email.from,
      to: [...email.destination.to, ...email.destination.cc, ...email.destination.bcc],
      subject: email.subject,
      html: email.body.html ?? '',
      text: email.body.text ?? '',
      ...(email.tags.journey ? { journey: email.tags.journey } : {}),
      ...(email.tags.step ? { step: email.tags.step } : {}),
      ...decisionOf(entry),
    };
  });
  const sms = newest(runtime.sns.outbox(), MAX_MESSAGES).map((message): SmsView => {
    const tag = (name: string) => message.attributes[`relance.${name}`];
    const journey = tag('journey');
    const step = tag('step');
    const ledger = tag('ledger');
    return {
      messageId: message.messageId,
      at: message.at,
      ...(message.phoneNumber ? { phone: message.phoneNumber } : {}),
      text: message.message,
      ...(journey ? { journey } : {}),
      ...(step ? { step } : {}),
      status: message.status,
      ...(message.providerResponse ? { providerResponse: message.providerResponse } : {}),
      ...decisionOf(ledger ? byTag.get(ledger) : undefined),
    };
  });
  return { emails, sms };
}

/** Every send decision, newest first. */
export async function ledgerView(): Promise<LedgerView> {
  const entries = await scanLedger();
  return entries
    .sort((a, b) => b.createdAt.localeCompare(a.createdAt))
    .slice(0, MAX_ROWS)
    .map((entry) => ({ ...entry, explanation: explain(entry) }));
}

/** Which run an execution worked for: entries carry the trigger event, resumes the run key. */
function executionBelongsTo(run: Run, execution: Execution): boolean {
  const input = isRecord(execution.input) ? execution.input : {};
  const resume = isRecord(input.resume) ? input.resume : undefined;
  if (resume) return resume.runKey === run.runKey;
  const detail = isRecord(input.detail) ? input.detail : undefined;
  return detail !== undefined && detail.eventId === run.triggerEventId;
}

/** Runs, most recently updated first, each with links to the executions that advanced it. */
export async function runsView(runtime: LocalRuntime): Promise<RunsView> {
  const journeys = journeyByStateMachine();
  const executions = runtime.stepFunctions.executions;
  return (await listRuns()).map((run) => ({
    ...run,
    executions: executions
      .filter((e) => journeys.get(e.stateMachineArn) === run.journeyId && executionBelongsTo(run, e))
      .map((e) => ({ name: e.name, status: e.status })),
  }));
}

export function executionsView(runtime: LocalRuntime): ExecutionView[] {
  const journeys = journeyByStateMachine();
  return newest(runtime.stepFunctions.executions, MAX_ROWS).map((e) => {
    const journey = journeys.get(e.stateMachineArn);
    return {
      name: e.name,
      executionArn: e.executionArn,
      stateMachine: e.stateMachineArn.split(':').at(-1) ?? e.stateMachineArn,
      ...(journey ? { journey } : {}),
      status: e.status,
      startedAt: iso(e.startDate),
      ...(e.stopDate !== undefined ? { stoppedAt: iso(e.stopDate) } : {}),
      states: e.history.filter((h) => h.type.endsWith('StateEntered')).map((h) => String(h.details.name)),
      ...(e.error ? { error: e.error } : {}),
      ...(e.cause ? { cause: e.cause } : {}),
    };
  });
}

/** "email: opted_in (onboarding opted_in); sms: no record": what a send would be allowed to do. */
function consentSummary(contact: Contact): string {
  return (['email', 'sms'] as const)
    .map((channel) => {
      const consent = contact.consent[channel];
      const topics = Object.entries(consent?.topics ?? {}).map(
        ([topic, record]) => `${topic} ${record.status}`,
      );
      const suppressed = contact.suppressed[channel];
      return (
        `${channel}: ${consent?.channel?.status ?? 'no record'}` +
        (topics.length > 0 ? ` (${topics.join(', ')})` : '') +
        (suppressed ? `, suppressed: ${suppressed.reason}` : '')
      );
    })
    .join('; ');
}

export async function contactsView(): Promise<ContactView[]> {
  const contacts = await listContacts();
  return contacts
    .sort((a, b) => b.updatedAt.localeCompare(a.updatedAt))
    .slice(0, MAX_ROWS)
    .map((c) => {
      const name = [c.firstName, c.lastName].filter(Boolean).join(' ');
      return {
        contactId: c.contactId,
        ...(c.email ? { email: c.email } : {}),
        ...(c.phone ? { phone: c.phone } : {}),
        ...(name ? { name } : {}),
        tags: c.tags,
        consent: consentSummary(c),
        stats: c.stats,
        createdAt: c.createdAt,
        updatedAt: c.updatedAt,
      };
    });
}

function eventView(record: EventRecord): EventView {
  return {
    id: record.event.id,
    time: record.event.time,
    bus: record.busName,
    source: record.event.source,
    detailType: record.event['detail-type'],
    matchedRules: record.matchedRules,
    unmatched: record.matchedRules.length === 0,
    detail: record.event.detail,
  };
}

/** Queue names come from the template's logical ids, which say what each queue collects. */
function queueKind(name: string): QueueView['kind'] {
  if (/reject/i.test(name)) return 'rejected-events';
  if (/dead|dlq/i.test(name)) return 'dead-letters';
  return 'queue';
}

function parseBody(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return body;
  }
}

function queuesView(runtime: LocalRuntime): QueueView[] {
  return runtime.sqs.queues().map((queue) => ({
    name: queue.name,
    kind: queueKind(queue.name),
    messages: newest(queue.messages, MAX_MESSAGES).map((m) => ({
      messageId: m.messageId,
      sentAt: m.sentAt,
      receiveCount: m.receiveCount,
      attributes: Object.fromEntries(
        Object.entries(m.messageAttributes).map(([k, v]) => [k, v.StringValue ?? v.BinaryValue ?? '']),
      ),
      body: parseBody(m.body),
    })),
  }));
}

/** Everything that went past the bus, and everything that fell off it. */
export function eventsView(runtime: LocalRuntime): EventsView {
  return {
    events: newest(runtime.bus.events, MAX_EVENTS).map(eventView),
    unmatched: newest(runtime.bus.unmatched, MAX_EVENTS).map(eventView),
    failedDeliveries: newest(runtime.bus.failedDeliveries, MAX_ROWS),
    queues: queuesView(runtime),
    failedScheduleInvocations: newest(runtime.failedScheduleInvocations, MAX_ROWS),
    interruptedAtStart: runtime.interruptedAtStart,
  };
}

/**
 * The next fire time as the Scheduler stand-in computes it (its own method is private); its
 * snapshot carries the activation and last fire times that need.
 */
function nextFire(stored: SchedulerSnapshot['schedules'][number]): number | undefined {
  const s = stored.schedule;
  if (s.State !== 'ENABLED') return undefined;
  const timezone = s.ScheduleExpressionTimezone ?? 'UTC';
  try {
    if (s.ScheduleExpression.startsWith('at(')) {
      return stored.lastFiredAt === undefined
        ? nextFireTime(s.ScheduleExpression, timezone, Number.NEGATIVE_INFINITY)
        : undefined;
    }
    const start = s.StartDate === undefined ? undefined : Date.parse(s.StartDate);
    const end = s.EndDate === undefined ? undefined : Date.parse(s.EndDate);
    const anchor = s.ScheduleExpression.startsWith('rate(') ? (start ?? stored.activatedAt) : start;
    return nextFireTime(
      s.ScheduleExpression,
      timezone,
      stored.lastFiredAt ?? stored.activatedAt - 1,
      anchor,
      end,
    );
  } catch {
    return undefined;
  }
}

/** Pending schedules, soonest first, with the run each one resumes. */
export function schedulesView(runtime: LocalRuntime): ScheduleView[] {
  const journeys = journeyByStateMachine();
  const pending: Array<{ at: number; view: ScheduleView }> = [];
  for (const stored of runtime.scheduler.snapshot().schedules) {
    const at = nextFire(stored);
    if (at === undefined) continue;
    const s = stored.schedule;
    const input = s.Target.Input ? parseBody(s.Target.Input) : undefined;
    const resume = isRecord(input) && isRecord(input.resume) ? input.resume : {};
    const journey = journeys.get(s.Target.Arn);
    pending.push({
      at,
      view: {
        name: s.Name,
        group: s.GroupName,
        expression: s.ScheduleExpression,
        nextAt: iso(at),
        targetArn: s.Target.Arn,
        ...(journey ? { journey } : {}),
        ...(typeof resume.runKey === 'string' ? { runKey: resume.runKey } : {}),
        ...(typeof resume.stepId === 'string' ? { stepId: resume.stepId } : {}),
        ...(typeof resume.via === 'string' ? { via: resume.via } : {}),
      },
    });
  }
  return pending.sort((a, b) => a.at - b.at).map((p) => p.view);
}

export function statusView(runtime: LocalRuntime): StatusView {
  const queues = runtime.sqs.queues();
  const queued = (kind: QueueView['kind']) =>
    queues.filter((q) => queueKind(q.name) === kind).reduce((sum, q) => sum + q.messages.length, 0);
  const executions = runtime.stepFunctions.executions;
  return {
    clock: iso(runtime.clock.now()),
    clockMs: runtime.clock.now(),
    mode: runtime.clock.mode,
    scale: runtime.clock.scale,
    endpoint: runtime.endpoint,
    counts: {
      emails: runtime.ses.emails().length,
      sms: runtime.sns.outbox().length,
      events: runtime.bus.events.length,
      unmatchedEvents: runtime.bus.unmatched.length,
      failedDeliveries: runtime.bus.failedDeliveries.length,
      executions: executions.length,
      runningExecutions: executions.filter((e) => e.status === 'RUNNING').length,
      failedExecutions: executions.filter((e) => e.status === 'FAILED').length,
      schedules: runtime.scheduler.schedules().length,
      deadLetters: queued('dead-letters'),
      rejectedEvents: queued('rejected-events'),
      failedScheduleInvocations: runtime.failedScheduleInvocations.length,
      interruptedAtStart: runtime.interruptedAtStart.length,
    },
  };
}

// ----- HTTP -----------------------------------------------------------------------------------

type View = (runtime: LocalRuntime) => unknown;

/** The JSON routes, by path; the page fetches each of them. */
export const DASHBOARD_ROUTES: ReadonlyMap<string, View> = new Map<string, View>([
  ['/_relance/outbox', outboxView],
  ['/_relance/ledger', ledgerView],
  ['/_relance/runs', runsView],
  ['/_relance/executions', executionsView],
  ['/_relance/contacts', contactsView],
  ['/_relance/events', eventsView],
  ['/_relance/schedules', schedulesView],
  ['/_relance/status', statusView],
]);

// The page polls: never let a browser or proxy serve stale state.
const NO_STORE = { 'cache-control': 'no-store' };

/**
 * The runtime's `web` answer: the page at `/`, the JSON views under `/_relance/`, and undefined
 * for anything else (the runtime then answers 404).
 */
export async function dashboardWeb(runtime: LocalRuntime, req: AwsRequest): Promise<AwsResponse | undefined> {
  if (req.method !== 'GET') return undefined;
  if (req.path === '/') {
    return {
      status: 200,
      headers: {
        'content-type': 'text/html; charset=utf-8',
        'content-security-policy': DASHBOARD_CSP,
        ...NO_STORE,
      },
      body: renderDashboardPage({ clock: iso(runtime.clock.now()), mode: runtime.clock.mode }),
    };
  }
  const view = DASHBOARD_ROUTES.get(req.path);
  if (!view) return undefined;
  return {
    status: 200,
    headers: { 'content-type': 'application/json', ...NO_STORE },
    body: JSON.stringify(await view(runtime)),
  };
}
