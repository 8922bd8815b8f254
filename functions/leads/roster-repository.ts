/**
 * The sales roster the lead router uses: the roster bundled at deploy time (`reps.json`) overlaid
 * with the edits made through the reps API, kept in the leads table (generic `pk`/`sk`, next to the
 * assignment items of assignment-repository.ts):
 *
 * | item     | key                        | holds                                                                    |
 * | -------- | -------------------------- | ------------------------------------------------------------------------ |
 * | rep edit | `REP#<repId>` / `PROFILE`  | the rep as stored, or a tombstone `{ id, deleted: true }`; `version`, `updatedAt` |
 * | settings | `ROSTER` / `SETTINGS`      | `fallbackQueue`, `version`, `updatedAt` (only once edited)               |
 * | index    | `ROSTER` / `INDEX`         | `repIds` (string set of the edited reps), `revision`, `pending`          |
 *
 * Reading is one GetItem (the index) and one BatchGet (the settings and the edited reps), never a
 * Query or a Scan. Stored edits win over the bundle; a tombstone removes a rep, bundled or not.
 *
 * **Writes are serialized by the index's `revision`**, so each change is validated against the
 * roster exactly as it is when the change lands: two edits that are each valid but not together
 * (giving a rep a manager while that manager is removed) cannot both pass. Without transactions:
 *
 * 1. read the roster at revision r; check the expected version and validate the resulting roster;
 * 2. commit, on the index: `revision = r + 1`, `pending = <the new item>` if `revision = r` (a
 *    concurrent writer makes this fail, and the change is planned again from a fresh read);
 * 3. apply: put the item if the stored one has an older `version`, then clear `pending`.
 *
 * Readers overlay `pending`, so a change is visible from its commit. A crash between 2 and 3 is
 * finished by the next writer before it commits its own change.
 */

import { Identifier } from '#catalogue/common.ts';
import * as z from '#catalogue/zod.ts';
import { batchGetAll } from '#platform/batch-get.ts';
import { dynamo, GetCommand, PutCommand, UpdateCommand } from '#platform/clients/dynamo.ts';
import { now } from '#platform/clock.ts';
import { isConditionFailure } from '#platform/dynamo-errors.ts';
import { RepRoster, SalesRep, validateRoster } from './reps.ts';

export type FallbackQueue = RepRoster['fallbackQueue'];

/** The roster as the router sees it, with the version each rep is at (what `If-Match` compares). */
export interface RosterSnapshot {
  readonly roster: RepRoster;
  /** Per rep id; 0 for a rep as bundled, never edited. */
  readonly versions: Readonly<Record<string, number>>;
  /** 0 while the bundled fallback queue is in force. */
  readonly fallbackQueueVersion: number;
  /**
   * validateRoster's findings. Empty unless a deploy changed the bundle under stored edits (a
   * bundled manager removed while an edited rep still reports to them); writes may keep these but
   * never add one.
   */
  readonly violations: readonly string[];
}

export interface RosterProblem {
  readonly field: string;
  readonly message: string;
}

/** The change would leave the roster invalid, or removes a rep others still depend on. */
export class RosterValidationError extends Error {
  override readonly name = 'RosterValidationError';
  constructor(readonly problems: readonly RosterProblem[]) {
    super(`roster change refused: ${problems.map((p) => `${p.field}: ${p.message}`).join('; ')}`);
  }
}

/** The caller's expected version is not the current one (`actual` undefined: there is no such rep). */
export class VersionConflictError extends Error {
  override readonly name = 'VersionConflictError';
  constructor(
    readonly subject: string,
    readonly expected: number,
    readonly actual: number | undefined,
  ) {
    super(`${subject}: expected version ${expected}, found ${actual ?? 'none'}`);
  }
}

export class RepNotFoundError extends Error {
  override readonly name = 'RepNotFoundError';
  constructor(readonly repId: string) {
    super(`rep ${repId} is not in the roster`);
  }
}

export interface RosterRepositoryOptions {
  /** How long `current()` answers from memory. @default 30_000 */
  readonly ttlMs?: number;
  /** Milliseconds since the epoch, for the cache and `updatedAt`. @default the shared clock */
  readonly now?: () => number;
}

const INDEX_KEY = { pk: 'ROSTER', sk: 'INDEX' };
const SETTINGS_KEY = { pk: 'ROSTER', sk: 'SETTINGS' };
const profileKey = (repId: string) => ({ pk: `REP#${repId}`, sk: 'PROFILE' });
const itemId = (key: { pk: unknown; sk: unknown }) => `${String(key.pk)}|${String(key.sk)}`;

