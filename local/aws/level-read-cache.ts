/**
 * Recent reads of the on-disk tables answered from memory. With its tables on disk (`npm start`),
 * the local runtime ran at about half its in-memory rate, most of the difference in LevelDB's reads
 * through its native binding, and most reads are of items just written (a run's item, a contact, a
 * ledger entry read back by the next step). This keeps the last items written or read, as the
 * encoded strings LevelDB stores, in front of abstract-level's private API (`_get`, `_put`, `_del`,
 * `_batch`, `_clear`), which every public read and write of the database goes through.
 *
 * A read answered here is one LevelDB would give: an entry is dropped when a write of its key
 * begins and set from the write once it has ended, unless another write of the key overlapped it
 * (LevelDB's thread pool may apply two writes in either order, so neither is remembered); a read
 * from LevelDB is kept only when no write of any key began while it ran and none of its key was
 * under way when it began (so a read that finishes after a delete cannot put the old item back).
 * Chained batches are made of the same `_batch`; a read with a snapshot, or in another encoding than
 * the strings cached, goes to LevelDB.
 */

type Options = { readonly valueEncoding?: unknown; readonly snapshot?: unknown };
type Operation = { readonly type: string; readonly key: unknown; readonly value?: unknown };

/** The private API abstract-level's public methods call, as a database implements it. */
interface LevelPrivateApi {
  _get(key: unknown, options: Options): Promise<unknown>;
  _put(key: unknown, value: unknown, options: Options): Promise<void>;
  _del(key: unknown, options: Options): Promise<void>;
  _batch(operations: readonly Operation[], options: Options): Promise<void>;
  _clear(options: Options): Promise<void>;
  _chainedBatch(): unknown;
}

/**
 * Enough for the items of the work in flight (the benchmark's 64 sign-ups at a time, a handful of
 * items each), about a megabyte. With 4,096 the heap a handled sign-up leaves (measured after a
 * warm-up, the cache full) was about 500 bytes higher: what the entries held moved with what was
 * cached. With 1,024, within the measure's noise of no cache.
 */
export const READ_CACHE_ENTRIES = 1024;

export interface ReadCache {
  /** Reads answered from memory, and reads that went to LevelDB. */
  readonly hits: number;
  readonly misses: number;
  /** Entries held (at most the capacity). */
  readonly size: number;
}

/** Installs the cache on `db` (an abstract-level database); returns its counts. */
export function cacheRecentReads(db: object, capacity = READ_CACHE_ENTRIES): ReadCache {
  const level = db as LevelPrivateApi;
  const read = level._get.bind(level);
  const put = level._put.bind(level);
  const del = level._del.bind(level);
  const batch = level._batch.bind(level);
  const clear = level._clear.bind(level);

  /** Key -> encoded value, least recently used first. */
  const entries = new Map<string, string>();
  /** The keys being written: how many writes of each are under way, and whether any two overlapped. */
  const writing = new Map<string, { underWay: number; overlapped: boolean }>();
  let writesBegun = 0;
  const counts = { hits: 0, misses: 0 };

  const remember = (key: string, value: string) => {
    entries.delete(key);
    entries.set(key, value);
    if (entries.size > capacity) entries.delete(entries.keys().next().value as string);
  };
  const begin = (key: unknown): void => {
    writesBegun++;
    if (typeof key !== 'string') {
      // Keys are strings in every database the runtime opens; another one still must not go stale.
      entries.clear();
      return;
    }
    entries.delete(key);
    const under = writing.get(key);
    if (under) {
      under.underWay++;
      under.overlapped = true;
    } else writing.set(key, { underWay: 1, overlapped: false });
  };
  /** A write has ended: `value` is the key's value now (undefined: deleted, or unknown after a failure). */
  const end = (key: unknown, value: unknown) => {
    const under = typeof key === 'string' ? writing.get(key) : undefined;
    if (typeof key !== 'string' || !under) return;
    if (--under.underWay > 0) return;
    writing.delete(key);
    if (!under.overlapped && typeof value === 'string') remember(key, value);
  };
  const cacheable = (key: unknown, options: Options): key is string =>
    typeof key === 'string' && options.valueEncoding === 'utf8' && options.snapshot === undefined;

  level._get = async (key, options) => {
    if (!cacheable(key, options)) return read(key, options);
    const cached = entries.get(key);
    if (cached !== undefined) {
      counts.hits++;
      remember(key, cached);
      return cached;
    }
    counts.misses++;
    const begun = writesBegun;
    const quiet = !writing.has(key);
    const value = await read(key, options);
    if (quiet && begun === writesBegun && typeof value === 'string') remember(key, value);
    return value;
  };
  level._put = async (key, value, options) => {
    begin(key);
    let written = false;
    try {
      await put(key, value, options);
      written = true;
    } finally {
      end(key, written ? value : undefined);
    }
  };
  level._del = async (key, options) => {
    begin(key);
    try {
      await del(key, options);
    } finally {
      end(key, undefined);
    }
  };
  level._batch = async (operations, options) => {
    // A key a batch writes twice is its last operation's: one write of it, not two that overlap.
    const last = new Map<unknown, Operation>();
    for (const operation of operations) last.set(operation.key, operation);
    for (const key of last.keys()) begin(key);
    let written = false;
    try {
      await batch(operations, options);
      written = true;
    } finally {
      for (const [key, operation] of last)
        end(key, written && operation.type === 'put' ? operation.value : undefined);
    }
  };
  level._clear = async (options) => {
    writesBegun++;
    entries.clear();
    // Writes under way may land before or after the clear: none of them is remembered.
    for (const under of writing.values()) under.overlapped = true;
    try {
      await clear(options);
    } finally {
      entries.clear();
    }
  };
  // A native chained batch would write past `_batch`; abstract-level's own is made of it.
  level._chainedBatch = abstractChainedBatch(db).bind(level);

  return {
    get hits() {
      return counts.hits;
    },
    get misses() {
      return counts.misses;
    },
    get size() {
      return entries.size;
    },
  };
}

/** The `_chainedBatch` of the base class every abstract-level database extends (the last one up the prototype chain). */
function abstractChainedBatch(db: object): () => unknown {
  let found: (() => unknown) | undefined;
  for (let proto = Object.getPrototypeOf(db); proto !== null; proto = Object.getPrototypeOf(proto)) {
    const own = Object.getOwnPropertyDescriptor(proto, '_chainedBatch')?.value;
    if (typeof own === 'function') found = own;
  }
  if (!found) throw new Error('not an abstract-level database: no _chainedBatch');
  return found;
}
