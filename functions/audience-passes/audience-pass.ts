/**
 * Audience passes: how a scheduled journey reaches its segment. A pass is planned once (the
 * segment, the workers), then each worker scans its segment of a parallel scan page by page,
 * evaluates the segment on each profile (the profile alone: aggregates included), and starts the
 * journey for each member, at most `budget` per slot of `slotSeconds`, so the whole pass stays
 * under the configured SES and SMS rates however large the audience. A worker that has more to do
 * hands its cursor to a one-time schedule for its next slot; memory per worker is one page.
 *
 * Exactly once per member: the run starts from `audience.member` whose `memberKey` is the
 * journey's dedupe key, so a page retried after a crash starts nothing twice (the journey's Enter
 * refuses a second run for the key); the page's counts are recorded once (conditional on the page
 * number).
 */

import type { AudienceMember } from '#catalogue/audience-member.ts';
import type { Contact } from '#catalogue/contact.ts';
import * as z from '#catalogue/zod.ts';
import { isValidTimeZone, localParts } from '#language/local-time.ts';
import type { SegmentDefinition } from '#language/segments.ts';
import type { Audience, JourneyDefinition } from '#language/types.ts';
import type { ContactsRepository } from '../contacts/contacts-repository.ts';
import { isHeldOut } from '../segments/holdout.ts';
import { evaluateAll } from '../segments/membership.ts';
import { NO_COUNTS, type PassCounts, type PassRepository } from './pass-repository.ts';

/** PASS_SETTINGS, as the CDK app writes it. */
export const PassSettingsSchema = z.object({
  workers: z.int().check(z.gte(1), z.lte(64)),
  pageSize: z.int().check(z.gte(1), z.lte(1000)),
  maxPagesPerInvocation: z.int().check(z.gte(1), z.lte(1000)),
  slotSeconds: z.int().check(z.gte(1), z.lte(3600)),
  rates: z.object({ email: z.number().check(z.positive()), sms: z.number().check(z.positive()) }),
  defaultTimezone: z.string(),
});

export type PassSettings = z.infer<typeof PassSettingsSchema>;

/** What a worker's page needs to find its place. */
export interface PageInput {
  readonly passId: string;
  readonly worker: number;
}

export interface PassDeps {
  readonly passes: PassRepository;
  readonly contacts: Pick<ContactsRepository, 'scanPage' | 'approximateCount' | 'zonesInUse'>;
  readonly findJourney: (id: string) => JourneyDefinition | undefined;
  readonly segments: readonly SegmentDefinition[];
  /** Starts the journey's state machine with an `audience.member` trigger. */
  readonly startRun: (journeyId: string, member: AudienceMember) => Promise<void>;
  /** Creates the one-time schedule that runs a worker's next page. */
  readonly scheduleNextPage: (name: string, atMs: number, input: PageInput) => Promise<void>;
  readonly settings: PassSettings;
  readonly nowMs: () => number;
}

export const PASS_SOURCE = 'relance.segments';

/**
 * Members a journey may admit per second: each run may send every send step of the journey once,
 * so the slowest channel's rate divided by its sends per run bounds it (conservative: later steps
 * are spread over days).
 */
export function admissionsPerSecond(journey: JourneyDefinition, rates: PassSettings['rates']): number {
  const sends = { email: 0, sms: 0 };
  // A call leaves from the same origination identities as an SMS: it counts against the SMS rate.
  for (const step of Object.values(journey.steps))
    if (step.type === 'send') sends[step.channel === 'email' ? 'email' : 'sms'] += 1;
  const limits = (['email', 'sms'] as const).filter((c) => sends[c] > 0).map((c) => rates[c] / sends[c]);
  return limits.length > 0 ? Math.min(...limits) : Math.max(rates.email, rates.sms);
}

/** Members one worker may admit per slot: its share of the journey's rate, at least one. */
export function slotBudget(journey: JourneyDefinition, settings: PassSettings, workers: number): number {
  return Math.max(
    1,
    Math.floor((admissionsPerSecond(journey, settings.rates) * settings.slotSeconds) / workers),
  );
}

/** The run key of a member: one run per contact, per year, per month, or per last order. */
export function memberKey(once: Audience['once'], contact: Contact, nowMs: number): string {
  return memberKeyParts(once, contact, nowMs).slice(0, MAX_MEMBER_KEY_LENGTH);
}

/** An identifier of the event catalogue holds at most this many characters. */
const MAX_MEMBER_KEY_LENGTH = 128;

function memberKeyParts(once: Audience['once'], contact: Contact, nowMs: number): string {
  const now = new Date(nowMs).toISOString();
  switch (once) {
    case 'ever':
      return contact.contactId;
    case 'per_year':
      return `${contact.contactId}.${now.slice(0, 4)}`;
    case 'per_month':
      return `${contact.contactId}.${now.slice(0, 7)}`;
    case 'per_last_order':
      return `${contact.contactId}.${contact.aggregates.lastOrderAt ?? contact.stats.lastOrderAt ?? 'none'}`;
  }
}

function scheduledJourney(deps: PassDeps, journeyId: string) {
  const journey = deps.findJourney(journeyId);
  if (!journey?.schedule) throw new Error(`journey "${journeyId}" is not a scheduled journey`);
  return { journey, schedule: journey.schedule };
}

