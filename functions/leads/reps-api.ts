/**
 * The sales roster API over a roster repository (the routes and methods are checked before, by
 * the handler's `allowedMethods`):
 *
 * - `GET /reps`: the roster (bundle overlaid with the edits) with each rep's version.
 * - `GET /reps/{repId}`: one rep and its version (also as `etag`).
 * - `PUT /reps/{repId}`: the full rep as JSON (`id` absent or equal to the path); 201 when created,
 *   200 when replaced, with the new version. `If-Match: <version>` makes it conditional (412).
 * - `DELETE /reps/{repId}`: 204; 404 for an unknown rep, 409 while the rep still manages someone
 *   or the fallback queue. `If-Match` as for PUT.
 *
 * A rep that is wrong answers 400 naming each field (`body.workingHours.start`); a change that
 * would break the roster (unknown manager, cycle) answers 400 with field `roster`. E-mail
 * addresses and phone numbers are never logged: rep ids only.
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { Identifier, limits } from '#catalogue/common.ts';
import type * as z from '#catalogue/zod.ts';
import { readJsonBody } from '#platform/http/body.ts';
import { refusal } from '#platform/http/http-error.ts';
import { clientError, type FieldError, header, json } from '#platform/http/responses.ts';
import type { MethodsOfResource } from '#platform/http/routes.ts';
import { logger } from '#platform/logger.ts';
import { SalesRep } from './reps.ts';
import {
  RepNotFoundError,
  type RosterRepository,
  RosterValidationError,
  VersionConflictError,
} from './roster-repository.ts';

/** A rep is a few kilobytes; anything larger is a mistake. */
const MAX_BODY_BYTES = 64 * 1024;

export const REPS_ROUTES: MethodsOfResource = {
  '/reps': ['GET'],
  '/reps/{repId}': ['GET', 'PUT', 'DELETE'],
};

const etag = (version: number) => ({ etag: `"${version}"` });

/** Answers one request of `REPS_ROUTES` against the roster; a 4xx is thrown as an `HttpError`. */
export async function answerRepsRequest(
  event: APIGatewayProxyEvent,
  roster: RosterRepository,
): Promise<APIGatewayProxyResult> {
  if (event.resource === '/reps') return listReps(roster);
  const repId = Identifier.safeParse(event.pathParameters?.repId);
  if (!repId.success) throw refusal(400, 'repId', `must be 1 to ${limits.id} characters`);
  if (event.httpMethod === 'GET') return getRep(repId.data, roster);
  const expected = expectedVersion(event);
  if (event.httpMethod === 'PUT') return putRep(event, repId.data, expected, roster);
  return deleteRep(repId.data, expected, roster);
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
  const value = readJsonBody(event, { maxBytes: MAX_BODY_BYTES });
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw refusal(400, 'body', 'must be a JSON object (a rep)');
  }
  if ('id' in value && value.id !== repId) {
    throw refusal(400, 'body.id', 'must be absent or equal to the rep id in the path');
  }
  const rep = SalesRep.safeParse({ ...value, id: repId });
  if (!rep.success) return clientError(400, issueErrors(rep.error.issues));
  try {
    const saved = await roster.put(rep.data, expected);
    logger.info('rep saved', { repId, version: saved.version, created: saved.created });
    return json(saved.created ? 201 : 200, { rep: rep.data, version: saved.version }, etag(saved.version));
  } catch (error) {
    return changeRefused(error, repId, 400);
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
    return changeRefused(error, repId, 409);
  }
}

/** The 4xx answer for a refused change; anything else is a fault and is rethrown. */
function changeRefused(error: unknown, repId: string, invalidStatus: 400 | 409): APIGatewayProxyResult {
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

/** `If-Match: 3` (or the `"3"` this API sends as etag); undefined when absent; 400 otherwise. */
function expectedVersion(event: APIGatewayProxyEvent): number | undefined {
  const raw = header(event, 'if-match');
  if (raw === undefined) return undefined;
  const digits = /^"?(\d{1,15})"?$/.exec(raw.trim())?.[1];
  if (digits === undefined) throw refusal(400, 'if-match', 'must be a version number');
  return Number(digits);
}

/** zod issues as fields of the body, `body.workingHours.start`. */
function issueErrors(issues: readonly z.core.$ZodIssue[]): FieldError[] {
  return issues.map((issue) => ({
    field: ['body', ...issue.path.map(String)].join('.'),
    message: issue.message,
  }));
}
