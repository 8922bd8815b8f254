// The local DynamoDB's TransactWriteItems against DynamoDB's documented behaviour (API reference,
// TransactWriteItems; developer guide, "Amazon DynamoDB Transactions"), through the real SDK.
import {
  DynamoDBClient,
  TransactionCanceledException,
  TransactWriteItemsCommand,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalDynamo, startDynalite } from '../../support/dynalite.ts';

let local: LocalDynamo;
let documents: DynamoDBDocumentClient;
let raw: DynamoDBClient;

beforeAll(async () => {
  local = await startDynalite();
  raw = new DynamoDBClient({
    endpoint: local.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
  documents = DynamoDBDocumentClient.from(raw);
  await local.createTable('accounts');
  await local.createTable('ledger', { sortKey: false });
});

afterAll(async () => {
  raw?.destroy();
  await local?.stop();
});

const get = async (TableName: string, Key: Record<string, string>) =>
  (await documents.send(new GetCommand({ TableName, Key, ConsistentRead: true }))).Item;

/** Moves `amount` from one account to another, if the first holds enough; records it in the ledger. */
const transfer = (id: string, from: string, to: string, amount: number) =>
  new TransactWriteCommand({
    TransactItems: [
      {
        Update: {
          TableName: 'accounts',
          Key: { pk: from, sk: 'balance' },
          UpdateExpression: 'ADD amount :minus',
          ConditionExpression: 'amount >= :amount',
          ExpressionAttributeValues: { ':minus': -amount, ':amount': amount },
        },
      },
      {
        Update: {
          TableName: 'accounts',
          Key: { pk: to, sk: 'balance' },
          UpdateExpression: 'ADD amount :amount',
          ExpressionAttributeValues: { ':amount': amount },
        },
      },
      {
        Put: {
          TableName: 'ledger',
          Item: { pk: id, from, to, amount },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
    ],
  });

describe('TransactWriteItems on the local DynamoDB', () => {
  it('writes every action across tables when every condition holds', async () => {
    await documents.send(
      new PutCommand({ TableName: 'accounts', Item: { pk: 'ana', sk: 'balance', amount: 10 } }),
    );
    await documents.send(transfer('t1', 'ana', 'ben', 4));
    expect((await get('accounts', { pk: 'ana', sk: 'balance' }))?.amount).toBe(6);
    expect((await get('accounts', { pk: 'ben', sk: 'balance' }))?.amount).toBe(4);
    expect(await get('ledger', { pk: 't1' })).toEqual({ pk: 't1', from: 'ana', to: 'ben', amount: 4 });
  });

  it('writes nothing when one condition fails, and gives one cancellation reason per action in order', async () => {
    await documents.send(
      new PutCommand({ TableName: 'accounts', Item: { pk: 'cy', sk: 'balance', amount: 1 } }),
    );
    const failure = await documents.send(transfer('t2', 'cy', 'dee', 5)).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(TransactionCanceledException);
    const reasons = (failure as TransactionCanceledException).CancellationReasons;
    expect(reasons?.map((r) => r.Code)).toEqual(['ConditionalCheckFailed', 'None', 'None']);
    expect((failure as Error).message).toContain('[ConditionalCheckFailed, None, None]');
    expect((await get('accounts', { pk: 'cy', sk: 'balance' }))?.amount).toBe(1);
    expect(await get('accounts', { pk: 'dee', sk: 'balance' })).toBeUndefined();
    expect(await get('ledger', { pk: 't2' })).toBeUndefined();
  });

  it('reports every failing action, and the item when asked for ALL_OLD', async () => {
    await documents.send(new PutCommand({ TableName: 'ledger', Item: { pk: 't3', note: 'taken' } }));
    await documents.send(
      new PutCommand({ TableName: 'accounts', Item: { pk: 'eve', sk: 'balance', amount: 0 } }),
    );
    const failure = (await documents
      .send(
        new TransactWriteCommand({
          TransactItems: [
            {
              ConditionCheck: {
                TableName: 'accounts',
                Key: { pk: 'eve', sk: 'balance' },
                ConditionExpression: 'amount > :zero',
                ExpressionAttributeValues: { ':zero': 0 },
              },
            },
            {
              Put: {
                TableName: 'ledger',
                Item: { pk: 't3', note: 'again' },
                ConditionExpression: 'attribute_not_exists(pk)',
                ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
              },
            },
          ],
        }),
      )
      .catch((error: unknown) => error)) as TransactionCanceledException;
    expect(failure.name).toBe('TransactionCanceledException');
    expect(failure.CancellationReasons?.map((r) => r.Code)).toEqual([
      'ConditionalCheckFailed',
      'ConditionalCheckFailed',
    ]);
    expect(failure.CancellationReasons?.[1]?.Item).toEqual({ pk: { S: 't3' }, note: { S: 'taken' } });
    expect(failure.CancellationReasons?.[0]?.Item).toBeUndefined();
    expect((await get('ledger', { pk: 't3' }))?.note).toBe('taken');
  });

  it('puts back items it had changed, attribute for attribute, when a later action fails', async () => {
    const before = { pk: 'jo', sk: 'balance', amount: 30, owner: 'Jo', tags: new Set(['vip']) };
    await documents.send(new PutCommand({ TableName: 'accounts', Item: before }));
    await documents.send(new PutCommand({ TableName: 'ledger', Item: { pk: 't8', note: 'taken' } }));

    // Act: the debit (an update of an existing item) and the credit are written, then the ledger's
    // condition fails.
    const failure = await documents.send(transfer('t8', 'jo', 'kim', 10)).catch((error: unknown) => error);

    // Assert
    expect((failure as TransactionCanceledException).CancellationReasons?.map((r) => r.Code)).toEqual([
      'None',
      'None',
      'ConditionalCheckFailed',
    ]);
    expect(await get('accounts', { pk: 'jo', sk: 'balance' })).toEqual(before);
    expect(await get('accounts', { pk: 'kim', sk: 'balance' })).toBeUndefined();
    expect(await get('ledger', { pk: 't8' })).toEqual({ pk: 't8', note: 'taken' });
  });

  it('leaves an existing item as it was after a condition check', async () => {
    const item = { pk: 'lou', sk: 'balance', amount: 3 };
    await documents.send(new PutCommand({ TableName: 'accounts', Item: item }));
    await documents.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            ConditionCheck: {
              TableName: 'accounts',
              Key: { pk: 'lou', sk: 'balance' },
              ConditionExpression: 'amount > :zero',
              ExpressionAttributeValues: { ':zero': 0 },
            },
          },
          { Put: { TableName: 'ledger', Item: { pk: 't9' } } },
        ],
      }),
    );
    expect(await get('accounts', { pk: 'lou', sk: 'balance' })).toEqual(item);
    expect(await get('ledger', { pk: 't9' })).toEqual({ pk: 't9' });
  });

  it('changes nothing with a condition check that holds, and never creates its item', async () => {
    await documents.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            ConditionCheck: {
              TableName: 'accounts',
              Key: { pk: 'nobody', sk: 'balance' },
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          },
          { Put: { TableName: 'ledger', Item: { pk: 't4' } } },
        ],
      }),
    );
    expect(await get('accounts', { pk: 'nobody', sk: 'balance' })).toBeUndefined();
    expect(await get('ledger', { pk: 't4' })).toEqual({ pk: 't4' });
  });

  it('refuses two actions on one item, and more than 100 actions, with a ValidationException', async () => {
    const twice = await documents
      .send(
        new TransactWriteCommand({
          TransactItems: [
            { Put: { TableName: 'ledger', Item: { pk: 't5' } } },
            { Delete: { TableName: 'ledger', Key: { pk: 't5' } } },
          ],
        }),
      )
      .catch((error: unknown) => error);
    expect((twice as Error).name).toBe('ValidationException');
    expect((twice as Error).message).toContain('multiple operations on one item');
    const many = await documents
      .send(
        new TransactWriteCommand({
          TransactItems: Array.from({ length: 101 }, (_, i) => ({
            Put: { TableName: 'ledger', Item: { pk: `m${i}` } },
          })),
        }),
      )
      .catch((error: unknown) => error);
    expect((many as Error).name).toBe('ValidationException');
    expect(await get('ledger', { pk: 't5' })).toBeUndefined();
    expect(await get('ledger', { pk: 'm0' })).toBeUndefined();
  });

  it('succeeds without writing again when a request is repeated with its client token', async () => {
    await documents.send(
      new PutCommand({ TableName: 'accounts', Item: { pk: 'fay', sk: 'balance', amount: 10 } }),
    );
    const command = () =>
      new TransactWriteItemsCommand({
        ClientRequestToken: 'token-1',
        TransactItems: [
          {
            Update: {
              TableName: 'accounts',
              Key: { pk: { S: 'fay' }, sk: { S: 'balance' } },
              UpdateExpression: 'ADD amount :one',
              ExpressionAttributeValues: { ':one': { N: '1' } },
            },
          },
        ],
      });
    await raw.send(command());
    await raw.send(command());
    expect((await get('accounts', { pk: 'fay', sk: 'balance' }))?.amount).toBe(11);
    const other = await raw
      .send(
        new TransactWriteItemsCommand({
          ClientRequestToken: 'token-1',
          TransactItems: [{ Put: { TableName: 'ledger', Item: { pk: { S: 't6' } } } }],
        }),
      )
      .catch((error: unknown) => error);
    expect((other as Error).name).toBe('IdempotentParameterMismatchException');
  });

  it('bills two write units per action and KB', async () => {
    const answer = await documents.send(
      new TransactWriteCommand({
        TransactItems: [
          { Put: { TableName: 'ledger', Item: { pk: 't7' } } },
          { Put: { TableName: 'accounts', Item: { pk: 'gus', sk: 'balance', note: 'x'.repeat(1500) } } },
        ],
        ReturnConsumedCapacity: 'TOTAL',
      }),
    );
    const units = Object.fromEntries(
      (answer.ConsumedCapacity ?? []).map((c) => [c.TableName, c.CapacityUnits]),
    );
    expect(units).toEqual({ ledger: 2, accounts: 4 });
  });

  it('keeps concurrent transfers isolated: the balances always add up', async () => {
    await documents.send(
      new PutCommand({ TableName: 'accounts', Item: { pk: 'hal', sk: 'balance', amount: 50 } }),
    );
    await documents.send(
      new PutCommand({ TableName: 'accounts', Item: { pk: 'ida', sk: 'balance', amount: 50 } }),
    );
    const moves = Array.from({ length: 40 }, (_, i) =>
      documents
        .send(i % 2 ? transfer(`c${i}`, 'hal', 'ida', 7) : transfer(`c${i}`, 'ida', 'hal', 5))
        .then(() => true)
        .catch((error: unknown) => {
          if ((error as Error).name !== 'TransactionCanceledException') throw error;
          return false;
        }),
    );
    const applied = await Promise.all(moves);
    const hal = (await get('accounts', { pk: 'hal', sk: 'balance' }))?.amount as number;
    const ida = (await get('accounts', { pk: 'ida', sk: 'balance' }))?.amount as number;
    expect(hal + ida).toBe(100);
    expect(hal).toBeGreaterThanOrEqual(0);
    expect(ida).toBeGreaterThanOrEqual(0);
    const recorded = await Promise.all(applied.map((_, i) => get('ledger', { pk: `c${i}` })));
    expect(recorded.map((item) => item !== undefined)).toEqual(applied);
  });
});
