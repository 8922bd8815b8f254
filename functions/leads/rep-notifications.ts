/**
 * What a sales rep reads: the new-lead notification (summary, score and why, the contact's history,
 * the action links), the SLA reminder, the manager's alert, the managers' digest of unassigned leads
 * and the appointment notice. Pure functions from data to e-mail and SMS text; the lead service
 * sends them.
 */
import { dateTimeFormat } from '#language/intl-formats.ts';
import { escapeHtml } from '#platform/html-page.ts';
import type { LeadActionLinks } from './action-links.ts';
import type { SalesRep } from './reps.ts';
import type { FiredRule, Grade } from './scoring.ts';

/** The lead as the notification shows it (the stored `lead.submitted` detail). */
export interface LeadSummary {
  readonly leadId: string;
  readonly firstName?: string;
  readonly lastName?: string;
  readonly email?: string;
  readonly phone?: string;
  readonly company?: string;
  readonly companySize?: number;
  readonly budget?: number;
  readonly country?: string;
  readonly region?: string;
  readonly postcode?: string;
  readonly productInterest?: string;
  readonly language?: string;
  readonly message?: string;
  readonly formId?: string;
}

export interface LeadScoreView {
  readonly score: number;
  readonly grade: Grade;
  readonly fired: readonly FiredRule[];
}

/** What relance knows of the contact: orders and the latest events. */
export interface ContactHistory {
  readonly orderCount: number;
  readonly totalSpent: number;
  readonly lastOrderAt?: string;
  readonly recentEvents: ReadonlyArray<{ readonly type: string; readonly occurredAt: string }>;
}

export interface RenderedEmail {
  readonly subject: string;
  readonly html: string;
  readonly text: string;
}

/** "Grace Hopper", else the e-mail, else the phone, else the lead id. */
export function leadName(lead: LeadSummary): string {
  const name = [lead.firstName, lead.lastName].filter(Boolean).join(' ');
  return name || lead.email || lead.phone || lead.leadId;
}

