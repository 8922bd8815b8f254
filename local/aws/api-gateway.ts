/**
 * API Gateway (REST, Lambda proxy), locally: the routes of the template call the same handlers
 * with API Gateway-shaped events. Paths answer with or without the stage prefix (`/v1/events` and
 * `/events`); a method that requires an API key checks `x-api-key`. The stage's throttles (method
 * settings, then the usage plan's per key, then the account's 10,000/s with a burst of 5,000) are
 * token buckets on real time: over them the answer is 429 `Too Many Requests`. An OPTIONS request
 * gets the template's MOCK preflight answer where there is one; a method or path the API does not
 * have gets 403 `Missing Authentication Token`, as a REST API answers.
 */
import { randomUUID } from 'node:crypto';
import type { LambdaHost } from './lambda-host.ts';
import type { AwsRequest, AwsResponse } from './protocol.ts';
import {
  LOCAL_ACCOUNT,
  LOCAL_REGION,
  type LocalPreflight,
  type LocalRoute,
  type LocalThrottle,
} from './template.ts';

export interface ApiGatewayOptions {
  readonly routes: readonly LocalRoute[];
  readonly stage: string;
  readonly lambdas: LambdaHost;
  readonly apiKey: string;
  readonly now: () => number;
  readonly preflights?: readonly LocalPreflight[];
  readonly throttles?: readonly LocalThrottle[];
  /**
   * IAM: whether API Gateway may invoke the route's function (its Lambda permission for
   * `sourceArn`, the execute-api ARN of the request); a truthy answer is a refusal.
   */
  readonly authorizeInvoke?: (route: LocalRoute, sourceArn: string) => unknown;
  /** Real milliseconds for the token buckets (throttling is infrastructure time, never scaled). */
  readonly realNow?: () => number;
  /**
   * Whether the system behind the API takes more work now; when not, the request is answered 429
   * before anything is invoked (the runtime's backpressure: the producer retries later).
   */
  readonly accepting?: () => boolean;
}

/** The account-level throttle of API Gateway (per Region): 10,000 requests/s, burst 5,000. */
const ACCOUNT_THROTTLE: LocalThrottle = {
  scope: 'method',
  httpMethod: '*',
  resourcePath: '/*',
  rateLimit: 10_000,
  burstLimit: 5_000,
};

/** A token bucket: `burst` tokens, refilled at `rate` per second. */
class TokenBucket {
  private tokens: number;
  private last: number;
  constructor(
    private readonly rate: number,
    private readonly burst: number,
    now: number,
  ) {
    this.tokens = burst;
    this.last = now;
  }

  take(now: number): boolean {
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.rate);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

interface ProxyResult {
  statusCode?: number;
  headers?: Record<string, string>;
  multiValueHeaders?: Record<string, string[]>;
  body?: string;
  isBase64Encoded?: boolean;
}

export class LocalApiGateway {
  /** Requests served, for cost accounting. */
  requestCount = 0;
  /** Requests refused with 429 by a throttle. */
  throttledCount = 0;
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(private readonly options: ApiGatewayOptions) {}

  private stripStage(rawPath: string): string {
    return rawPath.startsWith(`/${this.options.stage}/`)
      ? rawPath.slice(this.options.stage.length + 1)
      : rawPath;
  }

  /** Whether a route template (`/reps/{repId}`) matches a path. */
  private static matches(template: string, path: string): Record<string, string> | undefined {
    const routeParts = template.split('/').filter(Boolean);
    const parts = path.split('/').filter(Boolean);
    if (routeParts.length !== parts.length) return undefined;
    const pathParameters: Record<string, string> = {};
    const ok = routeParts.every((part, i) => {
      const value = parts[i] ?? '';
      const param = /^\{(.+)\}$/.exec(part)?.[1];
      if (param) {
        pathParameters[param] = decodeURIComponent(value);
        return true;
      }
      return part === value;
    });
    return ok ? pathParameters : undefined;
  }

  /** The most specific throttle of a scope for a method on a resource path. */
  private throttleFor(scope: LocalThrottle['scope'], method: string, resourcePath: string) {
    const candidates = (this.options.throttles ?? []).filter(
      (t) =>
        t.scope === scope &&
        (t.httpMethod === '*' || t.httpMethod === method) &&
        (t.resourcePath === '/*' || t.resourcePath === resourcePath),
    );
    const rank = (t: LocalThrottle) => (t.resourcePath === '/*' ? 0 : 2) + (t.httpMethod === '*' ? 0 : 1);
    return candidates.sort((a, b) => rank(b) - rank(a))[0];
  }

  /** Takes a token from every bucket that applies; false when one is empty (429). */
  private admit(route: LocalRoute, apiKey: string | undefined): boolean {
    const now = this.options.realNow?.() ?? performance.now();
    const take = (key: string, throttle: LocalThrottle) => {
      let bucket = this.buckets.get(key);
      if (!bucket) {
        bucket = new TokenBucket(throttle.rateLimit, throttle.burstLimit, now);
        this.buckets.set(key, bucket);
      }
      return bucket.take(now);
    };
    const perKey =
      route.apiKeyRequired && apiKey ? this.throttleFor('api-key', route.method, route.path) : undefined;
    if (perKey && !take(`key:${apiKey}:${perKey.httpMethod} ${perKey.resourcePath}`, perKey)) return false;
    const method = this.throttleFor('method', route.method, route.path);
    // A method setting's throttle applies to each method it covers separately.
    if (method && !take(`method:${route.method} ${route.path}`, method)) return false;
    return take('account', ACCOUNT_THROTTLE);
  }

