/**
 * The life of a lead after the form: score it, give it to the right rep, tell the rep at once, and
 * act on what follows (the rep's accept / contacted / pass links, the SLA journey's reminders and
 * reassignments, booked appointments). Plain functions over injected dependencies; the handlers
 * wire them to DynamoDB, SES, SNS and the bus.
 *
 * Delivery to reps is at least once: a notification is sent before anything records it, so a crash
 * may repeat it on retry, never lose it. Assignment itself is exactly once (see assignment-repository).
 */

import type { AppointmentBooked } from '#catalogue/appointment-booked.ts';
import type { Contact } from '#catalogue/contact.ts';
import type { LeadAssigned } from '#catalogue/lead-assigned.ts';
import type { LeadContacted } from '#catalogue/lead-contacted.ts';
import type { LeadSlaBreached } from '#catalogue/lead-sla-breached.ts';
import type { LeadSubmitted } from '#catalogue/lead-submitted.ts';
import type { BusEvent } from '#platform/event-publisher.ts';
import { UNASSIGNED_QUEUE } from '#platform/lead-env.ts';
import { logger } from '#platform/logger.ts';
import type { HistoryEntry } from '../contacts/events-repository.ts';
import { appointmentAttachment } from '../delivery/calendar-invite.ts';
import type { OutgoingEmail } from '../delivery/email-sender.ts';
import type { OutgoingSms } from '../delivery/sms-sender.ts';
import { type LeadActionClaims, leadActionLinks } from './action-links.ts';
import type { AssignmentRepository, AssignmentRule, LeadRecord } from './assignment-repository.ts';
import {
  appointmentEmail,
  type ContactHistory,
  type LeadScoreView,
  type LeadSummary,
  leadName,
  newLeadEmail,
  newLeadSms,
  reminderEmail,
  reminderSms,
  slaLapsedManagerEmail,
  unassignedDigestEmail,
} from './rep-notifications.ts';
import { isAvailable, type RepRoster, type SalesRep } from './reps.ts';
import { chooseOwner } from './routing.ts';
import { engagementBehaviour, type ScoringModel, scoreLead } from './scoring.ts';

/** Source of the events the lead service publishes; ingest accepts them like any producer's. */
export const LEADS_SOURCE = 'relance.leads';

/** The managers get at most one digest of the unassigned queue per period (the pass runs hourly). */
const DIGEST_PERIOD_MS = 3_600_000;

/** How far back behaviour counts for scoring, in events. */
const HISTORY_FOR_SCORING = 100;
/** Recent events shown to the rep. */
const HISTORY_SHOWN = 8;

export interface LeadDeps {
  readonly assignments: AssignmentRepository;
  readonly roster: () => Promise<RepRoster>;
  readonly contact: (contactId: string) => Promise<Contact | undefined>;
  readonly history: (contactId: string, limit: number) => Promise<HistoryEntry[]>;
  readonly sendEmail: (email: OutgoingEmail) => Promise<string>;
  readonly sendSms: (sms: OutgoingSms) => Promise<string>;
  readonly publish: (events: readonly BusEvent[]) => Promise<void>;
  readonly links: { readonly baseUrl: string; readonly key: () => Promise<string> };
  readonly scoring: ScoringModel;
  readonly sending: {
    readonly fromAddress: string;
    readonly replyToAddress?: string;
    readonly configurationSet?: string;
    readonly smsSenderId?: string;
  };
  readonly nowMs: () => number;
}

export type AssignmentOutcome =
  | {
      readonly outcome: 'assigned';
      readonly repId: string;
      readonly assignmentId: string;
      readonly rule: AssignmentRule;
    }
  | { readonly outcome: 'unassigned'; readonly reason: string };

