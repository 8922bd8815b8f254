// DynamoDB bills a table write's index writes too: an item entering or leaving a GSI is one write
// there, a changed index key two, and a KEYS_ONLY index ignores changes to other attributes.
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
