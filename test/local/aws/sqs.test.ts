import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QueueDoesNotExist, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type ServedAws, serveAws } from '../../../local/aws/http-adapter.ts';
import { md5Hex, md5OfMessageAttributes, messageJournal, SqsService } from '../../../local/aws/sqs.ts';
import { rejection } from './rejection.ts';

const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
const T0 = Date.parse('2025-03-01T12:00:00.000Z');

let clock = T0;
let sqs: SqsService;
let server: ServedAws;
let client: SQSClient;

beforeAll(async () => {
  server = await serveAws((req) => sqs.handler(req), { host: '127.0.0.1', port: 0 });
  client = new SQSClient({ endpoint: server.url, region: 'us-east-1', credentials, maxAttempts: 1 });
});

afterAll(async () => {
  client.destroy();
  await server.close();
});

beforeEach(() => {
  clock = T0;
  sqs = new SqsService({ baseUrl: () => server.url, now: () => clock });
});

/** The messages a queue holds, as the local page reads them. */
const messagesOf = (name: string) => sqs.queues().find((q) => q.name === name)?.messages ?? [];

describe('SQS queues', () => {
  it('creates the template’s queues with local URLs, once, and shows what they hold', async () => {
    // Act
    const url = sqs.ensureQueue('DeadLetters');
    const again = sqs.ensureQueue('DeadLetters');
    await client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'hello' }));

    // Assess
    expect(url).toBe(`${server.url}/000000000000/DeadLetters`);
    expect(again).toBe(url);
    expect(sqs.queues()).toEqual([
      {
        name: 'DeadLetters',
        url,
        arn: 'arn:aws:sqs:us-east-1:000000000000:DeadLetters',
        messages: [
          {
            messageId: expect.stringMatching(/^[0-9a-f-]{36}$/),
            body: 'hello',
            messageAttributes: {},
            sentAt: '2025-03-01T12:00:00.000Z',
          },
        ],
      },
    ]);
  });

  it('refuses a queue name SQS would refuse, and FIFO queues, which it does not model', () => {
    expect(() => sqs.ensureQueue('bad name')).toThrow(/standard queue names only/);
    expect(() => sqs.ensureQueue('orders.fifo')).toThrow(/standard queue names only/);
  });
});

describe('the SQS journal', () => {
  it('gives back every message sent, those after the last snapshot included, after a crash', async () => {
    // Arrange: a journaled stand-in; a snapshot taken after the first message, then one more.
    const folder = mkdtempSync(join(tmpdir(), 'relance-queues-'));
    const path = join(folder, 'queue-journal.jsonl');
    try {
      sqs = new SqsService({ baseUrl: () => server.url, now: () => clock, journal: messageJournal(path) });
      const url = sqs.ensureQueue('DeadLetters');
      await client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'before the save' }));
      const staleSnapshot = JSON.parse(JSON.stringify(sqs.snapshot()));
      await client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'after the save' }));
      sqs.closeJournal();

      // Act: the next process restores the snapshot, then adopts the journal.
      sqs = new SqsService({ baseUrl: () => server.url, now: () => clock, journal: messageJournal(path) });
      sqs.ensureQueue('DeadLetters');
      sqs.restore(staleSnapshot);
      const recovered = sqs.adoptJournal();

      // Assess
      expect(messagesOf('DeadLetters').map((m) => m.body)).toEqual(['before the save', 'after the save']);
      expect(recovered).toBe(1);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});

