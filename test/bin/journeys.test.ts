// `relance journeys diff` and `relance why` after a journey was edited: what changed between the
// deployed versions (the running runtime's assembly) and the working tree, how many runs wait at
// each affected step, and each run's fate.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineJourney, send, wait } from '#language/builder.ts';
import type { JourneyDefinition } from '#language/types.ts';
import { journeys } from '../../workflows/journeys/index.ts';
import { welcome } from '../../workflows/journeys/welcome.ts';
import { dataDirectory, type LocalProcess, startProcess } from '../support/local-process.ts';
import { hours, T0 } from '../support/local-system.ts';
import { relance } from './relance.ts';

/** The welcome series as deployed: its first wait was named differently then. */
const deployedWelcome: JourneyDefinition = defineJourney({
  id: 'welcome',
  description: welcome.description,
  trigger: { event: 'contact.signed_up' },
  entry: { reentry: false },
  steps: [
    send('welcome-email', { channel: 'email', template: 'welcome', topic: 'onboarding' }),
    wait('wait-two-days', { duration: { days: 2 } }),
    send('tips-email', { channel: 'email', template: 'welcome-tips', topic: 'onboarding' }),
  ],
});

describe('relance journeys diff', () => {
  const data = dataDirectory();
  let system: LocalProcess;
  let cdkOut: string;

  beforeAll(async () => {
    system = await startProcess({
      dataDir: data.path,
      start: T0,
      build: { journeys: [...journeys.filter((j) => j.id !== 'welcome'), deployedWelcome] },
    });
    cdkOut = system.runtime.options.cdkOut;
    await system.put('contact.signed_up', { contact: { email: 'diff@example.com' } });
    await system.advance(hours(1));
  });
  afterAll(async () => {
    await system?.stop();
    data.remove();
  });

  it('names the steps changed since the deployed version and counts the runs waiting at each', async () => {
    // Act
    const json = await relance([
      'journeys',
      'diff',
      'welcome',
      '--endpoint',
      system.runtime.endpoint,
      '--cdk-out',
      cdkOut,
      '--json',
    ]);
    const text = await relance([
      'journeys',
      'diff',
      '--endpoint',
      system.runtime.endpoint,
      '--cdk-out',
      cdkOut,
    ]);

    // Assess
    expect(json.code).toBe(0);
    const deployed = system.versions.current.find((v) => v.journeyId === 'welcome')?.version;
    const report = JSON.parse(json.stdout);
    expect(report.changes).toEqual([
      expect.objectContaining({
        journeyId: 'welcome',
        status: 'changed',
        deployed,
        policy: 'finish',
        affected: expect.arrayContaining([
          {
            stepId: 'wait-two-days',
            change: 'removed',
            fate: `they finish on version ${deployed}`,
            waiting: 1,
          },
        ]),
      }),
    ]);
    expect(report.changes[0].diff).toMatchObject({ removed: ['wait-two-days'], likelyRenames: {} });
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(`welcome: version ${deployed} → `);
    expect(text.stdout).toContain('  - step wait-two-days');
    expect(text.stdout).toContain(
      `  runs at wait-two-days (removed): 1 run(s) waiting; they finish on version ${deployed}`,
    );
    expect(text.stdout).not.toContain('abandoned-cart:');
  });

  it('does not count runs unless a deployment is named, and refuses an unknown journey with exit 2', async () => {
    const plain = await relance(['journeys', 'diff', 'welcome', '--cdk-out', cdkOut, '--json']);
    expect(plain.code).toBe(0);
    expect(JSON.parse(plain.stdout).changes[0].affected[0]).not.toHaveProperty('waiting');
    const unknown = await relance(['journeys', 'diff', 'welcom', '--cdk-out', cdkOut]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown journey "welcom"/);
  });

  it('relance why tells each run’s fate: where it waits, on which version', async () => {
    const text = await relance([
      'why',
      'diff@example.com',
      '--endpoint',
      system.runtime.endpoint,
      '--cdk-out',
      cdkOut,
    ]);
    expect(text.code).toBe(0);
    const deployed = system.versions.current.find((v) => v.journeyId === 'welcome')?.version;
    expect(text.stdout).toMatch(
      new RegExp(
        `welcome {2}waiting {2}waiting at wait-two-days until \\S+; on the deployed version ${deployed}`,
      ),
    );
    expect(text.stdout).toContain(`entry: entered on contact.signed_up (version ${deployed})`);
  });
});
