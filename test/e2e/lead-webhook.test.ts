// The optional lead.assigned webhook (an EventBridge API destination) on the local runtime: the
// receiver gets each assigned lead with the connection's API key header, read from its secret.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalSystem, startLocalSystem } from '../support/local-system.ts';

const received: Array<{ headers: IncomingHttpHeaders; body: Record<string, unknown> }> = [];
let receiver: Server;
let system: LocalSystem;

beforeAll(async () => {
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({ headers: req.headers, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
      res.writeHead(200).end('{}');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', () => resolve()));
  const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks/relance`;
  system = await startLocalSystem({
    start: Date.parse('2026-03-02T10:00:00Z'),
    context: {
      'relance:leads': {
        formOrigins: ['https://shop.example.com'],
        honeypotField: 'website',
        perClientPerMinute: 10,
        throttle: { rateLimit: 20, burstLimit: 40 },
        webhook: { url, headerName: 'x-relance-token', secretName: 'relance/webhook' },
      },
    },
  });
  system.runtime.secretsManager.ensureSecret('relance/webhook', 'token-from-secrets-manager');
});
afterAll(async () => {
  await system.stop();
  await new Promise<void>((resolve) => receiver.close(() => resolve()));
});

describe('lead.assigned webhook', () => {
  it('posts each assigned lead to the configured URL with the API key header', async () => {
    // Act
    const answer = await fetch(`${system.endpoint}/v1/leads`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://shop.example.com' },
      body: new URLSearchParams({
        email: 'hooked@client.example',
        country: 'FR',
        postcode: '75011',
      }).toString(),
    });
    const { leadId } = (await answer.json()) as { leadId: string };
    await system.runtime.idle();

    // Assess
    expect(received).toHaveLength(1);
    expect(received[0]?.headers['x-relance-token']).toBe('token-from-secrets-manager');
    expect(received[0]?.body).toMatchObject({
      'detail-type': 'lead.assigned',
      source: 'relance.ingest',
      detail: { leadId, repId: 'julien-moreau', reason: 'new' },
    });
  });
});