/** Plans a pass for a scheduled journey: one record, one worker per scan segment. Idempotent within the minute. */
export async function planPass(
  deps: PassDeps,
  journeyId: string,
): Promise<{ passId: string; journeyId: string; workers: number[] }> {
  const { schedule } = scheduledJourney(deps, journeyId);
  const nowMs = deps.nowMs();
  const passId = `${journeyId}.${new Date(nowMs).toISOString().slice(0, 16).replace(/[-:]/g, '')}`;
  if ('localTime' in schedule) {
    // An hourly pass scans only when it is the local time somewhere a contact lives.
    const zones = new Set([deps.settings.defaultTimezone, ...(await deps.contacts.zonesInUse())]);
    const hour = Number(schedule.localTime.slice(0, 2));
    if (![...zones].some((zone) => hourIn(zone, nowMs) === hour)) return { passId, journeyId, workers: [] };
  }
  const workers = workersFor(await deps.contacts.approximateCount(), deps.settings);
  await deps.passes.create(
    {
      passId,
      journeyId,
      segment: schedule.audience.segment,
      workers,
      startedAt: new Date(nowMs).toISOString(),
    },
    nowMs,
  );
  return { passId, journeyId, workers: Array.from({ length: workers }, (_, i) => i) };
}

/** Contacts one worker scans at least: below that, parallelism costs more than it saves. */
const CONTACTS_PER_WORKER = 5_000;

/** Workers for a table of about `count` items: one per CONTACTS_PER_WORKER, up to the configured number. */
export function workersFor(count: number, settings: Pick<PassSettings, 'workers'>): number {
  return Math.min(settings.workers, Math.max(1, Math.ceil(count / CONTACTS_PER_WORKER)));
}

function hourIn(zone: string, nowMs: number): number | undefined {
  return isValidTimeZone(zone) ? localParts(nowMs, zone).hour : undefined;
}

/** Whether it is the schedule's local time (hour) for the contact now (in the default zone when theirs is unknown). */
function atLocalTime(contact: Contact, localTime: string, nowMs: number, defaultZone: string): boolean {
  const hour = hourIn(contact.timezone ?? defaultZone, nowMs) ?? hourIn(defaultZone, nowMs);
  return hour === Number(localTime.slice(0, 2));
}

/**
 * One slot of a worker: reads pages from its cursor, admits members up to the slot's budget,
 * records the page once, and hands the rest to a schedule for its next slot.
 */
export async function runPage(
  deps: PassDeps,
  input: PageInput,
): Promise<{ done: boolean; counts: PassCounts; nextAt?: string }> {
  const pass = await deps.passes.pass(input.passId);
  if (!pass) throw new Error(`no audience pass ${input.passId}`);
  const { journey, schedule } = scheduledJourney(deps, pass.journeyId);
  const progress = await deps.passes.worker(input.passId, input.worker);
  if (!progress || progress.done) return { done: true, counts: NO_COUNTS };
  const startedMs = deps.nowMs();
  const segments = deps.segments;
  const segmentId = schedule.audience.segment;
  const localTime = 'localTime' in schedule ? schedule.localTime : undefined;
  let budget = slotBudget(journey, deps.settings, pass.workers);
  const counts = { ...NO_COUNTS };
  let cursor = progress.cursor;
  let exhausted = false;

  pages: for (let page = 0; page < deps.settings.maxPagesPerInvocation; page++) {
    const read = await deps.contacts.scanPage({
      segment: input.worker,
      totalSegments: pass.workers,
      startKey: cursor,
      limit: deps.settings.pageSize,
    });
    for (const { key, contact } of read.contacts) {
      if (budget === 0) break pages;
      cursor = key;
      counts.scanned++;
      const members = evaluateAll(segments, contact, contact.aggregates, startedMs, {
        defaultTimezone: deps.settings.defaultTimezone,
      });
      if (!members.has(segmentId)) continue;
      counts.matched++;
      if (localTime && !atLocalTime(contact, localTime, startedMs, deps.settings.defaultTimezone)) {
        counts.notLocalTime++;
        continue;
      }
      const heldOut = isHeldOut(journey, contact.contactId);
      // A held-out member's run is started too: the journey records it as held out and sends nothing.
      await deps.startRun(journey.id, {
        eventId: `${input.passId}.${contact.contactId}`.slice(0, 128),
        occurredAt: new Date(startedMs).toISOString(),
        source: PASS_SOURCE,
        contact: { contactId: contact.contactId },
        journeyId: journey.id,
        passId: input.passId,
        segment: segmentId,
        memberKey: memberKey(schedule.audience.once, contact, startedMs),
      });
      if (heldOut) counts.heldOut++;
      else {
        counts.admitted++;
        budget--;
      }
    }
    // The whole page is processed: go on from where the scan stopped (past items it filtered out).
    if (!read.nextKey) {
      exhausted = true;
      break;
    }
    cursor = read.nextKey;
  }

  const done = exhausted;
  const recorded = await deps.passes.recordPage(
    input.passId,
    input.worker,
    progress.page,
    { counts, done, ...(done || !cursor ? {} : { cursor }) },
    new Date(deps.nowMs()).toISOString(),
  );
  if (!recorded || done) return { done, counts };
  const nextMs = startedMs + deps.settings.slotSeconds * 1000;
  await deps.scheduleNextPage(`${input.passId}.w${input.worker}.p${progress.page + 1}`, nextMs, input);
  return { done: false, counts, nextAt: new Date(nextMs).toISOString() };
}