/** A lead submitted through the form or the events API, after ingest resolved its contact. */
export async function handleLeadSubmitted(deps: LeadDeps, detail: LeadSubmitted): Promise<AssignmentOutcome> {
  const contactId = detail.contact.contactId;
  if (!contactId) return { outcome: 'unassigned', reason: 'no_contact' };
  const at = new Date(deps.nowMs()).toISOString();
  const { consent: _consent, ...submission } = detail;
  // Read while the submission is recorded: routing and the rep's e-mail need both, and each round
  // trip on this path delays the rep's notification (a redelivered lead only wastes the reads).
  const reads = Promise.all([deps.contact(contactId), deps.history(contactId, HISTORY_FOR_SCORING)]);
  const recorded = deps.assignments.recordSubmission(
    detail.leadId,
    { contactId, detail: submission, submittedAt: detail.occurredAt },
    at,
  );
  const [existing, [contact, history]] = await Promise.all([recorded, reads]);
  if (existing.owner) {
    // A redelivered event, or a retry after a crash: the lead was routed already. Announcing it
    // again may repeat the rep's e-mail but never loses it (the bus event keeps its id).
    if (existing.status !== 'assigned') return { outcome: 'unassigned', reason: 'already_handled' };
    const rule = existing.rule ?? 'manual';
    const owner = existing.owner;
    await announce(deps, { ...existing, owner }, { rule, reason: 'new', contact, history });
    return { outcome: 'assigned', repId: owner, assignmentId: assignmentIdOf(existing), rule };
  }
  const behaviour = [
    ...history.map((e) => ({
      type: e.type,
      occurredAt: e.occurredAt,
      detail: e.detail,
    })),
    // Opens and clicks are not in the history: the profile counts them per day.
    ...(contact ? engagementBehaviour(contact.aggregates, deps.nowMs()) : []),
  ];
  const score = scoreLead(detail, behaviour, deps.scoring, deps.nowMs());
  // Routing does not read the score: it is stored while the reps' loads are read.
  const scored = deps.assignments.recordScore(detail.leadId, score, at);
  return assignAndNotify(
    deps,
    detail.leadId,
    { reason: 'new', exclude: [] },
    { lead: existing, written: scored, contact, history },
  );
}

/**
 * Routes a lead that has no owner, gives it to the first rep with room, and tells everyone. `read`:
 * the lead, its contact and the contact's recent events (newest first) as the caller has just read
 * or written them (read here otherwise); `written`, a write of the lead still under way, awaited
 * with the first read of the loads and then claimed without reading the lead again.
 */
