/**
 * Sales reps (lead owners) as data: where they sell, what they sell and in which languages, how many
 * open leads they can hold, their share of the round robin, their working hours in their own
 * timezone, time out of office and their manager. Pure schema, validation and matching; the roster
 * is loaded by roster.ts and routing.ts decides who gets a lead.
 */

import { CalendarDate, CountryCode, Email, Identifier, limits, TimeZone, text } from '#catalogue/common.ts';
import type { LeadSubmitted } from '#catalogue/lead-submitted.ts';
import { Phone } from '#catalogue/phone.ts';
import * as z from '#catalogue/zod.ts';
import { localParts } from '#language/local-time.ts';

/** HH:MM from 00:00 to 24:00 (24:00 only makes sense as an end). */
const CLOCK_TIME = /^(?:(?:[01]\d|2[0-3]):[0-5]\d|24:00)$/;

const ClockTime = z
  .string()
  .check(z.regex(CLOCK_TIME, 'must be a time of day written HH:MM (00:00 to 24:00)'));

/**
 * When a rep works, in their own timezone: ISO weekdays (1 = Monday ... 7 = Sunday) and a daily
 * window `[start, end)`. A window whose end is not after its start runs past midnight and belongs to
 * the day it starts on (Friday 22:00–06:00 covers Saturday 02:00). `24:00` ends at midnight.
 */
export const WorkingHours = z.object({
  days: z.array(z.int().check(z.gte(1), z.lte(7))).check(z.minLength(1), z.maxLength(7)),
  start: ClockTime,
  end: ClockTime,
});
export type WorkingHours = z.infer<typeof WorkingHours>;

/**
 * Where a rep sells. `countries` alone covers whole countries; `regions` or `postcodePrefixes`
 * narrow to part of a country (or of the listed countries when both are given). A rep with no
 * territory at all covers none: they get leads as an account owner, fallback member or manager only.
 */
export const Territory = z.object({
  countries: z.optional(z.array(CountryCode).check(z.maxLength(250))),
  regions: z.optional(z.array(text(limits.name)).check(z.maxLength(500))),
  postcodePrefixes: z.optional(
    z.array(z.string().check(z.minLength(1), z.maxLength(16))).check(z.maxLength(2000)),
  ),
});
export type Territory = z.infer<typeof Territory>;

/** What a rep sells and speaks; a list left out means no restriction. Languages are BCP-47 (`fr`, `en-US`). */
export const Skills = z.object({
  products: z.optional(z.array(text(limits.name)).check(z.maxLength(100))),
  languages: z.optional(
    z.array(z.string().check(z.minLength(2), z.maxLength(limits.locale))).check(z.maxLength(50)),
  ),
});
export type Skills = z.infer<typeof Skills>;

export const SalesRep = z.object({
  id: Identifier,
  name: text(limits.name),
  email: Email,
  phone: z.optional(Phone),
  /** IANA zone the working hours and out-of-office dates are read in. */
  timezone: TimeZone,
  territory: Territory,
  skills: Skills,
  /** Most open leads the rep holds at once; 0 takes no new round-robin leads. */
  capacity: z.int().check(z.gte(0), z.lte(100_000)),
  /** Share of the round robin relative to the other candidates (2 gets twice as many as 1). */
  weight: z.number().check(z.positive(), z.lte(1000)),
  workingHours: WorkingHours,
  /** Inclusive local dates (YYYY-MM-DD) in the rep's timezone. */
  outOfOffice: z.optional(z.object({ from: CalendarDate, to: CalendarDate })),
  managerId: z.optional(Identifier),
  /** Member of the fallback queue: takes, in turn, leads no territory rep can take. */
  fallback: z.optional(z.boolean()),
});
export type SalesRep = z.infer<typeof SalesRep>;

export const RepRoster = z.object({
  reps: z.array(SalesRep).check(z.minLength(1), z.maxLength(1000)),
  /** Leads nobody else can take go to the queue's members, then to its manager. */
  fallbackQueue: z.object({ managerId: Identifier }),
});
export type RepRoster = z.infer<typeof RepRoster>;

