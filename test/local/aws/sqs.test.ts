import {
  BatchEntryIdsNotDistinct,
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  DeleteMessageCommand,
  EmptyBatchRequest,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListQueuesCommand,
  PurgeQueueCommand,
  QueueDoesNotExist,
  QueueNameExists,
  ReceiptHandleIsInvalid,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
  TooManyEntriesInBatchRequest,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type ServedAws, serveAws } from '../../../local/aws/http-adapter.ts';
import { md5Hex, md5OfMessageAttributes, SqsService } from '../../../local/aws/sqs.ts';
import { rejection } from './rejection.ts';

const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
const T0 = Date.parse('2025-03-01T12:00:00.000Z');

let clock = T0;
let sqs: SqsService;
let server: ServedAws;
let client: SQSClient;
let queueSeq = 0;

beforeAll(async () => {
  sqs = new SqsService({ baseUrl: () => server.url, now: () => clock, maxWaitMs: 2000 });
  server = await serveAws(sqs.handler, { host: '127.0.0.1', port: 0 });
  client = new SQSClient({ endpoint: server.url, region: 'us-east-1', credentials });
});

afterAll(async () => {
  sqs.wakeAll();
  client.destroy();
  await server.close();
});

beforeEach(() => {
  clock = T0;
});

/** A fresh queue per test keeps tests independent while sharing one server. */
async function newQueue(attributes?: Record<string, string>, suffix = ''): Promise<string> {
  queueSeq += 1;
  const { QueueUrl } = await client.send(
    new CreateQueueCommand({ QueueName: `q${queueSeq}${suffix}`, Attributes: attributes }),
  );
  if (QueueUrl === undefined) throw new Error('no queue url');
  return QueueUrl;
}

async function receive(
  QueueUrl: string,
  extra: Partial<ConstructorParameters<typeof ReceiveMessageCommand>[0]> = {},
) {
  const out = await client.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, ...extra }));
  return out.Messages ?? [];
}

async function count(QueueUrl: string): Promise<Record<string, string>> {
  const out = await client.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['All'] }));
  return out.Attributes ?? {};
}

describe('SQS queues', () => {
  it('creates queues with local URLs, finds and lists them', async () => {
    const url = await newQueue({ VisibilityTimeout: '45' });
    const name = url.split('/').pop() ?? '';
    expect(url).toBe(`${server.url}/000000000000/${name}`);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/000000000000\/q\d+$/);

    const found = await client.send(new GetQueueUrlCommand({ QueueName: name }));
    expect(found.QueueUrl).toBe(url);
    const listed = await client.send(new ListQueuesCommand({ QueueNamePrefix: name }));
    expect(listed.QueueUrls).toEqual([url]);

    const attributes = await count(url);
    expect(attributes).toMatchObject({
      VisibilityTimeout: '45',
      QueueArn: `arn:aws:sqs:us-east-1:000000000000:${name}`,
      ApproximateNumberOfMessages: '0',
    });
  });

  it('is idempotent for the same attributes and conflicts on different ones', async () => {
    await client.send(new CreateQueueCommand({ QueueName: 'same', Attributes: { DelaySeconds: '5' } }));
    const again = await client.send(
      new CreateQueueCommand({ QueueName: 'same', Attributes: { DelaySeconds: '5' } }),
    );
    expect(again.QueueUrl).toMatch(/\/same$/);
    const error = await rejection(
      client.send(new CreateQueueCommand({ QueueName: 'same', Attributes: { DelaySeconds: '7' } })),
    );
    expect(error).toBeInstanceOf(QueueNameExists);
  });

  it('answers QueueDoesNotExist for an unknown queue', async () => {
    const byName = await rejection(client.send(new GetQueueUrlCommand({ QueueName: 'nope' })));
    expect(byName).toBeInstanceOf(QueueDoesNotExist);
    expect(byName.$metadata.httpStatusCode).toBe(400);
    const byUrl = await rejection(
      client.send(new SendMessageCommand({ QueueUrl: `${server.url}/000000000000/nope`, MessageBody: 'x' })),
    );
    expect(byUrl).toBeInstanceOf(QueueDoesNotExist);
    expect(byUrl.message).toBe('The specified queue does not exist.');
  });

  it('rejects an unknown attribute and an out-of-range value', async () => {
    const unknown = await rejection(
      client.send(
        new CreateQueueCommand({
          QueueName: 'bad-attr',
          Attributes: { Colour: 'blue' } as Record<string, string>,
        }),
      ),
    );
    expect(unknown.name).toBe('InvalidAttributeName');
    const range = await rejection(
      client.send(new CreateQueueCommand({ QueueName: 'bad-range', Attributes: { DelaySeconds: '901' } })),
    );
    expect(range.name).toBe('InvalidAttributeValue');
  });

  it('pre-creates queues for the runtime and shows them with their messages', async () => {
    const url = sqs.ensureQueue('runtime-queue');
    expect(sqs.ensureQueue('runtime-queue')).toBe(url);
    await client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'hello' }));
    const view = sqs.queues().find((q) => q.name === 'runtime-queue');
    expect(view?.url).toBe(url);
    expect(view?.messages).toMatchObject([{ body: 'hello', state: 'visible', receiveCount: 0 }]);
  });
});

