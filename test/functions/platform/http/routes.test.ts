// The routes a handler serves: 404 naming path, 405 naming method with `allow`.
import middy from '@middy/core';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { httpErrors } from '#platform/http/error-handler.ts';
import { json } from '#platform/http/responses.ts';
import { allowedMethods } from '#platform/http/routes.ts';
import { apiEvent, errorsOf, invoke } from './support.ts';

const handler = middy(async (event: APIGatewayProxyEvent) => json(200, { served: event.resource }))
  .use(httpErrors({ logMessage: 'x', fault: () => json(503, {}) }))
  .use(allowedMethods({ '/things': ['GET'], '/things/{id}': ['GET', 'PUT', 'DELETE'] }));

describe('allowedMethods', () => {
  it('lets a declared method of a declared resource through', async () => {
    // Act
    const response = await invoke(handler, apiEvent({ resource: '/things/{id}', httpMethod: 'PUT' }));

    // Assess
    expect(response.statusCode).toBe(200);
  });

  it('answers 404 naming path for an unknown resource, inherited names included', async () => {
    // Act
    const unknown = await invoke(handler, apiEvent({ resource: '/teams', httpMethod: 'GET' }));
    const inherited = await invoke(handler, apiEvent({ resource: 'constructor', httpMethod: 'GET' }));

    // Assess
    expect(unknown.statusCode).toBe(404);
    expect(errorsOf(unknown)).toEqual([{ field: 'path', message: 'no such resource' }]);
    expect(inherited.statusCode).toBe(404);
  });

  it('answers 405 naming method, with allow, for a method the resource does not take', async () => {
    // Act
    const response = await invoke(handler, apiEvent({ resource: '/things/{id}', httpMethod: 'PATCH' }));

    // Assess
    expect(response.statusCode).toBe(405);
    expect(response.headers).toMatchObject({ allow: 'GET, PUT, DELETE' });
    expect(errorsOf(response)).toEqual([{ field: 'method', message: 'must be one of GET, PUT, DELETE' }]);
  });
});
