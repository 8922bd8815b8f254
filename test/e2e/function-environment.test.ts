// Each function runs with its own template environment only: a variable the template gives another
// function is not there, as in AWS. The reps API reads phone numbers in the deployment's default
// country, so it needs DEFAULT_COUNTRY from its own template entry.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { API_KEY, type LocalSystem, startLocalSystem } from '../support/local-system.ts';

const REPS_ENTRY = 'functions/leads/reps-api-handler.ts';

/** Removes a variable from one function of the synthesized app stack. */
function withoutVariable(entry: string, variable: string) {
  return (cdkOut: string) => {
    const path = join(cdkOut, 'Relance.template.json');
    const template = JSON.parse(readFileSync(path, 'utf8')) as {
      Resources: Record<string, { Metadata?: Record<string, unknown>; Properties?: Record<string, unknown> }>;
    };
    for (const resource of Object.values(template.Resources)) {
      if (resource.Metadata?.['relance:entry'] !== entry) continue;
      const variables = (resource.Properties?.Environment as { Variables?: Record<string, unknown> })
        ?.Variables;
      if (variables) delete variables[variable];
    }
    writeFileSync(path, JSON.stringify(template));
  };
}

/** Saves a rep with a national-format phone number through the reps API. */
async function saveRepWithNationalPhone(system: LocalSystem): Promise<Response> {
  const url = `${system.endpoint}/v1/reps/julien-moreau`;
  const current = (await (await fetch(url, { headers: { 'x-api-key': API_KEY } })).json()) as {
    rep: Record<string, unknown>;
  };
  return fetch(url, {
    method: 'PUT',
    headers: { 'x-api-key': API_KEY, 'content-type': 'application/json' },
    body: JSON.stringify({ ...current.rep, phone: '06 12 34 56 78' }),
  });
}

describe('per-function environments', () => {
  let system: LocalSystem | undefined;
  afterEach(async () => {
    await system?.stop();
    system = undefined;
  });

  it('the reps API reads a national phone number in the deployment’s country', async () => {
    system = await startLocalSystem();
    const fn = system.runtime.app.functions.find((f) => f.entry === REPS_ENTRY);
    expect(fn?.environment.DEFAULT_COUNTRY).toBe('FR');

    const answer = await saveRepWithNationalPhone(system);

    expect(answer.status).toBe(200);
    expect(((await answer.json()) as { rep: { phone?: string } }).rep.phone).toBe('+33612345678');
  });

  it('refuses it when the function’s own template entry lacks DEFAULT_COUNTRY, though other functions have it', async () => {
    system = await startLocalSystem({ editAssembly: withoutVariable(REPS_ENTRY, 'DEFAULT_COUNTRY') });
    expect(system.runtime.app.functions.some((f) => f.environment.DEFAULT_COUNTRY === 'FR')).toBe(true);

    const answer = await saveRepWithNationalPhone(system);

    expect(answer.status).toBe(400);
    expect(await answer.text()).toContain('phone');
  });
});
