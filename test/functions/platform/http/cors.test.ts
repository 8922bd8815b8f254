// The origin policy: another site's browser is refused before the handler runs; an allowed one
// gets CORS headers on the answers; faults stay without them.
import middy from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { cors } from '#platform/http/cors.ts';
import { httpErrors } from '#platform/http/error-handler.ts';
import { json } from '#platform/http/responses.ts';
import { apiEvent, errorsOf, invoke } from './support.ts';

const SITE = 'https://www.acme.example';

function endpoint(answer: () => Promise<APIGatewayProxyResult>) {
  let calls = 0;
  const handler = middy(async (_event: APIGatewayProxyEvent) => {
    calls += 1;
    return answer();
  })
    .use(httpErrors({ logMessage: 'post failed', fault: () => json(503, { errors: [] }) }))
    .use(cors({ origins: [SITE], refusal: 'this site may not post here' }));
  return { handler, calls: () => calls };
}

describe('cors', () => {
  it('refuses another site with 403 naming origin, before the handler runs', async () => {
    // Prepare
    const { handler, calls } = endpoint(async () => json(202, {}));

    // Act
    const response = await invoke(handler, apiEvent({ headers: { Origin: 'https://evil.example' } }));

    // Assess
    expect(response.statusCode).toBe(403);
    expect(errorsOf(response)).toEqual([{ field: 'origin', message: 'this site may not post here' }]);
    expect(response.headers).not.toHaveProperty('Access-Control-Allow-Origin');
    expect(calls()).toBe(0);
  });

  it('adds CORS headers echoing an allowed origin, whatever its case, to the handler’s answers', async () => {
    // Prepare
    const { handler } = endpoint(async () => json(400, { errors: [] }, { 'retry-after': '3' }));

    // Act
    const response = await invoke(handler, apiEvent({ headers: { origin: 'https://WWW.acme.example' } }));

    // Assess
    expect(response.statusCode).toBe(400);
    expect(response.headers).toEqual({
      'content-type': 'application/json; charset=utf-8',
      'retry-after': '3',
      'Access-Control-Allow-Origin': 'https://WWW.acme.example',
      'Access-Control-Allow-Methods': 'POST, OPTIONS',
      'Access-Control-Allow-Headers': 'content-type',
      'Access-Control-Max-Age': '600',
      Vary: 'Origin',
    });
  });

  it('lets a request without Origin through, without CORS headers', async () => {
    // Prepare
    const { handler } = endpoint(async () => json(202, {}));

    // Act
    const response = await invoke(handler, apiEvent({ headers: {} }));

    // Assess
    expect(response.statusCode).toBe(202);
    expect(response.headers).toEqual({ 'content-type': 'application/json; charset=utf-8' });
  });

  it('answers a fault without CORS headers', async () => {
    // Prepare
    const { handler } = endpoint(async () => {
      throw new Error('boom');
    });

    // Act
    const response = await invoke(handler, apiEvent({ headers: { origin: SITE } }));

    // Assess
    expect(response.statusCode).toBe(503);
    expect(response.headers).not.toHaveProperty('Access-Control-Allow-Origin');
  });
});
