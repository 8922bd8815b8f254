// Appointment invitations as RFC 5545 text: exact lines, CRLF, 75-octet folding, TEXT escaping and
// parameter quoting, checked against the RFC's rules rather than against a parser.
import { describe, expect, it } from 'vitest';
import {
  type AppointmentInviteInput,
  appointmentInvite,
  icsFileName,
} from '../../../functions/delivery/calendar-invite.ts';

const INPUT: AppointmentInviteInput = {
  uid: 'appt-42',
  startsAt: '2026-03-02T15:00:00+01:00',
  durationMinutes: 45,
  summary: 'Essai routier',
  location: 'Garage Martin, 12 rue de la Paix',
  description: 'Apportez votre permis.\nÀ bientôt !',
  organizer: { name: 'Garage Martin', email: 'rdv@garage.test' },
  attendee: { name: 'Ada Lovelace', email: 'ada@example.com' },
  stampedAt: '2026-03-01T09:30:00.000Z',
};

function invite(changes: Partial<AppointmentInviteInput> = {}): string {
  return appointmentInvite({ ...INPUT, ...changes });
}

/** Content lines with folding undone (RFC 5545 §3.1: drop each CRLF followed by one space). */
function unfolded(ics: string): string[] {
  return ics.replaceAll('\r\n ', '').split('\r\n');
}

/** The value of the first content line with this name (parameters skipped). */
function property(ics: string, name: string): string | undefined {
  const found = unfolded(ics).find((l) => l.startsWith(`${name}:`) || l.startsWith(`${name};`));
  return found?.slice(found.indexOf(':', name.length) + 1);
}

/** TEXT unescaping (§3.3.11). */
function unescapeText(value: string): string {
  return value.replace(/\\([\\;,nN])/g, (_, c: string) => (c.toLowerCase() === 'n' ? '\n' : c));
}

