import {
  CheckIfPhoneNumberIsOptedOutCommand,
  InvalidParameterException,
  InvalidParameterValueException,
  NotFoundException,
  PublishCommand,
  SNSClient,
} from '@aws-sdk/client-sns';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type ServedAws, serveAws } from '../../../local/aws/http-adapter.ts';
import { type SnsMessage, SnsService } from '../../../local/aws/sns.ts';
import { rejection } from './rejection.ts';

const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
const T0 = Date.parse('2025-03-01T12:00:00.000Z');

let clock = T0;
let sns: SnsService;
let server: ServedAws;
let client: SNSClient;

beforeAll(async () => {
  server = await serveAws((req) => sns.handler(req), { host: '127.0.0.1', port: 0 });
  client = new SNSClient({ endpoint: server.url, region: 'us-east-1', credentials });
});

afterAll(async () => {
  client.destroy();
  await server.close();
});

beforeEach(() => {
  clock = T0;
  sns = new SnsService({ now: () => clock });
});

/** Send a raw request, bypassing the SDK, to see exactly what the wire carries. */
async function raw(body: string): Promise<{ status: number; text: string }> {
  const res = await fetch(`${server.url}/`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body,
  });
  return { status: res.status, text: await res.text() };
}

describe('SNS Publish to a phone number', () => {
  it('records the SMS with its attributes and notifies listeners', async () => {
    const seen: SnsMessage[] = [];
    const unsubscribe = sns.onPublish((m) => seen.push(m));
    const result = await client.send(
      new PublishCommand({
        PhoneNumber: '+33612345678',
        Message: 'Votre code : 1234 & merci',
        MessageAttributes: {
          'AWS.SNS.SMS.SMSType': { DataType: 'String', StringValue: 'Transactional' },
          'AWS.SNS.SMS.SenderID': { DataType: 'String', StringValue: 'RELANCE' },
          blob: { DataType: 'Binary', BinaryValue: new Uint8Array([1, 2, 3]) },
        },
      }),
    );
    unsubscribe();

    expect(result.MessageId).toMatch(/^[0-9a-f-]{36}$/);
    expect(sns.outbox()).toEqual([
      {
        messageId: result.MessageId,
        at: '2025-03-01T12:00:00.000Z',
        phoneNumber: '+33612345678',
        message: 'Votre code : 1234 & merci',
        attributes: {
          'AWS.SNS.SMS.SMSType': 'Transactional',
          'AWS.SNS.SMS.SenderID': 'RELANCE',
          blob: 'AQID',
        },
        status: 'SUCCESS',
      },
    ]);
    expect(seen.map((m) => m.messageId)).toEqual([result.MessageId]);
  });

  it('uses the sms entry of a MessageStructure=json message', async () => {
    await client.send(
      new PublishCommand({
        PhoneNumber: '+14155550100',
        MessageStructure: 'json',
        Message: JSON.stringify({ default: 'long text', sms: 'short' }),
      }),
    );
    expect(sns.outbox()[0]?.message).toBe('short');
  });

  it('rejects an invalid phone number with InvalidParameter', async () => {
    const error = await rejection(
      client.send(new PublishCommand({ PhoneNumber: 'not-a-number', Message: 'x' })),
    );
    expect(error).toBeInstanceOf(InvalidParameterException);
    expect(error.$metadata.httpStatusCode).toBe(400);
    expect(error.message).toContain('PhoneNumber');
  });

  it('rejects naming two destinations and an empty message', async () => {
    const both = await rejection(
      client.send(
        new PublishCommand({
          PhoneNumber: '+14155550100',
          TopicArn: 'arn:aws:sns:us-east-1:000000000000:t',
          Message: 'x',
        }),
      ),
    );
    expect(both).toBeInstanceOf(InvalidParameterException);
    const empty = await rejection(
      client.send(new PublishCommand({ PhoneNumber: '+14155550100', Message: '' })),
    );
    expect(empty).toBeInstanceOf(InvalidParameterException);
    expect(empty.message).toBe('Invalid parameter: Empty message');
  });

  it('rejects a Number attribute that is not a number', async () => {
    const error = await rejection(
      client.send(
        new PublishCommand({
          PhoneNumber: '+14155550100',
          Message: 'x',
          MessageAttributes: { n: { DataType: 'Number', StringValue: 'abc' } },
        }),
      ),
    );
    expect(error).toBeInstanceOf(InvalidParameterValueException);
    expect(sns.outbox()).toEqual([]);
  });
});

describe('SNS opt-outs', () => {
  const phone = '+14155550199';

  it('accepts a Publish to an opted-out number but records a failed delivery, as AWS does', async () => {
    sns.optOut(phone);
    const result = await client.send(new PublishCommand({ PhoneNumber: phone, Message: 'promo' }));
    expect(result.MessageId).toBeDefined();
    expect(sns.outbox()).toMatchObject([
      { messageId: result.MessageId, status: 'FAILURE', providerResponse: 'Phone is currently opted out' },
    ]);
  });

  it('opts out a number given without its +', async () => {
    sns.optOut('14155550199');
    await client.send(new PublishCommand({ PhoneNumber: phone, Message: 'promo' }));
    expect(sns.outbox()).toMatchObject([{ phoneNumber: phone, status: 'FAILURE' }]);
  });
});