describe('SQS SendMessage', () => {
  it('keeps the body and attributes and answers with the digests the SDK verifies', async () => {
    // Prepare
    const url = sqs.ensureQueue('q');
    const attrs = {
      kind: { DataType: 'String', StringValue: 'sms' },
      count: { DataType: 'Number', StringValue: '42' },
      bytes: { DataType: 'Binary', BinaryValue: new Uint8Array([7, 8]) },
    };

    // Act
    const sent = await client.send(
      new SendMessageCommand({ QueueUrl: url, MessageBody: 'héllo ✓', MessageAttributes: attrs }),
    );

    // Assess
    const stored = {
      kind: { DataType: 'String', StringValue: 'sms' },
      count: { DataType: 'Number', StringValue: '42' },
      bytes: { DataType: 'Binary', BinaryValue: Buffer.from([7, 8]).toString('base64') },
    };
    expect(sent.MD5OfMessageBody).toBe(md5Hex('héllo ✓'));
    expect(sent.MD5OfMessageAttributes).toBe(md5OfMessageAttributes(stored));
    expect(messagesOf('q')).toEqual([
      expect.objectContaining({ messageId: sent.MessageId, body: 'héllo ✓', messageAttributes: stored }),
    ]);
  });

  it('finds the queue by its path, whatever host the URL names', async () => {
    // Prepare
    sqs.ensureQueue('q');

    // Act
    await client.send(
      new SendMessageCommand({
        QueueUrl: 'https://sqs.us-east-1.amazonaws.com/000000000000/q',
        MessageBody: 'x',
      }),
    );

    // Assess
    expect(messagesOf('q')).toHaveLength(1);
  });

  it('computes MD5OfMessageAttributes as the SQS guide specifies', () => {
    // Reference digests published for the documented algorithm.
    expect(
      md5OfMessageAttributes({ attribName1: { DataType: 'String', StringValue: 'attribValue 1' } }),
    ).toBe('19e27d4e946b072f3f58da80d94fd778');
    const binary = { DataType: 'Binary', BinaryValue: Buffer.from('Hello binary world!').toString('base64') };
    expect(md5OfMessageAttributes({ binaryAttribute: binary })).toBe('31a92b15d92f8db860eda32aceb656c3');
    expect(
      md5OfMessageAttributes({
        attribName1: { DataType: 'String', StringValue: 'attribValue 1' },
        customNumberTypeAttrib: {
          DataType: 'Number.float',
          StringValue: '4563442423554324324264524243.32543234',
        },
        binaryAttribute: binary,
      }),
    ).toBe('c932db14a896c663f83c260297d594ff');
  });

  it('answers QueueDoesNotExist for an unknown queue or another account', async () => {
    // Prepare
    sqs.ensureQueue('q');

    // Act
    const unknown = await rejection(
      client.send(new SendMessageCommand({ QueueUrl: `${server.url}/000000000000/nope`, MessageBody: 'x' })),
    );
    const otherAccount = await rejection(
      client.send(new SendMessageCommand({ QueueUrl: `${server.url}/123456789012/q`, MessageBody: 'x' })),
    );

    // Assess
    expect(unknown).toBeInstanceOf(QueueDoesNotExist);
    expect(unknown.$metadata.httpStatusCode).toBe(400);
    expect(unknown.message).toBe('The specified queue does not exist.');
    expect(otherAccount).toBeInstanceOf(QueueDoesNotExist);
  });

  it('rejects an empty body and invalid characters', async () => {
    // Prepare
    const url = sqs.ensureQueue('q');

    // Act
    const empty = await rejection(client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: '' })));
    const control = await rejection(
      client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'a\u0000b' })),
    );

    // Assess
    expect(empty.name).toBe('MissingParameter');
    expect(empty.$metadata.httpStatusCode).toBe(400);
    expect(control.name).toBe('InvalidMessageContents');
    expect(messagesOf('q')).toEqual([]);
  });

  it('takes a message of 1 MiB, body and attributes counted together, and refuses one byte more', async () => {
    // Prepare: the attribute is 4 + 6 + 2 bytes (name, type, value)
    const url = sqs.ensureQueue('q');
    const attrs = { kind: { DataType: 'String', StringValue: 'ab' } };
    const fits = 'x'.repeat(1024 * 1024 - 12);

    // Act
    await client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: fits, MessageAttributes: attrs }));
    const tooLong = await rejection(
      client.send(
        new SendMessageCommand({ QueueUrl: url, MessageBody: `${fits}y`, MessageAttributes: attrs }),
      ),
    );

    // Assess
    expect(tooLong.name).toBe('InvalidParameterValue');
    expect(tooLong.message).toContain('Message must be shorter than 1048576 bytes');
    expect(messagesOf('q')).toHaveLength(1);
  });

  it('rejects more than ten attributes, reserved or malformed names, bad types and empty values', async () => {
    // Prepare
    const url = sqs.ensureQueue('q');
    const send = (MessageAttributes: Record<string, { DataType: string; StringValue?: string }>) =>
      rejection(client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'x', MessageAttributes })));
    const eleven = Object.fromEntries(
      Array.from({ length: 11 }, (_, i) => [`a${i}`, { DataType: 'String', StringValue: 'v' }]),
    );

    // Act
    const errors = await Promise.all([
      send(eleven),
      send({ 'aws.trace': { DataType: 'String', StringValue: 'v' } }),
      send({ 'a..b': { DataType: 'String', StringValue: 'v' } }),
      send({ a: { DataType: 'Text', StringValue: 'v' } }),
      send({ a: { DataType: 'String', StringValue: '' } }),
      send({ a: { DataType: 'Number', StringValue: 'twelve' } }),
    ]);

    // Assess
    expect(errors.map((e) => e.name)).toEqual(Array(6).fill('InvalidParameterValue'));
    expect(errors[0]?.message).toBe('Number of message attributes [11] exceeds the allowed maximum [10].');
    expect(errors[1]?.message).toContain('is reserved');
    expect(messagesOf('q')).toEqual([]);
  });

  it('accepts a delay in range but refuses one out of range, and a deduplication id on a standard queue', async () => {
    // Prepare
    const url = sqs.ensureQueue('q');

    // Act
    await client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'later', DelaySeconds: 900 }));
    const tooLate = await rejection(
      client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'x', DelaySeconds: 901 })),
    );
    const dedup = await rejection(
      client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'x', MessageDeduplicationId: 'd' })),
    );

    // Assess
    expect(tooLate.name).toBe('InvalidParameterValue');
    expect(dedup.name).toBe('InvalidParameterValue');
    expect(messagesOf('q').map((m) => m.body)).toEqual(['later']);
  });
});

