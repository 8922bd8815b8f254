/**
 * Request bodies: the size limit, the content types a handler takes, base64 decoding, and parsing,
 * each failure a refusal naming its field (`body`, `content-type`).
 *
 * - `jsonBody` is the middleware for handlers whose whole request is a JSON body: after it,
 *   `event.body` is the parsed value.
 * - `readJsonBody` and `readFormBody` do the same work where the body is read only after other
 *   checks (the route, a signed link): the order of the refusals stays the handler's.
 *
 * `@middy/http-json-body-parser` and `@middy/http-urlencode-body-parser` do not fit: they answer
 * malformed JSON 415 (the contract is a 400 naming `body`), refuse a request without a content
 * type, turn a null body into `null`, fold a repeated form field into an array, and read no
 * multipart form (RFC 8058 one-click unsubscribe may post one).
 */
import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { HttpError, refusal } from './http-error.ts';
import { bodyText, header, parseJson } from './responses.ts';

type BodyEvent = Pick<APIGatewayProxyEvent, 'body' | 'isBase64Encoded' | 'headers'>;

/** An API Gateway event whose JSON body `jsonBody` has parsed. */
export type ParsedJsonEvent = Omit<APIGatewayProxyEvent, 'body'> & { body: unknown };

/** The media type of a Content-Type value, lower-cased, without its parameters. */
export function mediaTypeOf(contentType: string): string {
  return contentType.split(';')[0]?.trim().toLowerCase() ?? '';
}

/** `application/json`, or a structured `application/*+json` type. */
export function isJsonMediaType(contentType: string): boolean {
  const type = mediaTypeOf(contentType);
  return type === 'application/json' || (type.startsWith('application/') && type.endsWith('+json'));
}

/** The body as text (base64 decoded), refused with 413 naming `body` when over `maxBytes`. */
export function boundedBodyText(
  event: Pick<APIGatewayProxyEvent, 'body' | 'isBase64Encoded'>,
  maxBytes: number,
) {
  const text = bodyText(event);
  if (Buffer.byteLength(text) > maxBytes) throw refusal(413, 'body', `is larger than ${maxBytes} bytes`);
  return text;
}

export interface JsonBodyOptions {
  readonly maxBytes: number;
  /**
   * Whether a declared Content-Type is JSON (default `isJsonMediaType`). A request without one is
   * read as JSON.
   */
  readonly accepts?: (contentType: string) => boolean;
}

/**
 * The parsed JSON body. Refuses, in this order: 413 `body` over the size limit, 415 `content-type`
 * for a type that is not JSON, 400 `body` for an empty body or malformed JSON.
 */
export function readJsonBody(event: BodyEvent, options: JsonBodyOptions): unknown {
  const text = boundedBodyText(event, options.maxBytes);
  const contentType = header(event, 'content-type');
  if (contentType !== undefined && !(options.accepts ?? isJsonMediaType)(contentType)) {
    throw refusal(415, 'content-type', 'must be application/json');
  }
  const parsed = parseJson(text);
  if (!parsed.ok) throw new HttpError(400, parsed.errors);
  return parsed.value;
}

/** Middleware: reads the JSON body as `readJsonBody` does, and puts the parsed value in `event.body`. */
export function jsonBody(options: JsonBodyOptions): MiddlewareObj<APIGatewayProxyEvent> {
  return {
    name: 'jsonBody',
    before: (request) => {
      (request.event as unknown as ParsedJsonEvent).body = readJsonBody(request.event, options);
    },
  };
}

/** The form encodings `readFormBody` reads. */
export const FORM_MEDIA_TYPES: readonly string[] = [
  'application/x-www-form-urlencoded',
  'multipart/form-data',
];

/**
 * The fields of a form body, url-encoded or multipart (a request without a Content-Type is read as
 * url-encoded). Refuses 413 `body` over `maxBytes`, 415 `content-type` for another type, 400 `body`
 * when the form cannot be read.
 */
export async function readFormBody(
  event: BodyEvent,
  options: { readonly maxBytes: number },
): Promise<FormData> {
  const text = boundedBodyText(event, options.maxBytes);
  const contentType = header(event, 'content-type') ?? FORM_MEDIA_TYPES[0] ?? '';
  if (!FORM_MEDIA_TYPES.includes(mediaTypeOf(contentType))) {
    throw refusal(415, 'content-type', `must be ${FORM_MEDIA_TYPES.join(' or ')}`);
  }
  try {
    return await new Response(text, { headers: { 'content-type': contentType } }).formData();
  } catch {
    throw refusal(400, 'body', 'is not a readable form');
  }
}
