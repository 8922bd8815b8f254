/**
 * Small helpers for API Gateway proxy handlers: JSON answers and body parsing with field-level
 * errors. The middlewares built on them (errors, bodies, CORS, routes) are in `http/`.
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';

export interface FieldError {
  readonly field: string;
  readonly message: string;
}

/** A JSON response. */
export function json(
  statusCode: number,
  body: unknown,
  headers: Record<string, string> = {},
): APIGatewayProxyResult {
  return {
    statusCode,
    headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
    body: JSON.stringify(body),
  };
}

/** A 4xx answer that explains itself: `{ errors: [{ field, message }] }`. */
export function clientError(
  statusCode: number,
  errors: FieldError[],
  headers: Record<string, string> = {},
): APIGatewayProxyResult {
  return json(statusCode, { errors }, headers);
}

/** The raw request body as text, decoding base64 when API Gateway encoded it. */
export function bodyText(event: Pick<APIGatewayProxyEvent, 'body' | 'isBase64Encoded'>): string {
  if (!event.body) return '';
  return event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
}

/** A header value, whatever its case. */
export function header(event: Pick<APIGatewayProxyEvent, 'headers'>, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(event.headers ?? {}))
    if (key.toLowerCase() === wanted) return value ?? undefined;
  return undefined;
}

/** Parses a JSON body, or says why not with a field named `body`. */
export function parseJson(text: string): { ok: true; value: unknown } | { ok: false; error: FieldError } {
  if (text.trim() === '')
    return { ok: false, error: { field: 'body', message: 'is empty; send a JSON object' } };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false, error: { field: 'body', message: 'is not valid JSON' } };
  }
}