describe('SNS topics and platform endpoints', () => {
  it('answers NotFound for a topic or endpoint ARN: the local account has none', async () => {
    const topic = await rejection(
      client.send(
        new PublishCommand({ TopicArn: 'arn:aws:sns:us-east-1:000000000000:missing', Message: 'x' }),
      ),
    );
    expect(topic).toBeInstanceOf(NotFoundException);
    expect(topic.$metadata.httpStatusCode).toBe(404);
    expect(topic.message).toBe('Topic does not exist');
    const endpoint = await rejection(
      client.send(
        new PublishCommand({
          TargetArn: 'arn:aws:sns:us-east-1:000000000000:endpoint/GCM/app/0d2b0f3a',
          Message: 'x',
        }),
      ),
    );
    expect(endpoint).toBeInstanceOf(NotFoundException);
    expect(sns.outbox()).toEqual([]);
  });
});

describe('SNS failure injection', () => {
  it('throttles the next Publish calls and the SDK retries them', async () => {
    sns.failNext('Throttling', 2);
    const result = await client.send(
      new PublishCommand({ PhoneNumber: '+14155550100', Message: 'retry me' }),
    );
    expect(result.$metadata.attempts).toBe(3);
    expect(sns.outbox()).toHaveLength(1);
  });

  it('surfaces throttling once the SDK runs out of attempts', async () => {
    const oneShot = new SNSClient({ endpoint: server.url, region: 'us-east-1', credentials, maxAttempts: 1 });
    sns.failNext('Throttling');
    const error = await rejection(
      oneShot.send(new PublishCommand({ PhoneNumber: '+14155550100', Message: 'x' })),
    );
    oneShot.destroy();
    expect(error.name).toBe('Throttling');
    expect(error.$metadata.httpStatusCode).toBe(400);
    expect(error.message).toBe('Rate exceeded');
  });

  it('fails an injected InvalidParameter without retrying', async () => {
    sns.failNext('InvalidParameter');
    const error = await rejection(
      client.send(new PublishCommand({ PhoneNumber: '+14155550100', Message: 'x' })),
    );
    expect(error).toBeInstanceOf(InvalidParameterException);
    expect(error.$metadata.attempts).toBe(1);
    const ok = await client.send(new PublishCommand({ PhoneNumber: '+14155550100', Message: 'x' }));
    expect(ok.MessageId).toBeDefined();
  });
});

describe('SNS wire errors', () => {
  it('answers a malformed body with a 400 awsQuery error, not a crash', async () => {
    const { status, text } = await raw('{"not":"a form"}');
    expect(status).toBe(400);
    expect(text).toContain('<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/">');
    expect(text).toContain('<Type>Sender</Type><Code>MissingAction</Code>');
    expect(text).toMatch(/<RequestId>[0-9a-f-]{36}<\/RequestId><\/ErrorResponse>$/);
  });

  it('answers an unknown action with InvalidAction', async () => {
    const { status, text } = await raw('Action=DeleteEverything&Version=2010-03-31');
    expect(status).toBe(400);
    expect(text).toContain('<Code>InvalidAction</Code>');
  });

  it('answers InvalidAction for an SNS action it does not serve', async () => {
    const error = await rejection(
      client.send(new CheckIfPhoneNumberIsOptedOutCommand({ phoneNumber: '+14155550100' })),
    );
    expect(error.name).toBe('InvalidAction');
    expect(error.$metadata.httpStatusCode).toBe(400);
  });

  it('escapes XML in error messages', async () => {
    const { text } = await raw('Action=Publish&Version=2010-03-31&PhoneNumber=%3Cb%3E&Message=x');
    expect(text).toContain('&lt;b&gt; is not valid to publish to');
  });
});

describe('SNS persistence', () => {
  it('round-trips its state through JSON', async () => {
    await client.send(new PublishCommand({ PhoneNumber: '+14155550100', Message: 'kept' }));
    sns.optOut('+14155550111');
    const copy = new SnsService();
    copy.restore(JSON.parse(JSON.stringify(sns.snapshot())));
    expect(copy.outbox()).toEqual(sns.outbox());
    expect(copy.snapshot()).toEqual(sns.snapshot());
  });

  it('reads the state an earlier version saved, with topics and subscriptions it no longer keeps', () => {
    const saved = {
      topics: [{ arn: 'arn:aws:sns:us-east-1:000000000000:t', name: 't', attributes: {}, tags: {} }],
      subscriptions: [],
      optedOut: ['+14155550111'],
      outbox: [
        {
          messageId: 'm-1',
          at: '2025-03-01T12:00:00.000Z',
          phoneNumber: '+14155550100',
          message: 'kept',
          attributes: {},
          status: 'SUCCESS',
        },
      ],
    };
    sns.restore(saved);
    expect(sns.snapshot()).toEqual({ optedOut: saved.optedOut, outbox: saved.outbox });
  });

  it('refuses data that is not a snapshot', () => {
    expect(() => new SnsService().restore({ optedOut: 'nope' })).toThrow(/Invalid SNS snapshot/);
  });
});
