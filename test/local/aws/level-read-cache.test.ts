// With its tables on disk (`npm start`) the local runtime ran at half its in-memory rate, most of
// the difference in LevelDB's reads. Recent items are now answered from memory, and a read must
// still give what LevelDB would: these cases drive the cache over a database whose operations end
// when the test says, to reproduce the orders where a cache goes stale (a read finishing after a
// delete, a write ending after a later one), then run DynamoDB requests on the real LevelDB.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DynaliteEngine } from '../../../local/aws/dynalite-engine.ts';
import { cacheRecentReads } from '../../../local/aws/level-read-cache.ts';

const UTF8 = { valueEncoding: 'utf8' };

/** A database's private API over a map; each operation takes effect when the test ends it. */
class HeldDatabase {
  readonly stored = new Map<string, string>();
  readonly reads: string[] = [];
  private readonly held: Array<() => void> = [];
  /** Operations end at once unless held. */
  holding = false;
  /** Writes take effect when called rather than when ended (their answers may still come late). */
  writesTakeEffectWhenCalled = false;

  private async later<T>(effect: () => T): Promise<T> {
    if (this.holding) await new Promise<void>((resolve) => this.held.push(resolve));
    return effect();
  }

  private async write(effect: () => void): Promise<void> {
    if (!this.writesTakeEffectWhenCalled) return this.later(effect);
    effect();
    await this.later(() => undefined);
  }

  /** Ends the held operation at `index` (0: the first held still pending). */
  release(index = 0): void {
    const [resolve] = this.held.splice(index, 1);
    resolve?.();
  }

  /** Reads when called, answers when ended: LevelDB's thread pool may answer after a later write. */
  async _get(key: string, _options?: unknown): Promise<string | undefined> {
    this.reads.push(key);
    const value = this.stored.get(key);
    return this.later(() => value);
  }
  async _put(key: string, value: string, _options?: unknown): Promise<void> {
    await this.write(() => {
      if (value === 'fail') throw new Error('write failed');
      this.stored.set(key, value);
    });
  }
  async _del(key: string, _options?: unknown): Promise<void> {
    await this.write(() => this.stored.delete(key));
  }
  async _batch(
    operations: ReadonlyArray<{ type: string; key: string; value?: string }>,
    _options?: unknown,
  ): Promise<void> {
    await this.write(() => {
      for (const op of operations) {
        if (op.type === 'put') this.stored.set(op.key, op.value ?? '');
        else this.stored.delete(op.key);
      }
    });
  }
  async _clear(_options?: unknown): Promise<void> {
    await this.write(() => this.stored.clear());
  }
}

