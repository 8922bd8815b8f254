/**
 * The local web page and its JSON views, served by the runtime's edge for unsigned requests that
 * are not API routes (`RuntimeOptions.web`). Everything is read live from the running system: the
 * stand-ins' memory (outbox, events, executions, schedules, queues) and the DynamoDB tables named
 * by the runtime's template, through the production repositories' reads. It is the local
 * developer's own outbox and leads, so recipients and prospects are shown; nothing here logs.
 */

import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, ScanCommand, type ScanCommandOutput } from '@aws-sdk/lib-dynamodb';
import type { Contact } from '#catalogue/contact.ts';
import { PassRepository, type PassSummary } from '../../functions/audience-passes/pass-repository.ts';
import { ContactsRepository } from '../../functions/contacts/contacts-repository.ts';
import { explainEntry as explain, type LedgerEntry, ledgerTag } from '../../functions/delivery/ledger.ts';
import { previewMessage } from '../../functions/delivery/preview.ts';
import { type RunCounts, runCounts } from '../../functions/journey-report/conversions.ts';
import { journeyFunnel } from '../../functions/journey-report/funnel.ts';
import { type Run, RunsRepository } from '../../functions/journeys/runs-repository.ts';
import {
  AssignmentRepository,
  type AssignmentRule,
  type LeadHistoryEntry,
  type LeadRecord,
  type LeadStatus,
} from '../../functions/leads/assignment-repository.ts';
import { isAvailable, isOutOfOffice, type SalesRep } from '../../functions/leads/reps.ts';
import { loadRoster } from '../../functions/leads/roster.ts';
import { RosterRepository, type RosterSnapshot } from '../../functions/leads/roster-repository.ts';
import { ENV } from '../../functions/platform/env-names.ts';
import { segments } from '../../workflows/segments/index.ts';
import { templates } from '../../workflows/templates/index.ts';
import type { MetricSeries } from '../aws/cloudwatch-metrics.ts';
import type { EventRecord } from '../aws/eventbridge/bus.ts';
import type { AwsRequest, AwsResponse } from '../aws/protocol.ts';
import { nextFireTime, type SchedulerSnapshot } from '../aws/scheduler/scheduler.ts';
import type { StoredAttachment } from '../aws/ses.ts';
import type { Execution } from '../aws/step-functions.ts';
import { LOCAL_REGION } from '../aws/template.ts';
import { DASHBOARD_CSP, renderDashboardPage } from './dashboard-page.ts';
import { type JourneyLayout, layoutJourney } from './journey-graph.ts';
import { assemblyCatalog, runFate } from './journey-versions.ts';
import {
  functionVariable,
  journeysByStateMachine,
  type RelanceTables,
  relanceTables,
} from './relance-template.ts';
import type { LocalRuntime } from './runtime.ts';
import type { TemplateCheck } from './template-check.ts';

/** Caps on list lengths: the page stays responsive after a long `relance dev` session. */
const MAX_MESSAGES = 500;
const MAX_EVENTS = 200;
const MAX_ROWS = 1000;
/** Each pass costs two reads for its totals: the newest ones are what a developer looks at. */
const MAX_PASSES = 100;
/** Member ids shown per segment: enough to find one, not a member list. */
const MAX_SEGMENT_SAMPLE = 5;

// ----- views (the JSON the page renders) ------------------------------------------------------

/** What the ledger decided for one send. */
export interface DecisionView {
  readonly ledgerKey: string;
  readonly status: LedgerEntry['status'];
  readonly reason?: string;
  readonly explanation: string;
}

