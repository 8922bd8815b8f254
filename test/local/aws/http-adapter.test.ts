import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ServedAws, serveAws } from '../../../local/aws/http-adapter.ts';
import type { AwsRequest } from '../../../local/aws/protocol.ts';

describe('serveAws', () => {
  const seen: AwsRequest[] = [];
  let server: ServedAws;

  beforeAll(async () => {
    server = await serveAws(
      async (req) => {
        if (req.path === '/boom') throw new Error('handler bug');
        seen.push(req);
        return {
          status: 201,
          headers: { 'content-type': 'text/plain', 'x-echo': req.method },
          body: `got ${req.body}`,
        };
      },
      { host: '127.0.0.1', port: 0, maxBodyBytes: 64 },
    );
  });

  afterAll(async () => {
    await server.close();
  });

  it('listens on 127.0.0.1 and hands the handler the whole request', async () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const res = await fetch(`${server.url}/schedules/a%2Fb?groupName=g&x=1`, {
      method: 'PUT',
      headers: { 'X-Custom': 'Yes' },
      body: 'héllo',
    });
    expect(res.status).toBe(201);
    expect(res.headers.get('x-echo')).toBe('PUT');
    expect(await res.text()).toBe('got héllo');
    const req = seen.at(-1);
    expect(req?.path).toBe('/schedules/a%2Fb');
    expect(req?.query.get('groupName')).toBe('g');
    expect(req?.headers['x-custom']).toBe('Yes');
  });

  it('turns a handler exception into a 500 instead of crashing, without echoing its message', async () => {
    const res = await fetch(`${server.url}/boom`, { method: 'POST', body: '{}' });
    expect(res.status).toBe(500);
    expect(res.headers.get('x-amzn-errortype')).toBe('InternalFailure');
    expect(await res.json()).toEqual({
      __type: 'InternalFailure',
      message: 'The local service failed; its console has the details.',
    });
  });

  it('answers 400 to malformed percent-encoding in the path', async () => {
    const res = await fetch(`${server.url}/a%zz`);
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ message: 'the path has malformed percent-encoding' });
  });

  it('refuses a body above the limit with 413', async () => {
    const res = await fetch(`${server.url}/`, { method: 'POST', body: 'x'.repeat(65) });
    expect(res.status).toBe(413);
  });
});
