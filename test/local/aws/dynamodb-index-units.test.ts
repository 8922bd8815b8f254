// DynamoDB bills a table write's index writes too: an item entering or leaving a GSI is one write
// there, a changed index key two, and a KEYS_ONLY index ignores changes to other attributes.
import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { indexWriteUnits, storedItemBytes } from '../../../local/aws/dynamodb.ts';

const byWake = {
  IndexName: 'byWake',
  KeySchema: [
    { AttributeName: 'wakeShard', KeyType: 'HASH' },
    { AttributeName: 'wakeAt', KeyType: 'RANGE' },
  ],
  Projection: { ProjectionType: 'KEYS_ONLY' },
};
const table = {
  keySchema: [
    { AttributeName: 'pk', KeyType: 'HASH' },
    { AttributeName: 'sk', KeyType: 'RANGE' },
  ],
  globalSecondaryIndexes: [byWake],
};
const run = { pk: { S: 'RUN#welcome' }, sk: { S: 'contact:1' }, status: { S: 'active' } };
const waiting = { ...run, status: { S: 'waiting' }, wakeShard: { S: 'WAKE#1' }, wakeAt: { S: '2026-03-04' } };

describe('index write units', () => {
  it('bills one write when an item enters or leaves a sparse index, none while it stays out', () => {
    expect(indexWriteUnits(table, run, waiting)).toBe(1);
    expect(indexWriteUnits(table, waiting, run)).toBe(1);
    expect(indexWriteUnits(table, run, { ...run, status: { S: 'ended' } })).toBe(0);
    expect(indexWriteUnits(table, undefined, run)).toBe(0);
  });

  it('bills two writes for a changed index key, none for another attribute under KEYS_ONLY', () => {
    expect(indexWriteUnits(table, waiting, { ...waiting, wakeAt: { S: '2026-03-09' } })).toBe(2);
    expect(indexWriteUnits(table, waiting, { ...waiting, status: { S: 'stalled' } })).toBe(0);
  });

  it('bills a changed projected attribute once under ALL, by the item size per KB', () => {
    const all = {
      ...table,
      globalSecondaryIndexes: [{ ...byWake, Projection: { ProjectionType: 'ALL' } }],
    };
    expect(indexWriteUnits(all, waiting, { ...waiting, status: { S: 'stalled' } })).toBe(1);
    const big = { ...waiting, history: { S: 'x'.repeat(2500) } };
    expect(indexWriteUnits(all, undefined, big)).toBe(3);
  });
});

describe('stored item bytes', () => {
  it('bills an item with 100 bytes of overhead, plus its projection and 100 bytes in each index it is in', () => {
    // pk(2)+11, sk(2)+9, status(6)+6 = 36 bytes of attributes.
    expect(storedItemBytes(table, run)).toBe(36 + 100);
    // In the KEYS_ONLY wake index: the table and index keys only, with their own overhead.
    const keysOnly = 'pkRUN#welcomeskcontact:1wakeShardWAKE#1wakeAt2026-03-04'.length;
    // Its status is 'waiting': one byte more than 'active'.
    expect(storedItemBytes(table, waiting)).toBe(
      37 + 'wakeShardWAKE#1wakeAt2026-03-04'.length + 100 + keysOnly + 100,
    );
  });
});

describe('stored byte-months by item', () => {
  it('values each item by table and key, until its TTL or for the horizon', async () => {
    // Prepare
    const { LocalDynamo } = await import('../../../local/aws/dynamodb.ts');
    const { serveAws } = await import('../../../local/aws/http-adapter.ts');
    const dynamo = new LocalDynamo();
    await dynamo.start();
    const served = await serveAws((req) => dynamo.handle(req), { host: '127.0.0.1', port: 0 });
    try {
      const ledger = {
        logicalId: 'Ledger',
        name: 'ledger',
        keySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        attributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        globalSecondaryIndexes: [],
        ttlAttribute: 'expiresAt',
      };
      await dynamo.createTables(served.url, [ledger]);
      const nowMs = Date.parse('2026-03-02T00:00:00Z');
      const month = 30.4 * 86_400;
      const expiring = { pk: { S: 'A' }, expiresAt: { N: String(nowMs / 1000 + 2 * month) } };
      const kept = { pk: { S: 'B' } };
      const client = new DynamoDBClient({
        endpoint: served.url,
        region: 'us-east-1',
        credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      });
      for (const Item of [expiring, kept])
        await client.send(new PutItemCommand({ TableName: 'ledger', Item }));
      client.destroy();

      // Act
      const stored = await dynamo.storedByteMonthsByItem([ledger], nowMs, 13);

      // Assess: A for its 2 months left, B (no TTL) for the 13-month horizon.
      expect([...stored.keys()].sort()).toEqual(['ledger [{"S":"A"}]', 'ledger [{"S":"B"}]']);
      expect(stored.get('ledger [{"S":"A"}]')).toBeCloseTo(storedItemBytes(ledger, expiring) * 2, 6);
      expect(stored.get('ledger [{"S":"B"}]')).toBeCloseTo(storedItemBytes(ledger, kept) * 13, 6);
    } finally {
      await served.close();
      await dynamo.close();
    }
  });
});