  /** The CORS preflight answer the template gives for an OPTIONS request on this path. */
  private preflight(req: AwsRequest): AwsResponse | undefined {
    const path = this.stripStage(req.path);
    const found = (this.options.preflights ?? []).find((p) => LocalApiGateway.matches(p.path, path));
    if (!found) return undefined;
    const headers: Record<string, string> = { ...found.headers };
    const origin = req.headers.origin;
    if (origin && found.echoedOrigins.includes(origin)) headers['Access-Control-Allow-Origin'] = origin;
    return { status: found.status, headers: { 'content-type': 'application/json', ...headers }, body: '' };
  }

  /** The route for a method and path, with path parameters; undefined when none matches. */
  match(
    method: string,
    rawPath: string,
  ): { route: LocalRoute; pathParameters: Record<string, string> } | undefined {
    const path = this.stripStage(rawPath);
    for (const route of this.options.routes) {
      if (route.method !== method && route.method !== 'ANY') continue;
      const pathParameters = LocalApiGateway.matches(route.path, path);
      if (pathParameters) return { route, pathParameters };
    }
    return undefined;
  }

  /** Whether any route (any method) or preflight serves this path. */
  servesPath(path: string): boolean {
    const stripped = this.stripStage(path);
    return (
      ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'ANY'].some((m) => this.match(m, path)) ||
      (this.options.preflights ?? []).some((p) => LocalApiGateway.matches(p.path, stripped) !== undefined)
    );
  }

  async handle(req: AwsRequest, sourceIp: string): Promise<AwsResponse> {
    const found = this.match(req.method, req.path);
    if (!found) {
      const preflight = req.method === 'OPTIONS' ? this.preflight(req) : undefined;
      if (preflight) {
        this.requestCount++;
        return preflight;
      }
      // A REST API answers a method or resource it does not have with 403, whatever the path.
      return json(403, { message: 'Missing Authentication Token' }, 'MissingAuthenticationTokenException');
    }
    this.requestCount++;
    const { route, pathParameters } = found;
    const apiKey = req.headers['x-api-key'];
    if (route.apiKeyRequired && apiKey !== this.options.apiKey)
      return json(403, { message: 'Forbidden' }, 'ForbiddenException');
    if (!this.admit(route, apiKey) || this.options.accepting?.() === false) {
      this.throttledCount++;
      return json(429, { message: 'Too Many Requests' }, 'TooManyRequestsException');
    }
    const stagePath = this.stripStage(req.path);
    const sourceArn = `arn:aws:execute-api:${LOCAL_REGION}:${LOCAL_ACCOUNT}:${route.restApiId ?? 'local'}/${this.options.stage}/${req.method}/${stagePath.replace(/^\//, '')}`;
    // Without the function's permission API Gateway cannot call it: a configuration error, 500.
    if (this.options.authorizeInvoke?.(route, sourceArn))
      return json(500, { message: 'Internal server error' }, 'InternalServerErrorException');
    const now = this.options.now();
    const event = {
      resource: route.path,
      path: req.path,
      httpMethod: req.method,
      headers: Object.fromEntries(
        Object.entries(req.headers).filter((e): e is [string, string] => e[1] !== undefined),
      ),
      multiValueHeaders: Object.fromEntries(
        Object.entries(req.headers)
          .filter((e): e is [string, string] => e[1] !== undefined)
          .map(([k, v]) => [k, [v]]),
      ),
      queryStringParameters: req.query.size > 0 ? Object.fromEntries(req.query) : null,
      multiValueQueryStringParameters:
        req.query.size > 0
          ? Object.fromEntries([...req.query.keys()].map((k) => [k, req.query.getAll(k)]))
          : null,
      pathParameters: Object.keys(pathParameters).length > 0 ? pathParameters : null,
      stageVariables: null,
      requestContext: {
        accountId: '000000000000',
        apiId: 'local',
        stage: this.options.stage,
        requestId: randomUUID(),
        requestTime: new Date(now).toUTCString(),
        requestTimeEpoch: now,
        httpMethod: req.method,
        path: `/${this.options.stage}${route.path}`,
        resourcePath: route.path,
        protocol: 'HTTP/1.1',
        identity: {
          sourceIp,
          userAgent: req.headers['user-agent'] ?? '',
          apiKey: req.headers['x-api-key'] ?? null,
        },
      },
      body: req.body === '' ? null : req.body,
      isBase64Encoded: false,
    };
    try {
      const result = (await this.options.lambdas.invoke(route.functionArn, event)) as ProxyResult | undefined;
      const headers: Record<string, string> = { ...(result?.headers ?? {}) };
      for (const [key, values] of Object.entries(result?.multiValueHeaders ?? {}))
        headers[key] = values.join(', ');
      const body = result?.isBase64Encoded
        ? Buffer.from(result.body ?? '', 'base64').toString('utf8')
        : (result?.body ?? '');
      return { status: result?.statusCode ?? 200, headers, body };
    } catch {
      // What API Gateway answers when the integration fails: no detail leaks.
      return json(502, { message: 'Internal server error' });
    }
  }
}

function json(status: number, body: unknown, errorType?: string): AwsResponse {
  return {
    status,
    headers: { 'content-type': 'application/json', ...(errorType ? { 'x-amzn-errortype': errorType } : {}) },
    body: JSON.stringify(body),
  };
}
