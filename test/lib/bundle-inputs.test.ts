// Issue 18.6: `cdk synth` bundled all twelve functions on every run. A function's asset is now named
// by the hash of its bundle's inputs, and CDK skips bundling an asset cdk.out already holds.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleInputsHash } from '../../lib/stateless/bundle-inputs.ts';
import { PROJECT_ROOT } from '../support/local-system.ts';

const dir = join(PROJECT_ROOT, 'node_modules', '.cache', `relance-bundle-inputs-${process.pid}`);
const entry = relative(PROJECT_ROOT, join(dir, 'handler.ts'));
const settings = { minify: true, target: 'node22' };

beforeAll(() => {
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'handler.ts'),
    "import { greet } from './greet.ts';\nexport const handler = () => greet();\n",
  );
  writeFileSync(join(dir, 'greet.ts'), "export const greet = () => 'hello';\n");
  writeFileSync(join(dir, 'unused.ts'), "export const unused = 'never imported';\n");
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the hash of a bundle’s inputs', () => {
  it('is the same while nothing the bundle is built from changes', () => {
    const first = bundleInputsHash(entry, settings);
    writeFileSync(join(dir, 'unused.ts'), "export const unused = 'still never imported';\n");
    expect(bundleInputsHash(entry, settings)).toBe(first);
  });

  it('changes with a file the entry reaches, and with the bundling settings', () => {
    const before = bundleInputsHash(entry, settings);
    writeFileSync(join(dir, 'greet.ts'), "export const greet = () => 'bonjour';\n");
    const edited = bundleInputsHash(entry, settings);
    expect(edited).not.toBe(before);
    expect(bundleInputsHash(entry, { ...settings, minify: false })).not.toBe(edited);
  });

  it('tells two real handlers apart', () => {
    expect(bundleInputsHash('functions/ingest/http-handler.ts', settings)).not.toBe(
      bundleInputsHash('functions/ingest/bus-handler.ts', settings),
    );
  });
});
