// The captcha check against a real HTTP server on 127.0.0.1 standing in for Turnstile, reCAPTCHA or
// hCaptcha: what is posted, and how each kind of answer (or its absence) is read.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type CaptchaConfig, verifyCaptcha } from '../../../functions/leads/captcha.ts';

const SECRET = 'secret-0x4AAA';
const TOKEN = 'token-from-the-widget';

interface Received {
  readonly method: string | undefined;
  readonly contentType: string | undefined;
  readonly form: Record<string, string>;
}

let server: Server;
let config: CaptchaConfig;
let received: Received[] = [];
let respond: (response: ServerResponse) => void;

beforeAll(async () => {
  server = createServer(async (request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    received.push({
      method: request.method,
      contentType: request.headers['content-type'],
      form: Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString('utf8'))),
    });
    // No keep-alive: each test gets a fresh connection, never one a previous test cut.
    response.setHeader('connection', 'close');
    respond(response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  config = {
    verifyUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/siteverify`,
    secret: SECRET,
  };
});

afterEach(() => {
  received = [];
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

function answerJson(status: number, body: unknown): (response: ServerResponse) => void {
  return (response) => {
    response.writeHead(status, { 'content-type': 'application/json' });
    response.end(JSON.stringify(body));
  };
}

describe('verifyCaptcha', () => {
  it('posts secret, response and remoteip as a form, and accepts a success', async () => {
    // Prepare
    respond = answerJson(200, { success: true, hostname: 'www.acme.example', 'error-codes': [] });

    // Act
    const result = await verifyCaptcha(config, TOKEN, '203.0.113.7');

    // Assess
    expect(result).toEqual({ ok: true });
    expect(received).toEqual([
      {
        method: 'POST',
        contentType: 'application/x-www-form-urlencoded',
        form: { secret: SECRET, response: TOKEN, remoteip: '203.0.113.7' },
      },
    ]);
  });

  it('leaves remoteip out when the address is not known', async () => {
    // Prepare
    respond = answerJson(200, { success: true });

    // Act
    await verifyCaptcha(config, TOKEN, undefined);

    // Assess
    expect(received[0]?.form).toEqual({ secret: SECRET, response: TOKEN });
  });

  it('answers rejected with the provider’s error codes, and neither secret nor token', async () => {
    // Prepare
    respond = answerJson(200, { success: false, 'error-codes': ['timeout-or-duplicate'] });

    // Act
    const result = await verifyCaptcha(config, TOKEN, '203.0.113.7');

    // Assess
    expect(result).toEqual({ ok: false, reason: 'rejected', errorCodes: ['timeout-or-duplicate'] });
    expect(JSON.stringify(result)).not.toContain(SECRET);
    expect(JSON.stringify(result)).not.toContain(TOKEN);
  });

  it('answers missing without asking the provider when there is no token', async () => {
    // Prepare
    respond = answerJson(200, { success: true });

    // Act
    const absent = await verifyCaptcha(config, undefined, '203.0.113.7');
    const blank = await verifyCaptcha(config, '  ', '203.0.113.7');

    // Assess
    expect(absent).toEqual({ ok: false, reason: 'missing' });
    expect(blank).toEqual({ ok: false, reason: 'missing' });
    expect(received).toEqual([]);
  });

  it('answers unavailable when the provider does not answer in time', async () => {
    // Prepare: the request is read, and never answered.
    let hungUp: Promise<unknown> | undefined;
    respond = (response) => {
      hungUp = new Promise((resolve) =>
        response.socket?.destroyed ? resolve(undefined) : response.once('close', resolve),
      );
    };

    // Act: long enough for a loaded machine to deliver the request before the client gives up
    const result = await verifyCaptcha({ ...config, timeoutMs: 500 }, TOKEN, undefined);

    // Assess
    expect(result).toEqual({ ok: false, reason: 'unavailable', detail: 'no answer within 500 ms' });
    expect(received).toHaveLength(1);
    // The timeout aborted the request: the client hung up on the unanswered exchange.
    await hungUp;
  });

  it('answers unavailable when the answer starts but its body never ends', async () => {
    // Prepare
    respond = (response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.write('{"success":');
    };

    // Act
    const result = await verifyCaptcha({ ...config, timeoutMs: 100 }, TOKEN, undefined);

    // Assess
    expect(result).toEqual({ ok: false, reason: 'unavailable', detail: 'no answer within 100 ms' });
  });

  it('answers unavailable on a 500, even with a success body', async () => {
    // Prepare
    respond = answerJson(500, { success: true });

    // Act
    const result = await verifyCaptcha(config, TOKEN, undefined);

    // Assess
    expect(result).toEqual({ ok: false, reason: 'unavailable', detail: 'verify answered HTTP 500' });
  });

  it('answers unavailable when the answer is not JSON, or has no success flag', async () => {
    // Prepare
    respond = (response) => {
      response.writeHead(200, { 'content-type': 'text/html' });
      response.end('<html>maintenance</html>');
    };

    // Act
    const html = await verifyCaptcha(config, TOKEN, undefined);
    respond = answerJson(200, { ok: 'yes' });
    const shapeless = await verifyCaptcha(config, TOKEN, undefined);

    // Assess
    expect(html).toEqual({ ok: false, reason: 'unavailable', detail: 'verify answer is not JSON' });
    expect(shapeless).toEqual({
      ok: false,
      reason: 'unavailable',
      detail: 'verify answer has no success flag',
    });
  });

  it('answers unavailable when the connection is cut', async () => {
    // Prepare
    respond = (response) => {
      response.socket?.destroy();
    };

    // Act
    const result = await verifyCaptcha(config, TOKEN, undefined);

    // Assess
    expect(result).toEqual({ ok: false, reason: 'unavailable', detail: 'verify request failed' });
  });

  it('uses the fetch it is given', async () => {
    // Prepare
    const calls: string[] = [];
    const fakeFetch: typeof fetch = async (url) => {
      calls.push(String(url));
      return new Response(JSON.stringify({ success: true }), { status: 200 });
    };

    // Act
    const result = await verifyCaptcha(config, TOKEN, undefined, fakeFetch);

    // Assess
    expect(result).toEqual({ ok: true });
    expect(calls).toEqual([config.verifyUrl]);
    expect(received).toEqual([]);
  });
});
