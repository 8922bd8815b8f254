// Body checks: the size limit, the content types taken, base64, and parsing, each refusal naming
// its field, in the order size, type, content.
import middy from '@middy/core';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import {
  isJsonMediaType,
  type JsonBodyOptions,
  jsonBody,
  type ParsedJsonEvent,
  readFormBody,
} from '#platform/http/body.ts';
import { httpErrors } from '#platform/http/error-handler.ts';
import { HttpError } from '#platform/http/http-error.ts';
import { json } from '#platform/http/responses.ts';
import { apiEvent, errorsOf, invoke } from './support.ts';

const JSON_HEADERS = { 'Content-Type': 'application/json' };

/** A handler echoing the parsed body, behind jsonBody. */
function echo(options: JsonBodyOptions = { maxBytes: 1024 }) {
  let seen: unknown;
  const handler = middy(async (event: ParsedJsonEvent): Promise<APIGatewayProxyResult> => {
    seen = event.body;
    return json(200, { received: event.body });
  })
    .use(httpErrors({ logMessage: 'echo failed', fault: () => json(503, {}) }))
    .use(jsonBody(options));
  return { handler, seen: () => seen };
}

describe('jsonBody', () => {
  it('puts the parsed body in event.body', async () => {
    // Prepare
    const { handler, seen } = echo();

    // Act
    const response = await invoke(handler, apiEvent({ body: '{"a":[1,2]}', headers: JSON_HEADERS }));

    // Assess
    expect(response.statusCode).toBe(200);
    expect(seen()).toEqual({ a: [1, 2] });
  });

  it('decodes a base64 body first', async () => {
    // Prepare
    const { handler, seen } = echo();
    const body = Buffer.from('{"name":"Zoë"}', 'utf8').toString('base64');

    // Act
    await invoke(handler, apiEvent({ body, isBase64Encoded: true, headers: JSON_HEADERS }));

    // Assess
    expect(seen()).toEqual({ name: 'Zoë' });
  });

  it('answers 400 naming body for malformed JSON, and the handler does not run', async () => {
    // Prepare
    const { handler, seen } = echo();

    // Act
    const response = await invoke(handler, apiEvent({ body: '{"a": ', headers: JSON_HEADERS }));

    // Assess
    expect(response.statusCode).toBe(400);
    expect(errorsOf(response)).toEqual([{ field: 'body', message: 'is not valid JSON' }]);
    expect(seen()).toBeUndefined();
  });

  it.each([
    ['null', null],
    ['empty', ''],
    ['blank', ' \n'],
  ])('answers 400 naming body for a %s body', async (_label, body) => {
    // Act
    const response = await invoke(echo().handler, apiEvent({ body, headers: JSON_HEADERS }));

    // Assess
    expect(response.statusCode).toBe(400);
    expect(errorsOf(response)).toEqual([{ field: 'body', message: 'is empty; send a JSON object' }]);
  });

  it('answers 415 naming content-type for a type that is not JSON', async () => {
    // Act
    const response = await invoke(
      echo().handler,
      apiEvent({ body: '{}', headers: { 'content-type': 'application/x-www-form-urlencoded' } }),
    );

    // Assess
    expect(response.statusCode).toBe(415);
    expect(errorsOf(response)).toEqual([{ field: 'content-type', message: 'must be application/json' }]);
  });

  it('reads a body without a Content-Type as JSON, and takes +json types and parameters', async () => {
    // Act
    const none = await invoke(echo().handler, apiEvent({ body: '{}', headers: {} }));
    const problem = await invoke(
      echo().handler,
      apiEvent({ body: '{}', headers: { 'content-type': 'Application/Problem+JSON; charset=utf-8' } }),
    );

    // Assess
    expect([none.statusCode, problem.statusCode]).toEqual([200, 200]);
  });

  it('takes the content types the handler accepts', async () => {
    // Prepare
    const lenient = echo({ maxBytes: 1024, accepts: (type) => type.includes('json') });

    // Act
    const response = await invoke(
      lenient.handler,
      apiEvent({ body: '{}', headers: { 'content-type': 'text/json' } }),
    );

    // Assess
    expect(response.statusCode).toBe(200);
  });

  it('answers 413 naming body over the limit, counting bytes, before looking at the type', async () => {
    // Prepare: 7 characters, 12 bytes
    const { handler } = echo({ maxBytes: 10 });

    // Act
    const response = await invoke(
      handler,
      apiEvent({ body: '"ééééé"', headers: { 'content-type': 'text/plain' } }),
    );

    // Assess
    expect(response.statusCode).toBe(413);
    expect(errorsOf(response)).toEqual([{ field: 'body', message: 'is larger than 10 bytes' }]);
  });

  it('tells the media types that are JSON', () => {
    expect(isJsonMediaType('application/json')).toBe(true);
    expect(isJsonMediaType('application/vnd.api+json; charset=utf-8')).toBe(true);
    expect(isJsonMediaType('text/json')).toBe(false);
    expect(isJsonMediaType('')).toBe(false);
  });
});

describe('readFormBody', () => {
  const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

  async function refusalOf(promise: Promise<unknown>): Promise<HttpError> {
    const error = await promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    if (!(error instanceof HttpError)) throw new Error('expected a refusal');
    return error;
  }

  it('reads url-encoded fields, repeated ones included', async () => {
    // Act
    const form = await readFormBody(apiEvent({ body: 'topic=a&topic=b&action=save', headers: FORM }), {
      maxBytes: 1024,
    });

    // Assess
    expect(form.getAll('topic')).toEqual(['a', 'b']);
    expect(form.get('action')).toBe('save');
  });

  it('reads a multipart form, and a body without a Content-Type as url-encoded', async () => {
    // Prepare
    const boundary = '----b42';
    const body = `--${boundary}\r\nContent-Disposition: form-data; name="x"\r\n\r\n1\r\n--${boundary}--\r\n`;

    // Act
    const multipart = await readFormBody(
      apiEvent({ body, headers: { 'Content-Type': `multipart/form-data; boundary=${boundary}` } }),
      { maxBytes: 1024 },
    );
    const untyped = await readFormBody(apiEvent({ body: 'x=2', headers: {} }), { maxBytes: 1024 });

    // Assess
    expect(multipart.get('x')).toBe('1');
    expect(untyped.get('x')).toBe('2');
  });

  it('refuses 413, 415 and 400, naming the field', async () => {
    // Act
    const large = await refusalOf(
      readFormBody(apiEvent({ body: 'x='.padEnd(40, 'y'), headers: FORM }), { maxBytes: 32 }),
    );
    const json = await refusalOf(
      readFormBody(apiEvent({ body: '{}', headers: { 'content-type': 'application/json' } }), {
        maxBytes: 32,
      }),
    );
    const broken = await refusalOf(
      readFormBody(apiEvent({ body: 'x', headers: { 'content-type': 'multipart/form-data; boundary=zz' } }), {
        maxBytes: 32,
      }),
    );

    // Assess
    expect([large.statusCode, large.errors[0]?.field]).toEqual([413, 'body']);
    expect([json.statusCode, json.errors[0]?.field]).toEqual([415, 'content-type']);
    expect([broken.statusCode, broken.errors[0]?.field]).toEqual([400, 'body']);
  });
});
