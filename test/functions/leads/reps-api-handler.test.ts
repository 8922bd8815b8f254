// The reps API against a real DynamoDB API (dynalite in process): every route, every refusal with
// its status and named fields, 201 for a new rep and 200 for a replaced one, faults as a bare 503,
// and no e-mail address or phone number in the logs.
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type * as LoggerModule from '#platform/logger.ts';
import type * as ApiModule from '../../../functions/leads/reps-api-handler.ts';
import type { RosterRepository } from '../../../functions/leads/roster-repository.ts';
import { type LocalDynamo, startDynalite } from '../../support/dynalite.ts';
import { apiEvent } from '../api-event.ts';
import { lambdaContext } from '../lambda-context.ts';
import { rep, roster } from './fixtures.ts';

const TABLE = 'reps-api-test';
const BUNDLED = roster([rep('manager'), rep('ann', { managerId: 'manager' }), rep('carl')]);

let dynamo: LocalDynamo;
let api: typeof ApiModule;
let logger: typeof LoggerModule.logger;
let Repository: typeof RosterRepository;
let tables = 0;

beforeAll(async () => {
  dynamo = await startDynalite();
  await dynamo.createTable(TABLE);
  // The shared clients and the handler's repository are created when their modules load.
  process.env.LEADS_TABLE = TABLE;
  api = await import('../../../functions/leads/reps-api-handler.ts');
  ({ RosterRepository: Repository } = await import('../../../functions/leads/roster-repository.ts'));
  ({ logger } = await import('#platform/logger.ts'));
});

afterEach(() => {
  vi.restoreAllMocks();
});

afterAll(async () => {
  delete process.env.LEADS_TABLE;
  await dynamo?.stop();
});

/** A repository on a table of its own (no cache, as in the handler). */
async function freshRoster(): Promise<RosterRepository> {
  const name = `reps-api-${++tables}`;
  await dynamo.createTable(name);
  return new Repository(name, BUNDLED, { ttlMs: 0 });
}

interface Request {
  readonly method: string;
  readonly resource?: string;
  readonly repId?: string;
  readonly body?: string | null;
  readonly headers?: Record<string, string>;
}

/** An API Gateway (REST, v1) proxy event. */
function request({ method, resource, repId, body = null, headers }: Request): APIGatewayProxyEvent {
  const path = repId === undefined ? '/reps' : `/reps/${repId}`;
  const template = resource ?? (repId === undefined ? '/reps' : '/reps/{repId}');
  return apiEvent({
    body,
    headers: headers ?? (body === null ? {} : { 'Content-Type': 'application/json' }),
    httpMethod: method,
    path,
    pathParameters: repId === undefined ? null : { repId },
    resource: template,
  });
}

const put = (repId: string, value: unknown, headers?: Record<string, string>) =>
  request({
    method: 'PUT',
    repId,
    body: JSON.stringify(value),
    headers: { 'Content-Type': 'application/json', ...headers },
  });

const bodyOf = (response: APIGatewayProxyResult): unknown => JSON.parse(response.body);
const fieldsOf = (response: APIGatewayProxyResult): string[] =>
  (bodyOf(response) as { errors: Array<{ field: string }> }).errors.map((e) => e.field);

describe('reads', () => {
  it('GET /reps answers the roster with every rep’s version', async () => {
    // Prepare
    const reps = await freshRoster();
    await api.serveReps(put('carl', rep('carl', { capacity: 9 })), reps);

    // Act
    const response = await api.serveReps(request({ method: 'GET' }), reps);

    // Assess
    expect(response.statusCode).toBe(200);
    expect(bodyOf(response)).toMatchObject({
      fallbackQueue: { managerId: 'manager' },
      versions: { manager: 0, ann: 0, carl: 1 },
      violations: [],
    });
    expect((bodyOf(response) as { reps: Array<{ id: string }> }).reps.map((r) => r.id)).toEqual([
      'manager',
      'ann',
      'carl',
    ]);
  });

  it('GET /reps/{repId} answers the rep with its version and etag, or 404', async () => {
    // Prepare
    const reps = await freshRoster();

    // Act
    const found = await api.serveReps(request({ method: 'GET', repId: 'ann' }), reps);
    const missing = await api.serveReps(request({ method: 'GET', repId: 'nobody' }), reps);

    // Assess
    expect(found.statusCode).toBe(200);
    expect(found.headers).toMatchObject({ etag: '"0"' });
    expect(bodyOf(found)).toEqual({ rep: BUNDLED.reps[1], version: 0 });
    expect(missing.statusCode).toBe(404);
    expect(fieldsOf(missing)).toEqual(['repId']);
  });

  it('runs wired to the table and the bundled reps.json through the middy handler', async () => {
    // Act
    const response = (await api.handler(
      request({ method: 'GET' }),
      lambdaContext(),
    )) as APIGatewayProxyResult;

    // Assess
    expect(response.statusCode).toBe(200);
    expect(bodyOf(response)).toMatchObject({ fallbackQueue: { managerId: 'grace-hopper' }, violations: [] });
  });
});

