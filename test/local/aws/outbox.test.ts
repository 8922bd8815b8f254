// The messaging stand-ins keep the most recent messages, not every one: a local runtime left running
// under load held each e-mail's bodies twice (relance's copy and aws-ses-v2-local's own store) and
// each SMS and call, without bound (a heap snapshot of a runtime with its tables on disk grew by
// about 20 KB a sign-up, two thirds of it the welcome e-mail's copies).
import { createRequire } from 'node:module';
import { PinpointSMSVoiceV2Client, SendTextMessageCommand } from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { afterEach, describe, expect, it } from 'vitest';
import { type ServedAws, serveAws } from '../../../local/aws/http-adapter.ts';
import { Outbox } from '../../../local/aws/outbox.ts';
import type { AwsServiceHandler } from '../../../local/aws/protocol.ts';
import { LocalSes } from '../../../local/aws/ses.ts';
import { SmsVoiceV2Service } from '../../../local/aws/sms-voice-v2.ts';
import { SnsService } from '../../../local/aws/sns.ts';

const client = {
  region: 'eu-west-3',
  credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  maxAttempts: 1,
};

/** aws-ses-v2-local's own store, the module its server saves each e-mail to. */
const sesPackageStore = createRequire(import.meta.url)('aws-ses-v2-local/dist/store.js') as {
  getStoreReadonly(): { emails: Array<{ subject: string }> };
};

/** What a test started, undone after it in reverse order. */
const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Serves `handler` on loopback: a client of `Client` on it, destroyed with the server after the test. */
async function clientOf<C extends { destroy(): void }>(
  Client: new (config: typeof client & { endpoint: string }) => C,
  handler: AwsServiceHandler,
): Promise<C> {
  const served: ServedAws = await serveAws(handler, { host: '127.0.0.1', port: 0 });
  const created = new Client({ ...client, endpoint: served.url });
  cleanups.push(
    () => served.close(),
    () => created.destroy(),
  );
  return created;
}

describe('an outbox', () => {
  it('keeps the most recent messages up to its limit and counts every one', () => {
    const outbox = new Outbox<number>(3);
    for (let n = 1; n <= 5; n++) outbox.add(n);
    expect(outbox.kept()).toEqual([3, 4, 5]);
    expect(outbox.accepted).toBe(5);
  });

  it('restores the most recent of a previous process without counting them as accepted here', () => {
    const outbox = new Outbox<number>(3);
    outbox.restore([1, 2, 3, 4]);
    expect(outbox.kept()).toEqual([2, 3, 4]);
    expect(outbox.accepted).toBe(0);
    expect(outbox.since(0)).toEqual({ messages: [], dropped: 0 });
  });

  it('tells what was accepted since a count, and how many of those it no longer keeps', () => {
    const outbox = new Outbox<number>(3);
    outbox.add(1);
    const seen = outbox.accepted;
    for (let n = 2; n <= 3; n++) outbox.add(n);
    expect(outbox.since(seen)).toEqual({ messages: [2, 3], dropped: 0 });
    for (let n = 4; n <= 7; n++) outbox.add(n);
    expect(outbox.since(seen)).toEqual({ messages: [5, 6, 7], dropped: 3 });
    expect(outbox.since(outbox.accepted)).toEqual({ messages: [], dropped: 0 });
  });

  it('refuses a limit that keeps nothing', () => {
    expect(() => new Outbox(0)).toThrow(/at least 1 message/);
  });
});

describe('the messaging stand-ins keep their most recent messages', () => {
  it('SES: relance keeps the last e-mails, and so does aws-ses-v2-local store', async () => {
    const ses = new LocalSes({ outboxLimit: 3 });
    await ses.start();
    cleanups.push(() => ses.close());
    const sesClient = await clientOf(SESv2Client, ses.handler);
    for (let n = 1; n <= 5; n++) {
      await sesClient.send(
        new SendEmailCommand({
          FromEmailAddress: 'shop@example.com',
          Destination: { ToAddresses: [`reader-${n}@example.com`] },
          Content: { Simple: { Subject: { Data: `Letter ${n}` }, Body: { Text: { Data: 'Hello' } } } },
        }),
      );
    }
    expect(ses.emails().map((e) => e.subject)).toEqual(['Letter 3', 'Letter 4', 'Letter 5']);
    expect(ses.sent.accepted).toBe(5);
    const stored = sesPackageStore.getStoreReadonly().emails;
    expect(stored.length).toBeLessThanOrEqual(3);
    expect(stored.at(-1)?.subject).toBe('Letter 5');
  });

  it('SNS: the last SMS published to phone numbers', async () => {
    const sns = new SnsService({ outboxLimit: 2 });
    const snsClient = await clientOf(SNSClient, sns.handler);
    for (let n = 1; n <= 4; n++)
      await snsClient.send(new PublishCommand({ PhoneNumber: '+33612345678', Message: `Code ${n}` }));
    expect(sns.outbox().map((m) => m.message)).toEqual(['Code 3', 'Code 4']);
    expect(sns.sent.accepted).toBe(4);
  });

  it('End User Messaging: the last SMS, with every one counted by channel', async () => {
    const service = new SmsVoiceV2Service({ sandbox: false, region: 'eu-west-3', outboxLimit: 2 });
    const identity = service.addOriginationIdentity('+33700000001');
    const smsClient = await clientOf(PinpointSMSVoiceV2Client, service.handler);
    for (let n = 1; n <= 3; n++) {
      await smsClient.send(
        new SendTextMessageCommand({
          DestinationPhoneNumber: '+33612345678',
          OriginationIdentity: identity.arn,
          MessageBody: `Rappel ${n}`,
        }),
      );
    }
    expect(service.outbox().map((m) => m.body)).toEqual(['Rappel 2', 'Rappel 3']);
    expect(service.acceptedByChannel).toEqual({ TEXT: 3, VOICE: 0 });
  });
});
