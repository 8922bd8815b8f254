/**
 * A content hash of what a function's bundle is built from, given to its code asset
 * (./function-bundle.ts) as its hash: the source files esbuild reaches from the entry (found by a
 * quick unminified esbuild pass that writes nothing), the bundling settings, the esbuild version
 * and package-lock.json (the packages bundled in). CDK names the staged bundle after this hash and
 * skips bundling when cdk.out already holds it, so `cdk synth` bundles only the functions whose inputs changed. The
 * asset hash still changes with every input, so a deploy uploads every changed bundle.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSync, version as esbuildVersion } from 'esbuild';

const PROJECT_ROOT = join(import.meta.dirname, '..', '..');

/** The project's files esbuild reaches from `entry` (both relative to the repository root), sorted. */
export function bundleInputs(entry: string): string[] {
  const result = buildSync({
    entryPoints: [entry],
    absWorkingDir: PROJECT_ROOT,
    bundle: true,
    write: false,
    metafile: true,
    platform: 'node',
    format: 'esm',
    // Packages come from node_modules at the versions package-lock.json pins (bundleInputsHash hashes it).
    packages: 'external',
    outdir: join(PROJECT_ROOT, 'cdk.out', 'bundle-inputs'),
    logLevel: 'silent',
  });
  return Object.keys(result.metafile.inputs).sort();
}

/** The hash of `entry`'s bundle inputs (entry relative to the repository root). */
export function bundleInputsHash(entry: string, settings: unknown): string {
  const hash = createHash('sha256')
    .update(`esbuild ${esbuildVersion}\n${JSON.stringify(settings)}\n`)
    .update(readFileSync(join(PROJECT_ROOT, 'package-lock.json')));
  for (const input of bundleInputs(entry))
    hash.update(`\n${input}\n`).update(readFileSync(join(PROJECT_ROOT, input)));
  return hash.digest('hex');
}
