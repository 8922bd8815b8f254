/**
 * Wall-clock arithmetic in a contact's IANA timezone with Intl only (no date library): the offset
 * of a zone at an instant, and the next instant a local time of day occurs. DST gaps resolve to
 * the instant just after the gap; repeated hours resolve to the first occurrence.
 */

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

export interface LocalParts {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
}

/** The local calendar and clock reading of an instant in a timezone. */
export function localParts(instantMs: number, timeZone: string): LocalParts {
  const parts = Object.fromEntries(
    formatter(timeZone)
      .formatToParts(new Date(instantMs))
      .filter((p) => p.type !== 'literal')
      .map((p) => [p.type, Number(p.value)]),
  ) as Record<string, number>;
  return {
    year: parts.year ?? 1970,
    month: parts.month ?? 1,
    day: parts.day ?? 1,
    hour: parts.hour ?? 0,
    minute: parts.minute ?? 0,
    second: parts.second ?? 0,
  };
}

/** The zone's offset from UTC at an instant, in milliseconds (Paris in winter: +3,600,000). */
export function zoneOffsetMs(instantMs: number, timeZone: string): number {
  const p = localParts(instantMs, timeZone);
  const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return asUtc - Math.floor(instantMs / 1000) * 1000;
}

function showsWallTime(instant: number, timeZone: string, wall: number): boolean {
  const p = localParts(instant, timeZone);
  return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute) === wall;
}

/**
 * The instant a local wall-clock time occurs in a zone. A time that occurs twice (the hour repeated
 * when clocks go back) resolves to its first occurrence; a time that does not occur (the hour
 * skipped when clocks go forward) resolves to the first instant after the gap.
 */
export function instantOfLocal(
  timeZone: string,
  y: number,
  m: number,
  d: number,
  hour: number,
  minute: number,
): number {
  const wall = Date.UTC(y, m - 1, d, hour, minute);
  // The zone's offsets a day either side cover both sides of any transition that day.
  const offsets = new Set([-86_400_000, 0, 86_400_000].map((shift) => zoneOffsetMs(wall + shift, timeZone)));
  const guesses = [...offsets].map((offset) => wall - offset);
  const exact = guesses.filter((instant) => showsWallTime(instant, timeZone, wall));
  if (exact.length > 0) return Math.min(...exact);
  // In a gap: the transition is the first instant whose local reading is past the requested time.
  const pastWall = (instant: number) => {
    const p = localParts(instant, timeZone);
    return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) > wall;
  };
  let low = Math.min(...guesses);
  let high = Math.max(...guesses);
  while (high - low > 1000) {
    const middle = Math.floor((low + high) / 2000) * 1000;
    if (pastWall(middle)) high = middle;
    else low = middle;
  }
  return high;
}

/** Whether a string is a timezone this runtime knows. */
export function isValidTimeZone(timeZone: string): boolean {
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** The next instant strictly after `afterMs` at which the local time in `timeZone` is `hh:mm`. */
export function nextLocalTime(afterMs: number, hhmm: string, timeZone: string): number {
  const [hour, minute] = hhmm.split(':').map(Number);
  const now = localParts(afterMs, timeZone);
  for (let addDays = 0; addDays < 3; addDays++) {
    const day = new Date(Date.UTC(now.year, now.month - 1, now.day + addDays));
    const candidate = instantOfLocal(
      timeZone,
      day.getUTCFullYear(),
      day.getUTCMonth() + 1,
      day.getUTCDate(),
      hour ?? 0,
      minute ?? 0,
    );
    if (candidate > afterMs) return candidate;
  }
  throw new Error(`no next ${hhmm} in ${timeZone}`);
}