async function assignAndNotify(
  deps: LeadDeps,
  leadId: string,
  change: { reason: LeadAssigned['reason']; exclude: readonly string[]; previousRepId?: string },
  read?: {
    readonly lead: LeadRecord;
    readonly written?: Promise<LeadRecord>;
    readonly contact: Contact | undefined;
    readonly history: readonly HistoryEntry[];
  },
): Promise<AssignmentOutcome> {
  // Awaited below: a failure before then must fail the invocation there, not crash the process.
  read?.written?.catch(() => undefined);
  const lead = read?.lead ?? (await deps.assignments.lead(leadId));
  if (!lead?.contactId) return { outcome: 'unassigned', reason: 'unknown_lead' };
  const summary = summaryOf(lead);
  const [roster, contact] = await Promise.all([
    deps.roster(),
    read ? read.contact : deps.contact(lead.contactId),
  ]);
  const nowMs = deps.nowMs();
  const capacityOf = (repId: string) => roster.reps.find((rep) => rep.id === repId)?.capacity;
  const at = new Date(nowMs).toISOString();
  // Reps found full when written to (other leads took their last slots since the loads were read)
  // are left out and the lead is routed again, down to the fallback queue and its manager.
  const full: string[] = [];
  let decision: ReturnType<typeof chooseOwner>;
  let result: Awaited<ReturnType<AssignmentRepository['assignFirst']>>;
  let written = read?.written;
  do {
    const [loads, known] = await Promise.all([
      deps.assignments.loads(roster.reps.map((rep) => rep.id)),
      written,
    ]);
    // Only the first claim may trust the lead as written: a rep found full changes it.
    written = undefined;
    decision = chooseOwner({
      lead: summary,
      ...(contact?.ownerId ? { contactOwnerId: contact.ownerId } : {}),
      roster,
      state: loads,
      nowMs,
      excludeRepIds: [...change.exclude, ...full],
    });
    result = await deps.assignments.assignFirst(
      leadId,
      decision.attempts,
      at,
      decision.rule,
      capacityOf,
      known,
    );
    if (result.outcome === 'all_full') full.push(...result.tried);
  } while (result.outcome === 'all_full' && result.tried.length > 0);
  if (result.outcome === 'all_full') {
    // Nobody has room: the lead waits in the unassigned queue, past nobody's capacity and without
    // an SLA run (no reminders); the periodic pass routes it again and sends the managers a digest.
    await deps.assignments.queueUnassigned(leadId, 'everyone_full', at);
    await reportUnassigned(deps);
    return { outcome: 'unassigned', reason: 'everyone_full' };
  }
  if (result.outcome === 'lead_taken') return { outcome: 'unassigned', reason: `owned_by_${result.owner}` };
  if (lead.status === 'unassigned') await deps.assignments.dequeue(leadId);
  const assigned = {
    ...(result.lead ?? (await deps.assignments.lead(leadId)) ?? lead),
    owner: result.repId,
  };
  const rule = assigned.rule ?? decision.rule;
  const assignmentId = await announce(deps, assigned, {
    ...change,
    rule,
    roster,
    contact,
    ...(read ? { history: read.history } : {}),
  });
  return { outcome: 'assigned', repId: result.repId, assignmentId, rule };
}

/**
 * The size of the unassigned queue, as the log line the `UnassignedLeads` metric filter reads (the
 * alarm fires while it is above 0).
 */
async function reportUnassigned(deps: LeadDeps): Promise<number> {
  const unassignedLeads = await deps.assignments.countUnassigned();
  logger.info(UNASSIGNED_QUEUE.logMessage, { unassignedLeads });
  return unassignedLeads;
}

/**
 * The periodic pass over the unassigned queue: each lead is routed again (one that finds room is
 * assigned and announced as usual), then the managers get one digest of those still waiting: the
 * fallback queue's manager, with the reps' managers in copy. Nothing is sent when the queue is empty.
 */
export async function handleUnassignedQueue(
  deps: LeadDeps,
): Promise<{ assigned: number; waiting: number; digest: boolean }> {
  let assigned = 0;
  const waiting: Array<{ lead: LeadRecord; queuedAt: string }> = [];
  const roster = await deps.roster();
  for (const queued of await deps.assignments.unassigned()) {
    const lead = await deps.assignments.lead(queued.leadId);
    if (!lead || lead.owner !== undefined || lead.status === 'closed') {
      // Found an owner (a crash between the assignment and the dequeue) or gone: not waiting.
      await deps.assignments.dequeue(queued.leadId);
      continue;
    }
    const lapsed = lead.history.findLast((entry) => entry.what === 'reassigned' && entry.repId);
    const outcome = await assignAndNotify(deps, lead.leadId, {
      reason: lapsed ? 'sla_lapsed' : 'new',
      exclude: previousOwners(lead, '', roster),
      ...(lapsed?.repId ? { previousRepId: lapsed.repId } : {}),
    });
    if (outcome.outcome === 'assigned') assigned += 1;
    else
      waiting.push({ lead: (await deps.assignments.lead(lead.leadId)) ?? lead, queuedAt: queued.queuedAt });
  }
  await reportUnassigned(deps);
  const manager = roster.reps.find((rep) => rep.id === roster.fallbackQueue.managerId);
  const nowMs = deps.nowMs();
  if (
    waiting.length === 0 ||
    !manager ||
    // One digest per period, even when the schedule delivers a pass twice.
    !(await deps.assignments.claimDigest(Math.floor(nowMs / DIGEST_PERIOD_MS), new Date(nowMs).toISOString()))
  ) {
    return { assigned, waiting: waiting.length, digest: false };
  }
  const managerIds = new Set(roster.reps.flatMap((rep) => (rep.managerId ? [rep.managerId] : [])));
  const copied = roster.reps
    .filter((rep) => managerIds.has(rep.id) && rep.id !== manager.id)
    .map((rep) => rep.email);
  const digest = unassignedDigestEmail({
    manager,
    leads: waiting.map(({ lead, queuedAt }) => ({
      lead: summaryOf(lead),
      grade: lead.grade ?? 'C',
      queuedAt: queuedAt || lead.updatedAt || new Date(nowMs).toISOString(),
    })),
  });
  await emailRep(deps, manager, digest, undefined, undefined, copied);
  return { assigned, waiting: waiting.length, digest: true };
}