describe('PUT /reps/{repId}', () => {
  it('answers 201 for a new rep, 200 for a replaced one, with the new version', async () => {
    // Prepare
    const reps = await freshRoster();
    const { id: _id, ...withoutId } = rep('dan', { phone: '+33 1 99 00 12 09' });

    // Act
    const created = await api.serveReps(put('dan', withoutId), reps);
    const replaced = await api.serveReps(
      put('dan', { ...rep('dan'), capacity: 2 }, { 'If-Match': '1' }),
      reps,
    );
    const bundled = await api.serveReps(
      put('carl', rep('carl', { capacity: 3 }), { 'If-Match': '"0"' }),
      reps,
    );

    // Assess
    expect(created.statusCode).toBe(201);
    expect(created.headers).toMatchObject({ etag: '"1"' });
    expect(bodyOf(created)).toMatchObject({ rep: { id: 'dan', phone: '+33199001209' }, version: 1 });
    expect(replaced.statusCode).toBe(200);
    expect(bodyOf(replaced)).toMatchObject({ rep: { capacity: 2 }, version: 2 });
    expect(bundled.statusCode).toBe(200);
    expect(bodyOf(bundled)).toMatchObject({ version: 1 });
    expect((await reps.current()).versions).toMatchObject({ dan: 2, carl: 1 });
  });

  it('answers 400 naming each wrong field of the rep, and the id when it differs from the path', async () => {
    // Prepare
    const reps = await freshRoster();

    // Act
    const invalid = await api.serveReps(
      put('dan', {
        ...rep('dan'),
        email: 'not-an-address',
        workingHours: { days: [1], start: '9am', end: '18:00' },
      }),
      reps,
    );
    const otherId = await api.serveReps(put('dan', rep('someone-else')), reps);

    // Assess
    expect(invalid.statusCode).toBe(400);
    expect(fieldsOf(invalid).sort()).toEqual(['body.email', 'body.workingHours.start']);
    expect(otherId.statusCode).toBe(400);
    expect(fieldsOf(otherId)).toEqual(['body.id']);
    expect((await reps.current()).versions).not.toHaveProperty('dan');
  });

  it('answers 400 with field roster when the change would break the roster', async () => {
    // Prepare
    const reps = await freshRoster();

    // Act
    const response = await api.serveReps(put('carl', rep('carl', { managerId: 'ghost' })), reps);

    // Assess
    expect(response.statusCode).toBe(400);
    expect(bodyOf(response)).toEqual({
      errors: [{ field: 'roster', message: 'rep carl: manager ghost is not in the roster' }],
    });
  });

  it('answers 400 for a body that is not JSON, not an object, or an If-Match that is not a version', async () => {
    // Prepare
    const reps = await freshRoster();

    // Act
    const malformed = await api.serveReps(request({ method: 'PUT', repId: 'dan', body: '{"id":' }), reps);
    const array = await api.serveReps(put('dan', [rep('dan')]), reps);
    const badVersion = await api.serveReps(put('dan', rep('dan'), { 'If-Match': 'W/"1"' }), reps);

    // Assess
    expect([malformed.statusCode, array.statusCode, badVersion.statusCode]).toEqual([400, 400, 400]);
    expect(fieldsOf(malformed)).toEqual(['body']);
    expect(fieldsOf(array)).toEqual(['body']);
    expect(fieldsOf(badVersion)).toEqual(['if-match']);
  });

  it('answers 412 when If-Match is not the current version, or the rep does not exist', async () => {
    // Prepare
    const reps = await freshRoster();
    await api.serveReps(put('carl', rep('carl', { capacity: 3 })), reps);

    // Act
    const stale = await api.serveReps(put('carl', rep('carl'), { 'If-Match': '0' }), reps);
    const absent = await api.serveReps(put('dan', rep('dan'), { 'if-match': '1' }), reps);

    // Assess
    expect(stale.statusCode).toBe(412);
    expect(bodyOf(stale)).toEqual({
      errors: [{ field: 'if-match', message: 'does not match the current version 1' }],
    });
    expect(absent.statusCode).toBe(412);
    expect((await reps.current()).versions).toMatchObject({ carl: 1 });
  });

  it('answers 413 for a body over 64 KiB and 415 for a body that is not JSON', async () => {
    // Prepare
    const reps = await freshRoster();
    const huge = { ...rep('dan'), name: 'x'.repeat(64 * 1024) };

    // Act
    const tooLarge = await api.serveReps(put('dan', huge), reps);
    const form = await api.serveReps(
      put('dan', rep('dan'), { 'Content-Type': 'application/x-www-form-urlencoded' }),
      reps,
    );

    // Assess
    expect(tooLarge.statusCode).toBe(413);
    expect(fieldsOf(tooLarge)).toEqual(['body']);
    expect(form.statusCode).toBe(415);
    expect(fieldsOf(form)).toEqual(['content-type']);
  });
});

