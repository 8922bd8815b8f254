// The cost report says where a run's write units go, by table and request: the local DynamoDB
// keeps each write's units under its table and operation (a transaction's under each table it
// wrote, a failed conditional write's unit too), and the copies a write makes in a table's indexes
// under `index`. Their sum is the total it bills.
import { DynamoDBClient, PutItemCommand, TransactWriteItemsCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalDynamo } from '../../../local/aws/dynamodb.ts';
import type { LocalTable } from '../../../local/aws/template.ts';
import { startBilledDynamo } from '../../support/dynalite.ts';

const indexed: LocalTable = {
  logicalId: 'entries',
  name: 'entries',
  keySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
  attributeDefinitions: [
    { AttributeName: 'pk', AttributeType: 'S' },
    { AttributeName: 'owner', AttributeType: 'S' },
  ],
  globalSecondaryIndexes: [
    {
      IndexName: 'byOwner',
      KeySchema: [{ AttributeName: 'owner', KeyType: 'HASH' }],
      Projection: { ProjectionType: 'KEYS_ONLY' },
    },
  ],
};
const plain: LocalTable = {
  logicalId: 'counters',
  name: 'counters',
  keySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
  attributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
  globalSecondaryIndexes: [],
};

let dynamo: LocalDynamo;
let stop: () => Promise<void>;
let client: DynamoDBClient;

beforeAll(async () => {
  const started = await startBilledDynamo([indexed, plain]);
  ({ dynamo, stop } = started);
  client = new DynamoDBClient({
    endpoint: started.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
});

afterAll(async () => {
  client?.destroy();
  await stop?.();
});

describe('write units by table and request', () => {
  it('are each write’s, its index copies’, a transaction’s per table and a failed condition’s, adding up to the total', async () => {
    // Arrange
    const before = dynamo.units.write;
    const entry = { pk: { S: 'e-1' }, owner: { S: 'ada' } };

    // Act
    await client.send(new PutItemCommand({ TableName: 'entries', Item: entry }));
    await client
      .send(
        new PutItemCommand({
          TableName: 'entries',
          Item: entry,
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      )
      .catch((error: unknown) => expect((error as Error).name).toBe('ConditionalCheckFailedException'));
    await client.send(
      new TransactWriteItemsCommand({
        TransactItems: [
          { Put: { TableName: 'entries', Item: { pk: { S: 'e-2' }, owner: { S: 'ada' } } } },
          { Put: { TableName: 'counters', Item: { pk: { S: 'c-1' } } } },
        ],
      }),
    );

    // Assess
    expect(Object.fromEntries(dynamo.writeUnitsBy)).toEqual({
      'entries\tPutItem': 2,
      'entries\tindex': 2,
      'entries\tTransactWriteItems': 2,
      'counters\tTransactWriteItems': 2,
    });
    const sum = [...dynamo.writeUnitsBy.values()].reduce((a, b) => a + b, 0);
    expect(sum).toBe(dynamo.units.write - before);
  });
});
