// The local endpoint answers its own names only (DNS rebinding), refuses cross-site calls to its
// control routes, and answers a malformed request target with 400 without echoing anything.
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalSystem, startLocalSystem } from '../../support/local-system.ts';

let system: LocalSystem;
let port: string;

beforeAll(async () => {
  system = await startLocalSystem();
  port = new URL(system.endpoint).port;
});
afterAll(async () => {
  await system.stop();
});

/** A raw HTTP/1.1 request (fetch cannot set Host, nor send a target that is not a clean path). */
function raw(
  target: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, method: options.method ?? 'GET', path: target, headers: options.headers },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          body += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

const STOP = JSON.stringify({ from: '+33612345678', body: 'STOP' });

describe('Host', () => {
  it('answers 421 to another name pointing at this port (DNS rebinding), before reading anything', async () => {
    const rebound = await raw('/_relance/contacts', { headers: { host: `attacker.example:${port}` } });
    const otherPort = await raw('/_relance/contacts', { headers: { host: '127.0.0.1:1' } });

    expect(rebound.status).toBe(421);
    expect(JSON.parse(rebound.body)).toEqual({
      message: `This endpoint answers the Host 127.0.0.1:${port} or localhost:${port} only`,
    });
    expect(otherPort.status).toBe(421);
  });

  it('answers 127.0.0.1 and localhost with the port, any case', async () => {
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `LocalHost:${port}`]) {
      const answer = await raw('/no-such-page', { headers: { host } });
      expect(answer.status, host).toBe(404);
    }
  });
});

describe('control routes', () => {
  it('refuse a cross-site text/plain POST to /_relance/sms/inbound (any page could STOP a number)', async () => {
    const fromPage = await raw('/_relance/sms/inbound', {
      method: 'POST',
      headers: {
        host: `127.0.0.1:${port}`,
        origin: 'https://attacker.example',
        'sec-fetch-site': 'cross-site',
        'content-type': 'text/plain',
      },
      body: STOP,
    });

    expect(fromPage.status).toBe(403);
    expect(JSON.parse(fromPage.body)).toEqual({
      errors: [
        {
          field: 'origin',
          message: 'control routes take calls from this machine only, not from another site',
        },
      ],
    });
  });

  it('refuse a body not declared JSON, which a page may send without a preflight', async () => {
    const plain = await raw('/_relance/sms/inbound', {
      method: 'POST',
      headers: { host: `127.0.0.1:${port}`, 'content-type': 'text/plain' },
      body: STOP,
    });

    expect(plain.status).toBe(415);
    expect(JSON.parse(plain.body)).toEqual({
      errors: [{ field: 'content-type', message: 'must be application/json' }],
    });
  });

  it('take a JSON call from a tool (no Origin) or from the page itself', async () => {
    const fromTool = await fetch(`${system.endpoint}/_relance/sms/inbound`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: STOP,
    });
    const fromPage = await raw('/_relance/sms/inbound', {
      method: 'POST',
      headers: {
        host: `localhost:${port}`,
        origin: `http://localhost:${port}`,
        'sec-fetch-site': 'same-origin',
        'content-type': 'application/json',
      },
      body: STOP,
    });

    expect(fromTool.status).toBe(202);
    expect(fromPage.status).toBe(202);
  });
});

describe('malformed request targets', () => {
  it('answer 400 for bad percent-encoding, on a web route and on an API route, echoing nothing', async () => {
    const host = `127.0.0.1:${port}`;
    for (const target of ['/%E0%A4%A', '/u/%zz', '/events/%C0%AF', '/v2/email/outbound-emails/%']) {
      const answer = await raw(target, { headers: { host } });
      expect(answer.status, target).toBe(400);
      expect(answer.body, target).toContain('malformed percent-encoding');
      expect(answer.body, target).not.toMatch(/URI malformed|URIError|at .*\.ts/);
    }
  });

  it('answer 400 for an absolute-form target, and read //host/path as a path, not as another host’s', async () => {
    const host = `127.0.0.1:${port}`;
    const absolute = await raw('http://attacker.example/_relance/contacts', { headers: { host } });
    const doubleSlash = await raw('//attacker.example/_relance/sms/inbound', {
      method: 'POST',
      headers: { host, 'content-type': 'application/json' },
      body: STOP,
    });

    expect(absolute.status).toBe(400);
    expect(JSON.parse(absolute.body)).toMatchObject({ message: 'the request target must be a path' });
    expect(doubleSlash.status).toBe(404);
  });
});
