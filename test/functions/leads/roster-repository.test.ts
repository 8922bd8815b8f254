// The roster repository against a real DynamoDB API (dynalite in process): the bundle overlaid with
// stored edits, optimistic concurrency, roster-wide validation before anything is written, the
// commit/apply protocol (a crash in between is finished by the next writer) and the read cache.
import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RepRoster } from '../../../functions/leads/reps.ts';
import type * as RosterModule from '../../../functions/leads/roster-repository.ts';
import { type LocalDynamo, startDynalite } from '../../support/dynalite.ts';
import { rep, roster } from './fixtures.ts';

const AT = Date.parse('2026-11-23T10:00:00.000Z');

/** manager ← ann, bob; carl on his own; the fallback queue is the manager's. */
const BUNDLED: RepRoster = roster([
  rep('manager'),
  rep('ann', { managerId: 'manager' }),
  rep('bob', { managerId: 'manager', fallback: true }),
  rep('carl'),
]);

let dynamo: LocalDynamo;
let raw: DynamoDBDocumentClient;
let module: typeof RosterModule;
let tables = 0;

beforeAll(async () => {
  dynamo = await startDynalite();
  raw = dynamo.documents;
  module = await import('../../../functions/leads/roster-repository.ts');
});

afterAll(async () => {
  await dynamo?.stop();
});

/** A table of its own for each test, so no test sees another's edits. */
async function freshTable(): Promise<string> {
  const name = `roster-test-${++tables}`;
  await dynamo.createTable(name);
  return name;
}

/** A repository on a fresh table, without cache unless a clock is given. */
async function repository(options: RosterModule.RosterRepositoryOptions = { ttlMs: 0 }) {
  const table = await freshTable();
  return { table, roster: new module.RosterRepository(table, BUNDLED, { now: () => AT, ...options }) };
}

async function item(table: string, pk: string, sk: string) {
  const { Item } = await raw.send(
    new GetCommand({ TableName: table, Key: { pk, sk }, ConsistentRead: true }),
  );
  return Item;
}

/** The error a refused call rejects with (a call that succeeds fails the test). */
async function refusal(call: Promise<unknown>): Promise<unknown> {
  return call.then(
    () => expect.unreachable('the call was expected to be refused'),
    (error: unknown) => error,
  );
}

const ids = (snapshot: RosterModule.RosterSnapshot) => snapshot.roster.reps.map((r) => r.id);

describe('overlay', () => {
  it('is the bundled roster, every rep at version 0, while nothing is stored', async () => {
    // Prepare
    const { roster: reps } = await repository();

    // Act
    const snapshot = await reps.current();

    // Assess
    expect(snapshot).toEqual({
      roster: BUNDLED,
      versions: { manager: 0, ann: 0, bob: 0, carl: 0 },
      fallbackQueueVersion: 0,
      violations: [],
    });
  });

  it('shows an edited bundled rep in its place, stored with its version and time', async () => {
    // Prepare
    const { table, roster: reps } = await repository();

    // Act
    const saved = await reps.put(
      rep('ann', { managerId: 'manager', capacity: 12, phone: '+33 1 99 00 12 01' }),
    );

    // Assess
    expect(saved).toEqual({ version: 1, created: false });
    const snapshot = await reps.current();
    expect(ids(snapshot)).toEqual(['manager', 'ann', 'bob', 'carl']);
    expect(snapshot.roster.reps[1]).toMatchObject({ id: 'ann', capacity: 12, phone: '+33199001201' });
    expect(snapshot.versions).toEqual({ manager: 0, ann: 1, bob: 0, carl: 0 });
    expect(await item(table, 'REP#ann', 'PROFILE')).toMatchObject({
      id: 'ann',
      capacity: 12,
      version: 1,
      updatedAt: '2026-11-23T10:00:00.000Z',
    });
    expect((await item(table, 'ROSTER', 'INDEX'))?.repIds).toEqual(new Set(['ann']));
  });

  it('appends added reps in id order and creates them at version 1', async () => {
    // Prepare
    const { roster: reps } = await repository();

    // Act
    const zoe = await reps.put(rep('zoe', { managerId: 'carl' }));
    const dan = await reps.put(rep('dan'));

    // Assess
    expect(zoe).toEqual({ version: 1, created: true });
    expect(dan).toEqual({ version: 1, created: true });
    const snapshot = await reps.current();
    expect(ids(snapshot)).toEqual(['manager', 'ann', 'bob', 'carl', 'dan', 'zoe']);
    expect(snapshot.versions).toMatchObject({ dan: 1, zoe: 1 });
  });

  it('removes a bundled rep with a tombstone, and can bring it back later', async () => {
    // Prepare
    const { table, roster: reps } = await repository();

    // Act
    const removed = await reps.remove('carl');
    const afterRemoval = await reps.current();
    const back = await reps.put(rep('carl', { capacity: 1 }));

    // Assess
    expect(removed).toEqual({ version: 1 });
    expect(ids(afterRemoval)).toEqual(['manager', 'ann', 'bob']);
    expect(afterRemoval.versions).not.toHaveProperty('carl');
    // Versions keep counting through the tombstone, and the rep is new again for the caller.
    expect(back).toEqual({ version: 2, created: true });
    expect(ids(await reps.current())).toEqual(['manager', 'ann', 'bob', 'carl']);
    expect(await item(table, 'REP#carl', 'PROFILE')).toMatchObject({ capacity: 1, version: 2 });
  });

  it('stores a fallback queue setting and reads it back over the bundled one', async () => {
    // Prepare
    const { table, roster: reps } = await repository();

    // Act
    const saved = await reps.setFallbackQueue({ managerId: 'carl' }, 0);

    // Assess
    expect(saved).toEqual({ version: 1 });
    const snapshot = await reps.current();
    expect(snapshot.roster.fallbackQueue).toEqual({ managerId: 'carl' });
    expect(snapshot.fallbackQueueVersion).toBe(1);
    expect(await item(table, 'ROSTER', 'SETTINGS')).toMatchObject({
      fallbackQueue: { managerId: 'carl' },
      version: 1,
    });
  });
});

