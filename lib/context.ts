/**
 * The project's CDK context, for an App created in process. `cdk synth` passes cdk.json's
 * `context` to the app itself; `npm start` (local/dev/synth.ts) and other in-process synths read it
 * here, so a webhook or quiet hours configured in cdk.json apply to both.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root, where cdk.json is. */
export const PROJECT_ROOT = fileURLToPath(new URL('../', import.meta.url));

/** Whether this runs in CI (`CI=true`), where no synth or validation is answered from a cache. */
export function isContinuousIntegration(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.CI === 'true' || env.CI === '1';
}

/** The `context` object of `<projectRoot>/cdk.json` (empty when the file has none). */
export function projectContext(projectRoot: string = PROJECT_ROOT): Record<string, unknown> {
  const cdkJson: unknown = JSON.parse(readFileSync(join(projectRoot, 'cdk.json'), 'utf8'));
  const context = (cdkJson as { context?: unknown }).context;
  if (context === undefined) return {};
  if (typeof context !== 'object' || context === null || Array.isArray(context)) {
    throw new Error(`${join(projectRoot, 'cdk.json')}: "context" is not an object`);
  }
  return { ...(context as Record<string, unknown>) };
}
