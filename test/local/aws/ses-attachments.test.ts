// Attachments through the local SES v2 stand-in: sent by the e-mail adapter's real SESv2Client,
// forwarded to aws-ses-v2-local, kept in relance's own copy with text decoded, and persisted.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  appointmentInvite,
  INVITE_CONTENT_TYPE,
  icsFileName,
} from '../../../functions/delivery/calendar-invite.ts';
import type { sendEmail as SendEmail } from '../../../functions/delivery/email-sender.ts';
import { type ServedAws, serveAws } from '../../../local/aws/http-adapter.ts';
import { LocalSes, type StoredEmail } from '../../../local/aws/ses.ts';

const ICS = appointmentInvite({
  uid: 'appt-42',
  startsAt: '2026-03-02T15:00:00+01:00',
  durationMinutes: 45,
  summary: 'Essai routier',
  description: 'Contrôle technique — 45 € 🚗',
  organizer: { name: 'Garage Martin', email: 'rdv@garage.test' },
  attendee: { name: 'Ada Lovelace', email: 'ada@example.com' },
  stampedAt: '2026-03-01T09:30:00Z',
});
const EMAIL = {
  to: 'ada@example.com',
  from: 'Garage Martin <rdv@garage.test>',
  subject: 'Votre rendez-vous',
  html: '<p>À lundi !</p>',
  text: 'À lundi !',
  tags: { journey: 'appointments', step: 'confirm' },
};

let ses: LocalSes;
let server: ServedAws;
let sendEmail: typeof SendEmail;
const sent: StoredEmail[] = [];
const bodies: string[] = [];

beforeAll(async () => {
  ses = new LocalSes();
  await ses.start();
  ses.onSent = (email) => sent.push(email);
  server = await serveAws(
    (req) => {
      bodies.push(req.body);
      return ses.handler(req);
    },
    { host: '127.0.0.1', port: 0 },
  );
  // The adapter's shared client reads the endpoint when first imported.
  process.env.AWS_ENDPOINT_URL = server.url;
  ({ sendEmail } = await import('../../../functions/delivery/email-sender.ts'));
});

afterAll(async () => {
  await server.close();
  await ses.close();
});

beforeEach(() => {
  sent.length = 0;
  bodies.length = 0;
});

function kept(messageId: string): StoredEmail | undefined {
  return ses.emails().find((e) => e.messageId === messageId);
}

describe('LocalSes attachments', () => {
  it('keeps an .ics invitation with its file name, content type and decoded text', async () => {
    // Act
    const messageId = await sendEmail({
      ...EMAIL,
      attachments: [
        { fileName: icsFileName('Essai routier'), contentType: INVITE_CONTENT_TYPE, content: ICS },
      ],
    });

    // Assess
    expect(kept(messageId)?.attachments).toEqual([
      {
        fileName: 'essai-routier.ics',
        contentType: 'text/calendar; charset=UTF-8; method=REQUEST',
        content: ICS,
      },
    ]);
    expect(kept(messageId)?.attachments?.[0]?.content).toContain('DTSTART:20260302T140000Z\r\n');
    expect(sent.map((e) => e.attachments?.[0]?.fileName)).toEqual(['essai-routier.ics']);
  });

  it('sends the attachment as SES v2 expects it: raw bytes base64-encoded in the JSON body', async () => {
    // Act
    await sendEmail({
      ...EMAIL,
      attachments: [{ fileName: 'invite.ics', contentType: INVITE_CONTENT_TYPE, content: ICS }],
    });

    // Assess
    const request = JSON.parse(bodies.at(-1) ?? '{}') as {
      Content: { Simple: { Attachments: Array<Record<string, string>> } };
    };
    expect(request.Content.Simple.Attachments).toEqual([
      {
        FileName: 'invite.ics',
        ContentType: INVITE_CONTENT_TYPE,
        RawContent: Buffer.from(ICS, 'utf8').toString('base64'),
        ContentDisposition: 'ATTACHMENT',
        ContentTransferEncoding: 'BASE64',
      },
    ]);
  });

  it('keeps a binary attachment as base64', async () => {
    // Prepare
    const bytes = Uint8Array.from({ length: 256 }, (_, i) => i);

    // Act
    const messageId = await sendEmail({
      ...EMAIL,
      attachments: [{ fileName: 'plan.pdf', contentType: 'application/pdf', content: bytes }],
    });

    // Assess
    expect(kept(messageId)?.attachments).toEqual([
      {
        fileName: 'plan.pdf',
        contentType: 'application/pdf',
        content: Buffer.from(bytes).toString('base64'),
      },
    ]);
  });

  it('sends and keeps no attachment field for a plain e-mail', async () => {
    // Act
    const messageId = await sendEmail(EMAIL);

    // Assess
    const request = JSON.parse(bodies.at(-1) ?? '{}') as { Content: { Simple: object } };
    expect(request.Content.Simple).not.toHaveProperty('Attachments');
    expect(kept(messageId)).toBeDefined();
    expect(kept(messageId)).not.toHaveProperty('attachments');
  });

  it('keeps attachments through the persistence round trip', async () => {
    // Prepare
    await sendEmail({
      ...EMAIL,
      attachments: [{ fileName: 'invite.ics', contentType: INVITE_CONTENT_TYPE, content: ICS }],
    });
    const persisted = JSON.parse(JSON.stringify(ses.emails())) as StoredEmail[];

    // Act
    const restarted = new LocalSes();
    restarted.restore(persisted);

    // Assess
    expect(restarted.emails()).toEqual(ses.emails());
    expect(restarted.emails().at(-1)?.attachments?.[0]?.content).toBe(ICS);
  });
});