describe('optimistic concurrency', () => {
  it('lets exactly one of two puts with the same expected version win', async () => {
    // Prepare
    const { roster: reps } = await repository();

    // Act
    const results = await Promise.allSettled([
      reps.put(rep('carl', { capacity: 7 }), 0),
      reps.put(rep('carl', { capacity: 8 }), 0),
    ]);

    // Assess
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r) => r.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect(lost[0]?.reason).toBeInstanceOf(module.VersionConflictError);
    expect(lost[0]?.reason).toMatchObject({ expected: 0, actual: 1 });
    const winner = won[0]?.status === 'fulfilled' ? results.indexOf(won[0]) : -1;
    const carl = (await reps.current()).roster.reps.find((r) => r.id === 'carl');
    expect(carl?.capacity).toBe(winner === 0 ? 7 : 8);
  });

  it('refuses an expected version that is not the current one, or for a rep that does not exist', async () => {
    // Prepare
    const { roster: reps } = await repository();
    await reps.put(rep('carl', { capacity: 7 }));

    // Act / Assess
    await expect(reps.put(rep('carl'), 0)).rejects.toMatchObject({ expected: 0, actual: 1 });
    await expect(reps.remove('carl', 3)).rejects.toBeInstanceOf(module.VersionConflictError);
    await expect(reps.put(rep('nobody'), 0)).rejects.toMatchObject({ expected: 0, actual: undefined });
    expect((await reps.put(rep('carl', { capacity: 9 }), 1)).version).toBe(2);
  });

  it('serializes concurrent edits of different reps: all land, each validated against the others', async () => {
    // Prepare
    const { roster: reps } = await repository();

    // Act: four edits at once, and a rep given a manager while that manager is being removed.
    const edits = await Promise.all(
      ['ann', 'bob', 'carl', 'manager'].map((id, i) =>
        reps.put(
          rep(id, { capacity: 20 + i, ...(id === 'ann' || id === 'bob' ? { managerId: 'manager' } : {}) }),
        ),
      ),
    );
    const race = await Promise.allSettled([reps.put(rep('dan', { managerId: 'carl' })), reps.remove('carl')]);

    // Assess
    expect(edits.map((e) => e.version)).toEqual([1, 1, 1, 1]);
    const snapshot = await reps.current();
    expect(snapshot.roster.reps.map((r) => r.capacity).slice(0, 4)).toEqual([23, 20, 21, 22]);
    expect(race.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(race.filter((r) => r.status === 'rejected')[0]?.reason).toBeInstanceOf(
      module.RosterValidationError,
    );
    expect(snapshot.violations).toEqual([]);
  });
});

