// The local DynamoDB counts the capacity dynalite reports for every request (the cost report's read
// and write units) and answers a caller that did not ask for ConsumedCapacity without it, as
// DynamoDB does.
import {
  BatchWriteItemCommand,
  CreateTableCommand,
  DynamoDBClient,
  GetItemCommand,
  ScanCommand,
} from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalDynamo } from '../../../local/aws/dynamodb.ts';
import { type ServedAws, serveAws } from '../../../local/aws/http-adapter.ts';

describe('LocalDynamo capacity', () => {
  let dynamo: LocalDynamo;
  let served: ServedAws;
  let client: DynamoDBClient;

  beforeAll(async () => {
    dynamo = new LocalDynamo();
    await dynamo.start();
    served = await serveAws((req) => dynamo.handle(req), { host: '127.0.0.1', port: 0 });
    client = new DynamoDBClient({
      endpoint: served.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
    await client.send(
      new CreateTableCommand({
        TableName: 'capacity',
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    // 100 items of ~3 KB: a page of them is ~300 KB.
    for (let batch = 0; batch < 4; batch++) {
      await client.send(
        new BatchWriteItemCommand({
          RequestItems: {
            capacity: Array.from({ length: 25 }, (_, i) => ({
              PutRequest: {
                Item: { pk: { S: `item-${batch}-${i}` }, blob: { S: 'x'.repeat(3000) } },
              },
            })),
          },
        }),
      );
    }
  });

  afterAll(async () => {
    client.destroy();
    await served.close();
    await dynamo.close();
  });

  /** One item of ~3 KB, read consistently: one read unit. */
  const readFirstItem = (capacity: 'TOTAL' | 'NONE') =>
    client.send(
      new GetItemCommand({
        TableName: 'capacity',
        Key: { pk: { S: 'item-0-0' } },
        ConsistentRead: true,
        ReturnConsumedCapacity: capacity,
      }),
    );

  it('counts the units of a large scan page and answers without them when not asked', async () => {
    const before = dynamo.units.read;

    const page = await client.send(new ScanCommand({ TableName: 'capacity' }));

    // 100 items of ~3 KB in one page: ~300 KB, eventually consistent (0.5 per 4 KB).
    expect(page.Count).toBe(100);
    expect(page.ConsumedCapacity).toBeUndefined();
    expect(dynamo.units.read - before).toBeGreaterThanOrEqual(36);
    expect(dynamo.units.read - before).toBeLessThanOrEqual(40);
  });

  it('answers with the units when asked, and counts them once', async () => {
    const before = dynamo.units.read;

    const page = await client.send(
      new ScanCommand({ TableName: 'capacity', ReturnConsumedCapacity: 'TOTAL' }),
    );
    const item = await readFirstItem('TOTAL');

    expect(item.ConsumedCapacity?.CapacityUnits).toBe(1);
    expect(dynamo.units.read - before).toBe((page.ConsumedCapacity?.CapacityUnits ?? Number.NaN) + 1);
  });

  it('counts the units of a request that asked for none (NONE), and answers without them', async () => {
    const before = dynamo.units.read;

    const item = await readFirstItem('NONE');

    // DynamoDB bills the read whatever the caller asked to be told.
    expect(item.Item?.pk?.S).toBe('item-0-0');
    expect(item.ConsumedCapacity).toBeUndefined();
    expect(dynamo.units.read - before).toBe(1);
  });
});
