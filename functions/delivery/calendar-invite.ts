/**
 * Appointment invitations as iCalendar (RFC 5545) objects with an iTIP REQUEST method (RFC 5546),
 * so mail clients offer to add the appointment to the recipient's calendar. Pure: the DTSTAMP is
 * passed in, never read from the clock, so the same input always gives the same bytes.
 */
import type { AppointmentBooked } from '#catalogue/appointment-booked.ts';

export interface CalendarParty {
  readonly name?: string;
  readonly email: string;
}

export interface AppointmentInviteInput {
  /** Stable per appointment: a calendar updates the event with this UID instead of adding one. */
  readonly uid: string;
  /** ISO 8601 with an offset (or Z), e.g. 2026-03-02T15:00:00+01:00. */
  readonly startsAt: string;
  readonly durationMinutes: number;
  readonly summary: string;
  readonly location?: string;
  readonly description?: string;
  readonly organizer: CalendarParty;
  readonly attendee: CalendarParty;
  /** Bumped on each change to the same appointment, so clients apply updates in order (default 0). */
  readonly sequence?: number;
  /** When the invitation was created (DTSTAMP), ISO 8601 with an offset. */
  readonly stampedAt: string;
}

/** The MIME type of an invitation; its `method` must match the body's METHOD. */
export const INVITE_CONTENT_TYPE = 'text/calendar; charset=UTF-8; method=REQUEST';

const CRLF = '\r\n';
/** RFC 5545 §3.1: content lines should not be longer than 75 octets, excluding the line break. */
const MAX_LINE_OCTETS = 75;
const CONTROL = /\p{Cc}/u;
const ISO_INSTANT =
  /^(\d{4}-\d{2}-\d{2})T(?:[01]\d|2[0-3]):[0-5]\d(?::[0-5]\d(?:\.\d+)?)?(?:Z|[+-](?:[01]\d|2[0-3]):[0-5]\d)$/;
const EMAIL = /^[^\s\p{Cc}@]+@[^\s\p{Cc}@]+$/u;

/** The .ics text of an invitation to one appointment, lines ending in CRLF. */
export function appointmentInvite(input: AppointmentInviteInput): string {
  const start = instant(input.startsAt, 'startsAt');
  const stamp = instant(input.stampedAt, 'stampedAt');
  if (!Number.isInteger(input.durationMinutes) || input.durationMinutes <= 0)
    throw new RangeError(
      `appointmentInvite: durationMinutes must be a positive whole number, got ${input.durationMinutes}`,
    );
  const sequence = input.sequence ?? 0;
  if (!Number.isInteger(sequence) || sequence < 0)
    throw new RangeError(`appointmentInvite: sequence must be a non-negative integer, got ${sequence}`);
  const uid = input.uid.trim();
  if (uid === '') throw new RangeError('appointmentInvite: uid is empty');

  const lines = [
    line('BEGIN', 'VCALENDAR'),
    line('VERSION', '2.0'),
    line('PRODID', '-//relance//Appointment invitation//EN'),
    line('CALSCALE', 'GREGORIAN'),
    line('METHOD', 'REQUEST'),
    line('BEGIN', 'VEVENT'),
    // UIDs must be unique across calendars, not only within relance: a domain-like suffix does that.
    line('UID', text(uid.includes('@') ? uid : `${uid}@relance`)),
    line('DTSTAMP', utcBasic(stamp)),
    line('DTSTART', utcBasic(start)),
    line('DTEND', utcBasic(start + input.durationMinutes * 60_000)),
    line('SUMMARY', text(input.summary)),
    ...(input.location === undefined ? [] : [line('LOCATION', text(input.location))]),
    ...(input.description === undefined ? [] : [line('DESCRIPTION', text(input.description))]),
    line(`ORGANIZER${commonName(input.organizer)}`, mailto(input.organizer, 'organizer')),
    line(
      `ATTENDEE${commonName(input.attendee)};ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE`,
      mailto(input.attendee, 'attendee'),
    ),
    line('SEQUENCE', String(sequence)),
    line('STATUS', 'CONFIRMED'),
    line('BEGIN', 'VALARM'),
    line('ACTION', 'DISPLAY'),
    // A DISPLAY alarm requires a DESCRIPTION: the reminder shows the appointment's title.
    line('DESCRIPTION', text(input.summary)),
    line('TRIGGER', '-PT1H'),
    line('END', 'VALARM'),
    line('END', 'VEVENT'),
    line('END', 'VCALENDAR'),
  ];
  return lines.join('');
}

