/**
 * Lambda: the sales roster API (API Gateway REST proxy; API Gateway checks the API key).
 *
 * - `GET /reps`: the roster (bundle overlaid with the edits) with each rep's version.
 * - `GET /reps/{repId}`: one rep and its version (also as `etag`).
 * - `PUT /reps/{repId}`: the full rep as JSON (`id` absent or equal to the path); 201 when created,
 *   200 when replaced, with the new version. `If-Match: <version>` makes it conditional (412).
 * - `DELETE /reps/{repId}`: 204; 404 for an unknown rep, 409 while the rep still manages someone
 *   or the fallback queue. `If-Match` as for PUT.
 *
 * A rep that is wrong answers 400 naming each field (`body.workingHours.start`); a change that
 * would break the roster (unknown manager, cycle) answers 400 with field `roster`. Faults answer
 * 503 without details. E-mail addresses and phone numbers are never logged: rep ids only.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import type { z } from 'zod';
import { Identifier } from '#catalogue/common.ts';
import { requireEnv } from '#platform/env.ts';
import { bodyText, clientError, type FieldError, header, json, parseJson } from '#platform/http.ts';
import { LEAD_ENV } from '#platform/lead-env.ts';
import { logger } from '#platform/logger.ts';
import { SalesRep } from './reps.ts';
import { loadRoster } from './roster.ts';
import {
  RepNotFoundError,
  RosterRepository,
  RosterValidationError,
  VersionConflictError,
} from './roster-repository.ts';

/** The leads table (rep edits live next to lead assignments). */
const LEADS_TABLE_ENV = LEAD_ENV.leadsTable;
/** A rep is a few kilobytes; anything larger is a mistake. */
const MAX_BODY_BYTES = 64 * 1024;

const METHODS_OF_RESOURCE: Readonly<Record<string, readonly string[]>> = {
  '/reps': ['GET'],
  '/reps/{repId}': ['GET', 'PUT', 'DELETE'],
};

const etag = (version: number) => ({ etag: `"${version}"` });

/** Answers one request against the roster; faults answer 503 and only the error's name is logged. */
export async function serveReps(
  event: APIGatewayProxyEvent,
  roster: RosterRepository,
): Promise<APIGatewayProxyResult> {
  try {
    return await route(event, roster);
  } catch (error) {
    logger.error('reps request failed', { error: error instanceof Error ? error.name : 'unknown' });
    return json(
      503,
      { errors: [{ field: 'service', message: 'temporarily unavailable, retry later' }] },
      { 'retry-after': '5' },
    );
  }
}

async function route(event: APIGatewayProxyEvent, roster: RosterRepository): Promise<APIGatewayProxyResult> {
  const allowed = METHODS_OF_RESOURCE[event.resource];
  if (!allowed) return clientError(404, [{ field: 'path', message: 'no such resource' }]);
  if (!allowed.includes(event.httpMethod)) {
    return clientError(405, [{ field: 'method', message: `must be one of ${allowed.join(', ')}` }], {
      allow: allowed.join(', '),
    });
  }
  if (event.resource === '/reps') return listReps(roster);
  const repId = Identifier.safeParse(event.pathParameters?.repId);
  if (!repId.success) {
    return clientError(400, [{ field: 'repId', message: `must be 1 to ${Identifier.maxLength} characters` }]);
  }
  if (event.httpMethod === 'GET') return getRep(repId.data, roster);
  const expected = expectedVersion(event);
  if (!expected.ok) return clientError(400, [expected.error]);
  if (event.httpMethod === 'PUT') return putRep(event, repId.data, expected.version, roster);
  return deleteRep(repId.data, expected.version, roster);
}

async function listReps(roster: RosterRepository): Promise<APIGatewayProxyResult> {
  const { roster: current, versions, violations } = await roster.current();
  return json(200, { ...current, versions, violations });
}

async function getRep(repId: string, roster: RosterRepository): Promise<APIGatewayProxyResult> {
  const { roster: current, versions } = await roster.current();
  const rep = current.reps.find((r) => r.id === repId);
  const version = versions[repId];
  if (!rep || version === undefined) return notFound(repId);
  return json(200, { rep, version }, etag(version));
}

