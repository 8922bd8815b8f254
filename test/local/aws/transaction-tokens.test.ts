// DynamoDB keeps a TransactWriteItems client token for ten minutes: the same request again within
// them succeeds without writing, after them it is a new request. The stand-in forgets expired tokens
// as transactions arrive, walking only the expired ones (it visited every token of the last ten
// minutes on every transaction: at 120 transactions a second, thousands each time), and keeps each
// token with a fingerprint of its request and, apart, its time, in the same order.
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

  it('forgets in order past the first thousand forgotten, each token with its own time', async () => {
    // Arrange: 3,000 tokens, one a millisecond.
    clock = 1_000 * MINUTE;
    for (let i = 0; i < 3_000; i++) {
      await increment(`many-${i}`, 'd');
      clock += 1;
    }

    // Act: the first 2,000 pass their ten minutes (the list of times is cut down past 1,024), then 500 more.
    const counts: number[] = [];
    const repeat = async (token: string) => {
      await increment(token, 'd');
      counts.push(await countOf('d'));
    };
    clock = 1_010 * MINUTE + 2_000;
    await repeat('many-1999');
    await repeat('many-2000');
    clock = 1_010 * MINUTE + 2_500;
    await repeat('many-2499');
    await repeat('many-2500');

    // Assess: a token is new again (counted) only once its own ten minutes are over.
    expect(counts).toEqual([3_001, 3_001, 3_002, 3_002]);
  });

  it('keeps a token run twice at once as one, so the tokens after it keep their own times', async () => {
    // Arrange: the same new token twice concurrently, then another token a minute later.
    clock = 2_000 * MINUTE;
    await Promise.all([increment('twice', 'f'), increment('twice', 'f')]);
    clock += MINUTE;
    await increment('a-minute-later', 'g');

    // Act: ten and a half minutes after the first, the second is still within its ten minutes.
    clock = 2_010 * MINUTE + 30_000;
    const repeat = await increment('a-minute-later', 'g');

    // Assess: a success that wrote nothing.
    expect(repeat.answer.status).toBe(200);
    expect(await countOf('g')).toBe(1);
  });
});
