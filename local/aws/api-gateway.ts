/**
 * API Gateway (REST, Lambda proxy), locally: the routes of the template call the same handlers
 * with API Gateway-shaped events. Paths answer with or without the stage prefix (`/v1/events` and
 * `/events`); a method that requires an API key checks `x-api-key`.
 */
import { randomUUID } from 'node:crypto';
import type { LambdaHost } from './lambda-host.ts';
import type { AwsRequest, AwsResponse } from './protocol.ts';
import type { LocalRoute } from './template.ts';

export interface ApiGatewayOptions {
  readonly routes: readonly LocalRoute[];
  readonly stage: string;
  readonly lambdas: LambdaHost;
  readonly apiKey: string;
  readonly now: () => number;
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

  constructor(private readonly options: ApiGatewayOptions) {}

  /** The route for a method and path, with path parameters; undefined when none matches. */
  match(
    method: string,
    rawPath: string,
  ): { route: LocalRoute; pathParameters: Record<string, string> } | undefined {
    const path = rawPath.startsWith(`/${this.options.stage}/`)
      ? rawPath.slice(this.options.stage.length + 1)
      : rawPath;
    for (const route of this.options.routes) {
      if (route.method !== method && route.method !== 'ANY') continue;
      const routeParts = route.path.split('/').filter(Boolean);
      const parts = path.split('/').filter(Boolean);
      if (routeParts.length !== parts.length) continue;
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
      if (ok) return { route, pathParameters };
    }
    return undefined;
  }

  /** Whether any route serves this path (any method), to tell 404 from 405. */
  servesPath(path: string): boolean {
    return ['GET', 'POST', 'PUT', 'DELETE', 'PATCH'].some((m) => this.match(m, path));
  }

  async handle(req: AwsRequest, sourceIp: string): Promise<AwsResponse> {
    const found = this.match(req.method, req.path);
    if (!found)
      return json(this.servesPath(req.path) ? 405 : 404, { message: 'Missing Authentication Token' });
    this.requestCount++;
    const { route, pathParameters } = found;
    if (route.apiKeyRequired && req.headers['x-api-key'] !== this.options.apiKey)
      return json(403, { message: 'Forbidden' });
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

function json(status: number, body: unknown): AwsResponse {
  return { status, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}
