/**
 * Synthesizes the CDK app in process for the local runtime: the same stacks and templates as
 * `cdk synth`, without bundling (the runtime runs the TypeScript sources the bundles are built from).
 * Next to the templates it writes the journey versions the state machines were compiled from, which
 * the runtime hands to the journey functions: they run exactly what this synth would deploy.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { type BuildOptions, buildApp } from '../../lib/app.ts';
import { projectContext } from '../../lib/context.ts';
import { JOURNEY_VERSIONS_FILE } from '../../workflows/versions/index.ts';

/** Writes the cloud assembly to `outdir` and returns it. */
export function synthesizeForLocal(
  outdir: string,
  context: Record<string, unknown> = {},
  options: Omit<BuildOptions, 'nag'> = {},
): string {
  const app = new App({
    outdir,
    context: { ...projectContext(), 'aws:cdk:bundling-stacks': [], ...context },
  });
  const { versions } = buildApp(app, { ...options, nag: false });
  app.synth();
  writeFileSync(join(outdir, JOURNEY_VERSIONS_FILE), JSON.stringify(versions));
  return outdir;
}