describe('DELETE /reps/{repId}', () => {
  it('answers 204 and the rep is gone', async () => {
    // Prepare
    const reps = await freshRoster();

    // Act
    const response = await api.serveReps(request({ method: 'DELETE', repId: 'carl' }), reps);
    const after = await api.serveReps(request({ method: 'GET', repId: 'carl' }), reps);

    // Assess
    expect(response.statusCode).toBe(204);
    expect(response.body).toBe('');
    expect(after.statusCode).toBe(404);
  });

  it('answers 404 for an unknown rep, 409 for a manager, 412 for a stale If-Match', async () => {
    // Prepare
    const reps = await freshRoster();

    // Act
    const unknown = await api.serveReps(request({ method: 'DELETE', repId: 'nobody' }), reps);
    const manager = await api.serveReps(request({ method: 'DELETE', repId: 'manager' }), reps);
    const stale = await api.serveReps(
      request({ method: 'DELETE', repId: 'carl', headers: { 'If-Match': '4' } }),
      reps,
    );

    // Assess
    expect(unknown.statusCode).toBe(404);
    expect(manager.statusCode).toBe(409);
    expect(bodyOf(manager)).toEqual({
      errors: [
        { field: 'roster', message: 'rep manager manages the fallback queue' },
        { field: 'roster', message: 'rep manager is the manager of ann' },
      ],
    });
    expect(stale.statusCode).toBe(412);
    expect((await reps.current()).versions).toEqual({ manager: 0, ann: 0, carl: 0 });
  });
});

describe('routing and faults', () => {
  it('answers 404 for an unknown resource and 405 with allow for an unsupported method', async () => {
    // Prepare
    const reps = await freshRoster();

    // Act
    const unknown = await api.serveReps(request({ method: 'GET', resource: '/teams' }), reps);
    const postList = await api.serveReps(request({ method: 'POST' }), reps);
    const patchRep = await api.serveReps(request({ method: 'PATCH', repId: 'ann' }), reps);

    // Assess
    expect(unknown.statusCode).toBe(404);
    expect(postList.statusCode).toBe(405);
    expect(postList.headers).toMatchObject({ allow: 'GET' });
    expect(patchRep.statusCode).toBe(405);
    expect(patchRep.headers).toMatchObject({ allow: 'GET, PUT, DELETE' });
  });

  it('answers a bare 503 on a fault and logs only the error name', async () => {
    // Prepare
    const broken = new Repository('no-such-table', BUNDLED, { ttlMs: 0 });
    const logged = vi.spyOn(logger, 'error');

    // Act
    const response = await api.serveReps(request({ method: 'GET' }), broken);

    // Assess
    expect(response.statusCode).toBe(503);
    expect(bodyOf(response)).toEqual({
      errors: [{ field: 'service', message: 'temporarily unavailable, retry later' }],
    });
    expect(logged).toHaveBeenCalledWith('reps request failed', { error: 'ResourceNotFoundException' });
  });

  it('never logs a rep’s e-mail address or phone number', async () => {
    // Prepare
    const reps = await freshRoster();
    const logs = [vi.spyOn(logger, 'info'), vi.spyOn(logger, 'warn'), vi.spyOn(logger, 'error')];
    const dan = rep('dan', { email: 'dan.secret@example.com', phone: '+33 1 99 00 12 09' });

    // Act
    await api.serveReps(put('dan', dan), reps);
    await api.serveReps(put('dan', { ...dan, managerId: 'ghost' }), reps);
    await api.serveReps(put('dan', dan, { 'If-Match': '7' }), reps);
    await api.serveReps(request({ method: 'DELETE', repId: 'dan' }), reps);

    // Assess
    const written = JSON.stringify(logs.flatMap((spy) => spy.mock.calls));
    expect(written).toContain('dan');
    expect(written).not.toMatch(/secret|example\.com|99 ?00 ?12|\+331/);
  });
});
