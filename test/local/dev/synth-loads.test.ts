// `relance dev` synthesizes the app without cdk-nag (its findings are `cdk synth`'s and CI's to
// report), and no longer loads it either: cdk-nag is some 270 modules, and loading them was part of
// every `npm start`. The app `cdk synth` runs still applies it (test/lib/validation.test.ts shows
// it reporting a finding).
import { describe, expect, it } from 'vitest';
import { runFresh } from '../../support/fresh-process.ts';

describe('the local synth', () => {
  it('loads no cdk-nag module', () => {
    const loaded = runFresh(
      [
        "import { createRequire } from 'node:module';",
        "import { mkdtempSync, rmSync } from 'node:fs';",
        "import { tmpdir } from 'node:os';",
        "import { join } from 'node:path';",
        "const { synthesizeForLocal } = await import('./local/dev/synth.ts');",
        "const out = mkdtempSync(join(tmpdir(), 'relance-synth-loads-'));",
        'try { synthesizeForLocal(out); } finally { rmSync(out, { recursive: true, force: true }); }',
        'const modules = Object.keys(createRequire(import.meta.url).cache);',
        "process.stdout.write(JSON.stringify({ cdk: modules.filter((m) => m.includes('/aws-cdk-lib/')).length, nag: modules.filter((m) => m.includes('/cdk-nag/')) }));",
      ].join('\n'),
    );

    const { cdk, nag } = JSON.parse(loaded) as { cdk: number; nag: string[] };
    // The synth ran (aws-cdk-lib's modules are in the same cache), without cdk-nag's.
    expect(cdk).toBeGreaterThan(100);
    expect(nag).toEqual([]);
  }, 60_000);
});