/** A file name for the invitation: the summary as an ASCII slug, `invite.ics` when nothing is left. */
export function icsFileName(summary: string): string {
  const slug = summary
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .slice(0, 60)
    .replace(/^-+|-+$/g, '');
  return `${slug || 'invite'}.ics`;
}

/** Epoch milliseconds of an ISO 8601 date-time; refuses local times and impossible dates like Feb 30. */
function instant(value: string, field: string): number {
  const date = ISO_INSTANT.exec(value)?.[1];
  const ms = Date.parse(value);
  // Date.parse rolls 2026-02-30 over to March 2: the calendar date must come back unchanged.
  if (!date || Number.isNaN(ms) || new Date(`${date}T00:00:00Z`).toISOString().slice(0, 10) !== date)
    throw new RangeError(
      `appointmentInvite: ${field} "${value}" is not an ISO 8601 date-time with an offset, like 2026-03-02T15:00:00+01:00`,
    );
  return ms;
}

/** A UTC DATE-TIME in basic format (RFC 5545 §3.3.5 form #2), to the second: 20260302T140000Z. */
function utcBasic(ms: number): string {
  const iso = new Date(ms).toISOString();
  // Years past 9999 switch toISOString to an expanded form iCalendar cannot carry.
  if (!/^\d{4}-/.test(iso)) throw new RangeError(`appointmentInvite: ${iso} is outside years 0000-9999`);
  return `${iso.slice(0, 19).replace(/[-:]/g, '')}Z`;
}

/** A TEXT value (§3.3.11): backslash, semicolon, comma and line breaks escaped, other controls dropped. */
function text(value: string): string {
  let escaped = '';
  for (const char of value.replace(/\r\n?/g, '\n')) {
    if (char === '\\' || char === ';' || char === ',') escaped += `\\${char}`;
    else if (char === '\n') escaped += '\\n';
    else if (char === '\t' || !CONTROL.test(char)) escaped += char;
  }
  return escaped;
}

/** `;CN=...` for a named party, or nothing. */
function commonName(party: CalendarParty): string {
  const name = paramValue(party.name ?? '');
  return name === '' ? '' : `;CN=${name}`;
}

/**
 * A parameter value (§3.2): it cannot escape anything, so DQUOTE is dropped, controls become spaces,
 * and a value holding `:`, `;` or `,` is quoted.
 */
function paramValue(value: string): string {
  let clean = '';
  for (const char of value) {
    if (char !== '"') clean += CONTROL.test(char) ? ' ' : char;
  }
  clean = clean.trim();
  return /[:;,]/.test(clean) ? `"${clean}"` : clean;
}

/** A CAL-ADDRESS; an address with spaces or controls would break the content line, so it is refused. */
function mailto(party: CalendarParty, role: string): string {
  if (!EMAIL.test(party.email))
    throw new RangeError(`appointmentInvite: ${role}.email "${party.email}" is not an e-mail address`);
  return `mailto:${party.email}`;
}

/** One content line, folded and terminated. */
function line(nameAndParams: string, value: string): string {
  return `${fold(`${nameAndParams}:${value}`)}${CRLF}`;
}

/**
 * Folds at 75 octets of UTF-8 (§3.1): CRLF and one space, the space counting toward the next line.
 * Iterating by code point keeps every multi-byte character whole.
 */
function fold(contentLine: string): string {
  let folded = '';
  let width = 0;
  for (const char of contentLine) {
    const octets = utf8Octets(char.codePointAt(0) ?? 0);
    if (width + octets > MAX_LINE_OCTETS) {
      folded += `${CRLF} `;
      width = 1;
    }
    folded += char;
    width += octets;
  }
  return folded;
}

function utf8Octets(codePoint: number): number {
  if (codePoint < 0x80) return 1;
  if (codePoint < 0x800) return 2;
  return codePoint < 0x10000 ? 3 : 4;
}

/** The .ics invitation of an appointment, as an e-mail attachment. */
export function appointmentAttachment(
  appointment: Pick<
    AppointmentBooked,
    'appointmentId' | 'startsAt' | 'durationMinutes' | 'location' | 'title'
  >,
  people: {
    organizer: { name?: string; email: string };
    attendee: { name?: string; email: string };
    stampedAt: string;
  },
): { fileName: string; contentType: string; content: string } {
  const summary = appointment.title ?? 'Appointment';
  return {
    fileName: icsFileName(summary),
    contentType: INVITE_CONTENT_TYPE,
    content: appointmentInvite({
      uid: appointment.appointmentId,
      startsAt: appointment.startsAt,
      durationMinutes: appointment.durationMinutes,
      summary,
      location: appointment.location,
      organizer: people.organizer,
      attendee: people.attendee,
      stampedAt: people.stampedAt,
    }),
  };
}