const DEFAULT_TTL_MS = 30_000;
/** Each lost commit means another writer's commit landed, so this many concurrent writers all get through. */
const WRITE_ATTEMPTS = 8;

const Stamp = z.object({ version: z.int().check(z.gte(1)), updatedAt: z.string() });
const Tombstone = z.object({ id: Identifier, deleted: z.literal(true) });
const StoredSettings = z.object({ fallbackQueue: RepRoster.shape.fallbackQueue });
/** An item as written to the table, keys included (what `pending` holds). */
const StoredItem = z.looseObject({ pk: z.string(), sk: z.string(), version: z.int().check(z.gte(1)) });
type StoredItem = z.infer<typeof StoredItem>;
const StoredIndex = z.object({
  repIds: z.optional(z.set(z.string())),
  revision: z._default(z.int().check(z.gte(0)), 0),
  pending: z.optional(StoredItem),
});

/** What a rep's stored item says: its edited form, or that it was removed. */
type RepEdit =
  | { readonly removed: false; readonly rep: SalesRep; readonly version: number }
  | { readonly removed: true; readonly version: number };

/** A fresh read, with what a writer needs beyond the snapshot. */
interface RosterState {
  readonly snapshot: RosterSnapshot;
  readonly revision: number;
  readonly pending: StoredItem | undefined;
  /** Every stored rep's version, tombstones included: the next write to that rep continues from it. */
  readonly storedVersions: ReadonlyMap<string, number>;
}

interface PlannedWrite<T> {
  readonly item: StoredItem;
  /** Set for a rep item, so the index lists it. */
  readonly repId?: string;
  readonly result: T;
}

export class RosterRepository {
  private readonly ttlMs: number;
  private readonly now: () => number;
  private cached: { readonly snapshot: RosterSnapshot; readonly at: number } | undefined;

  private bundledRoster: RepRoster | undefined;

  /**
   * `bundled` is the roster shipped with the code, or how to load it: a function loads (and
   * validates) it on the first read rather than at cold start.
   */
  constructor(
    private readonly tableName: string,
    private readonly bundled: RepRoster | (() => RepRoster),
    options: RosterRepositoryOptions = {},
  ) {
    this.ttlMs = options.ttlMs ?? DEFAULT_TTL_MS;
    this.now = options.now ?? now;
  }

  private bundledReps(): RepRoster {
    this.bundledRoster ??= typeof this.bundled === 'function' ? this.bundled() : this.bundled;
    return this.bundledRoster;
  }

  /** The current roster; answered from memory for `ttlMs` since a Lambda reads it on every lead. */
  async current(): Promise<RosterSnapshot> {
    const at = this.now();
    if (this.cached && at - this.cached.at < this.ttlMs) return this.cached.snapshot;
    const { snapshot } = await this.read();
    this.cached = { snapshot, at };
    return snapshot;
  }

  /** Forgets the cached roster: the next `current()` reads the table. */
  invalidate(): void {
    this.cached = undefined;
  }

  /**
   * Creates or replaces a rep, if the resulting roster is valid and, when `expectedVersion` is
   * given, the rep is at that version (0 for a bundled rep never edited; a rep that does not exist
   * has no version). Returns the new version and whether the rep was created.
   */
  put(rep: SalesRep, expectedVersion?: number): Promise<{ version: number; created: boolean }> {
    return this.write((state) => {
      const parsed = SalesRep.safeParse(rep);
      if (!parsed.success) throw new RosterValidationError(issueProblems('rep', parsed.error.issues));
      const stored = parsed.data;
      const { roster, versions, violations } = state.snapshot;
      const current = versions[stored.id];
      checkVersion(`rep ${stored.id}`, expectedVersion, current);
      const position = roster.reps.findIndex((r) => r.id === stored.id);
      const reps = position === -1 ? [...roster.reps, stored] : roster.reps.with(position, stored);
      checkRoster({ ...roster, reps }, violations);
      const version = (state.storedVersions.get(stored.id) ?? 0) + 1;
      return {
        item: { ...profileKey(stored.id), ...stored, version, updatedAt: this.stamp() },
        repId: stored.id,
        result: { version, created: current === undefined },
      };
    });
  }