/** As abstract-level's base class: its chained batch is made of `_batch`. */
class AbstractBase extends HeldDatabase {
  _chainedBatch(): unknown {
    const operations: Array<{ type: string; key: string; value?: string }> = [];
    return {
      put: (key: string, value: string) => operations.push({ type: 'put', key, value }),
      write: () => this._batch(operations),
    };
  }
}
class NativeDatabase extends AbstractBase {
  override _chainedBatch(): unknown {
    throw new Error('a native chained batch, past _batch');
  }
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

describe('the read cache in front of LevelDB', () => {
  it('answers a read after a write from memory, with the value written', async () => {
    // Prepare
    const db = new NativeDatabase();
    const cache = cacheRecentReads(db);

    // Act
    await db._put('a', 'one', UTF8);
    const value = await db._get('a', UTF8);

    // Assess
    expect(value).toBe('one');
    expect(db.reads).toEqual([]);
    expect(cache.hits).toBe(1);
  });

  it('does not put back the old value of a read that finishes after a delete', async () => {
    // Prepare
    const db = new NativeDatabase();
    cacheRecentReads(db);
    db.stored.set('a', 'old');
    db.holding = true;

    // Act: the read reaches LevelDB first, the delete ends, then the read answers the old value.
    const read = db._get('a', UTF8);
    await flush();
    const deleted = db._del('a', UTF8);
    await flush();
    db.release(1);
    await deleted;
    db.release(0);
    const first = await read;
    db.holding = false;
    const after = await db._get('a', UTF8);

    // Assess
    expect(first).toBe('old');
    expect(after).toBeUndefined();
    expect(db.reads).toEqual(['a', 'a']);
  });

  it('keeps nothing from a read begun while a write of its key was under way', async () => {
    // Prepare
    const db = new NativeDatabase();
    cacheRecentReads(db);
    db.stored.set('a', 'old');
    db.holding = true;

    // Act: the write is under way when the read reaches LevelDB; the write ends, then the read
    // answers the old value it read.
    const written = db._put('a', 'new', UTF8);
    await flush();
    const read = db._get('a', UTF8);
    await flush();
    db.release(0);
    await written;
    db.release(0);
    const during = await read;
    db.holding = false;
    const after = await db._get('a', UTF8);

    // Assess
    expect(during).toBe('old');
    expect(after).toBe('new');
  });

  it('remembers neither of two overlapping writes of a key: LevelDB may apply them in either order', async () => {
    // Prepare
    const db = new NativeDatabase();
    cacheRecentReads(db);
    db.holding = true;

    // Act
    const first = db._put('a', 'first', UTF8);
    const second = db._put('a', 'second', UTF8);
    await flush();
    db.release(1);
    await second;
    db.release(0);
    await first;
    db.holding = false;
    db.reads.length = 0;
    const value = await db._get('a', UTF8);

    // Assess: nothing cached; the read went to the database, which has what it applied last.
    expect(value).toBe(db.stored.get('a'));
    expect(db.reads).toEqual(['a']);
  });

  it('forgets a key whose write failed', async () => {
    // Prepare
    const db = new NativeDatabase();
    cacheRecentReads(db);
    await db._put('a', 'one', UTF8);

    // Act
    await expect(db._put('a', 'fail', UTF8)).rejects.toThrow('write failed');
    const value = await db._get('a', UTF8);

    // Assess
    expect(value).toBe('one');
    expect(db.reads).toEqual(['a']);
  });

  it('applies a batch: puts kept, deletes dropped, a key written twice as its last operation', async () => {
    // Prepare
    const db = new NativeDatabase();
    cacheRecentReads(db);
    await db._put('gone', 'x', UTF8);

    // Act
    await db._batch(
      [
        { type: 'put', key: 'a', value: 'one' },
        { type: 'put', key: 'a', value: 'two' },
        { type: 'del', key: 'gone' },
      ],
      UTF8,
    );

    // Assess
    expect(await db._get('a', UTF8)).toBe('two');
    expect(await db._get('gone', UTF8)).toBeUndefined();
    expect(db.reads).toEqual(['gone']);
  });

  it('makes chained batches of its own _batch, not the database’s native ones', async () => {
    // Prepare
    const db = new NativeDatabase();
    cacheRecentReads(db);
    await db._put('a', 'old', UTF8);

    // Act
    const chained = db._chainedBatch() as { put(k: string, v: string): void; write(): Promise<void> };
    chained.put('a', 'new');
    await chained.write();

    // Assess
    expect(await db._get('a', UTF8)).toBe('new');
  });

  it('holds at most its capacity, dropping the least recently used', async () => {
    // Prepare
    const db = new NativeDatabase();
    const cache = cacheRecentReads(db, 3);

    // Act
    for (const key of ['a', 'b', 'c']) await db._put(key, key, UTF8);
    await db._get('a', UTF8);
    await db._put('d', 'd', UTF8);
    await db._get('b', UTF8);

    // Assess: b, the least recently used, went; a stayed.
    expect(cache.size).toBe(3);
    expect(db.reads).toEqual(['b']);
  });

  it('sends to the database a read with a snapshot or in another encoding, and forgets everything on a clear', async () => {
    // Prepare
    const db = new NativeDatabase();
    cacheRecentReads(db);
    await db._put('a', 'one', UTF8);

    // Act
    await db._get('a', { valueEncoding: 'view' });
    await db._get('a', { ...UTF8, snapshot: {} } as never);
    await db._clear({});
    const cleared = await db._get('a', UTF8);

    // Assess
    expect(db.reads).toEqual(['a', 'a', 'a']);
    expect(cleared).toBeUndefined();
  });
  it('remembers no write that was under way across a clear (it may land before or after it)', async () => {
    // Prepare
    const db = new NativeDatabase();
    cacheRecentReads(db);
    db.holding = true;
    db.writesTakeEffectWhenCalled = true;

    // Act: the write lands, the clear lands after it; the clear answers first, then the write.
    const written = db._put('a', 'one', UTF8);
    await flush();
    const cleared = db._clear({});
    await flush();
    db.release(1);
    await cleared;
    db.release(0);
    await written;
    db.holding = false;
    const value = await db._get('a', UTF8);

    // Assess: read from the database, where the clear came last.
    expect(value).toBeUndefined();
    expect(db.reads).toEqual(['a']);
  });
});

describe('DynamoDB requests with the tables on disk', () => {
  let dir: string | undefined;
  let engine: DynaliteEngine | undefined;
  afterEach(async () => {
    await engine?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
    engine = undefined;
    dir = undefined;
  });

  it('read what was written, updated and deleted, interleaved over many items, with reads from memory', async () => {
    // Prepare
    dir = mkdtempSync(join(tmpdir(), 'relance-read-cache-'));
    engine = new DynaliteEngine({ path: join(dir, 'dynamodb'), createTableMs: 0 });
    await engine.open();
    const call = async (operation: string, input: Record<string, unknown>) => {
      const answer = await (engine as DynaliteEngine).call(operation, input);
      expect(answer.status, JSON.stringify(answer.document)).toBe(200);
      return answer.document;
    };
    await call('CreateTable', {
      TableName: 'things',
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
    });
    // dynalite makes a table ACTIVE on a timer, even with no delay.
    await vi.waitFor(async () => {
      const { Table } = (await call('DescribeTable', { TableName: 'things' })) as {
        Table: { TableStatus: string };
      };
      expect(Table.TableStatus).toBe('ACTIVE');
    });
    const key = (i: number) => ({ pk: { S: `item-${i}` } });
    const count = async (i: number) =>
      (await call('GetItem', { TableName: 'things', Key: key(i), ConsistentRead: true })).Item as
        | { n?: { N: string } }
        | undefined;

    // Act: each item's requests in order, the items' requests interleaved.
    const seen = await Promise.all(
      Array.from({ length: 40 }, async (_, i) => {
        await call('PutItem', { TableName: 'things', Item: { ...key(i), n: { N: '1' } } });
        const put = (await count(i))?.n?.N;
        await call('UpdateItem', {
          TableName: 'things',
          Key: key(i),
          UpdateExpression: 'ADD n :one',
          ExpressionAttributeValues: { ':one': { N: '1' } },
        });
        const updated = (await count(i))?.n?.N;
        await call('DeleteItem', { TableName: 'things', Key: key(i) });
        const deleted = await count(i);
        return { put, updated, deleted };
      }),
    );

    // Assess
    for (const item of seen) expect(item).toEqual({ put: '1', updated: '2', deleted: undefined });
    expect(engine.readCache?.hits).toBeGreaterThan(0);
  });
});