describe('SQS wire errors', () => {
  async function raw(target: string | undefined, body: string) {
    const headers: Record<string, string> = { 'content-type': 'application/x-amz-json-1.0' };
    if (target !== undefined) headers['x-amz-target'] = target;
    const res = await fetch(`${server.url}/`, { method: 'POST', headers, body });
    return { status: res.status, headers: res.headers, json: (await res.json()) as Record<string, unknown> };
  }

  it('answers a malformed JSON body with a 400 error, not a crash', async () => {
    const res = await raw('AmazonSQS.SendMessage', '{"QueueUrl": ');
    expect(res.status).toBe(400);
    expect(res.json.__type).toBe('com.amazonaws.sqs#SerializationException');
    expect(res.headers.get('x-amzn-errortype')).toBe('SerializationException');
  });

  it('carries the awsQuery-compatible code in x-amzn-query-error', async () => {
    const res = await raw(
      'AmazonSQS.SendMessage',
      JSON.stringify({ QueueUrl: `${server.url}/000000000000/missing`, MessageBody: 'x' }),
    );
    expect(res.status).toBe(400);
    expect(res.json).toEqual({
      __type: 'com.amazonaws.sqs#QueueDoesNotExist',
      message: 'The specified queue does not exist.',
    });
    expect(res.headers.get('x-amzn-query-error')).toBe('AWS.SimpleQueueService.NonExistentQueue;Sender');
  });

  it('rejects an operation it does not serve, an unknown one and a missing target', async () => {
    const receive = await raw('AmazonSQS.ReceiveMessage', '{}');
    expect(receive.status).toBe(400);
    expect(receive.json).toEqual({
      __type: 'com.amazonaws.sqs#UnknownOperationException',
      message: 'The local SQS stand-in serves SendMessage only, not ReceiveMessage.',
    });
    expect((await raw('AmazonSQS.Explode', '{}')).json.__type).toBe(
      'com.amazonaws.sqs#UnknownOperationException',
    );
    expect((await raw(undefined, '{}')).status).toBe(400);
  });
});

describe('SQS persistence', () => {
  it('round-trips its state through JSON', async () => {
    // Prepare
    const url = sqs.ensureQueue('q');
    await client.send(
      new SendMessageCommand({
        QueueUrl: url,
        MessageBody: 'persisted',
        MessageAttributes: { reason: { DataType: 'String', StringValue: 'malformed' } },
      }),
    );

    // Act
    const copy = new SqsService({ baseUrl: () => server.url, now: () => clock });
    copy.restore(JSON.parse(JSON.stringify(sqs.snapshot())));

    // Assess
    expect(copy.queues()).toEqual(sqs.queues());
  });

  it('reads the state an earlier version saved, with fields it no longer keeps', () => {
    // Prepare: as the stand-in with FIFO queues, redrive and long polling wrote it
    const saved = {
      sequence: 0,
      queues: [
        {
          name: 'DeadLetters',
          createdAt: T0,
          modifiedAt: T0,
          attributes: { VisibilityTimeout: '30' },
          tags: {},
          dedup: [],
          messages: [
            {
              messageId: 'm-1',
              body: '{"a":1}',
              md5OfBody: md5Hex('{"a":1}'),
              messageAttributes: {},
              sentAt: T0,
              visibleAt: T0,
              receiveCount: 0,
            },
          ],
        },
      ],
    };

    // Act
    sqs.restore(saved);

    // Assess
    expect(messagesOf('DeadLetters')).toEqual([
      { messageId: 'm-1', body: '{"a":1}', messageAttributes: {}, sentAt: '2025-03-01T12:00:00.000Z' },
    ]);
  });

  it('refuses data that is not a snapshot', () => {
    const copy = new SqsService({ baseUrl: () => 'http://127.0.0.1:1' });
    expect(() => copy.restore({ queues: [{ name: 1 }] })).toThrow(/Invalid SQS snapshot/);
  });
});