  /**
   * Removes a rep (bundled or added) with a tombstone. Refused while the rep manages the fallback
   * queue or another rep, or when the resulting roster would be invalid. Returns the tombstone's version.
   */
  remove(repId: string, expectedVersion?: number): Promise<{ version: number }> {
    return this.write((state) => {
      const { roster, versions, violations } = state.snapshot;
      const current = versions[repId];
      if (current === undefined) throw new RepNotFoundError(repId);
      checkVersion(`rep ${repId}`, expectedVersion, current);
      const problems: RosterProblem[] = [];
      if (roster.fallbackQueue.managerId === repId) {
        problems.push({ field: 'roster', message: `rep ${repId} manages the fallback queue` });
      }
      const reports = roster.reps.filter((r) => r.managerId === repId).map((r) => r.id);
      if (reports.length > 0) {
        problems.push({ field: 'roster', message: `rep ${repId} is the manager of ${reports.join(', ')}` });
      }
      if (problems.length > 0) throw new RosterValidationError(problems);
      checkRoster({ ...roster, reps: roster.reps.filter((r) => r.id !== repId) }, violations);
      const version = (state.storedVersions.get(repId) ?? 0) + 1;
      const tombstone = { ...profileKey(repId), id: repId, deleted: true, version, updatedAt: this.stamp() };
      return { item: tombstone, repId, result: { version } };
    });
  }

  /** Replaces the fallback queue setting, if the resulting roster is valid (its manager must exist). */
  setFallbackQueue(fallbackQueue: FallbackQueue, expectedVersion?: number): Promise<{ version: number }> {
    return this.write((state) => {
      const { roster, fallbackQueueVersion, violations } = state.snapshot;
      checkVersion('fallbackQueue', expectedVersion, fallbackQueueVersion);
      checkRoster({ ...roster, fallbackQueue }, violations);
      const version = fallbackQueueVersion + 1;
      return {
        item: { ...SETTINGS_KEY, fallbackQueue: { ...fallbackQueue }, version, updatedAt: this.stamp() },
        result: { version },
      };
    });
  }

  private stamp(): string {
    return new Date(this.now()).toISOString();
  }

  /**
   * Plans a change from a fresh read and commits it at that read's revision; a commit lost to a
   * concurrent writer plans again from the new state. An error after the commit (while applying)
   * leaves the change made: readers already see it and the next writer finishes it.
   */
  private async write<T>(plan: (state: RosterState) => PlannedWrite<T>): Promise<T> {
    for (let attempt = 0; attempt < WRITE_ATTEMPTS; attempt++) {
      if (attempt > 0) await sleep(Math.random() * 2 ** attempt * 20);
      const state = await this.read();
      const planned = plan(state);
      // The commit below replaces `pending`: finish the previous change first.
      if (state.pending) await this.apply(state.pending, state.revision);
      if (await this.commit(state.revision, planned)) {
        await this.apply(planned.item, state.revision + 1);
        this.invalidate();
        return planned.result;
      }
    }
    throw new Error(`roster kept changing during ${WRITE_ATTEMPTS} attempts`);
  }

