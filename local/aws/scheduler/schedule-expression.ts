/**
 * EventBridge Scheduler schedule expressions, evaluated without timers: `at(...)`, `rate(...)` and
 * AWS's six-field `cron(...)`, in an IANA time zone. Written from the Scheduler User Guide
 * ("Schedule types on EventBridge Scheduler"):
 *
 * - `at(yyyy-mm-ddThh:mm:ss)` is wall-clock time in the schedule's time zone; fires once.
 * - `rate(N unit)` counts fixed durations (a day is 24 h, DST or not) from the start date, or from
 *   when the schedule was created; a value of 1 takes the singular unit, more the plural.
 * - `cron(min hour dom month dow year)`: one of dom/dow must be `?`; dow 1 = Sunday; `L`, `W`, `#`.
 *   Across DST a wall-clock time that does not exist is skipped, and one that happens twice fires
 *   once (the first time).
 *
 * Cron matching is delegated to croner, after translating AWS syntax to croner's 7-part form.
 */
import { Cron } from 'croner';

const MINUTE = 60_000;
const RATE_UNITS: Readonly<Record<string, number>> = {
  minute: MINUTE,
  minutes: MINUTE,
  hour: 60 * MINUTE,
  hours: 60 * MINUTE,
  day: 24 * 60 * MINUTE,
  days: 24 * 60 * MINUTE,
};
// Bounds the search when DST filtering rejects croner's candidates (a handful at most in practice).
const MAX_CANDIDATES = 1000;

/** A parsed schedule expression. */
export type ScheduleExpression =
  | { kind: 'at'; wallClock: string }
  | { kind: 'rate'; intervalMs: number }
  | { kind: 'cron'; pattern: string };

/** Parse an expression; throws an Error whose message explains what is wrong. */
export function parseScheduleExpression(expression: string): ScheduleExpression {
  const match = /^(at|rate|cron)\((.*)\)$/s.exec(expression.trim());
  if (match === null) throw new Error(`Invalid Schedule Expression ${expression}.`);
  const [, kind, body = ''] = match;
  if (kind === 'at') return { kind: 'at', wallClock: parseAtBody(body, expression) };
  if (kind === 'rate') return { kind: 'rate', intervalMs: parseRateBody(body, expression) };
  return { kind: 'cron', pattern: awsCronToCroner(body) };
}

function parseAtBody(body: string, expression: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})$/.exec(body.trim());
  if (m === null)
    throw new Error(`Invalid Schedule Expression ${expression}: expected at(yyyy-mm-ddThh:mm:ss).`);
  const [, y, mo, d, h, mi, s] = m.map(Number);
  const date = new Date(Date.UTC(y ?? 0, (mo ?? 1) - 1, d ?? 1, h ?? 0, mi ?? 0, s ?? 0));
  // Date.UTC rolls over silently (Feb 30 → Mar 1); a round trip catches impossible dates.
  if (date.toISOString().slice(0, 19) !== body.trim()) {
    throw new Error(`Invalid Schedule Expression ${expression}: not a valid date and time.`);
  }
  return body.trim();
}

function parseRateBody(body: string, expression: string): number {
  const m = /^\s*(\d+)\s+([a-z]+)\s*$/.exec(body);
  const value = Number(m?.[1]);
  const unit = m?.[2] ?? '';
  const unitMs = RATE_UNITS[unit];
  if (m === null || unitMs === undefined || !Number.isSafeInteger(value) || value < 1) {
    throw new Error(
      `Invalid Schedule Expression ${expression}: expected rate(value minute|minutes|hour|hours|day|days).`,
    );
  }
  if ((value === 1) !== !unit.endsWith('s')) {
    throw new Error(
      `Invalid Schedule Expression ${expression}: use the singular unit for 1 and the plural otherwise.`,
    );
  }
  return value * unitMs;
}

/**
 * Translate the body of an AWS `cron(...)` into a croner pattern (seconds first, year last).
 * Used with croner's `alternativeWeekdays` (1 = Sunday, as in AWS) and `domAndDow` (with `?`
 * turned into `*`, AND leaves exactly the field AWS lets you restrict).
 */