describe('SQS messages', () => {
  it('sends with attributes and correct digests, which the SDK verifies', async () => {
    const url = await newQueue();
    const attrs = {
      kind: { DataType: 'String', StringValue: 'sms' },
      bytes: { DataType: 'Binary', BinaryValue: new Uint8Array([7, 8]) },
    };
    const sent = await client.send(
      new SendMessageCommand({ QueueUrl: url, MessageBody: 'héllo ✓', MessageAttributes: attrs }),
    );
    expect(sent.MD5OfMessageBody).toBe(md5Hex('héllo ✓'));
    expect(sent.MD5OfMessageAttributes).toBe(
      md5OfMessageAttributes({
        kind: { DataType: 'String', StringValue: 'sms' },
        bytes: { DataType: 'Binary', BinaryValue: Buffer.from([7, 8]).toString('base64') },
      }),
    );

    const [message] = await receive(url, {
      MessageAttributeNames: ['All'],
      MessageSystemAttributeNames: ['All'],
    });
    expect(message?.Body).toBe('héllo ✓');
    expect(message?.MessageId).toBe(sent.MessageId);
    expect(message?.MessageAttributes?.kind).toEqual({ DataType: 'String', StringValue: 'sms' });
    expect(message?.MessageAttributes?.bytes?.BinaryValue).toEqual(new Uint8Array([7, 8]));
    expect(message?.Attributes).toMatchObject({ ApproximateReceiveCount: '1', SentTimestamp: String(T0) });
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

  it('hides received messages for the visibility timeout, then redelivers them', async () => {
    const url = await newQueue({ VisibilityTimeout: '30' });
    await client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'job' }));
    const first = await receive(url);
    expect(first).toHaveLength(1);
    expect(await receive(url)).toEqual([]);
    expect(await count(url)).toMatchObject({
      ApproximateNumberOfMessages: '0',
      ApproximateNumberOfMessagesNotVisible: '1',
    });

    clock += 30_000;
    const second = await receive(url, { MessageSystemAttributeNames: ['ApproximateReceiveCount'] });
    expect(second[0]?.Attributes?.ApproximateReceiveCount).toBe('2');

    // The first receipt is stale: the call succeeds but the message stays, as SQS documents.
    await client.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: first[0]?.ReceiptHandle }));
    expect((await count(url)).ApproximateNumberOfMessagesNotVisible).toBe('1');
    await client.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: second[0]?.ReceiptHandle }));
    expect((await count(url)).ApproximateNumberOfMessagesNotVisible).toBe('0');
  });

  it('honours VisibilityTimeout on receive and ChangeMessageVisibility', async () => {
    const url = await newQueue();
    await client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'v' }));
    const [m] = await receive(url, { VisibilityTimeout: 5 });
    clock += 5_000;
    const again = await receive(url);
    expect(again).toHaveLength(1);
    await client.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: url,
        ReceiptHandle: again[0]?.ReceiptHandle,
        VisibilityTimeout: 0,
      }),
    );
    expect(await receive(url)).toHaveLength(1);
    const stale = await rejection(
      client.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: url,
          ReceiptHandle: m?.ReceiptHandle,
          VisibilityTimeout: 10,
        }),
      ),
    );
    expect(stale.name).toBe('MessageNotInflight');
  });

  it('delays messages by DelaySeconds', async () => {
    const url = await newQueue();
    await client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'later', DelaySeconds: 60 }));
    expect(await receive(url)).toEqual([]);
    expect((await count(url)).ApproximateNumberOfMessagesDelayed).toBe('1');
    clock += 60_000;
    expect((await receive(url)).map((m) => m.Body)).toEqual(['later']);
  });

  it('caps a receive at MaxNumberOfMessages and purges', async () => {
    const url = await newQueue();
    for (const body of ['a', 'b', 'c'])
      await client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: body }));
    expect(await receive(url, { MaxNumberOfMessages: 2 })).toHaveLength(2);
    await client.send(new PurgeQueueCommand({ QueueUrl: url }));
    expect((await count(url)).ApproximateNumberOfMessages).toBe('0');
  });

  it('rejects an invalid receipt handle', async () => {
    const url = await newQueue();
    const error = await rejection(
      client.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: 'garbage' })),
    );
    expect(error).toBeInstanceOf(ReceiptHandleIsInvalid);
  });

  it('rejects an empty body and invalid characters', async () => {
    const url = await newQueue();
    const empty = await rejection(client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: '' })));
    expect(empty.name).toBe('MissingParameter');
    expect(empty.$metadata.httpStatusCode).toBe(400);
    const control = await rejection(
      client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'a\u0000b' })),
    );
    expect(control.name).toBe('InvalidMessageContents');
  });

  it('moves a message to the dead-letter queue after maxReceiveCount receives', async () => {
    const dlqUrl = await newQueue();
    const dlqArn = (await count(dlqUrl)).QueueArn;
    const url = await newQueue({
      VisibilityTimeout: '10',
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: 2 }),
    });
    await client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'poison' }));
    expect(await receive(url)).toHaveLength(1);
    clock += 10_000;
    expect(await receive(url)).toHaveLength(1);
    clock += 10_000;
    expect(await receive(url)).toEqual([]);
    expect((await receive(dlqUrl)).map((m) => m.Body)).toEqual(['poison']);
  });
});