/** An attachment as sent; the text of a `text/*` one (an .ics invitation) so it can be read. */
export interface AttachmentView {
  readonly fileName: string;
  readonly contentType: string;
  readonly bytes: number;
  readonly text?: string;
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
  readonly attachments?: AttachmentView[];
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

/** An SMS or a call End User Messaging v2 accepted: its body (text or SSML), voice and final status. */
export interface PhoneMessageView {
  readonly messageId: string;
  readonly at: string;
  readonly channel: 'TEXT' | 'VOICE';
  readonly phone: string;
  readonly from: string;
  readonly body: string;
  /** A call's script type (TEXT or SSML) and the Polly voice reading it. */
  readonly bodyType?: 'TEXT' | 'SSML';
  readonly voice?: string;
  readonly journey?: string;
  readonly step?: string;
  /** The final status its delivery event reports (DELIVERED, COMPLETED, FAILED). */
  readonly status: string;
  readonly ledger?: DecisionView;
}

/** Newest first. */
export interface OutboxView {
  readonly emails: EmailView[];
  readonly sms: SmsView[];
  /** SMS and calls through End User Messaging v2. */
  readonly phone: PhoneMessageView[];
}

export type LedgerView = Array<LedgerEntry & { readonly explanation: string }>;

export interface ExecutionLink {
  readonly name: string;
  readonly status: Execution['status'];
}

/** A run with its fate in words (where it waits, on which version, what happens next) and its executions. */
export type RunsView = Array<Run & { readonly fate: string; readonly executions: ExecutionLink[] }>;

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
  /** Always 0 locally: nothing receives from the queues. */
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
  /** Calls IAM refused (the template lacks a grant the code needs). */
  readonly deniedCalls: LocalRuntime['iam']['denials'];
  readonly restartedAtStart: LocalRuntime['restartedAtStart'];
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

/** A lead as routed: who submitted it, who owns it and why, and everything that happened to it. */
export interface LeadView {
  readonly leadId: string;
  readonly submittedAt?: string;
  readonly contactId?: string;
  readonly email?: string;
  readonly phone?: string;
  readonly name?: string;
  readonly company?: string;
  readonly owner?: { readonly repId: string; readonly name?: string };
  readonly rule?: AssignmentRule;
  readonly score?: number;
  readonly grade?: LeadRecord['grade'];
  readonly fired: NonNullable<LeadRecord['fired']>;
  readonly status: LeadStatus;
  readonly history: LeadHistoryEntry[];
  readonly updatedAt?: string;
}

/** A rep of the current roster (bundle plus API edits) with their load and duty at the runtime's time. */
export type RepView = SalesRep & {
  /** Open leads counted against `capacity`. */
  readonly open: number;
  readonly onDuty: boolean;
  /** Inside the rep's `outOfOffice` period today. */
  readonly outOfOfficeNow: boolean;
  /** 0 while the rep is as bundled. */
  readonly version: number;
};

export interface RepsView {
  readonly fallbackManagerId: string;
  readonly reps: RepView[];
  readonly violations: readonly string[];
}

/** Newest first. */
export type PassesView = PassSummary[];

export interface SegmentView {
  readonly id: string;
  readonly description: string;
  /** Contacts whose profile lists the segment, as last evaluated. */
  readonly members: number;
  /** A few member contact ids, most recently updated first. */
  readonly sample: string[];
}

export interface StatusView {
  readonly clock: string;
  readonly clockMs: number;
  readonly mode: 'virtual' | 'scaled';
  /** Journey milliseconds per real millisecond (0 on a virtual clock). */
  readonly scale: number;
  readonly endpoint: string;
  readonly counts: Record<string, number>;
  /** Whether the templates would deploy (relance dev validates them once it is ready); absent elsewhere. */
  readonly templates?: TemplateCheck;
}

// ----- helpers --------------------------------------------------------------------------------

const iso = (ms: number) => new Date(ms).toISOString();

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const stringOf = (value: unknown) => (typeof value === 'string' ? value : undefined);

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

// ----- data from DynamoDB ---------------------------------------------------------------------

/** The tables of the runtime's template. */
const tablesOf = (runtime: LocalRuntime): RelanceTables => relanceTables(runtime.app);

/** The page's own client for its scans, on the runtime's endpoint. */
const scanClients = new WeakMap<LocalRuntime, DynamoDBDocumentClient>();

function scanClient(runtime: LocalRuntime): DynamoDBDocumentClient {
  let client = scanClients.get(runtime);
  if (!client) {
    client = DynamoDBDocumentClient.from(
      new DynamoDBClient({
        endpoint: runtime.endpoint,
        region: LOCAL_REGION,
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      }),
    );
    scanClients.set(runtime, client);
  }
  return client;
}

/**
 * The items of a table that pass the filter, for lists no repository reads (ledger entries, leads,
 * pass records). A scan is fine for a local table.
 */
async function scanItems(
  runtime: LocalRuntime,
  tableName: string | undefined,
  filter: string,
  values?: Record<string, unknown>,
): Promise<NonNullable<ScanCommandOutput['Items']>> {
  if (!tableName) return [];
  const items: NonNullable<ScanCommandOutput['Items']> = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await scanClient(runtime).send(
      new ScanCommand({
        TableName: tableName,
        ExclusiveStartKey: startKey,
        FilterExpression: filter,
        ...(values ? { ExpressionAttributeValues: values } : {}),
      }),
    );
    items.push(...(page.Items ?? []));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return items;
}

/** Every ledger entry: the page wants all decisions. */
async function scanLedger(runtime: LocalRuntime): Promise<LedgerEntry[]> {
  // The ledger table also holds frequency-cap items: only entries have a ledger key.
  const items = await scanItems(runtime, tablesOf(runtime).ledger, 'attribute_exists(ledgerKey)');
  return items.map(({ pk: _pk, expiresAt: _expires, ...entry }) => entry as LedgerEntry);
}

/** Every run (the journey graphs count them all, not the page's latest rows). */
async function listAllRuns(runtime: LocalRuntime): Promise<Run[]> {
  const tableName = tablesOf(runtime).journeyState;
  return tableName ? new RunsRepository(tableName).list(Number.POSITIVE_INFINITY) : [];
}

async function listRuns(runtime: LocalRuntime): Promise<Run[]> {
  const tableName = tablesOf(runtime).journeyState;
  return tableName ? new RunsRepository(tableName).list(MAX_ROWS) : [];
}

async function listContacts(runtime: LocalRuntime): Promise<Contact[]> {
  const tableName = tablesOf(runtime).contacts;
  if (!tableName) return [];
  const contacts: Contact[] = [];
  for await (const page of new ContactsRepository(tableName).scan()) contacts.push(...page);
  return contacts;
}

const byUpdatedDesc = (a: Contact, b: Contact) => b.updatedAt.localeCompare(a.updatedAt);

/**
 * The roster as the lead router reads it (the bundle overlaid with the reps API's edits). Never
 * cached: an edit shows on the next refresh.
 */
async function currentRoster(runtime: LocalRuntime, leadsTable: string | undefined): Promise<RosterSnapshot> {
  if (!leadsTable) return { roster: loadRoster(), versions: {}, fallbackQueueVersion: 0, violations: [] };
  return new RosterRepository(leadsTable, loadRoster(), {
    ttlMs: 0,
    now: () => runtime.clock.now(),
  }).current();
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

function attachmentView(attachment: StoredAttachment): AttachmentView {
  const text = /^text\//i.test(attachment.contentType);
  return {
    fileName: attachment.fileName,
    contentType: attachment.contentType,
    // The stand-in keeps text/* as text and anything else base64-encoded.
    bytes: Buffer.byteLength(attachment.content, text ? 'utf8' : 'base64'),
    ...(text ? { text: attachment.content } : {}),
  };
}

/** E-mails and SMS, each tied to its ledger entry through the `ledger` tag the sender attaches. */
export async function outboxView(runtime: LocalRuntime): Promise<OutboxView> {
  const byTag = new Map((await scanLedger(runtime)).map((entry) => [ledgerTag(entry.ledgerKey), entry]));
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
      ...(email.attachments?.length ? { attachments: email.attachments.map(attachmentView) } : {}),
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
  const numbers = new Map(runtime.smsVoice.identities().map((i) => [i.id, i.phoneNumber]));
  const phone = newest(runtime.smsVoice.outbox(), MAX_MESSAGES).map(
    (message): PhoneMessageView => ({
      messageId: message.messageId,
      at: message.at,
      channel: message.channel,
      phone: message.destinationPhoneNumber,
      from: numbers.get(message.originationIdentity) ?? message.originationIdentity,
      body: message.body,
      ...(message.bodyType ? { bodyType: message.bodyType } : {}),
      ...(message.voiceId ? { voice: message.voiceId } : {}),
      ...(message.context.journey ? { journey: message.context.journey } : {}),
      ...(message.context.step ? { step: message.context.step } : {}),
      status: message.status,
      ...decisionOf(message.context.ledger ? byTag.get(message.context.ledger) : undefined),
    }),
  );
  return { emails, sms, phone };
}

/** Every send decision, newest first. */
export async function ledgerView(runtime: LocalRuntime): Promise<LedgerView> {
  const entries = await scanLedger(runtime);
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
  const journeys = journeysByStateMachine(runtime.app);
  const executions = runtime.stepFunctions.executions;
  const versions = assemblyCatalog(runtime.options.cdkOut);
  return (await listRuns(runtime)).map((run) => ({
    ...run,
    fate: runFate(run, versions, runtime.clock.now()),
    executions: executions
      .filter((e) => journeys.get(e.stateMachineArn) === run.journeyId && executionBelongsTo(run, e))
      .map((e) => ({ name: e.name, status: e.status })),
  }));
}

export function executionsView(runtime: LocalRuntime): ExecutionView[] {
  const journeys = journeysByStateMachine(runtime.app);
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

export async function contactsView(runtime: LocalRuntime): Promise<ContactView[]> {
  const contacts = await listContacts(runtime);
  return contacts
    .sort(byUpdatedDesc)
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
      receiveCount: 0,
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
    deniedCalls: newest(runtime.iam.denials, MAX_ROWS),
    restartedAtStart: runtime.restartedAtStart,
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
  const journeys = journeysByStateMachine(runtime.app);
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

/** Leads, newest submission first, with what the form said about the person and who owns them. */
export async function leadsView(runtime: LocalRuntime): Promise<LeadView[]> {
  const leadsTable = tablesOf(runtime).leads;
  if (!leadsTable) return [];
  // The leads table also holds rep loads, roster edits, submissions and rate counters.
  const [items, roster] = await Promise.all([
    scanItems(runtime, leadsTable, 'sk = :lead', { ':lead': 'LEAD' }),
    currentRoster(runtime, leadsTable),
  ]);
  const names = new Map(roster.roster.reps.map((rep) => [rep.id, rep.name]));
  const leads = items.map((item) => item as LeadRecord);
  const submitted = (lead: LeadRecord) => lead.submittedAt ?? lead.createdAt ?? '';
  return leads
    .sort((a, b) => submitted(b).localeCompare(submitted(a)) || a.leadId.localeCompare(b.leadId))
    .slice(0, MAX_ROWS)
    .map((lead): LeadView => {
      const form = lead.submission ?? {};
      const contact = isRecord(form.contact) ? form.contact : {};
      const email = stringOf(contact.email);
      const phone = stringOf(contact.phone);
      const name = [stringOf(form.firstName), stringOf(form.lastName)].filter(Boolean).join(' ');
      const company = stringOf(form.company);
      const ownerName = lead.owner === undefined ? undefined : names.get(lead.owner);
      return {
        leadId: lead.leadId,
        ...(lead.submittedAt ? { submittedAt: lead.submittedAt } : {}),
        ...(lead.contactId ? { contactId: lead.contactId } : {}),
        ...(email ? { email } : {}),
        ...(phone ? { phone } : {}),
        ...(name ? { name } : {}),
        ...(company ? { company } : {}),
        ...(lead.owner ? { owner: { repId: lead.owner, ...(ownerName ? { name: ownerName } : {}) } } : {}),
        ...(lead.rule ? { rule: lead.rule } : {}),
        ...(lead.score !== undefined ? { score: lead.score } : {}),
        ...(lead.grade ? { grade: lead.grade } : {}),
        fired: lead.fired ?? [],
        status: lead.status ?? 'new',
        history: lead.history ?? [],
        ...(lead.updatedAt ? { updatedAt: lead.updatedAt } : {}),
      };
    });
}

/**
 * The roster in its order, each rep with the open leads counted against their capacity and whether
 * they are on duty at the runtime's time (the time the router reads).
 */
export async function repsView(runtime: LocalRuntime): Promise<RepsView> {
  const nowMs = runtime.clock.now();
  const leadsTable = tablesOf(runtime).leads;
  const snapshot = await currentRoster(runtime, leadsTable);
  const { reps, fallbackQueue } = snapshot.roster;
  const loads = leadsTable ? await new AssignmentRepository(leadsTable).loads(reps.map((r) => r.id)) : {};
  return {
    fallbackManagerId: fallbackQueue.managerId,
    reps: reps.map((rep) => ({
      ...rep,
      open: loads[rep.id]?.open ?? 0,
      onDuty: isAvailable(rep, nowMs),
      outOfOfficeNow: isOutOfOffice(rep, nowMs),
      version: snapshot.versions[rep.id] ?? 0,
    })),
    violations: snapshot.violations,
  };
}

/** Audience passes, newest first, with their progress summed over the workers. */
export async function passesView(runtime: LocalRuntime): Promise<PassesView> {
  const tableName = tablesOf(runtime).journeyState;
  if (!tableName) return [];
  const items = await scanItems(runtime, tableName, 'begins_with(pk, :pass) AND sk = :record', {
    ':pass': 'PASS#',
    ':record': 'PASS',
  });
  const newestIds = items
    .map((item) => ({
      passId: String(item.pk).slice('PASS#'.length),
      startedAt: String(item.startedAt ?? ''),
    }))
    .sort((a, b) => b.startedAt.localeCompare(a.startedAt) || a.passId.localeCompare(b.passId))
    .slice(0, MAX_PASSES)
    .map((p) => p.passId);
  const passes = new PassRepository(tableName);
  const summaries = await Promise.all(newestIds.map((passId) => passes.summary(passId)));
  return summaries.filter((summary) => summary !== undefined);
}

/** Each deployed segment with its members, as the profiles record them (no evaluation here). */
export async function segmentsView(runtime: LocalRuntime): Promise<SegmentView[]> {
  const contacts = (await listContacts(runtime)).sort(byUpdatedDesc);
  return segments.map((segment) => {
    const members = contacts.filter((c) => c.segments.includes(segment.id)).map((c) => c.contactId);
    return {
      id: segment.id,
      description: segment.description,
      members: members.length,
      sample: members.slice(0, MAX_SEGMENT_SAMPLE),
    };
  });
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
    ...(runtime.templateCheck ? { templates: runtime.templateCheck() } : {}),
    counts: {
      emails: runtime.ses.sent.kept().length,
      sms: runtime.sns.sent.kept().length,
      phone: runtime.smsVoice.sent.kept().length,
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
      deniedCalls: runtime.iam.deniedCount,
      // Executions the previous process left running whose state machine is gone: they could not begin again.
      notRestarted: runtime.restartedAtStart.filter((x) => !x.restarted).length,
      // Refused for backpressure (429 / ThrottlingException): answered to the caller, nothing accepted.
      throttledRequests: runtime.api.throttledCount + runtime.bus.throttledCount,
    },
  };
}

/** The metrics the functions wrote as EMF, as CloudWatch extracts them from their logs. */
export function metricsView(runtime: LocalRuntime): MetricSeries[] {
  return runtime.metrics.list();
}

// ----- HTTP -----------------------------------------------------------------------------------

type View = (runtime: LocalRuntime) => unknown;

/** One journey as the page draws it: its graph with counts, and what the report says of its runs. */
export interface JourneyView {
  readonly journeyId: string;
  readonly description: string;
  readonly version?: string;
  readonly layout: JourneyLayout;
  readonly runs: RunCounts;
  /** Per step: the runs waiting there and the latest messages it attempted (for the node's panel). */
  readonly atStep: Readonly<
    Record<
      string,
      {
        readonly waiting: ReadonlyArray<{ runKey: string; contactId?: string; since: string }>;
        readonly messages: ReadonlyArray<{ contactId: string; status: string; reason?: string; at: string }>;
      }
    >
  >;
}

/** Runs and messages listed per node; the counts cover them all. */
const MAX_AT_STEP = 20;

/** Every deployed journey drawn as a graph, with its runs' and messages' counts on each step. */
export async function journeysView(runtime: LocalRuntime): Promise<JourneyView[]> {
  const [runs, entries] = await Promise.all([listAllRuns(runtime), scanLedger(runtime)]);
  const deployed = assemblyCatalog(runtime.options.cdkOut)?.current ?? [];
  return deployed.map(({ journeyId, version, definition }) => {
    const own = runs.filter((run) => run.journeyId === journeyId);
    const ownEntries = entries.filter((entry) => entry.journeyId === journeyId);
    const waiting = own.filter(
      (run) =>
        (run.status === 'waiting' || run.status === 'stalled') && run.waiting && run.version === version,
    );
    const funnels = new Map(journeyFunnel(ownEntries, journeyId).steps.map((step) => [step.id, step]));
    const layout = layoutJourney(definition, {
      waiting: (stepId) => waiting.filter((run) => run.waiting?.stepId === stepId).length,
      funnels,
    });
    const atStep = Object.fromEntries(
      Object.keys(definition.steps).map((stepId) => [
        stepId,
        {
          waiting: waiting
            .filter((run) => run.waiting?.stepId === stepId)
            .slice(0, MAX_AT_STEP)
            .map((run) => ({
              runKey: run.runKey,
              ...(run.contactId ? { contactId: run.contactId } : {}),
              since: run.updatedAt,
            })),
          messages: ownEntries
            .filter((entry) => entry.stepId === stepId)
            .sort((a, b) => b.updatedAt.localeCompare(a.updatedAt))
            .slice(0, MAX_AT_STEP)
            .map((entry) => ({
              contactId: entry.contactId,
              status: entry.status,
              ...(entry.reason ? { reason: entry.reason } : {}),
              at: entry.updatedAt,
            })),
        },
      ]),
    );
    return {
      journeyId,
      description: definition.description ?? '',
      version,
      layout,
      runs: runCounts(own),
      atStep,
    };
  });
}

/** The templates a preview can render, for the page's picker. */
export function templatesView(): Array<{ id: string; channel: string }> {
  return [...templates.values()].map((t) => ({ id: t.id, channel: t.channel }));
}

/**
 * GET /_relance/preview?template=&contact=&locale=&trigger=&marketing=1: a template rendered for a
 * contact of the local runtime (e-mail address or id), as `relance preview` does. A bad parameter
 * is a 400 naming it.
 */
async function previewAnswer(runtime: LocalRuntime, query: URLSearchParams): Promise<AwsResponse> {
  const answer = (status: number, body: unknown): AwsResponse => ({
    status,
    headers: { 'content-type': 'application/json', ...NO_STORE },
    body: JSON.stringify(body),
  });
  const template = templates.get(query.get('template') ?? '');
  if (!template) return answer(400, { field: 'template', message: 'unknown template' });
  const subject = (query.get('contact') ?? '').trim();
  if (!subject) return answer(400, { field: 'contact', message: 'give an e-mail address or a contact id' });
  let trigger: unknown = {};
  try {
    trigger = JSON.parse(query.get('trigger') || '{}');
  } catch {
    return answer(400, { field: 'trigger', message: 'not JSON' });
  }
  if (trigger === null || typeof trigger !== 'object' || Array.isArray(trigger))
    return answer(400, { field: 'trigger', message: 'must be a JSON object' });
  const contactsTable = tablesOf(runtime).contacts;
  if (!contactsTable) return answer(400, { field: 'contact', message: 'the template has no contacts table' });
  const contacts = new ContactsRepository(contactsTable);
  const contactId = subject.includes('@')
    ? await contacts.findByIdentity('EMAIL', subject.toLowerCase())
    : subject;
  const contact = contactId ? await contacts.get(contactId) : undefined;
  if (!contact) return answer(400, { field: 'contact', message: `no contact found for ${subject}` });
  const brand = JSON.parse(functionVariable(runtime.app, ENV.brand) ?? '{}') as Record<string, string>;
  const locale = query.get('locale')?.trim();
  return answer(200, {
    template: template.id,
    contactId: contact.contactId,
    preview: await previewMessage({
      template,
      contact,
      trigger: trigger as Record<string, unknown>,
      ...(locale ? { locale } : {}),
      brand,
      defaultTimezone: functionVariable(runtime.app, ENV.defaultTimezone) ?? 'UTC',
      ...(query.get('marketing') === '1' ? { marketing: true } : {}),
    }),
  });
}

/** The JSON routes, by path; the page fetches each of them. */
export const DASHBOARD_ROUTES: ReadonlyMap<string, View> = new Map<string, View>([
  ['/_relance/outbox', outboxView],
  ['/_relance/ledger', ledgerView],
  ['/_relance/runs', runsView],
  ['/_relance/executions', executionsView],
  ['/_relance/contacts', contactsView],
  ['/_relance/events', eventsView],
  ['/_relance/schedules', schedulesView],
  ['/_relance/leads', leadsView],
  ['/_relance/reps', repsView],
  ['/_relance/passes', passesView],
  ['/_relance/segments', segmentsView],
  ['/_relance/status', statusView],
  ['/_relance/metrics', metricsView],
  ['/_relance/journeys', journeysView],
  ['/_relance/templates', templatesView],
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
  if (req.path === '/_relance/preview') return previewAnswer(runtime, req.query);
  const view = DASHBOARD_ROUTES.get(req.path);
  if (!view) return undefined;
  return {
    status: 200,
    headers: { 'content-type': 'application/json', ...NO_STORE },
    body: JSON.stringify(await view(runtime)),
  };
}