/** Tells the owner of a freshly assigned lead, then publishes `lead.assigned` (which starts the SLA journey). */
async function announce(
  deps: LeadDeps,
  lead: LeadRecord & { owner: string },
  change: {
    rule: AssignmentRule;
    reason: LeadAssigned['reason'];
    previousRepId?: string;
    roster?: RepRoster;
    /** The contact as routing read it (saves reading it again for the notification). */
    contact?: Contact | undefined;
    /** The contact's recent events as routing read them, newest first (likewise). */
    history?: readonly HistoryEntry[];
  },
): Promise<string> {
  const nowMs = deps.nowMs();
  const roster = change.roster ?? (await deps.roster());
  const assignmentId = assignmentIdOf(lead);
  const rep = roster.reps.find((r) => r.id === lead.owner);
  if (rep) {
    await notifyNewOwner(deps, {
      lead,
      rep,
      assignmentId,
      rule: change.rule,
      reason: change.reason,
      nowMs,
      contact: change.contact,
      ...(change.history ? { history: change.history } : {}),
    });
  }
  if (!lead.contactId) return assignmentId;
  const event: LeadAssigned = {
    eventId: `${assignmentId}-assigned`,
    occurredAt: new Date(nowMs).toISOString(),
    source: LEADS_SOURCE,
    contact: { contactId: lead.contactId },
    leadId: lead.leadId,
    assignmentId,
    repId: lead.owner,
    rule: change.rule,
    score: lead.score ?? 0,
    grade: lead.grade ?? 'C',
    reason: change.reason,
    ...(change.previousRepId ? { previousRepId: change.previousRepId } : {}),
  };
  await deps.publish([{ source: LEADS_SOURCE, detailType: 'lead.assigned', detail: { ...event } }]);
  return assignmentId;
}

/**
 * `<leadId>.<n>`: the n-th assignment of the lead, counted from its history. A claim undone because
 * the rep turned out to be full (`assigned` then `skipped`) is not an assignment.
 */
export function assignmentIdOf(lead: Pick<LeadRecord, 'leadId' | 'history'>): string {
  const claims = lead.history.filter((entry) => entry.what === 'assigned').length;
  const undone = lead.history.filter((entry) => entry.what === 'skipped').length;
  const count = claims - undone;
  return `${lead.leadId}.${Math.max(count, 1)}`;
}

function summaryOf(lead: LeadRecord): LeadSummary & Partial<LeadSubmitted> {
  const detail = (lead.submission ?? {}) as Partial<LeadSubmitted>;
  return {
    ...detail,
    leadId: lead.leadId,
    ...(detail.contact?.email ? { email: detail.contact.email } : {}),
    ...(detail.contact?.phone ? { phone: detail.contact.phone } : {}),
  };
}

function scoreOf(lead: LeadRecord): LeadScoreView {
  return { score: lead.score ?? 0, grade: lead.grade ?? 'C', fired: lead.fired ?? [] };
}

