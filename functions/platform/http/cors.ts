/**
 * The origin policy of an endpoint that browsers post to from the site's own pages: a browser on
 * another site is refused with 403 naming `origin`; an allowed one gets CORS headers echoing its
 * origin, so the page can read the answer.
 *
 * `@middy/http-cors` does not fit: it matches origins as exact strings (`https://WWW.Example.com`
 * and `https://www.example.com:443` are the same origin), adds the method, header and max-age
 * headers to every answer, allowed origin or not, and says `Vary: Origin` only for several origins.
 */
import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { refusal } from './http-error.ts';
import { header } from './responses.ts';

export interface CorsPolicy {
  /** @default 'POST, OPTIONS' */
  readonly methods?: string;
  /** @default 'content-type' */
  readonly headers?: string;
  /** @default 600 */
  readonly maxAgeSeconds?: number;
}

/**
 * Whether a browser on `origin` may call: its scheme, host (any case) and port must be those of an
 * allowed origin; `*` in the list matches nothing, and the opaque origin `null` (sandboxed frames,
 * `file:` pages) is refused.
 *
 * A request without an `Origin` header is allowed: browsers send one on every cross-origin POST,
 * so its absence means a server, a test or curl, and those can send any `Origin` they like anyway.
 * The check keeps other sites' pages from posting with their visitors' browsers; it is not
 * authentication. The endpoint must refuse a disallowed origin itself: a form-encoded POST is a
 * "simple" request that browsers send without a preflight, so leaving out the CORS headers only
 * hides the answer, it does not stop the post.
 */
export function originAllowed(origin: string | undefined, allowed: readonly string[]): boolean {
  if (origin === undefined) return true;
  const wanted = originOf(origin);
  return wanted !== undefined && allowed.some((entry) => originOf(entry) === wanted);
}

/**
 * CORS headers for an allowed browser origin (echoed, never `*`), or none: without them the
 * browser keeps the answer from the page. `Vary: Origin` keeps caches from reusing one site's answer
 * for another.
 */
export function corsHeaders(
  origin: string | undefined,
  allowed: readonly string[],
  policy: CorsPolicy = {},
): Record<string, string> {
  if (origin === undefined || !originAllowed(origin, allowed)) return {};
  return {
    'Access-Control-Allow-Origin': origin,
    'Access-Control-Allow-Methods': policy.methods ?? 'POST, OPTIONS',
    'Access-Control-Allow-Headers': policy.headers ?? 'content-type',
    'Access-Control-Max-Age': String(policy.maxAgeSeconds ?? 600),
    Vary: 'Origin',
  };
}

export interface CorsOptions extends CorsPolicy {
  /** The site origins allowed (`https://www.example.com`). */
  readonly origins: readonly string[];
  /** The message of the 403 naming `origin`. */
  readonly refusal?: string;
}

/**
 * Middleware: refuses a browser on another site (403 `origin`) before anything else runs, and adds
 * the CORS headers to the handler's answers. Faults and refusals thrown to the error middleware
 * are answered without them.
 */
export function cors(options: CorsOptions): MiddlewareObj<APIGatewayProxyEvent, APIGatewayProxyResult> {
  const message = options.refusal ?? 'this site may not call this endpoint';
  return {
    name: 'cors',
    before: (request) => {
      if (!originAllowed(header(request.event, 'origin'), options.origins)) {
        throw refusal(403, 'origin', message);
      }
    },
    after: (request) => {
      const { response } = request;
      if (!response) return;
      const headers = corsHeaders(header(request.event, 'origin'), options.origins, options);
      request.response = { ...response, headers: { ...response.headers, ...headers } };
    },
  };
}

function originOf(value: string): string | undefined {
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.origin : undefined;
  } catch {
    return undefined;
  }
}
