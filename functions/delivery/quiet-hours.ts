/**
 * Quiet hours in the contact's own timezone: a message due inside the window is deferred to the
 * first allowed minute after it, never dropped.
 */
import { localParts, nextLocalTime } from '#language/local-time.ts';

export interface QuietHours {
  /** Local time the window starts, HH:MM (e.g. 21:00). */
  readonly start: string;
  /** Local time it ends, HH:MM (e.g. 08:00); may be earlier than start (the window spans midnight). */
  readonly end: string;
}

const minutesOf = (hhmm: string) => {
  const [h, m] = hhmm.split(':').map(Number);
  return (h ?? 0) * 60 + (m ?? 0);
};

/** Whether an instant falls inside the quiet window in a timezone. */
export function inQuietHours(instantMs: number, window: QuietHours, timeZone: string): boolean {
  const local = localParts(instantMs, timeZone);
  const now = local.hour * 60 + local.minute;
  const start = minutesOf(window.start);
  const end = minutesOf(window.end);
  if (start === end) return false;
  return start < end ? now >= start && now < end : now >= start || now < end;
}

/** When a message due at `instantMs` may go: at once outside the window, else the window's end. */
export function nextAllowedTime(instantMs: number, window: QuietHours, timeZone: string): number {
  return inQuietHours(instantMs, window, timeZone)
    ? nextLocalTime(instantMs, window.end, timeZone)
    : instantMs;
}