  private async commit(revision: number, planned: PlannedWrite<unknown>): Promise<boolean> {
    const { repId } = planned;
    try {
      await dynamo.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: INDEX_KEY,
          UpdateExpression: `SET #revision = :next, #pending = :item${repId === undefined ? '' : ' ADD #repIds :repIds'}`,
          ConditionExpression: revision === 0 ? 'attribute_not_exists(#revision)' : '#revision = :revision',
          ExpressionAttributeNames: {
            '#revision': 'revision',
            '#pending': 'pending',
            ...(repId === undefined ? {} : { '#repIds': 'repIds' }),
          },
          ExpressionAttributeValues: {
            ':next': revision + 1,
            ':item': planned.item,
            ...(revision === 0 ? {} : { ':revision': revision }),
            ...(repId === undefined ? {} : { ':repIds': new Set([repId]) }),
          },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  /** Writes a committed item unless a newer version is stored, then clears it from the index. Idempotent. */
  private async apply(item: StoredItem, revision: number): Promise<void> {
    await ignoringConditionFailure(
      dynamo.send(
        new PutCommand({
          TableName: this.tableName,
          Item: item,
          ConditionExpression: 'attribute_not_exists(pk) OR version < :version',
          ExpressionAttributeValues: { ':version': item.version },
        }),
      ),
    );
    // A later revision has already replaced `pending`: leave it.
    await ignoringConditionFailure(
      dynamo.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: INDEX_KEY,
          UpdateExpression: 'REMOVE #pending',
          ConditionExpression: '#revision = :revision',
          ExpressionAttributeNames: { '#pending': 'pending', '#revision': 'revision' },
          ExpressionAttributeValues: { ':revision': revision },
        }),
      ),
    );
  }

  /** The index, then the settings and every edited rep in one BatchGet; a pending change overlaid. */
  private async read(): Promise<RosterState> {
    const { Item } = await dynamo.send(
      new GetCommand({ TableName: this.tableName, Key: INDEX_KEY, ConsistentRead: true }),
    );
    const index = StoredIndex.parse(Item ?? {});
    const repIds = [...(index.repIds ?? [])].sort();
    const items = await this.batchGet([SETTINGS_KEY, ...repIds.map(profileKey)]);
    const { pending } = index;
    if (pending) {
      const stored = items.get(itemId(pending));
      const storedVersion = typeof stored?.version === 'number' ? stored.version : 0;
      if (storedVersion < pending.version) items.set(itemId(pending), pending);
    }
    const edits = new Map<string, RepEdit>();
    for (const repId of repIds) {
      const item = items.get(itemId(profileKey(repId)));
      if (item) edits.set(repId, toEdit(item));
    }
    const settingsItem = items.get(itemId(SETTINGS_KEY));
    const settings = settingsItem && {
      ...StoredSettings.parse(settingsItem),
      version: Stamp.parse(settingsItem).version,
    };
    return {
      snapshot: overlay(this.bundledReps(), edits, settings),
      revision: index.revision,
      pending,
      storedVersions: new Map([...edits].map(([repId, edit]) => [repId, edit.version])),
    };
  }

  /** Items by `pk|sk`, read consistently; unprocessed keys are retried with backoff. */
  private async batchGet(
    keys: readonly Record<string, string>[],
  ): Promise<Map<string, Record<string, unknown>>> {
    const found = new Map<string, Record<string, unknown>>();
    for (const item of await batchGetAll(this.tableName, keys, { consistent: true })) {
      found.set(itemId({ pk: item.pk, sk: item.sk }), item);
    }
    return found;
  }
}

function toEdit(item: Record<string, unknown>): RepEdit {
  const { version } = Stamp.parse(item);
  if (item.deleted === true) {
    Tombstone.parse(item);
    return { removed: true, version };
  }
  return { removed: false, rep: SalesRep.parse(item), version };
}

/**
 * The bundle with the edits: edited reps keep their bundled position, added reps follow in id
 * order (so every reader sees the same order), tombstoned reps are left out.
 */
function overlay(
  bundled: RepRoster,
  edits: ReadonlyMap<string, RepEdit>,
  settings: { fallbackQueue: FallbackQueue; version: number } | undefined,
): RosterSnapshot {
  const versions: Record<string, number> = {};
  const reps: SalesRep[] = [];
  const take = (rep: SalesRep, version: number) => {
    reps.push(rep);
    versions[rep.id] = version;
  };
  const bundledIds = new Set<string>();
  for (const rep of bundled.reps) {
    bundledIds.add(rep.id);
    const edit = edits.get(rep.id);
    if (!edit) take(rep, 0);
    else if (!edit.removed) take(edit.rep, edit.version);
  }
  for (const [repId, edit] of [...edits].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (!bundledIds.has(repId) && !edit.removed) take(edit.rep, edit.version);
  }
  const roster: RepRoster = { reps, fallbackQueue: settings?.fallbackQueue ?? bundled.fallbackQueue };
  return {
    roster,
    versions,
    fallbackQueueVersion: settings?.version ?? 0,
    violations: validateRoster(roster),
  };
}

function checkVersion(subject: string, expected: number | undefined, actual: number | undefined): void {
  if (expected !== undefined && expected !== actual)
    throw new VersionConflictError(subject, expected, actual);
}

/** Refuses a roster that fails the schema, or that has a violation the current roster does not have. */
function checkRoster(candidate: RepRoster, tolerated: readonly string[]): void {
  const parsed = RepRoster.safeParse(candidate);
  if (!parsed.success) throw new RosterValidationError(issueProblems('roster', parsed.error.issues));
  const known = new Set(tolerated);
  const introduced = validateRoster(parsed.data).filter((violation) => !known.has(violation));
  if (introduced.length > 0) {
    throw new RosterValidationError(introduced.map((message) => ({ field: 'roster', message })));
  }
}

function issueProblems(prefix: string, issues: readonly z.core.$ZodIssue[]): RosterProblem[] {
  return issues.map((issue) => ({
    field: [prefix, ...issue.path.map(String)].join('.'),
    message: issue.message,
  }));
}

async function ignoringConditionFailure(request: Promise<unknown>): Promise<void> {
  try {
    await request;
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