/** The lead fields territory and skills matching read (a whole `lead.submitted` detail fits). */
export type RoutedLead = Partial<
  Pick<LeadSubmitted, 'country' | 'region' | 'postcode' | 'productInterest' | 'language'>
>;

/** How closely a rep's territory fits a lead: the most specific criterion that matched. */
export type TerritoryFit = 'postcode' | 'region' | 'country';

const minutesOf = (hhmm: string) => {
  const [hours, minutes] = hhmm.split(':').map(Number);
  return (hours ?? 0) * 60 + (minutes ?? 0);
};

/**
 * Every violation in a roster, naming the rep (empty when valid): duplicate ids, unknown managers
 * or a manager cycle, a fallback manager who is not in the roster, invalid timezones, working hours
 * that do not make a window, out-of-office periods that end before they start.
 */
export function validateRoster(roster: RepRoster): string[] {
  const errors: string[] = [];
  const byId = new Map<string, SalesRep>();
  for (const rep of roster.reps) {
    if (byId.has(rep.id)) errors.push(`rep ${rep.id}: duplicate id`);
    else byId.set(rep.id, rep);
  }
  for (const rep of roster.reps) {
    const where = `rep ${rep.id}`;
    if (!TimeZone.safeParse(rep.timezone).success) {
      errors.push(`${where}: timezone "${rep.timezone}" is not an IANA time zone name`);
    }
    errors.push(...hoursErrors(rep.workingHours).map((e) => `${where}: workingHours ${e}`));
    if (!Number.isInteger(rep.capacity) || rep.capacity < 0) {
      errors.push(`${where}: capacity must be a whole number >= 0`);
    }
    if (!(rep.weight > 0) || !Number.isFinite(rep.weight)) errors.push(`${where}: weight must be positive`);
    if (rep.outOfOffice && rep.outOfOffice.from > rep.outOfOffice.to) {
      errors.push(
        `${where}: outOfOffice ends (${rep.outOfOffice.to}) before it starts (${rep.outOfOffice.from})`,
      );
    }
    if (rep.managerId !== undefined) {
      if (rep.managerId === rep.id) errors.push(`${where}: is their own manager`);
      else if (!byId.has(rep.managerId))
        errors.push(`${where}: manager ${rep.managerId} is not in the roster`);
    }
  }
  errors.push(...managerCycles(byId));
  const fallbackManager = roster.fallbackQueue.managerId;
  if (!byId.has(fallbackManager)) {
    errors.push(`fallbackQueue: manager ${fallbackManager} is not in the roster`);
  }
  return errors;
}

function hoursErrors(hours: WorkingHours): string[] {
  const errors: string[] = [];
  if (!CLOCK_TIME.test(hours.start) || hours.start === '24:00')
    errors.push(`start "${hours.start}" is not HH:MM`);
  if (!CLOCK_TIME.test(hours.end)) errors.push(`end "${hours.end}" is not HH:MM`);
  if (hours.start === hours.end) errors.push('start and end are the same time');
  if (hours.days.length === 0) errors.push('has no days');
  if (hours.days.some((day) => !Number.isInteger(day) || day < 1 || day > 7)) {
    errors.push('days are 1 (Monday) to 7 (Sunday)');
  }
  if (new Set(hours.days).size !== hours.days.length) errors.push('lists a day twice');
  return errors;
}

function managerCycles(byId: ReadonlyMap<string, SalesRep>): string[] {
  const reported = new Set<string>();
  const errors: string[] = [];
  for (const start of byId.keys()) {
    const chain: string[] = [];
    let current: string | undefined = start;
    while (current !== undefined && !chain.includes(current)) {
      chain.push(current);
      current = byId.get(current)?.managerId;
    }
    if (current === undefined) continue;
    const cycle = chain.slice(chain.indexOf(current));
    const key = [...cycle].sort().join(',');
    if (cycle.length > 1 && !reported.has(key)) {
      reported.add(key);
      errors.push(`managers form a cycle: ${[...cycle, current].join(' -> ')}`);
    }
  }
  return errors;
}

const isoWeekday = (year: number, month: number, day: number) => {
  const weekday = new Date(Date.UTC(year, month - 1, day)).getUTCDay();
  return weekday === 0 ? 7 : weekday;
};