async function putRep(
  event: APIGatewayProxyEvent,
  repId: string,
  expected: number | undefined,
  roster: RosterRepository,
): Promise<APIGatewayProxyResult> {
  const text = bodyText(event);
  if (Buffer.byteLength(text) > MAX_BODY_BYTES) {
    return clientError(413, [{ field: 'body', message: `is larger than ${MAX_BODY_BYTES} bytes` }]);
  }
  const contentType = header(event, 'content-type');
  if (contentType !== undefined && !isJsonMediaType(contentType)) {
    return clientError(415, [{ field: 'content-type', message: 'must be application/json' }]);
  }
  const body = parseJson(text);
  if (!body.ok) return clientError(400, [body.error]);
  const value = body.value;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return clientError(400, [{ field: 'body', message: 'must be a JSON object (a rep)' }]);
  }
  if ('id' in value && value.id !== repId) {
    return clientError(400, [
      { field: 'body.id', message: 'must be absent or equal to the rep id in the path' },
    ]);
  }
  const rep = SalesRep.safeParse({ ...value, id: repId });
  if (!rep.success) return clientError(400, issueErrors(rep.error.issues));
  try {
    const saved = await roster.put(rep.data, expected);
    logger.info('rep saved', { repId, version: saved.version, created: saved.created });
    return json(saved.created ? 201 : 200, { rep: rep.data, version: saved.version }, etag(saved.version));
  } catch (error) {
    return refusal(error, repId, 400);
  }
}

async function deleteRep(
  repId: string,
  expected: number | undefined,
  roster: RosterRepository,
): Promise<APIGatewayProxyResult> {
  try {
    const removed = await roster.remove(repId, expected);
    logger.info('rep removed', { repId, version: removed.version });
    return { statusCode: 204, headers: {}, body: '' };
  } catch (error) {
    return refusal(error, repId, 409);
  }
}

/** The 4xx answer for a refused change; anything else is a fault and is rethrown. */
function refusal(error: unknown, repId: string, invalidStatus: 400 | 409): APIGatewayProxyResult {
  if (error instanceof RepNotFoundError) return notFound(repId);
  if (error instanceof VersionConflictError) {
    logger.info('rep change refused', { repId, reason: 'version' });
    const message =
      error.actual === undefined
        ? 'the rep does not exist'
        : `does not match the current version ${error.actual}`;
    return clientError(412, [{ field: 'if-match', message }]);
  }
  if (error instanceof RosterValidationError) {
    logger.info('rep change refused', { repId, reason: 'roster' });
    return clientError(invalidStatus, [...error.problems]);
  }
  throw error;
}

function notFound(repId: string): APIGatewayProxyResult {
  return clientError(404, [{ field: 'repId', message: `no rep ${repId} in the roster` }]);
}

/** `If-Match: 3` (or the `"3"` this API sends as etag); undefined when absent. */
function expectedVersion(
  event: APIGatewayProxyEvent,
): { ok: true; version: number | undefined } | { ok: false; error: FieldError } {
  const raw = header(event, 'if-match');
  if (raw === undefined) return { ok: true, version: undefined };
  const digits = /^"?(\d{1,15})"?$/.exec(raw.trim())?.[1];
  if (digits === undefined) {
    return { ok: false, error: { field: 'if-match', message: 'must be a version number' } };
  }
  return { ok: true, version: Number(digits) };
}

function isJsonMediaType(contentType: string): boolean {
  const type = contentType.split(';')[0]?.trim().toLowerCase() ?? '';
  return type === 'application/json' || (type.startsWith('application/') && type.endsWith('+json'));
}

/** zod issues as fields of the body, `body.workingHours.start`. */
function issueErrors(issues: readonly z.core.$ZodIssue[]): FieldError[] {
  return issues.map((issue) => ({
    field: ['body', ...issue.path.map(String)].join('.'),
    message: issue.message,
  }));
}

/** Edits must show at once in the API (an `If-Match` needs the current version): no cache here. */
const repository = new RosterRepository(requireEnv(LEADS_TABLE_ENV), loadRoster(), { ttlMs: 0 });

export const handler = middy((event: APIGatewayProxyEvent) => serveReps(event, repository)).use(
  injectLambdaContext(logger, { resetKeys: true }),
);