async function contactHistory(
  deps: LeadDeps,
  contactId: string,
  known?: Contact,
  knownHistory?: readonly HistoryEntry[],
): Promise<ContactHistory> {
  const [contact, newest] = await Promise.all([
    known ?? deps.contact(contactId),
    knownHistory ?? deps.history(contactId, HISTORY_SHOWN),
  ]);
  const recent = newest.slice(0, HISTORY_SHOWN);
  return {
    orderCount: contact?.stats.orderCount ?? 0,
    totalSpent: contact?.stats.totalSpent ?? 0,
    ...(contact?.stats.lastOrderAt ? { lastOrderAt: contact.stats.lastOrderAt } : {}),
    recentEvents: recent.map((e) => ({ type: e.type, occurredAt: e.occurredAt })),
  };
}

/** SES tag values allow letters, digits and `_-.@` only. */
const tagValue = (value: string) => value.replace(/[^A-Za-z0-9_\-.@]/g, '_').slice(0, 256);

async function emailRep(
  deps: LeadDeps,
  rep: Pick<SalesRep, 'email'>,
  message: { subject: string; html: string; text: string },
  leadId: string | undefined,
  attachments?: OutgoingEmail['attachments'],
  cc?: readonly string[],
): Promise<void> {
  await deps.sendEmail({
    to: rep.email,
    ...(cc?.length ? { cc } : {}),
    from: deps.sending.fromAddress,
    ...(deps.sending.replyToAddress ? { replyTo: deps.sending.replyToAddress } : {}),
    ...(deps.sending.configurationSet ? { configurationSet: deps.sending.configurationSet } : {}),
    subject: message.subject,
    html: message.html,
    text: message.text,
    tags: { kind: 'lead', ...(leadId ? { lead: tagValue(leadId) } : {}) },
    ...(attachments ? { attachments } : {}),
  });
}

async function smsRep(
  deps: LeadDeps,
  rep: Pick<SalesRep, 'phone'>,
  text: string,
  leadId: string,
): Promise<void> {
  if (!rep.phone) return;
  await deps.sendSms({
    to: rep.phone,
    text,
    type: 'Transactional',
    ...(deps.sending.smsSenderId ? { senderId: deps.sending.smsSenderId } : {}),
    tags: { kind: 'lead', lead: tagValue(leadId) },
  });
}

async function actionLinks(deps: LeadDeps, leadId: string, assignmentId: string, repId: string) {
  return leadActionLinks({
    baseUrl: deps.links.baseUrl,
    key: await deps.links.key(),
    leadId,
    assignmentId,
    repId,
    nowMs: deps.nowMs(),
  });
}

/** The new owner's e-mail, and an SMS when they are on duty now. */
async function notifyNewOwner(
  deps: LeadDeps,
  input: {
    lead: LeadRecord;
    rep: SalesRep;
    assignmentId: string;
    rule: string;
    reason: LeadAssigned['reason'];
    nowMs: number;
    contact?: Contact | undefined;
    /** The contact's recent events, newest first, when the caller has them. */
    history?: readonly HistoryEntry[];
  },
): Promise<void> {
  const { lead, rep } = input;
  const links = await actionLinks(deps, lead.leadId, input.assignmentId, rep.id);
  const summary = summaryOf(lead);
  const score = scoreOf(lead);
  const history = lead.contactId
    ? await contactHistory(deps, lead.contactId, input.contact, input.history)
    : { orderCount: 0, totalSpent: 0, recentEvents: [] };
  const email = newLeadEmail({
    lead: summary,
    score,
    history,
    rep,
    links,
    rule: input.rule,
    reason: input.reason,
    submittedAt: lead.submittedAt ?? new Date(input.nowMs).toISOString(),
  });
  await emailAndTextRep(
    deps,
    rep,
    email,
    isAvailable(rep, input.nowMs) ? newLeadSms({ lead: summary, score, links }) : undefined,
    lead.leadId,
  );
}

