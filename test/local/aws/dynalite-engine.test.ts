// dynalite's checks and actions called in process answer every request as dynalite's own HTTP
// handler does: the same requests are sent to both (the handler through light-my-request, which
// builds the request and response objects it reads and writes) and their statuses and documents
// compared, request ids apart.
import { mkdtempSync, rmSync } from 'node:fs';
import type { RequestListener } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AbstractLevel } from 'abstract-level';
import dynalite from 'dynalite';
import { inject } from 'light-my-request';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DynaliteEngine } from '../../../local/aws/dynalite-engine.ts';
import { LocalDynamo } from '../../../local/aws/dynamodb.ts';

const SIGNED = {
  'x-amz-date': '20260101T000000Z',
  authorization:
    'AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host;x-amz-date, Signature=0',
};

interface Sent {
  readonly method?: 'POST' | 'PUT';
  readonly target?: string;
  readonly contentType?: string;
  readonly signed?: boolean;
  readonly body: string;
}

interface Answered {
  readonly status: number;
  readonly body: unknown;
}

const table = (name: string) =>
  JSON.stringify({
    TableName: name,
    KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
    AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
    BillingMode: 'PAY_PER_REQUEST',
  });

/** Requests in order: each runs against a store the previous ones changed the same way on both sides. */
const REQUESTS: ReadonlyArray<readonly [string, Sent]> = [
  ['a table created', { target: 'DynamoDB_20120810.CreateTable', body: table('things') }],
  ['a body that is not JSON', { target: 'DynamoDB_20120810.GetItem', body: '{not json' }],
  ['an empty body', { target: 'DynamoDB_20120810.GetItem', body: '' }],
  ['an operation dynalite does not know', { target: 'DynamoDB_20120810.Explode', body: '{}' }],
  ['a target without a version', { target: 'GetItem', body: '{}' }],
  ['an unknown API version', { target: 'DynamoDB_20990101.GetItem', body: '{}' }],
  ['an unsigned request', { target: 'DynamoDB_20120810.GetItem', signed: false, body: '{}' }],
  [
    'a content type that is not JSON',
    { contentType: 'text/plain', target: 'DynamoDB_20120810.GetItem', body: '{}' },
  ],
  ['a method other than POST', { method: 'PUT', target: 'DynamoDB_20120810.GetItem', body: '{}' }],
  ['a missing table name', { target: 'DynamoDB_20120810.GetItem', body: '{"Key":{"pk":{"S":"a"}}}' }],
  [
    'a key of the wrong type',
    { target: 'DynamoDB_20120810.GetItem', body: '{"TableName":"things","Key":{"pk":{"N":"1"}}}' },
  ],
  ['a body that is a JSON list', { target: 'DynamoDB_20120810.GetItem', body: '[1,2]' }],
  [
    'a table that does not exist',
    { target: 'DynamoDB_20120810.GetItem', body: '{"TableName":"nope","Key":{"pk":{"S":"a"}}}' },
  ],
  [
    'an item put, with its capacity',
    {
      target: 'DynamoDB_20120810.PutItem',
      body: '{"TableName":"things","Item":{"pk":{"S":"a"},"n":{"N":"1"}},"ReturnConsumedCapacity":"TOTAL"}',
    },
  ],
  [
    'a conditional put whose condition fails',
    {
      target: 'DynamoDB_20120810.PutItem',
      body: '{"TableName":"things","Item":{"pk":{"S":"a"}},"ConditionExpression":"attribute_not_exists(pk)"}',
    },
  ],
  [
    'an update returning the new item',
    {
      target: 'DynamoDB_20120810.UpdateItem',
      body: '{"TableName":"things","Key":{"pk":{"S":"a"}},"UpdateExpression":"ADD n :one","ExpressionAttributeValues":{":one":{"N":"2"}},"ReturnValues":"ALL_NEW"}',
    },
  ],
  [
    'the item read back',
    {
      target: 'DynamoDB_20120810.GetItem',
      body: '{"TableName":"things","Key":{"pk":{"S":"a"}},"ConsistentRead":true}',
    },
  ],
  [
    'a scan with its capacity',
    { target: 'DynamoDB_20120810.Scan', body: '{"TableName":"things","ReturnConsumedCapacity":"TOTAL"}' },
  ],
  [
    'the tables listed',
    { contentType: 'application/json', target: 'DynamoDB_20120810.ListTables', body: '{}' },
  ],
];