describe('appointmentInvite', () => {
  it('writes the whole calendar object, every line ending in CRLF', () => {
    // Act
    const ics = invite();

    // Assess
    expect(ics).toBe(
      'BEGIN:VCALENDAR\r\n' +
        'VERSION:2.0\r\n' +
        'PRODID:-//relance//Appointment invitation//EN\r\n' +
        'CALSCALE:GREGORIAN\r\n' +
        'METHOD:REQUEST\r\n' +
        'BEGIN:VEVENT\r\n' +
        'UID:appt-42@relance\r\n' +
        'DTSTAMP:20260301T093000Z\r\n' +
        'DTSTART:20260302T140000Z\r\n' +
        'DTEND:20260302T144500Z\r\n' +
        'SUMMARY:Essai routier\r\n' +
        'LOCATION:Garage Martin\\, 12 rue de la Paix\r\n' +
        'DESCRIPTION:Apportez votre permis.\\nÀ bientôt !\r\n' +
        'ORGANIZER;CN=Garage Martin:mailto:rdv@garage.test\r\n' +
        'ATTENDEE;CN=Ada Lovelace;ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TR\r\n' +
        ' UE:mailto:ada@example.com\r\n' +
        'SEQUENCE:0\r\n' +
        'STATUS:CONFIRMED\r\n' +
        'BEGIN:VALARM\r\n' +
        'ACTION:DISPLAY\r\n' +
        'DESCRIPTION:Essai routier\r\n' +
        'TRIGGER:-PT1H\r\n' +
        'END:VALARM\r\n' +
        'END:VEVENT\r\n' +
        'END:VCALENDAR\r\n',
    );
    expect(ics.replaceAll('\r\n', '')).not.toMatch(/[\r\n]/);
  });

  it('leaves out LOCATION, DESCRIPTION and CN when they are not given', () => {
    // Act
    const ics = invite({
      location: undefined,
      description: undefined,
      organizer: { email: 'rdv@garage.test' },
      attendee: { email: 'ada@example.com' },
    });

    // Assess
    expect(unfolded(ics)).not.toContainEqual(expect.stringMatching(/^(LOCATION|DESCRIPTION:Apportez)/));
    expect(property(ics, 'ORGANIZER')).toBe('mailto:rdv@garage.test');
    expect(unfolded(ics)).toContain('ORGANIZER:mailto:rdv@garage.test');
    expect(unfolded(ics)).toContain(
      'ATTENDEE;ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:ada@example.com',
    );
  });

  it('keeps a UID that already has a domain part, and writes the given SEQUENCE', () => {
    // Act
    const ics = invite({ uid: 'appt-42@garage.test', sequence: 3 });

    // Assess
    expect(property(ics, 'UID')).toBe('appt-42@garage.test');
    expect(property(ics, 'SEQUENCE')).toBe('3');
  });

  it.each([
    ['2026-03-02T15:00:00+01:00', 30, '20260302T140000Z', '20260302T143000Z'],
    ['2026-03-02T09:30:00-05:00', 90, '20260302T143000Z', '20260302T160000Z'],
    ['2026-03-02T23:30:00Z', 60, '20260302T233000Z', '20260303T003000Z'],
    ['2026-03-01T00:30:00+01:00', 15, '20260228T233000Z', '20260228T234500Z'],
    ['2026-03-02T15:00:00.750+01:00', 30, '20260302T140000Z', '20260302T143000Z'],
  ])('converts %s plus %i minutes to UTC: %s to %s', (startsAt, durationMinutes, start, end) => {
    // Act
    const ics = invite({ startsAt, durationMinutes });

    // Assess
    expect(property(ics, 'DTSTART')).toBe(start);
    expect(property(ics, 'DTEND')).toBe(end);
  });

  it('escapes backslash, semicolon, comma and line breaks in TEXT values, and leaves colons alone', () => {
    // Act
    const ics = invite({
      summary: 'Rendez-vous: vidange; pneus, freins',
      description: 'C:\\dossiers\\rdv\r\nligne 2\rligne 3\nfin\ttab',
    });

    // Assess
    expect(property(ics, 'SUMMARY')).toBe('Rendez-vous: vidange\\; pneus\\, freins');
    expect(property(ics, 'DESCRIPTION')).toBe('C:\\\\dossiers\\\\rdv\\nligne 2\\nligne 3\\nfin\ttab');
    expect(unescapeText(property(ics, 'DESCRIPTION') ?? '')).toBe(
      'C:\\dossiers\\rdv\nligne 2\nligne 3\nfin\ttab',
    );
  });

  it('drops control characters that TEXT cannot carry', () => {
    // Act
    const ics = invite({ summary: 'Essai\u0000 routier\u0007' });

    // Assess
    expect(property(ics, 'SUMMARY')).toBe('Essai routier');
  });

  it('quotes a CN holding a colon, semicolon or comma and removes DQUOTE characters', () => {
    // Act
    const ics = invite({
      organizer: { name: 'Garage Martin: Paris; 8e, atelier', email: 'rdv@garage.test' },
      attendee: { name: 'Ada "Countess" Lovelace', email: 'ada@example.com' },
    });

    // Assess
    expect(unfolded(ics)).toContain(
      'ORGANIZER;CN="Garage Martin: Paris; 8e, atelier":mailto:rdv@garage.test',
    );
    expect(unfolded(ics)).toContain(
      'ATTENDEE;CN=Ada Countess Lovelace;ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:ada@example.com',
    );
  });

  it('puts a line break in a CN as a space, since parameters cannot escape it', () => {
    // Act
    const ics = invite({ attendee: { name: 'Ada\nLovelace', email: 'ada@example.com' } });

    // Assess
    expect(unfolded(ics)).toContainEqual(expect.stringMatching(/^ATTENDEE;CN=Ada Lovelace;/));
  });

  it('folds a long description with multi-byte characters at 75 octets without splitting one', () => {
    // Prepare
    const description = `Réservé pour vous : contrôle technique — 45 € TTC 🚗, café offert ☕. ${'Ça roule ! '.repeat(20)}`;

    // Act
    const ics = invite({ description });

    // Assess
    const bytes = new TextEncoder().encode(ics);
    const lines = new TextDecoder().decode(bytes).split('\r\n');
    expect(lines.at(-1)).toBe('');
    const fatal = new TextDecoder('utf-8', { fatal: true });
    let start = 0;
    for (let i = 0; i < bytes.length - 1; i++) {
      if (bytes[i] !== 0x0d || bytes[i + 1] !== 0x0a) continue;
      const line = bytes.subarray(start, i);
      expect(line.length).toBeLessThanOrEqual(75);
      // A multi-byte character cut in two would not decode on its own.
      expect(() => fatal.decode(line)).not.toThrow();
      start = i + 2;
    }
    const descriptionLines = lines.slice(
      lines.findIndex((l) => l.startsWith('DESCRIPTION:')),
      lines.findIndex((l) => l.startsWith('ORGANIZER')),
    );
    expect(descriptionLines.length).toBeGreaterThan(3);
    for (const continuation of descriptionLines.slice(1)) expect(continuation).toMatch(/^ /);
    // Folded only when the next character would not fit: at most 3 octets short of 75.
    for (const folded of descriptionLines.slice(0, -1))
      expect(new TextEncoder().encode(folded).length).toBeGreaterThanOrEqual(72);
    expect(unescapeText(property(ics, 'DESCRIPTION') ?? '')).toBe(description);
  });

  it('folds a line of 76 octets and leaves one of exactly 75 whole', () => {
    // Act
    const fits = invite({ summary: 'a'.repeat(75 - 'SUMMARY:'.length) });
    const over = invite({ summary: 'a'.repeat(76 - 'SUMMARY:'.length) });

    // Assess
    expect(fits).toContain(`\r\nSUMMARY:${'a'.repeat(67)}\r\nLOCATION`);
    expect(over).toContain(`\r\nSUMMARY:${'a'.repeat(67)}\r\n a\r\nLOCATION`);
  });

  it.each([
    ['not a date'],
    ['2026-03-02T15:00:00'],
    ['2026-03-02'],
    ['2026-02-30T10:00:00+01:00'],
    ['2026-13-01T10:00:00Z'],
    ['2026-03-02T25:00:00Z'],
    ['March 2, 2026 15:00 GMT+0100'],
  ])('refuses the start date %s with a message naming it', (startsAt) => {
    // Assess
    expect(() => invite({ startsAt })).toThrow(
      `appointmentInvite: startsAt "${startsAt}" is not an ISO 8601 date-time with an offset`,
    );
  });

  it('refuses a bad DTSTAMP, duration, sequence, empty UID or an address that would break the line', () => {
    // Assess
    expect(() => invite({ stampedAt: 'now' })).toThrow(/stampedAt "now"/);
    expect(() => invite({ durationMinutes: 0 })).toThrow(/durationMinutes/);
    expect(() => invite({ durationMinutes: 12.5 })).toThrow(/durationMinutes/);
    expect(() => invite({ durationMinutes: 5_000_000_000 })).toThrow(/outside years 0000-9999/);
    expect(() => invite({ sequence: -1 })).toThrow(/sequence/);
    expect(() => invite({ uid: '  ' })).toThrow(/uid is empty/);
    expect(() => invite({ attendee: { email: 'ada@example.com\r\nATTENDEE:mailto:x@y' } })).toThrow(
      /attendee\.email/,
    );
    expect(() => invite({ organizer: { email: 'garage' } })).toThrow(/organizer\.email/);
  });

  it('is the same text for the same input: nothing is read from the clock', () => {
    // Assess
    expect(invite()).toBe(invite());
  });
});

describe('icsFileName', () => {
  it.each([
    ['Essai routier — Peugeot 208 !', 'essai-routier-peugeot-208.ics'],
    ['Rendez-vous à l’atelier', 'rendez-vous-a-l-atelier.ics'],
    ['../../etc/passwd', 'etc-passwd.ics'],
    ['📅 ☕', 'invite.ics'],
    ['', 'invite.ics'],
  ])('names "%s" %s', (summary, name) => {
    // Assess
    expect(icsFileName(summary)).toBe(name);
  });

  it('keeps long names short', () => {
    // Act
    const name = icsFileName('Contrôle '.repeat(20));

    // Assess
    expect(name.length).toBeLessThanOrEqual(64);
    expect(name).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*\.ics$/);
  });
});