const pad = (value: number) => String(value).padStart(2, '0');

/** The rep's local date (YYYY-MM-DD) at an instant. */
export function localDate(rep: Pick<SalesRep, 'timezone'>, nowMs: number): string {
  const local = localParts(nowMs, rep.timezone);
  return `${local.year}-${pad(local.month)}-${pad(local.day)}`;
}

/** Whether the rep is out of office at an instant (the dates are read in the rep's timezone, inclusive). */
export function isOutOfOffice(rep: Pick<SalesRep, 'timezone' | 'outOfOffice'>, nowMs: number): boolean {
  if (!rep.outOfOffice) return false;
  const today = localDate(rep, nowMs);
  return rep.outOfOffice.from <= today && today <= rep.outOfOffice.to;
}

/** Whether the rep is on duty at an instant: inside their working hours, in their timezone, and in office. */
export function isAvailable(rep: SalesRep, nowMs: number): boolean {
  if (isOutOfOffice(rep, nowMs)) return false;
  const local = localParts(nowMs, rep.timezone);
  const minutes = local.hour * 60 + local.minute;
  const start = minutesOf(rep.workingHours.start);
  const end = minutesOf(rep.workingHours.end);
  const weekday = isoWeekday(local.year, local.month, local.day);
  const worksOn = (day: number) => rep.workingHours.days.includes(day);
  if (start < end) return worksOn(weekday) && minutes >= start && minutes < end;
  // Past midnight: the evening part belongs to today, the early-morning part to yesterday's shift.
  const yesterday = weekday === 1 ? 7 : weekday - 1;
  return (worksOn(weekday) && minutes >= start) || (worksOn(yesterday) && minutes < end);
}

const normalizePostcode = (value: string) => value.replace(/[\s-]/g, '').toUpperCase();
const sameText = (a: string, b: string) => a.trim().toLowerCase() === b.trim().toLowerCase();

/**
 * How the rep's territory covers the lead, or undefined when it does not. Countries, when listed,
 * must include the lead's country; regions or postcode prefixes, when listed, must match the lead's
 * region or postcode. The answer is the most specific criterion that matched.
 */
export function territoryFit(rep: Pick<SalesRep, 'territory'>, lead: RoutedLead): TerritoryFit | undefined {
  const { countries, regions, postcodePrefixes } = rep.territory;
  const hasCountries = (countries?.length ?? 0) > 0;
  const narrows = (regions?.length ?? 0) > 0 || (postcodePrefixes?.length ?? 0) > 0;
  if (!hasCountries && !narrows) return undefined;
  if (hasCountries && (lead.country === undefined || !countries?.includes(lead.country))) return undefined;
  if (!narrows) return 'country';
  const postcode = lead.postcode === undefined ? undefined : normalizePostcode(lead.postcode);
  if (postcode && postcodePrefixes?.some((prefix) => postcode.startsWith(normalizePostcode(prefix)))) {
    return 'postcode';
  }
  const region = lead.region;
  if (region !== undefined && regions?.some((r) => sameText(r, region))) return 'region';
  return undefined;
}

/** Whether the rep's territory covers the lead (see territoryFit). */
export function matchesTerritory(rep: Pick<SalesRep, 'territory'>, lead: RoutedLead): boolean {
  return territoryFit(rep, lead) !== undefined;
}

/**
 * Whether the rep can handle the lead's product and language. A lead that states neither, or a rep
 * without a list, puts no restriction; a rep language `fr` covers `fr-CA`, `fr-CA` covers only `fr-CA`.
 */
export function matchesSkills(rep: Pick<SalesRep, 'skills'>, lead: RoutedLead): boolean {
  const { products, languages } = rep.skills;
  const product = lead.productInterest;
  if (product !== undefined && products && !products.some((p) => sameText(p, product))) return false;
  const language = lead.language?.toLowerCase();
  if (language !== undefined && languages) {
    const speaks = languages.some((l) => {
      const spoken = l.toLowerCase();
      return language === spoken || language.startsWith(`${spoken}-`);
    });
    if (!speaks) return false;
  }
  return true;
}
