// DynamoDB keeps a TransactWriteItems client token for ten minutes: the same request again within
// them succeeds without writing, after them it is a new request. The stand-in forgets expired tokens
// as transactions arrive, walking only the expired ones (it visited every token of the last ten
// minutes on every transaction: at 120 transactions a second, thousands each time).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynaliteEngine } from '../../../local/aws/dynalite-engine.ts';
import { createEngineTable, engineTransactions } from '../../support/dynalite.ts';

const MINUTE = 60_000;
const engine = new DynaliteEngine({ createTableMs: 0 });
let clock = 0;
const transactions = engineTransactions(engine, { nowMs: () => clock });

beforeAll(async () => {
  await engine.open();
  await createEngineTable(engine, 'counters');
});
afterAll(() => engine.close());

const increment = (token: string, pk: string) =>
  transactions.write({
    ClientRequestToken: token,
    TransactItems: [
      {
        Update: {
          TableName: 'counters',
          Key: { pk: { S: pk } },
          UpdateExpression: 'ADD n :one',
          ExpressionAttributeValues: { ':one': { N: '1' } },
        },
      },
    ],
  });

const countOf = async (pk: string) => {
  const answer = await engine.call('GetItem', { TableName: 'counters', Key: { pk: { S: pk } } });
  return Number((answer.document as { Item?: { n?: { N: string } } }).Item?.n?.N ?? 0);
};

describe('client tokens of TransactWriteItems', () => {
  it('make a repeat within ten minutes a success that writes nothing, and a new request after them', async () => {
    // Arrange
    clock = 0;

    // Act
    const first = await increment('token-a', 'a');
    clock = 9 * MINUTE;
    const repeated = await increment('token-a', 'a');
    const afterRepeat = await countOf('a');
    clock = 10 * MINUTE + 1;
    const late = await increment('token-a', 'a');

    // Assess
    expect([first.answer.status, repeated.answer.status, late.answer.status]).toEqual([200, 200, 200]);
    expect(repeated.written).toEqual([]);
    expect(afterRepeat).toBe(1);
    expect(await countOf('a')).toBe(2);
  });

  it('forgets each token at its own ten minutes, the earlier ones first', async () => {
    // Arrange: tokens used a minute apart.
    clock = 100 * MINUTE;
    for (let i = 0; i < 5; i++) {
      await increment(`minute-${i}`, 'b');
      clock += MINUTE;
    }

    // Act: 12 minutes after the first, the first two are past their ten minutes, the others not.
    clock = 112 * MINUTE;
    await increment('now', 'c');
    for (let i = 0; i < 5; i++) await increment(`minute-${i}`, 'b');

    // Assess: the first two counted again, the three still kept did not.
    expect(await countOf('b')).toBe(5 + 2);
  });
});