describe('SQS batches', () => {
  it('sends a batch, reporting bad entries as Failed and verifying digests', async () => {
    const url = await newQueue();
    const out = await client.send(
      new SendMessageBatchCommand({
        QueueUrl: url,
        Entries: [
          {
            Id: 'one',
            MessageBody: 'first',
            MessageAttributes: { n: { DataType: 'Number', StringValue: '42' } },
          },
          { Id: 'two', MessageBody: '' },
          { Id: 'three', MessageBody: 'third' },
        ],
      }),
    );
    expect(out.Successful?.map((s) => s.Id)).toEqual(['one', 'three']);
    expect(out.Failed).toEqual([
      expect.objectContaining({ Id: 'two', SenderFault: true, Code: 'MissingParameter' }),
    ]);
    const received = await receive(url);
    expect(received.map((m) => m.Body)).toEqual(['first', 'third']);

    const deleted = await client.send(
      new DeleteMessageBatchCommand({
        QueueUrl: url,
        Entries: [
          { Id: 'a', ReceiptHandle: received[0]?.ReceiptHandle },
          { Id: 'b', ReceiptHandle: 'bogus' },
        ],
      }),
    );
    expect(deleted.Successful?.map((s) => s.Id)).toEqual(['a']);
    expect(deleted.Failed?.[0]).toMatchObject({ Id: 'b', Code: 'ReceiptHandleIsInvalid' });
  });

  it('rejects empty, oversized and duplicate-id batches', async () => {
    const url = await newQueue();
    const entries = Array.from({ length: 11 }, (_, i) => ({ Id: `e${i}`, MessageBody: 'x' }));
    const tooMany = await rejection(
      client.send(new SendMessageBatchCommand({ QueueUrl: url, Entries: entries })),
    );
    expect(tooMany).toBeInstanceOf(TooManyEntriesInBatchRequest);
    const dup = await rejection(
      client.send(
        new SendMessageBatchCommand({
          QueueUrl: url,
          Entries: [
            { Id: 'a', MessageBody: 'x' },
            { Id: 'a', MessageBody: 'y' },
          ],
        }),
      ),
    );
    expect(dup).toBeInstanceOf(BatchEntryIdsNotDistinct);
    const empty = await rejection(client.send(new SendMessageBatchCommand({ QueueUrl: url, Entries: [] })));
    expect(empty).toBeInstanceOf(EmptyBatchRequest);
  });
});

