// The API as the template configures it, on the local runtime: the lead form's stage throttle
// (20 requests/s, burst 40) and its CORS preflight (a MOCK integration) answer as API Gateway does.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalSystem, startLocalSystem } from '../support/local-system.ts';

const SITE = 'https://shop.example.com';
let system: LocalSystem;

beforeAll(async () => {
  system = await startLocalSystem({
    start: Date.parse('2026-03-02T10:00:00Z'),
    environment: { LEAD_FORM_PER_CLIENT_PER_MINUTE: '1000' },
  });
});
afterAll(async () => {
  // The accepted leads are routed in the background: let that finish before stopping.
  await system.runtime.idle();
  await system.stop();
});

describe('the public API', () => {
  it('answers the lead form’s CORS preflight from the template: 204, the site origin, POST', async () => {
    const answer = await fetch(`${system.endpoint}/v1/leads`, {
      method: 'OPTIONS',
      headers: { origin: SITE, 'access-control-request-method': 'POST' },
    });

    expect(answer.status).toBe(204);
    expect(answer.headers.get('access-control-allow-origin')).toBe(SITE);
    expect(answer.headers.get('access-control-allow-methods')).toBe('POST');
  });

  it('answers 403 Missing Authentication Token to a preflight on a route without one', async () => {
    const answer = await fetch(`${system.endpoint}/v1/events`, {
      method: 'OPTIONS',
      headers: { origin: SITE },
    });

    expect(answer.status).toBe(403);
    expect(await answer.json()).toEqual({ message: 'Missing Authentication Token' });
  });

  it('throttles 100 immediate lead posts at the stage’s burst: the rest get 429 and never reach the function', async () => {
    const form = system.runtime.app.functions.find((f) => f.entry === 'functions/leads/form-handler.ts');
    const before = system.runtime.lambdas.counts.get(form?.name ?? '') ?? 0;

    const answers = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        fetch(`${system.endpoint}/v1/leads`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded', origin: SITE },
          body: new URLSearchParams({
            email: `burst.${i}@client.example`,
            country: 'FR',
            postcode: '75002',
            productInterest: 'analytics',
          }).toString(),
        }),
      ),
    );

    const statuses = answers.map((a) => a.status);
    const throttled = statuses.filter((s) => s === 429).length;
    expect(throttled).toBeGreaterThan(0);
    expect(statuses.filter((s) => s !== 429).every((s) => s === 202)).toBe(true);
    const refused = answers.find((a) => a.status === 429);
    expect(await refused?.json()).toEqual({ message: 'Too Many Requests' });
    // Only what the throttle let through reached the function (API Gateway answered after it).
    expect((system.runtime.lambdas.counts.get(form?.name ?? '') ?? 0) - before).toBe(100 - throttled);
  });
});