describe('DynaliteEngine', () => {
  let engine: DynaliteEngine;
  let server: ReturnType<typeof dynalite>;
  let listener: RequestListener;

  beforeAll(async () => {
    engine = new DynaliteEngine({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
    await engine.open();
    server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
    const [found] = server.listeners('request') as RequestListener[];
    if (!found) throw new Error('dynalite created a server without a request listener');
    listener = found;
    // dynalite closes its store through its server, which must be listening to close.
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  });

  afterAll(async () => {
    await engine.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const headers = (sent: Sent) => ({
    'content-type': sent.contentType ?? 'application/x-amz-json-1.0',
    ...(sent.target ? { 'x-amz-target': sent.target } : {}),
    ...(sent.signed === false ? {} : SIGNED),
  });

  async function viaHandler(sent: Sent): Promise<Answered> {
    const answer = await inject(listener, {
      method: sent.method ?? 'POST',
      url: '/',
      headers: headers(sent),
      payload: sent.body,
    });
    return { status: answer.statusCode, body: parsed(answer.payload) };
  }

  async function viaEngine(sent: Sent): Promise<Answered> {
    const checked = engine.check({
      method: sent.method ?? 'POST',
      contentType: headers(sent)['content-type'],
      target: sent.target ?? '',
      signed: sent.signed !== false,
      body: sent.body,
    });
    if ('status' in checked) return { status: checked.status, body: checked.text ?? checked.document };
    const answer = await engine.call(checked.operation, checked.input);
    return { status: answer.status, body: answer.document };
  }

  it('answers each request as dynalite’s HTTP handler does, in order', async () => {
    const differences: string[] = [];
    for (const [label, sent] of REQUESTS) {
      const expected = await viaHandler(sent);
      const actual = await viaEngine(sent);
      if (JSON.stringify(withoutTimes(actual)) !== JSON.stringify(withoutTimes(expected)))
        differences.push(`${label}: ${JSON.stringify(actual)} instead of ${JSON.stringify(expected)}`);
      // A new table is ACTIVE on dynalite's next timer, on both sides.
      if (sent.target?.endsWith('.CreateTable')) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(differences).toEqual([]);
  });

  it('says at start which data folder cannot be opened and why, when another store holds it', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'relance-dynalite-engine-'));
    const holder = new DynaliteEngine({ path: folder });
    await holder.open();
    try {
      const second = new DynaliteEngine({ path: folder });

      await expect(second.open()).rejects.toThrow(
        `the local DynamoDB's data at ${folder} could not be opened: it is in use`,
      );
    } finally {
      await holder.close();
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it('answers a request that made dynalite throw with an InternalServerError instead of crashing', async () => {
    // dynalite's handler rethrows what is not an API error (out of band, for the process to crash).
    const answer = await engine.call('GetItem', {
      get TableName(): string {
        throw new Error('unreadable input');
      },
    });

    expect(answer.status).toBe(500);
    expect(answer.document).toMatchObject({ __type: expect.stringContaining('InternalServerError') });
  });
});

describe('LocalDynamo with a body that is JSON but not an object', () => {
  let dynamo: LocalDynamo;

  beforeAll(async () => {
    dynamo = new LocalDynamo();
    await dynamo.start();
  });

  afterAll(async () => {
    await dynamo.close();
  });

  // dynalite's own handler throws on `null` out of band (its process would end); the others it refuses.
  it.each([
    ['null', 'SerializationException'],
    ['"text"', 'ValidationException'],
    ['5', 'ValidationException'],
    ['[1]', 'ValidationException'],
  ])('answers %s with a 400 %s', async (body, type) => {
    const answer = await dynamo.handle({
      method: 'POST',
      path: '/',
      query: new URLSearchParams(),
      headers: {
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': 'DynamoDB_20120810.PutItem',
        ...SIGNED,
      },
      body,
    });

    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body).__type).toMatch(new RegExp(`#${type}$`));
  });
});

function parsed(payload: string): unknown {
  try {
    return JSON.parse(payload);
  } catch {
    return payload;
  }
}

/** A document without what dynalite draws anew for each table (its id and creation time). */
function withoutTimes(answer: Answered): Answered {
  return JSON.parse(
    JSON.stringify(answer, (key, value) =>
      key === 'CreationDateTime' || key === 'TableId' ? undefined : value,
    ),
  ) as Answered;
}

// dynalite closed the LevelDB iterator of each Query and Scan with `iterator.return()`, which
// abstract-level's iterators do not have: each one stayed open among the database's resources
// with the snapshot it holds (a heap snapshot of a runtime with its tables on disk: 2,769 open
// iterators after 1,630 sign-ups and their journeys).
describe('DynaliteEngine queries and scans', () => {
  /** The resources (iterators) databases have attached and not yet detached. */
  const opened = new Set<unknown>();
  type Resources = { attachResource(resource: unknown): void; detachResource(resource: unknown): void };
  const prototype = AbstractLevel.prototype as unknown as Resources;
  const { attachResource, detachResource } = prototype;

  beforeAll(() => {
    // Every iterator an abstract-level database opens is attached to it, and detached when closed.
    prototype.attachResource = function (this: Resources, resource: unknown) {
      opened.add(resource);
      attachResource.call(this, resource);
    };
    prototype.detachResource = function (this: Resources, resource: unknown) {
      opened.delete(resource);
      detachResource.call(this, resource);
    };
  });

  afterAll(() => {
    prototype.attachResource = attachResource;
    prototype.detachResource = detachResource;
  });

  it.each([
    ['in memory', false],
    ['on disk', true],
  ])('closes the iterator of each query and scan once answered (%s)', async (_where, onDisk) => {
    const folder = onDisk ? mkdtempSync(join(tmpdir(), 'relance-dynalite-iterators-')) : undefined;
    const engine = new DynaliteEngine({ createTableMs: 0, ...(folder ? { path: folder } : {}) });
    try {
      await engine.open();
      const call = async (operation: string, input: Record<string, unknown>) => {
        const answer = await engine.call(operation, input);
        expect(answer.status, JSON.stringify(answer.document)).toBe(200);
        return answer.document;
      };
      await call('CreateTable', {
        TableName: 'runs',
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'S' },
        ],
        BillingMode: 'PAY_PER_REQUEST',
      });
      await vi.waitFor(async () =>
        expect(await call('DescribeTable', { TableName: 'runs' })).toMatchObject({
          Table: { TableStatus: 'ACTIVE' },
        }),
      );
      for (let n = 0; n < 5; n++)
        await call('PutItem', { TableName: 'runs', Item: { pk: { S: 'run' }, sk: { S: `step-${n}` } } });
      opened.clear();
      let attached = 0;
      const counting = prototype.attachResource;
      prototype.attachResource = function (this: Resources, resource: unknown) {
        attached++;
        counting.call(this, resource);
      };

      const query = {
        TableName: 'runs',
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': { S: 'run' } },
      };
      for (let n = 0; n < 10; n++) {
        expect(await call('Query', query)).toMatchObject({ Count: 5 });
        expect(await call('Query', { ...query, Limit: 1 })).toMatchObject({ Count: 1 });
        expect(await call('Scan', { TableName: 'runs', Limit: 2 })).toMatchObject({ Count: 2 });
      }

      prototype.attachResource = counting;
      expect(attached).toBeGreaterThanOrEqual(30);
      await vi.waitFor(() => expect(opened.size).toBe(0));
    } finally {
      await engine.close();
      if (folder) rmSync(folder, { recursive: true, force: true });
    }
  });
});
