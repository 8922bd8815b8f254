/**
 * Synthesizes the CDK app in process for the local runtime: the same stacks and templates as
 * `cdk synth`, without bundling (the runtime runs the TypeScript sources the bundles are built from).
 */
import { App } from 'aws-cdk-lib';
import { buildApp } from '../../lib/app.ts';
import { projectContext } from '../../lib/context.ts';

/** Writes the cloud assembly to `outdir` and returns it. */
export function synthesizeForLocal(outdir: string, context: Record<string, unknown> = {}): string {
  const app = new App({
    outdir,
    context: { ...projectContext(), 'aws:cdk:bundling-stacks': [], ...context },
  });
  buildApp(app, { nag: false });
  app.synth();
  return outdir;
}
