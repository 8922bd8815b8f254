/**
 * What `relance dev`'s cloud assembly (.relance/cdk.out) is synthesized from, hashed: the project's
 * source files the synth reaches (found as a function bundle's inputs are, ../../lib/stateless/
 * bundle-inputs.ts), package-lock.json, cdk.json's context, the journey versions recorded in the
 * repository and by earlier starts, the CDK_ environment variables, the Node and esbuild versions.
 * A start whose inputs hash as the assembly's did reuses it without loading aws-cdk-lib or building
 * the stacks (about half of a start). Never in CI (`CI=true`), where every start synthesizes and the
 * templates are validated again, as `cdk synth` does there, and the inputs are not hashed.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { JourneyVersion } from '#language/versions.ts';
import { isContinuousIntegration, projectContext } from '../../lib/context.ts';
import { bundleInputsHash } from '../../lib/stateless/bundle-inputs.ts';

/** The module that synthesizes the assembly, relative to the repository root: its imports are the sources. */
export const SYNTH_MODULE = 'local/dev/synth.ts';
/** Beside the assembly: the hash of the inputs it was synthesized from. */
const INPUTS_FILE = 'relance-inputs.sha256';

/**
 * The hash of what the assembly is built from but the recorded journey versions: read before a
 * synth, so a file edited while it runs is never taken for one the assembly was built from.
 */
export function assemblySourcesHash(projectRoot: string, env: NodeJS.ProcessEnv = process.env): string {
  return bundleInputsHash(SYNTH_MODULE, {
    assembly: 'relance dev',
    node: process.version,
    context: projectContext(projectRoot),
    env: Object.entries(env)
      .filter(([name]) => name.startsWith('CDK_'))
      .sort(([a], [b]) => (a < b ? -1 : 1)),
  });
}

/**
 * The hash of everything the assembly is built from: `sources` (assemblySourcesHash) and the
 * journey versions recorded in the repository and by earlier starts (recordedEverywhere).
 */
export function assemblyInputsHash(sources: string, recorded: readonly JourneyVersion[]): string {
  return createHash('sha256').update(sources).update(JSON.stringify(recorded)).digest('hex');
}

/** Whether `outdir` holds a whole assembly synthesized from inputs that hashed to `hash` (never in CI). */
export function assemblyUpToDate(
  outdir: string,
  hash: string,
  env: NodeJS.ProcessEnv = process.env,
): boolean {
  if (isContinuousIntegration(env)) return false;
  const recorded = join(outdir, INPUTS_FILE);
  return (
    existsSync(join(outdir, 'manifest.json')) &&
    existsSync(recorded) &&
    readFileSync(recorded, 'utf8') === hash
  );
}

/** Before a synth into `outdir`: an assembly left half-written by a failed synth is never reused. */
export function forgetAssemblyInputs(outdir: string): void {
  rmSync(join(outdir, INPUTS_FILE), { force: true });
}

/** After a successful synth into `outdir`, from inputs that hashed to `hash`. */
export function rememberAssemblyInputs(outdir: string, hash: string): void {
  writeFileSync(join(outdir, INPUTS_FILE), hash);
}
