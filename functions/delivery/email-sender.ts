/** Sends e-mail through SES v2 with a configuration set and message tags, so delivery events come back. */
import type { Attachment } from '@aws-sdk/client-sesv2';
import { SendEmailCommand, ses } from '#platform/clients/ses.ts';
import { headerText } from './header-text.ts';

export interface OutgoingEmail {
  readonly to: string;
  /** Copied recipients (a digest to several managers is one e-mail). */
  readonly cc?: readonly string[];
  readonly from: string;
  readonly replyTo?: string;
  readonly subject: string;
  readonly html: string;
  readonly text: string;
  readonly configurationSet?: string;
  readonly tags: Readonly<Record<string, string>>;
  readonly headers?: Readonly<Record<string, string>>;
  readonly attachments?: ReadonlyArray<EmailAttachment>;
}

export interface EmailAttachment {
  readonly fileName: string;
  /** The full MIME type, parameters included, e.g. `text/calendar; charset=UTF-8; method=REQUEST`. */
  readonly contentType: string;
  /** Text is sent as UTF-8, so a text content type should say `charset=UTF-8`. */
  readonly content: string | Uint8Array;
}

const utf8 = new TextEncoder();

/** SES v2 attachment: the SDK base64-encodes the raw bytes on the wire; SES builds the MIME part. */
function sesAttachment(attachment: EmailAttachment): Attachment {
  return {
    FileName: attachment.fileName,
    ContentType: attachment.contentType,
    RawContent: typeof attachment.content === 'string' ? utf8.encode(attachment.content) : attachment.content,
    ContentDisposition: 'ATTACHMENT',
    ContentTransferEncoding: 'BASE64',
  };
}

/** Sends one e-mail; returns SES's message id. */
export async function sendEmail(email: OutgoingEmail): Promise<string> {
  const result = await ses.send(
    new SendEmailCommand({
      FromEmailAddress: email.from,
      ...(email.replyTo ? { ReplyToAddresses: [email.replyTo] } : {}),
      Destination: {
        ToAddresses: [email.to],
        ...(email.cc?.length ? { CcAddresses: [...email.cc] } : {}),
      },
      Content: {
        Simple: {
          Subject: { Data: headerText(email.subject), Charset: 'UTF-8' },
          Body: {
            Html: { Data: email.html, Charset: 'UTF-8' },
            Text: { Data: email.text, Charset: 'UTF-8' },
          },
          ...(email.headers
            ? { Headers: Object.entries(email.headers).map(([Name, Value]) => ({ Name, Value })) }
            : {}),
          ...(email.attachments?.length ? { Attachments: email.attachments.map(sesAttachment) } : {}),
        },
      },
      ...(email.configurationSet ? { ConfigurationSetName: email.configurationSet } : {}),
      EmailTags: Object.entries(email.tags).map(([Name, Value]) => ({ Name, Value })),
    }),
  );
  if (!result.MessageId) throw new Error('SES returned no MessageId');
  return result.MessageId;
}