describe('SQS FIFO queues', () => {
  it('deduplicates within five minutes and keeps a group in order', async () => {
    const url = await newQueue({ FifoQueue: 'true' }, '.fifo');
    const send = (body: string, group: string, dedup: string) =>
      client.send(
        new SendMessageCommand({
          QueueUrl: url,
          MessageBody: body,
          MessageGroupId: group,
          MessageDeduplicationId: dedup,
        }),
      );
    const a = await send('a1', 'A', 'd1');
    const dup = await send('a1', 'A', 'd1');
    expect(dup.MessageId).toBe(a.MessageId);
    expect(dup.SequenceNumber).toBe(a.SequenceNumber);
    await send('a2', 'A', 'd2');
    await send('b1', 'B', 'd3');

    const first = await receive(url, { MaxNumberOfMessages: 1 });
    expect(first.map((m) => m.Body)).toEqual(['a1']);
    // Group A is blocked while a1 is in flight; B is free.
    expect((await receive(url)).map((m) => m.Body)).toEqual(['b1']);

    clock += 5 * 60_000;
    await client.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: first[0]?.ReceiptHandle }));
    const later = await send('a1', 'A', 'd1');
    expect(later.MessageId).not.toBe(a.MessageId);
  });

  it('requires a group id and a deduplication id', async () => {
    const url = await newQueue({ FifoQueue: 'true' }, '.fifo');
    const noGroup = await rejection(client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'x' })));
    expect(noGroup.name).toBe('MissingParameter');
    const noDedup = await rejection(
      client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'x', MessageGroupId: 'g' })),
    );
    expect(noDedup.name).toBe('InvalidParameterValue');
  });
});

describe('SQS long polling', () => {
  it('returns as soon as a message arrives during WaitTimeSeconds', async () => {
    const url = await newQueue();
    const started = Date.now();
    const pending = receive(url, { WaitTimeSeconds: 20 });
    setTimeout(() => {
      void client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'wake' }));
    }, 50);
    const messages = await pending;
    expect(messages.map((m) => m.Body)).toEqual(['wake']);
    expect(Date.now() - started).toBeLessThan(1500);
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
    const res = await raw('AmazonSQS.GetQueueUrl', JSON.stringify({ QueueName: 'missing' }));
    expect(res.status).toBe(400);
    expect(res.json).toEqual({
      __type: 'com.amazonaws.sqs#QueueDoesNotExist',
      message: 'The specified queue does not exist.',
    });
    expect(res.headers.get('x-amzn-query-error')).toBe('AWS.SimpleQueueService.NonExistentQueue;Sender');
  });

  it('rejects an unknown or missing target', async () => {
    expect((await raw('AmazonSQS.Explode', '{}')).json.__type).toBe(
      'com.amazonaws.sqs#UnknownOperationException',
    );
    expect((await raw(undefined, '{}')).status).toBe(400);
  });
});

describe('SQS persistence', () => {
  it('round-trips its state through JSON', async () => {
    const url = await newQueue();
    await client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'persisted' }));
    const copy = new SqsService({ baseUrl: () => server.url, now: () => clock });
    copy.restore(JSON.parse(JSON.stringify(sqs.snapshot())));
    expect(copy.queues()).toEqual(sqs.queues());
  });

  it('refuses data that is not a snapshot', () => {
    const copy = new SqsService({ baseUrl: () => 'http://127.0.0.1:1' });
    expect(() => copy.restore({ queues: [{ name: 1 }] })).toThrow(/Invalid SQS snapshot/);
  });
});