/** A time in the rep's own zone, e.g. "Mon 2 Mar 2026, 15:00 (Europe/Paris)". */
export function repTime(iso: string, timezone: string): string {
  const text = dateTimeFormat('en-GB', {
    timeZone: timezone,
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).format(new Date(iso));
  return `${text} (${timezone})`;
}

function leadRows(lead: LeadSummary): Array<[string, string]> {
  const rows: Array<[string, string | number | undefined]> = [
    ['Name', [lead.firstName, lead.lastName].filter(Boolean).join(' ') || undefined],
    ['E-mail', lead.email],
    ['Phone', lead.phone],
    ['Company', lead.company],
    ['Company size', lead.companySize],
    ['Budget', lead.budget],
    ['Country', [lead.country, lead.region, lead.postcode].filter(Boolean).join(' / ') || undefined],
    ['Interested in', lead.productInterest],
    ['Language', lead.language],
    ['Form', lead.formId],
    ['Message', lead.message],
  ];
  return rows.flatMap(([label, value]) => (value === undefined ? [] : [[label, String(value)]]));
}

function historyLines(history: ContactHistory, timezone: string): string[] {
  const orders =
    history.orderCount === 0
      ? 'No orders yet.'
      : `${history.orderCount} order(s), ${history.totalSpent.toFixed(2)} in total${history.lastOrderAt ? `, last on ${repTime(history.lastOrderAt, timezone)}` : ''}.`;
  const events = history.recentEvents.map((e) => `${repTime(e.occurredAt, timezone)}  ${e.type}`);
  return [orders, ...(events.length > 0 ? ['Recent activity:', ...events] : ['No recent activity.'])];
}

function firedText(score: LeadScoreView): string {
  if (score.fired.length === 0) return 'no scoring rule fired';
  return score.fired.map((f) => `${f.ruleId} ${f.points >= 0 ? '+' : ''}${f.points}`).join(', ');
}

/** The e-mail a rep gets when a lead is assigned to them. */
export function newLeadEmail(input: {
  readonly lead: LeadSummary;
  readonly score: LeadScoreView;
  readonly history: ContactHistory;
  readonly rep: Pick<SalesRep, 'name' | 'timezone'>;
  readonly links: LeadActionLinks;
  readonly rule: string;
  readonly reason: 'new' | 'passed' | 'sla_lapsed';
  readonly submittedAt: string;
}): RenderedEmail {
  const { lead, score, history, rep, links } = input;
  const why =
    input.reason === 'new'
      ? `routed to you by rule ${input.rule}`
      : input.reason === 'passed'
        ? `passed on by a colleague, routed to you by rule ${input.rule}`
        : `reassigned to you after the previous owner's SLA lapsed (rule ${input.rule})`;
  const subject = `New lead (${score.grade}, ${score.score}): ${leadName(lead)}${lead.company ? `, ${lead.company}` : ''}`;
  const rows = leadRows(lead);
  const lines = historyLines(history, rep.timezone);
  const text = [
    `Hi ${rep.name},`,
    '',
    `A ${score.grade} lead submitted ${repTime(input.submittedAt, rep.timezone)}, ${why}.`,
    '',
    ...rows.map(([label, value]) => `${label}: ${value}`),
    '',
    `Score ${score.score} (grade ${score.grade}): ${firedText(score)}`,
    '',
    ...lines,
    '',
    `Accept: ${links.accept}`,
    `Mark contacted: ${links.contacted}`,
    `Pass it on: ${links.pass}`,
  ].join('\n');
  const html = [
    `<p>Hi ${escapeHtml(rep.name)},</p>`,
    `<p>A <strong>${score.grade}</strong> lead submitted ${escapeHtml(repTime(input.submittedAt, rep.timezone))}, ${escapeHtml(why)}.</p>`,
    `<table>${rows.map(([label, value]) => `<tr><th align="left">${escapeHtml(label)}</th><td>${escapeHtml(value)}</td></tr>`).join('')}</table>`,
    `<p>Score <strong>${score.score}</strong> (grade ${score.grade}): ${escapeHtml(firedText(score))}</p>`,
    `<p>${lines.map(escapeHtml).join('<br>')}</p>`,
    `<p><a href="${escapeHtml(links.accept)}">Accept</a> · <a href="${escapeHtml(links.contacted)}">Mark contacted</a> · <a href="${escapeHtml(links.pass)}">Pass it on</a></p>`,
  ].join('\n');
  return { subject, html, text };
}

/** The SMS a rep on duty gets with a new lead: who, how good, and the accept link. */
export function newLeadSms(input: {
  readonly lead: LeadSummary;
  readonly score: LeadScoreView;
  readonly links: Pick<LeadActionLinks, 'accept'>;
}): string {
  const { lead, score } = input;
  const what = [lead.company, lead.productInterest].filter(Boolean).join(', ');
  return `New ${score.grade} lead: ${leadName(lead)}${what ? ` (${what})` : ''}${lead.phone ? ` ${lead.phone}` : ''}. Accept: ${input.links.accept}`;
}

/** The reminder when the SLA's first deadline passes without a response. */
export function reminderEmail(input: {
  readonly lead: LeadSummary;
  readonly score: LeadScoreView;
  readonly rep: Pick<SalesRep, 'name'>;
  readonly links: LeadActionLinks;
}): RenderedEmail {
  const name = leadName(input.lead);
  const text = [
    `Hi ${input.rep.name},`,
    '',
    `${name} (grade ${input.score.grade}) is still waiting for an answer. Without one the lead goes to a colleague.`,
    '',
    `Accept: ${input.links.accept}`,
    `Mark contacted: ${input.links.contacted}`,
    `Pass it on: ${input.links.pass}`,
  ].join('\n');
  const html = `<p>Hi ${escapeHtml(input.rep.name)},</p><p>${escapeHtml(name)} (grade ${input.score.grade}) is still waiting for an answer. Without one the lead goes to a colleague.</p><p><a href="${escapeHtml(input.links.accept)}">Accept</a> · <a href="${escapeHtml(input.links.contacted)}">Mark contacted</a> · <a href="${escapeHtml(input.links.pass)}">Pass it on</a></p>`;
  return { subject: `Reminder: ${name} is waiting (${input.score.grade} lead)`, html, text };
}

export function reminderSms(input: {
  readonly lead: LeadSummary;
  readonly links: Pick<LeadActionLinks, 'accept'>;
}): string {
  return `Reminder: lead ${leadName(input.lead)} is still waiting. Accept: ${input.links.accept}`;
}

/** The manager's alert when a lead is taken from a rep who did not respond in time. */
export function slaLapsedManagerEmail(input: {
  readonly lead: LeadSummary;
  readonly score: LeadScoreView;
  readonly manager: Pick<SalesRep, 'name'>;
  readonly lapsedRep: Pick<SalesRep, 'name'>;
  readonly newOwner?: Pick<SalesRep, 'name'>;
}): RenderedEmail {
  const name = leadName(input.lead);
  const outcome = input.newOwner ? `It now belongs to ${input.newOwner.name}.` : 'Nobody could take it over.';
  const text = `Hi ${input.manager.name},\n\n${input.lapsedRep.name} did not respond to the ${input.score.grade} lead ${name} within the SLA. ${outcome}`;
  return {
    subject: `SLA lapsed: ${name} (${input.score.grade} lead)`,
    text,
    html: `<p>${escapeHtml(text).replaceAll('\n', '<br>')}</p>`,
  };
}

/** Leads listed in one digest; the rest are counted. */
export const DIGEST_MAX_LISTED = 50;

/**
 * The managers' digest of the unassigned queue: the leads nobody had room for, oldest first, sent
 * once per period instead of one message per lead.
 */
export function unassignedDigestEmail(input: {
  readonly manager: Pick<SalesRep, 'name' | 'timezone'>;
  readonly leads: ReadonlyArray<{
    readonly lead: LeadSummary;
    readonly grade: Grade;
    readonly queuedAt: string;
  }>;
}): RenderedEmail {
  const total = input.leads.length;
  const listed = input.leads.slice(0, DIGEST_MAX_LISTED);
  const line = ({ lead, grade, queuedAt }: (typeof listed)[number]) => {
    const what = [lead.company, lead.country, lead.productInterest].filter(Boolean).join(', ');
    return `${leadName(lead)}${what ? ` (${what})` : ''}, grade ${grade}, waiting since ${repTime(queuedAt, input.manager.timezone)}`;
  };
  const more = total > listed.length ? `…and ${total - listed.length} more.` : '';
  const intro = `${total} lead${total === 1 ? '' : 's'} could not be assigned: every rep who could take them, and the fallback queue's manager, is at capacity. They wait in the unassigned queue and are routed again at each pass; free capacity (close or pass leads, raise a capacity) or assign them by hand.`;
  const text = [
    `Hi ${input.manager.name},`,
    '',
    intro,
    '',
    ...listed.map((entry) => `- ${line(entry)}`),
    ...(more ? [more] : []),
  ].join('\n');
  const html =
    `<p>Hi ${escapeHtml(input.manager.name)},</p><p>${escapeHtml(intro)}</p>` +
    `<ul>${listed.map((entry) => `<li>${escapeHtml(line(entry))}</li>`).join('')}</ul>` +
    (more ? `<p>${escapeHtml(more)}</p>` : '');
  return { subject: `Unassigned leads: ${total} waiting, everyone is at capacity`, html, text };
}

/** The rep's notice of a booked appointment (the .ics invitation is attached by the sender). */
export function appointmentEmail(input: {
  readonly rep: Pick<SalesRep, 'name' | 'timezone'>;
  readonly contactName: string;
  readonly startsAt: string;
  readonly durationMinutes: number;
  readonly location: string;
  readonly title?: string;
  readonly leadId?: string;
}): RenderedEmail {
  const when = repTime(input.startsAt, input.rep.timezone);
  const what = input.title ?? `Meeting with ${input.contactName}`;
  const text = [
    `Hi ${input.rep.name},`,
    '',
    `${what}: ${when}, ${input.durationMinutes} min.`,
    `Where: ${input.location}`,
    ...(input.leadId ? [`Lead: ${input.leadId}`] : []),
    '',
    'The invitation is attached.',
  ].join('\n');
  return {
    subject: `Appointment: ${input.contactName}, ${when}`,
    text,
    html: `<p>${escapeHtml(text).replaceAll('\n', '<br>')}</p>`,
  };
}
