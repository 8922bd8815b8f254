/**
 * Passes of the CloudFormation template validation (./template-validation.ts), remembered by the
 * hash of the templates checked, with the aws-cdk-lib version and the account and region they were
 * checked for. Apart from the plugin so that reading them loads no aws-cdk-lib module: `relance
 * dev` asks at every start, and a start with nothing changed never loads aws-cdk-lib.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { PolicyValidationStack } from 'aws-cdk-lib';
import { isContinuousIntegration } from './context.ts';

export const CDK_LIB_VERSION = (
  createRequire(import.meta.url)('aws-cdk-lib/package.json') as { version: string }
).version;

/** Where passes are remembered: the project's .relance/ (never in CI). */
export function templateValidationCache(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (isContinuousIntegration(env)) return undefined;
  return join(import.meta.dirname, '..', '.relance', 'cache', 'template-validation');
}

/** Whether templates as they are now passed a validation remembered in `cacheDir`. */
export function passRemembered(
  cacheDir: string | undefined,
  stacks: readonly PolicyValidationStack[],
): boolean {
  return cacheDir !== undefined && existsSync(join(cacheDir, `${passKey(stacks)}.json`));
}

/** Remembers that templates as they are now passed (called only for a report without findings). */
export function rememberPass(cacheDir: string | undefined, stacks: readonly PolicyValidationStack[]): void {
  if (cacheDir === undefined) return;
  mkdirSync(cacheDir, { recursive: true });
  writeFileSync(
    join(cacheDir, `${passKey(stacks)}.json`),
    JSON.stringify({ passed: new Date().toISOString(), aws_cdk_lib: CDK_LIB_VERSION }),
  );
}

/** The hash of what a pass depends on: the rules' version and each template as checked. */
function passKey(stacks: readonly PolicyValidationStack[]): string {
  const hash = createHash('sha256').update(`aws-cdk-lib ${CDK_LIB_VERSION}\n`);
  for (const stack of stacks) {
    hash.update(`${stack.stackConstructPath}\n${stack.accountId ?? ''}\n${stack.region ?? ''}\n`);
    hash.update(readFileSync(stack.templatePath));
  }
  return hash.digest('hex');
}
