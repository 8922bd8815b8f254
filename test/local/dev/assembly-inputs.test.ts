// Issue 18.6: `npm start` synthesized the whole app at every start (loading aws-cdk-lib and building
// the stacks: about half of its 3.7 s here) even when nothing it is built from had changed. The
// assembly is now remembered with the hash of its inputs, and a start with the same inputs uses it.
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { bundleInputs } from '../../../lib/stateless/bundle-inputs.ts';
import {
  assemblyInputsHash,
  assemblySourcesHash,
  assemblyUpToDate,
  forgetAssemblyInputs,
  rememberAssemblyInputs,
  SYNTH_MODULE,
} from '../../../local/dev/assembly-inputs.ts';
import { synthesizeWithVersions } from '../../../local/dev/dev.ts';
import { recordedEverywhere } from '../../../local/dev/journey-versions.ts';
import { PROJECT_ROOT } from '../../support/local-system.ts';

const synths = vi.hoisted(() => ({ count: 0 }));
vi.mock('../../../local/dev/synth.ts', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../../local/dev/synth.ts')>();
  return {
    ...real,
    synthesizeForLocal: (...args: Parameters<typeof real.synthesizeForLocal>) => {
      synths.count++;
      return real.synthesizeForLocal(...args);
    },
  };
});

let project: string;
beforeEach(() => {
  project = mkdtempSync(join(tmpdir(), 'relance-assembly-inputs-'));
  copyFileSync(join(PROJECT_ROOT, 'cdk.json'), join(project, 'cdk.json'));
});
afterEach(() => rmSync(project, { recursive: true, force: true }));

/** The project's cdk.json with one more context key. */
function withContext(key: string, value: unknown): void {
  const cdkJson = JSON.parse(readFileSync(join(PROJECT_ROOT, 'cdk.json'), 'utf8'));
  writeFileSync(
    join(project, 'cdk.json'),
    JSON.stringify({ ...cdkJson, context: { ...cdkJson.context, [key]: value } }),
  );
}

describe('what the local assembly is synthesized from', () => {
  it('takes in the stacks, every journey and the recorded versions the synth imports', () => {
    const inputs = bundleInputs(SYNTH_MODULE);
    expect(inputs).toContain('lib/app.ts');
    expect(inputs).toContain('lib/relance-stack.ts');
    expect(inputs).toContain('workflows/journeys/abandoned-cart.ts');
    expect(inputs).toContain('workflows/journeys/welcome.ts');
    expect(inputs).toContain('workflows/versions/recorded.ts');
  });

  it('hashes the same twice, and differently with the context, a CDK_ variable or a locally recorded version', () => {
    const env = { PATH: '/usr/bin' };
    const first = assemblySourcesHash(project, env);
    expect(assemblySourcesHash(project, env)).toBe(first);
    expect(assemblySourcesHash(project, { ...env, RELANCE_LOG_LEVEL: 'DEBUG' })).toBe(first);
    expect(assemblySourcesHash(project, { ...env, CDK_DEFAULT_REGION: 'eu-west-3' })).not.toBe(first);
    withContext('relance:brand', { name: 'Another Shop' });
    const sources = assemblySourcesHash(project, env);
    expect(sources).not.toBe(first);

    const inputs = assemblyInputsHash(sources, recordedEverywhere(project));
    expect(assemblyInputsHash(sources, recordedEverywhere(project))).toBe(inputs);
    const recorded = join(project, '.relance', 'versions', 'welcome');
    mkdirSync(recorded, { recursive: true });
    writeFileSync(
      join(recorded, '0123456789ab.json'),
      JSON.stringify({
        journeyId: 'welcome',
        version: '0123456789ab',
        seq: 99,
        definition: {},
        templates: [],
      }),
    );
    expect(assemblyInputsHash(sources, recordedEverywhere(project))).not.toBe(inputs);
  });

  it('is up to date only with a whole assembly written from the same inputs, and never in CI', () => {
    const outdir = join(project, 'cdk.out');
    mkdirSync(outdir);
    rememberAssemblyInputs(outdir, 'abc');
    expect(assemblyUpToDate(outdir, 'abc', {})).toBe(false); // no manifest: a synth stopped half-way
    writeFileSync(join(outdir, 'manifest.json'), '{}');
    expect(assemblyUpToDate(outdir, 'abc', {})).toBe(true);
    expect(assemblyUpToDate(outdir, 'abd', {})).toBe(false);
    expect(assemblyUpToDate(outdir, 'abc', { CI: 'true' })).toBe(false);
    forgetAssemblyInputs(outdir);
    expect(assemblyUpToDate(outdir, 'abc', {})).toBe(false);
  });
});

describe('relance dev at start', () => {
  const options = () =>
    ({ projectRoot: project, port: 0, timeScale: 1, memory: true, demo: false, apiKey: 'k' }) as const;
  const template = () => join(project, '.relance', 'cdk.out', 'Relance.template.json');
  /** This process's environment without CI's variable: CI runs this file too. */
  const withoutCi = () => {
    const { CI: _ci, ...env } = process.env;
    return env;
  };

  it('synthesizes once, uses that assembly while nothing changed, and again when something did', async () => {
    const env = withoutCi();
    const before = synths.count;
    await synthesizeWithVersions(options(), env);
    expect(synths.count).toBe(before + 1);
    const written = statSync(template()).mtimeMs;

    await synthesizeWithVersions(options(), env);
    expect(synths.count).toBe(before + 1);
    expect(statSync(template()).mtimeMs).toBe(written);

    withContext('relance:brand', { name: 'Another Shop' });
    await synthesizeWithVersions(options(), env);
    expect(synths.count).toBe(before + 2);
    expect(statSync(template()).mtimeMs).toBeGreaterThan(written);
  }, 120_000);

  it('synthesizes at every start in CI, and leaves an assembly no later start reuses', async () => {
    const env = { ...withoutCi(), CI: 'true' };
    const before = synths.count;
    await synthesizeWithVersions(options(), env);
    await synthesizeWithVersions(options(), env);
    expect(synths.count).toBe(before + 2);
    // Its inputs were not hashed: the assembly carries no hash, and the next start synthesizes.
    expect(existsSync(join(project, '.relance', 'cdk.out', 'relance-inputs.sha256'))).toBe(false);
    await synthesizeWithVersions(options(), withoutCi());
    expect(synths.count).toBe(before + 3);
  }, 120_000);
});
