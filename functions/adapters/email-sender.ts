/** Sends e-mail through SES v2 with a configuration set and message tags, so delivery events come back. */
import { SendEmailCommand } from '@aws-sdk/client-sesv2';
import { ses } from '#shared/aws-clients.ts';

export interface OutgoingEmail {
  readonly to: string;
  readonly from: string;
  readonly replyTo?: string;
  readonly subject: string;
  readonly html: string;
  readonly text: string;
  readonly configurationSet?: string;
  readonly tags: Readonly<Record<string, string>>;
  readonly headers?: Readonly<Record<string, string>>;
}

/** Sends one e-mail; returns SES's message id. */
export async function sendEmail(email: OutgoingEmail): Promise<string> {
  const result = await ses.send(
    new SendEmailCommand({
      FromEmailAddress: email.from,
      ...(email.replyTo ? { ReplyToAddresses: [email.replyTo] } : {}),
      Destination: { ToAddresses: [email.to] },
      Content: {
        Simple: {
          Subject: { Data: email.subject, Charset: 'UTF-8' },
          Body: {
            Html: { Data: email.html, Charset: 'UTF-8' },
            Text: { Data: email.text, Charset: 'UTF-8' },
          },
          ...(email.headers
            ? { Headers: Object.entries(email.headers).map(([Name, Value]) => ({ Name, Value })) }
            : {}),
        },
      },
      ...(email.configurationSet ? { ConfigurationSetName: email.configurationSet } : {}),
      EmailTags: Object.entries(email.tags).map(([Name, Value]) => ({ Name, Value })),
    }),
  );
  if (!result.MessageId) throw new Error('SES returned no MessageId');
  return result.MessageId;
}