export function awsCronToCroner(body: string): string {
  const fields = body.trim().split(/\s+/);
  if (fields.length !== 6) throw new Error(`Invalid cron expression cron(${body}): expected 6 fields.`);
  const [minute, hour, dom, month, dow, year] = fields as [string, string, string, string, string, string];
  if ([minute, hour, month, year].some((field) => field.includes('?'))) {
    throw new Error(`Invalid cron expression cron(${body}): '?' is only allowed in the day fields.`);
  }
  if ((dom === '?') === (dow === '?')) {
    throw new Error(
      `Invalid cron expression cron(${body}): exactly one of day-of-month and day-of-week must be '?'.`,
    );
  }
  const dowPart = dow === '?' ? '*' : translateDayOfWeek(dow);
  const pattern = `0 ${minute} ${hour} ${dom === '?' ? '*' : dom} ${month} ${dowPart} ${year}`;
  try {
    new Cron(pattern, cronOptions('UTC'));
  } catch (err) {
    throw new Error(
      `Invalid cron expression cron(${body}): ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  return pattern;
}

/** AWS `5L` (last Thursday) becomes croner `5#L`; a lone `L` is Saturday, the last day of the week. */
function translateDayOfWeek(dow: string): string {
  if (dow.toUpperCase() === 'L') return '7';
  return dow.replace(/^([1-7A-Za-z]+)L$/, '$1#L');
}

function cronOptions(timezone: string) {
  return {
    timezone,
    mode: '7-part' as const,
    alternativeWeekdays: true,
    domAndDow: true,
    sloppyRanges: true, // AWS writes increments as `0/15`.
    paused: true,
  };
}

/** True when `timezone` is an IANA zone name the runtime knows. */
export function isValidTimezone(timezone: string): boolean {
  try {
    formatterFor(timezone);
    return true;
  } catch {
    return false;
  }
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timezone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timezone);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone: timezone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timezone, formatter);
  }
  return formatter;
}

/** The wall-clock time of an instant in a zone, as UTC milliseconds of the same fields. */
function wallClockMs(instantMs: number, timezone: string): number {
  const parts: Record<string, number> = {};
  for (const part of formatterFor(timezone).formatToParts(new Date(instantMs))) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  const { year = 0, month = 1, day = 1, hour = 0, minute = 0, second = 0 } = parts;
  return Date.UTC(year, month - 1, day, hour, minute, second);
}

/** The instant a wall-clock time (ISO without zone) names in `timezone`. */
export function zonedTimeToUtc(wallClock: string, timezone: string): number {
  const wall = Date.parse(`${wallClock}Z`);
  const firstGuess = wall - (wallClockMs(wall, timezone) - wall);
  // Re-read the offset at the guessed instant: it differs when a DST change lies in between.
  const offset = wallClockMs(firstGuess, timezone) - firstGuess;
  return wall - offset;
}

const crons = new Map<string, Cron>();

function cronFor(pattern: string, timezone: string): Cron {
  const key = `${timezone} ${pattern}`;
  let cron = crons.get(key);
  if (cron === undefined) {
    cron = new Cron(pattern, cronOptions(timezone));
    crons.set(key, cron);
  }
  return cron;
}

/**
 * The first fire time strictly after `afterMs`, or undefined when there is none.
 * `startMs`/`endMs` bound recurring schedules (inclusive) and are ignored by `at()`; a rate counts
 * from `startMs` (pass the creation time when there is no StartDate), else from `afterMs`.
 * Throws on an invalid expression or time zone.
 */
export function nextFireTime(
  expression: string,
  timezone: string,
  afterMs: number,
  startMs?: number,
  endMs?: number,
): number | undefined {
  if (!isValidTimezone(timezone)) throw new Error(`Invalid ScheduleExpressionTimezone ${timezone}.`);
  const parsed = parseScheduleExpression(expression);
  if (parsed.kind === 'at') {
    const at = zonedTimeToUtc(parsed.wallClock, timezone);
    return at > afterMs ? at : undefined;
  }
  const next =
    parsed.kind === 'rate'
      ? nextRate(parsed.intervalMs, afterMs, startMs)
      : nextCron(parsed.pattern, timezone, Math.max(afterMs, (startMs ?? Number.NEGATIVE_INFINITY) - 1));
  return next === undefined || (endMs !== undefined && next > endMs) ? undefined : next;
}

function nextRate(intervalMs: number, afterMs: number, startMs: number | undefined): number {
  const anchor = startMs ?? afterMs;
  if (anchor > afterMs) return anchor;
  return anchor + (Math.floor((afterMs - anchor) / intervalMs) + 1) * intervalMs;
}

function nextCron(pattern: string, timezone: string, afterMs: number): number | undefined {
  const cron = cronFor(pattern, timezone);
  let from = afterMs;
  for (let i = 0; i < MAX_CANDIDATES; i++) {
    const candidate = cron.nextRun(new Date(from))?.getTime();
    if (candidate === undefined) return undefined;
    if (isRealOccurrence(cron, candidate, timezone)) return candidate;
    from = candidate;
  }
  return undefined;
}

/**
 * Croner moves a time lost to spring-forward to just after the gap, and runs interval patterns
 * twice in the repeated autumn hour; AWS skips the lost time and fires a repeated time once.
 */
function isRealOccurrence(cron: Cron, instantMs: number, timezone: string): boolean {
  if (!cron.match(new Date(instantMs))) return false;
  const wall = wallClockMs(instantMs, timezone);
  // The same wall-clock reading 30 or 60 minutes earlier means this is the repeat.
  return ![30 * MINUTE, 60 * MINUTE].some((shift) => wallClockMs(instantMs - shift, timezone) === wall);
}
