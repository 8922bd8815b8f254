// The local SES stand-in (aws-ses-v2-local, with Express, nodemailer, mailparser and handlebars) was
// loaded before `npm start` said it was ready: about 0.4 s of a 5 s start in CI (a CPU profile of
// `relance dev`). It is now loaded with the first SES request, which it answers as before.
import { describe, expect, it } from 'vitest';
import { runFresh } from '../../support/fresh-process.ts';

describe('the local SES', () => {
  it('loads its stand-in with the first request, not at start, and answers that request', () => {
    const out = runFresh(
      [
        "import { createRequire } from 'node:module';",
        "const { LocalSes } = await import('./local/aws/ses.ts');",
        'const cache = createRequire(import.meta.url).cache;',
        "const loaded = () => Object.keys(cache).filter((m) => m.includes('/aws-ses-v2-local/')).length;",
        'const ses = new LocalSes();',
        'await ses.start();',
        'const atStart = loaded();',
        'const body = JSON.stringify({',
        "  FromEmailAddress: 'shop@example.com',",
        "  Destination: { ToAddresses: ['ada@example.com'] },",
        "  Content: { Simple: { Subject: { Data: 'Bonjour' }, Body: { Text: { Data: 'À lundi' } } } },",
        '});',
        'const answers = await Promise.all([1, 2].map(() => ses.handler({',
        "  method: 'POST', path: '/v2/email/outbound-emails', query: new URLSearchParams(),",
        // The stand-in answers signed requests only: the edge passes the SDK's Authorization on.
        "  headers: { 'content-type': 'application/json', authorization: 'AWS4-HMAC-SHA256 Credential=local/20260302/us-east-1/ses/aws4_request, SignedHeaders=host, Signature=0' }, body,",
        '})));',
        'await ses.close();',
        'process.stdout.write(JSON.stringify({ atStart, afterSend: loaded(), statuses: answers.map((a) => a.status),',
        '  ids: answers.map((a) => JSON.parse(a.body).MessageId), subjects: ses.emails().map((e) => e.subject) }));',
      ].join('\n'),
    );
    const result = JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as {
      atStart: number;
      afterSend: number;
      statuses: number[];
      ids: string[];
      subjects: string[];
    };
    expect(result.atStart).toBe(0);
    expect(result.afterSend).toBeGreaterThan(0);
    // Two requests arriving together share the one stand-in, and both are answered and kept.
    expect(result.statuses).toEqual([200, 200]);
    expect(new Set(result.ids).size).toBe(2);
    expect(result.subjects).toEqual(['Bonjour', 'Bonjour']);
  }, 60_000);

  it('refuses a request before it is started', async () => {
    const { LocalSes } = await import('../../../local/aws/ses.ts');
    await expect(
      new LocalSes().handler({
        method: 'POST',
        path: '/v2/email/outbound-emails',
        query: new URLSearchParams(),
        headers: {},
        body: '{}',
      }),
    ).rejects.toThrow('the local SES is not started');
  });
});