describe('validation', () => {
  it('refuses a change that breaks the roster, naming each problem, and writes nothing', async () => {
    // Prepare
    const { table, roster: reps } = await repository();

    // Act
    const unknownManager = await refusal(reps.put(rep('ann', { managerId: 'ghost' })));
    const cycle = await refusal(reps.put(rep('manager', { managerId: 'ann' })));

    // Assess
    expect(unknownManager).toMatchObject({
      name: 'RosterValidationError',
      problems: [{ field: 'roster', message: 'rep ann: manager ghost is not in the roster' }],
    });
    expect(cycle).toMatchObject({
      problems: [{ field: 'roster', message: expect.stringContaining('managers form a cycle') }],
    });
    expect(await item(table, 'ROSTER', 'INDEX')).toBeUndefined();
    expect(await item(table, 'REP#ann', 'PROFILE')).toBeUndefined();
    expect(await item(table, 'REP#manager', 'PROFILE')).toBeUndefined();
  });

  it('refuses a rep that fails the schema, naming the field', async () => {
    // Prepare
    const { table, roster: reps } = await repository();

    // Act
    const invalid = await refusal(
      reps.put(rep('dan', { workingHours: { days: [1], start: '25:00', end: '18:00' } })),
    );

    // Assess
    expect(invalid).toMatchObject({
      problems: [{ field: 'rep.workingHours.start', message: expect.stringContaining('HH:MM') }],
    });
    expect(await item(table, 'ROSTER', 'INDEX')).toBeUndefined();
  });

  it('refuses to remove a manager or the fallback queue manager, saying why, and an unknown rep', async () => {
    // Prepare
    const { table, roster: reps } = await repository();

    // Act
    const manager = await refusal(reps.remove('manager'));

    // Assess
    expect(manager).toMatchObject({
      problems: [
        { field: 'roster', message: 'rep manager manages the fallback queue' },
        { field: 'roster', message: 'rep manager is the manager of ann, bob' },
      ],
    });
    await expect(reps.remove('nobody')).rejects.toBeInstanceOf(module.RepNotFoundError);
    await expect(reps.setFallbackQueue({ managerId: 'ghost' })).rejects.toMatchObject({
      problems: [{ field: 'roster', message: 'fallbackQueue: manager ghost is not in the roster' }],
    });
    expect(await item(table, 'ROSTER', 'INDEX')).toBeUndefined();
    expect(await item(table, 'ROSTER', 'SETTINGS')).toBeUndefined();
  });

  it('tolerates what a new bundle broke under stored edits, but refuses anything new', async () => {
    // Prepare: ann was edited; then a deploy ships a bundle without her manager.
    const table = await freshTable();
    await new module.RosterRepository(table, BUNDLED, { ttlMs: 0 }).put(rep('ann', { managerId: 'manager' }));
    const shrunk = roster([rep('carl'), rep('bob', { fallback: true })], 'carl');
    const reps = new module.RosterRepository(table, shrunk, { ttlMs: 0 });

    // Act
    const snapshot = await reps.current();
    const unrelated = await reps.put(rep('bob', { capacity: 2 }));
    const worse = await refusal(reps.put(rep('carl', { managerId: 'ghost' })));
    const fixed = await reps.put(rep('ann'));

    // Assess
    expect(snapshot.violations).toEqual(['rep ann: manager manager is not in the roster']);
    expect(unrelated.version).toBe(1);
    expect(worse).toBeInstanceOf(module.RosterValidationError);
    expect(fixed.version).toBe(2);
    expect((await reps.current()).violations).toEqual([]);
  });
});

describe('commit and apply', () => {
  it('shows a committed change not yet applied, and the next writer applies it', async () => {
    // Prepare: a writer committed an edit of carl on the index, then crashed before applying it.
    const { table, roster: reps } = await repository();
    await raw.send(
      new UpdateCommand({
        TableName: table,
        Key: { pk: 'ROSTER', sk: 'INDEX' },
        UpdateExpression: 'SET revision = :one, pending = :item ADD repIds :ids',
        ExpressionAttributeValues: {
          ':one': 1,
          ':item': {
            pk: 'REP#carl',
            sk: 'PROFILE',
            ...rep('carl', { capacity: 3 }),
            version: 1,
            updatedAt: 'x',
          },
          ':ids': new Set(['carl']),
        },
      }),
    );

    // Act
    const seen = await reps.current();
    const next = await reps.put(rep('ann', { managerId: 'manager', capacity: 4 }));

    // Assess
    expect(seen.roster.reps.find((r) => r.id === 'carl')?.capacity).toBe(3);
    expect(seen.versions.carl).toBe(1);
    expect(next.version).toBe(1);
    expect(await item(table, 'REP#carl', 'PROFILE')).toMatchObject({ capacity: 3, version: 1 });
    const index = await item(table, 'ROSTER', 'INDEX');
    expect(index).toMatchObject({ revision: 2, repIds: new Set(['ann', 'carl']) });
    expect(index?.pending).toBeUndefined();
  });
});

describe('cache', () => {
  it('answers from memory until the TTL passes or it is invalidated', async () => {
    // Prepare
    let clock = AT;
    const { table, roster: reps } = await repository({ ttlMs: 30_000, now: () => clock });
    const writer = new module.RosterRepository(table, BUNDLED, { ttlMs: 0 });
    await reps.current();

    // Act
    await writer.put(rep('carl', { capacity: 1 }));
    clock += 29_999;
    const cached = await reps.current();
    clock += 1;
    const expired = await reps.current();
    await writer.put(rep('carl', { capacity: 2 }));
    reps.invalidate();
    const invalidated = await reps.current();

    // Assess
    expect(cached.versions.carl).toBe(0);
    expect(expired.versions.carl).toBe(1);
    expect(invalidated.versions.carl).toBe(2);
  });

  it('forgets the cached roster after its own write', async () => {
    // Prepare
    const { roster: reps } = await repository({ ttlMs: 60_000 });
    await reps.current();

    // Act
    await reps.put(rep('carl', { capacity: 1 }));

    // Assess
    expect((await reps.current()).versions.carl).toBe(1);
  });
});