/**
 * The rep's e-mail and, when given, SMS, sent together: the rep hears of the lead as soon as the
 * slower of the two is accepted, not after both one by one. Either failing fails the whole (the
 * invocation is retried; the rep may get one of them twice, never neither).
 */
async function emailAndTextRep(
  deps: LeadDeps,
  rep: Pick<SalesRep, 'email' | 'phone'>,
  email: { subject: string; html: string; text: string },
  sms: string | undefined,
  leadId: string,
): Promise<void> {
  await Promise.all([
    emailRep(deps, rep, email, leadId),
    sms === undefined ? undefined : smsRep(deps, rep, sms, leadId),
  ]);
}

/** What a rep's action link did. */
export type RepActionOutcome =
  | {
      readonly outcome: 'done';
      readonly action: LeadActionClaims['action'];
      readonly lead: string;
      readonly newOwner?: string;
    }
  | { readonly outcome: 'stale'; readonly why: 'not_your_lead' | 'closed' | 'reassigned' };

/**
 * Accept, mark contacted, or pass: only for the assignment the link was made for. Accepting and
 * contacting publish `lead.contacted` (which stops the SLA clock); passing releases the lead and
 * routes it again without this rep.
 */
export async function handleRepAction(deps: LeadDeps, claims: LeadActionClaims): Promise<RepActionOutcome> {
  const lead = await deps.assignments.lead(claims.leadId);
  if (!lead || lead.owner !== claims.repId) return { outcome: 'stale', why: 'not_your_lead' };
  if (lead.status === 'closed') return { outcome: 'stale', why: 'closed' };
  if (assignmentIdOf(lead) !== claims.assignmentId) return { outcome: 'stale', why: 'reassigned' };
  const at = new Date(deps.nowMs()).toISOString();
  const name = leadName(summaryOf(lead));
  if (claims.action === 'pass') {
    await deps.assignments.release(claims.leadId, claims.repId, at, 'reassigned');
    const next = await assignAndNotify(deps, claims.leadId, {
      reason: 'passed',
      exclude: previousOwners(lead, claims.repId, await deps.roster()),
      previousRepId: claims.repId,
    });
    return {
      outcome: 'done',
      action: 'pass',
      lead: name,
      ...(next.outcome === 'assigned' ? { newOwner: next.repId } : {}),
    };
  }
  const status = claims.action === 'accept' ? 'accepted' : 'contacted';
  if (!(await deps.assignments.setStatus(claims.leadId, claims.repId, status, at))) {
    return { outcome: 'stale', why: 'not_your_lead' };
  }
  if (lead.contactId) {
    const event: LeadContacted = {
      eventId: `${claims.assignmentId}-${status}`,
      occurredAt: at,
      source: LEADS_SOURCE,
      contact: { contactId: lead.contactId },
      leadId: claims.leadId,
      repId: claims.repId,
      action: status,
    };
    await deps.publish([{ source: LEADS_SOURCE, detailType: 'lead.contacted', detail: { ...event } }]);
  }
  return { outcome: 'done', action: claims.action, lead: name };
}

/** Reps who held the lead and gave it up (passed or let the SLA lapse): a new routing skips them. */
function previousOwners(lead: LeadRecord, current: string, roster: RepRoster): string[] {
  const released = lead.history
    .filter((e) => e.what === 'reassigned' && e.repId)
    .map((e) => e.repId as string);
  // `current` is empty for a queued lead: nobody holds it now.
  // The fallback queue's manager is the end of the line: never left out, so a lead always lands
  // with someone accountable however many reps passed it or let it lapse.
  const manager = roster.fallbackQueue.managerId;
  return [...new Set([...released, current])].filter((repId) => repId !== '' && repId !== manager);
}

/**
 * The SLA journey's signal for one assignment: remind the owner, or take the lead from them, route
 * it again without them and tell their manager. Ignored when the assignment is no longer current or
 * the owner already responded (the journey's wait and the rep's click can cross).
 */
