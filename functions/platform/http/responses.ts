/**
 * Small helpers for API Gateway proxy handlers: JSON answers and body parsing with field-level
 * errors. The middlewares built on them (errors, bodies, CORS, routes) are in `http/`.
 */
import { type AnyNode, parse as parseJsonTree } from '@humanwhocodes/momoa';
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

/**
 * Parses a JSON body, or says why not: a field named `body` for malformed JSON, or each key sent
 * twice in one object, named by its path (`detail.eventId`). `JSON.parse` keeps the last of two
 * equal keys without a word, so what a producer meant would be guessed.
 */
export function parseJson(text: string): { ok: true; value: unknown } | { ok: false; errors: FieldError[] } {
  if (text.trim() === '')
    return { ok: false, errors: [{ field: 'body', message: 'is empty; send a JSON object' }] };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, errors: [{ field: 'body', message: 'is not valid JSON' }] };
  }
  const repeated = repeatedKeys(text);
  if (repeated === undefined)
    return { ok: false, errors: [{ field: 'body', message: 'is nested too deeply' }] };
  if (repeated.length > 0) {
    return {
      ok: false,
      errors: repeated.map((field) => ({ field, message: 'is sent more than once; send it once' })),
    };
  }
  return { ok: true, value };
}

interface Visit {
  readonly node: AnyNode;
  readonly key?: string;
  readonly parent?: Visit;
}

/** The paths of keys given twice in one object of valid JSON `text` (undefined when nested too deeply to read). */
function repeatedKeys(text: string): string[] | undefined {
  let tree: AnyNode;
  try {
    tree = parseJsonTree(text, { mode: 'json' }).body;
  } catch {
    // JSON.parse read it, so only the tree parser's recursion can have given out.
    return undefined;
  }
  const repeated: string[] = [];
  const pending: Visit[] = [{ node: tree }];
  for (let visit = pending.pop(); visit; visit = pending.pop()) {
    const { node } = visit;
    if (node.type === 'Array') {
      for (const [index, element] of node.elements.entries())
        pending.push({ node: element.value, key: String(index), parent: visit });
    } else if (node.type === 'Object') {
      const seen = new Set<string>();
      for (const member of node.members) {
        const name = member.name.type === 'String' ? member.name.value : member.name.name;
        if (seen.has(name)) repeated.push(pathOf({ node: member.value, key: name, parent: visit }));
        else seen.add(name);
        pending.push({ node: member.value, key: name, parent: visit });
      }
    }
  }
  return [...new Set(repeated)];
}

function pathOf(visit: Visit): string {
  const path: string[] = [];
  for (let at: Visit | undefined = visit; at?.key !== undefined; at = at.parent) path.unshift(at.key);
  return path.join('.');
}
