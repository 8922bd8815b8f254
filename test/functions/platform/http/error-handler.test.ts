// The error middleware: refusals answer their status naming the field; faults answer the generic
// answer and never echo the error's message, which is logged by name only.
import middy from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { httpErrors } from '#platform/http/error-handler.ts';
import { HttpError, refusal } from '#platform/http/http-error.ts';
import { json } from '#platform/http/responses.ts';
import { logger } from '#platform/logger.ts';
import { apiEvent, errorsOf, invoke } from './support.ts';

const unavailable = () => json(503, { errors: [{ field: 'service', message: 'temporarily unavailable' }] });

function throwing(error: unknown) {
  return middy(async (_event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
    throw error;
  }).use(httpErrors({ logMessage: 'thing failed', fault: unavailable }));
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('httpErrors', () => {
  it('answers a fault with the generic answer, never its message, and logs its name only', async () => {
    // Prepare
    const error = new Error('User arn:aws:iam::123456789012:role/x is not authorized for ada@example.com');
    error.name = 'AccessDeniedException';
    const logged = vi.spyOn(logger, 'error');

    // Act
    const response = await invoke(throwing(error), apiEvent());

    // Assess
    expect(response.statusCode).toBe(503);
    expect(errorsOf(response)).toEqual([{ field: 'service', message: 'temporarily unavailable' }]);
    expect(JSON.stringify(response)).not.toMatch(/arn:aws|authorized|example\.com|AccessDenied/);
    expect(logged).toHaveBeenCalledWith('thing failed', { error: 'AccessDeniedException' });
    expect(JSON.stringify(logged.mock.calls)).not.toMatch(/arn:aws|example\.com/);
  });

  it('answers a thrown value that is not an Error as a fault too', async () => {
    // Act
    const response = await invoke(throwing('ada@example.com'), apiEvent());

    // Assess
    expect(response.statusCode).toBe(503);
    expect(response.body).not.toContain('ada@example.com');
  });

  it('treats an HttpError with a 5xx status as a fault: its message is not shown', async () => {
    // Act
    const response = await invoke(throwing(refusal(502, 'upstream', 'db-7.internal refused')), apiEvent());

    // Assess
    expect(response.statusCode).toBe(503);
    expect(response.body).not.toContain('db-7.internal');
  });

  it('answers a refusal with its status, headers and the fields it names', async () => {
    // Prepare
    const error = new HttpError(
      429,
      [
        { field: 'client', message: 'too many requests' },
        { field: 'body.email', message: 'is not an e-mail address' },
      ],
      { 'retry-after': '12' },
    );
    const logged = vi.spyOn(logger, 'error');

    // Act
    const response = await invoke(throwing(error), apiEvent());

    // Assess
    expect(response.statusCode).toBe(429);
    expect(response.headers).toEqual({
      'content-type': 'application/json; charset=utf-8',
      'retry-after': '12',
    });
    expect(errorsOf(response)).toEqual([
      { field: 'client', message: 'too many requests' },
      { field: 'body.email', message: 'is not an e-mail address' },
    ]);
    expect(logged).not.toHaveBeenCalled();
  });

  it('renders refusals with the handler’s own renderer when it has one', async () => {
    // Prepare
    const handler = middy(async (): Promise<APIGatewayProxyResult> => {
      throw refusal(415, 'content-type', 'must be a form');
    }).use(
      httpErrors({
        logMessage: 'page failed',
        fault: unavailable,
        refusal: (error) => ({
          statusCode: error.statusCode,
          headers: {},
          body: `<p>${error.errors[0]?.field}</p>`,
        }),
      }),
    );

    // Act
    const response = await invoke(handler, apiEvent());

    // Assess
    expect(response).toEqual({ statusCode: 415, headers: {}, body: '<p>content-type</p>' });
  });

  it('leaves the handler’s own answers alone', async () => {
    // Prepare
    const handler = middy(async () => json(201, { ok: true })).use(
      httpErrors({ logMessage: 'x', fault: unavailable }),
    );

    // Act
    const response = await invoke(handler, apiEvent());

    // Assess
    expect(response.statusCode).toBe(201);
  });
});
