// The local TransactWriteItems read every item before writing it and again after (for index
// billing, which only `npm run cost` turns on): a two-action transaction was six requests to
// dynalite, and the journeys write two per sign-up (a run entered, a message settled, each counted
// in the same transaction). Each write now answers with the item as it was (ALL_OLD): what a
// failure puts back; items are read again only when the caller wants them as written.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynaliteEngine } from '../../../local/aws/dynalite-engine.ts';
import { createEngineTable, engineTransactions } from '../../support/dynalite.ts';

const engine = new DynaliteEngine({ createTableMs: 0 });
const requests: string[] = [];
const transactions = engineTransactions(engine, { onRequest: (operation) => requests.push(operation) });

beforeAll(async () => {
  await engine.open();
  await createEngineTable(engine, 'runs');
  await engine.call('PutItem', { TableName: 'runs', Item: { pk: { S: 'run-1' }, step: { S: 'wait' } } });
  // The table's key names, read once per table and kept.
  await transactions.write({ TransactItems: [{ Put: { TableName: 'runs', Item: { pk: { S: 'warm' } } } }] });
});
afterAll(() => engine.close());

/** A run moved on and its journey's counter added to, as the journeys write them. */
const stepAndCount = (step: string) => ({
  TransactItems: [
    {
      Update: {
        TableName: 'runs',
        Key: { pk: { S: 'run-1' } },
        UpdateExpression: 'SET step = :step',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':step': { S: step } },
      },
    },
    {
      Update: {
        TableName: 'runs',
        Key: { pk: { S: 'COUNTS#day' } },
        UpdateExpression: 'ADD entered :one',
        ExpressionAttributeValues: { ':one': { N: '1' } },
      },
    },
  ],
});

const itemOf = async (pk: string) =>
  (await engine.call('GetItem', { TableName: 'runs', Key: { pk: { S: pk } }, ConsistentRead: true })).document
    .Item;

describe('the requests a local transaction makes of dynalite', () => {
  it('is one write per action when every condition holds', async () => {
    requests.length = 0;

    const { answer, written } = await transactions.write(stepAndCount('send'));

    expect(answer.status, answer.body).toBe(200);
    expect(requests).toEqual(['UpdateItem', 'UpdateItem']);
    expect(written).toEqual([]);
    expect(await itemOf('run-1')).toEqual({ pk: { S: 'run-1' }, step: { S: 'send' } });
  });

  it('reads the items as written, before and after, only when asked for them', async () => {
    requests.length = 0;

    const { written } = await transactions.write(stepAndCount('end'), { written: true });

    expect(requests).toEqual(['UpdateItem', 'UpdateItem', 'GetItem', 'GetItem']);
    expect(written[0]).toEqual({
      table: 'runs',
      before: { pk: { S: 'run-1' }, step: { S: 'send' } },
      after: { pk: { S: 'run-1' }, step: { S: 'end' } },
    });
    expect(written[1]?.after).toEqual({ pk: { S: 'COUNTS#day' }, entered: { N: '2' } });
  });

  it('puts back what it wrote, from the writes’ own answers, when a condition fails', async () => {
    requests.length = 0;
    const counted = await itemOf('COUNTS#day');

    const { answer } = await transactions.write({
      TransactItems: [
        ...stepAndCount('lost').TransactItems.slice(1),
        {
          Put: {
            TableName: 'runs',
            Item: { pk: { S: 'run-1' } },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
      ],
    });

    expect(answer.status).toBe(400);
    expect(requests).toEqual(['UpdateItem', 'PutItem', 'PutItem']);
    expect(await itemOf('COUNTS#day')).toEqual(counted);
    expect(await itemOf('run-1')).toEqual({ pk: { S: 'run-1' }, step: { S: 'end' } });
  });
});