export async function handleSlaBreach(
  deps: LeadDeps,
  breach: Pick<LeadSlaBreached, 'leadId' | 'assignmentId' | 'stage'>,
): Promise<{ outcome: 'reminded' | 'reassigned' | 'ignored'; newOwner?: string }> {
  const lead = await deps.assignments.lead(breach.leadId);
  if (!lead?.owner || lead.status !== 'assigned' || assignmentIdOf(lead) !== breach.assignmentId) {
    return { outcome: 'ignored' };
  }
  const roster = await deps.roster();
  const owner = roster.reps.find((rep) => rep.id === lead.owner);
  const summary = summaryOf(lead);
  const score = scoreOf(lead);
  // The fallback manager holds the lead as the last resort: lapsing there reminds them again.
  const lastResort = lead.owner === roster.fallbackQueue.managerId;
  if (breach.stage === 'remind' || lastResort) {
    if (owner) {
      const links = await actionLinks(deps, lead.leadId, breach.assignmentId, owner.id);
      await emailAndTextRep(
        deps,
        owner,
        reminderEmail({ lead: summary, score, rep: owner, links }),
        isAvailable(owner, deps.nowMs()) ? reminderSms({ lead: summary, links }) : undefined,
        lead.leadId,
      );
    }
    return { outcome: 'reminded' };
  }
  const at = new Date(deps.nowMs()).toISOString();
  await deps.assignments.release(lead.leadId, lead.owner, at, 'reassigned');
  const next = await assignAndNotify(deps, lead.leadId, {
    reason: 'sla_lapsed',
    exclude: previousOwners(lead, lead.owner, roster),
    previousRepId: lead.owner,
  });
  const managerId = owner?.managerId ?? roster.fallbackQueue.managerId;
  const manager = roster.reps.find((rep) => rep.id === managerId);
  if (manager) {
    const newOwner = next.outcome === 'assigned' ? roster.reps.find((r) => r.id === next.repId) : undefined;
    await emailRep(
      deps,
      manager,
      slaLapsedManagerEmail({
        lead: summary,
        score,
        manager,
        lapsedRep: owner ?? { name: lead.owner },
        ...(newOwner ? { newOwner } : {}),
      }),
      lead.leadId,
    );
  }
  return { outcome: 'reassigned', ...(next.outcome === 'assigned' ? { newOwner: next.repId } : {}) };
}

/** A booked appointment goes into the rep's notifications, with the same invitation the contact gets. */
export async function handleAppointmentBooked(
  deps: LeadDeps,
  appointment: AppointmentBooked,
): Promise<{ outcome: 'notified' | 'unknown_rep' }> {
  const roster = await deps.roster();
  const rep = roster.reps.find((r) => r.id === appointment.repId);
  if (!rep) return { outcome: 'unknown_rep' };
  const contact = appointment.contact.contactId
    ? await deps.contact(appointment.contact.contactId)
    : undefined;
  const contactName =
    [contact?.firstName, contact?.lastName].filter(Boolean).join(' ') ||
    contact?.email ||
    appointment.contact.email ||
    'a contact';
  const invite = appointmentAttachment(appointment, {
    organizer: { name: rep.name, email: rep.email },
    attendee: { email: contact?.email ?? appointment.contact.email ?? rep.email, name: contactName },
    stampedAt: new Date(deps.nowMs()).toISOString(),
  });
  await emailRep(
    deps,
    rep,
    appointmentEmail({
      rep,
      contactName,
      startsAt: appointment.startsAt,
      durationMinutes: appointment.durationMinutes,
      location: appointment.location,
      ...(appointment.title ? { title: appointment.title } : {}),
      ...(appointment.leadId ? { leadId: appointment.leadId } : {}),
    }),
    appointment.leadId,
    [invite],
  );
  return { outcome: 'notified' };
}
