// The local API Gateway: the stage's throttles as token buckets, the usage plan's per API key,
// CORS preflights from the template's MOCK integrations, and a REST API's answers to what it lacks.
import { describe, expect, it } from 'vitest';
import { LocalApiGateway } from '../../../local/aws/api-gateway.ts';
import type { LambdaHost } from '../../../local/aws/lambda-host.ts';
import type { AwsRequest } from '../../../local/aws/protocol.ts';
import type { LocalRoute, LocalThrottle } from '../../../local/aws/template.ts';

const FN = 'arn:aws:lambda:us-east-1:000000000000:function:Form';
const routes: LocalRoute[] = [
  { method: 'POST', path: '/leads', functionArn: FN, apiKeyRequired: false, restApiId: 'Api' },
  { method: 'GET', path: '/reps/{repId}', functionArn: FN, apiKeyRequired: true, restApiId: 'Api' },
];
const throttles: LocalThrottle[] = [
  { scope: 'method', httpMethod: '*', resourcePath: '/*', rateLimit: 200, burstLimit: 400 },
  { scope: 'method', httpMethod: 'POST', resourcePath: '/leads', rateLimit: 20, burstLimit: 40 },
  { scope: 'api-key', httpMethod: '*', resourcePath: '/*', rateLimit: 1, burstLimit: 3 },
];

function gateway(options: { invoked?: string[]; denied?: boolean; clock?: { ms: number } } = {}) {
  const invoked = options.invoked ?? [];
  const clock = options.clock ?? { ms: 0 };
  const lambdas = {
    invoke: async (_arn: string, event: { path: string }) => {
      invoked.push(event.path);
      return { statusCode: 202, body: '{}' };
    },
  } as unknown as LambdaHost;
  return new LocalApiGateway({
    routes,
    stage: 'v1',
    lambdas,
    apiKey: 'key',
    now: () => 0,
    throttles,
    realNow: () => clock.ms,
    preflights: [
      {
        path: '/leads',
        status: 204,
        headers: {
          'Access-Control-Allow-Origin': 'https://shop.example.com',
          'Access-Control-Allow-Methods': 'POST',
        },
        echoedOrigins: ['http://localhost:4747'],
      },
    ],
    authorizeInvoke: (_route, sourceArn) => (options.denied ? sourceArn : undefined),
  });
}

const request = (method: string, path: string, headers: Record<string, string> = {}): AwsRequest => ({
  method,
  path,
  query: new URLSearchParams(),
  headers,
  body: method === 'POST' ? '{}' : '',
});

describe('throttling', () => {
  it('lets a burst through, answers 429 Too Many Requests beyond it, and refills at the rate', async () => {
    const clock = { ms: 0 };
    const invoked: string[] = [];
    const api = gateway({ clock, invoked });

    const burst = await Promise.all(
      Array.from({ length: 100 }, () => api.handle(request('POST', '/v1/leads'), '1.2.3.4')),
    );
    clock.ms += 1_000;
    const second = await Promise.all(
      Array.from({ length: 30 }, () => api.handle(request('POST', '/v1/leads'), '1.2.3.4')),
    );

    expect(burst.filter((a) => a.status === 202)).toHaveLength(40);
    const refused = burst.find((a) => a.status === 429);
    expect(refused && JSON.parse(refused.body)).toEqual({ message: 'Too Many Requests' });
    expect(second.filter((a) => a.status === 202)).toHaveLength(20);
    expect(invoked).toHaveLength(60);
    expect(api.throttledCount).toBe(70);
  });

  it('applies the most specific method setting: other methods keep the stage-wide limit', async () => {
    const api = gateway();
    for (let i = 0; i < 40; i++) await api.handle(request('POST', '/v1/leads'), '1.2.3.4');
    expect((await api.handle(request('POST', '/v1/leads'), '1.2.3.4')).status).toBe(429);
    expect((await api.handle(request('GET', '/v1/reps/r1', { 'x-api-key': 'key' }), '1.2.3.4')).status).toBe(
      202,
    );
  });

  it('throttles requests with an API key by the usage plan', async () => {
    const api = gateway();
    const answers = [];
    for (let i = 0; i < 5; i++)
      answers.push((await api.handle(request('GET', '/v1/reps/r1', { 'x-api-key': 'key' }), '')).status);
    expect(answers).toEqual([202, 202, 202, 429, 429]);
  });
});

describe('what the API does not have', () => {
  it('answers an OPTIONS preflight with the MOCK integration’s status and headers, echoing a listed origin', async () => {
    const api = gateway();

    const shop = await api.handle(
      request('OPTIONS', '/v1/leads', { origin: 'https://shop.example.com' }),
      '',
    );
    const local = await api.handle(request('OPTIONS', '/v1/leads', { origin: 'http://localhost:4747' }), '');

    expect(shop.status).toBe(204);
    expect(shop.headers).toMatchObject({
      'Access-Control-Allow-Origin': 'https://shop.example.com',
      'Access-Control-Allow-Methods': 'POST',
    });
    expect(local.headers['Access-Control-Allow-Origin']).toBe('http://localhost:4747');
  });

  it('answers 403 Missing Authentication Token for a method or a path without a method', async () => {
    const api = gateway();
    for (const [method, path] of [
      ['OPTIONS', '/v1/reps/r1'],
      ['DELETE', '/v1/leads'],
      ['GET', '/v1/nowhere'],
    ] as const) {
      const answer = await api.handle(request(method, path), '');
      expect(answer.status, `${method} ${path}`).toBe(403);
      expect(JSON.parse(answer.body)).toEqual({ message: 'Missing Authentication Token' });
    }
  });

  it('answers 500 when the function’s permission does not let API Gateway invoke it, naming the request’s execute-api ARN', async () => {
    const invoked: string[] = [];
    const denied: string[] = [];
    const api = new LocalApiGateway({
      routes,
      stage: 'v1',
      lambdas: { invoke: async () => invoked.push('x') } as unknown as LambdaHost,
      apiKey: 'key',
      now: () => 0,
      authorizeInvoke: (_route, sourceArn) => denied.push(sourceArn),
    });

    const answer = await api.handle(request('GET', '/v1/reps/r-42', { 'x-api-key': 'key' }), '');

    expect(answer.status).toBe(500);
    expect(JSON.parse(answer.body)).toEqual({ message: 'Internal server error' });
    expect(denied).toEqual(['arn:aws:execute-api:us-east-1:000000000000:Api/v1/GET/reps/r-42']);
    expect(invoked).toEqual([]);
  });
});
