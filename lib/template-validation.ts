/**
 * aws-cdk-lib's built-in CloudFormation template validation, run once per template content. It is
 * the largest part of a synth (the rules engine loads and checks every resource), while most
 * synths (`relance dev` starting, `cdk synth` after a handler edit) produce templates it has
 * already passed. A pass is remembered by the hash of the templates it checked, with the
 * aws-cdk-lib version and the account and region it checked them for; a template with any finding
 * is never remembered, so its report is always fresh. CI (`CI=true`) always runs the validation.
 * Registered at the app, this plugin takes the built-in one's place (aws-cdk-lib then adds no
 * default instance); like the built-in, it does nothing when `CDK_VALIDATION=false` at synth time.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import {
  CloudFormationValidatePlugin,
  type IPolicyValidationContext,
  type PolicyValidationPluginReport,
} from 'aws-cdk-lib';
import { isContinuousIntegration } from './context.ts';

const CDK_LIB_VERSION = (createRequire(import.meta.url)('aws-cdk-lib/package.json') as { version: string })
  .version;

/** Where passes are remembered: the project's .relance/ (never in CI). */
export function templateValidationCache(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (isContinuousIntegration(env)) return undefined;
  return join(import.meta.dirname, '..', '.relance', 'cache', 'template-validation');
}

export class CachedTemplateValidation extends CloudFormationValidatePlugin {
  /** Validations actually run (not answered from the cache), for tests and timings. */
  runs = 0;

  /** `cacheDir`: where passes are remembered; undefined validates every time. */
  constructor(private readonly cacheDir: string | undefined) {
    super();
  }

  /**
   * The rules engine's version when it ran here; otherwise the aws-cdk-lib release it comes with
   * (what the cache key holds), so a synth answered from the cache never loads the engine (a
   * quarter of a second) just to name it in the report.
   */
  override get version(): string | undefined {
    return this.runs > 0 ? super.version : `bundled with aws-cdk-lib ${CDK_LIB_VERSION}`;
  }

  override validate(context: IPolicyValidationContext): PolicyValidationPluginReport {
    if (process.env.CDK_VALIDATION === 'false') return { success: true, violations: [] };
    const marker = this.cacheDir ? join(this.cacheDir, `${passKey(context)}.json`) : undefined;
    if (marker && existsSync(marker)) return { success: true, violations: [] };
    this.runs++;
    const report = super.validate(context);
    if (marker && this.cacheDir && report.success && report.violations.length === 0) {
      mkdirSync(this.cacheDir, { recursive: true });
      writeFileSync(
        marker,
        JSON.stringify({ passed: new Date().toISOString(), aws_cdk_lib: CDK_LIB_VERSION }),
      );
    }
    return report;
  }
}

/** The hash of what a pass depends on: the rules' version and each template as checked. */
function passKey(context: IPolicyValidationContext): string {
  const hash = createHash('sha256').update(`aws-cdk-lib ${CDK_LIB_VERSION}\n`);
  for (const stack of context.stackTemplates) {
    hash.update(`${stack.stackConstructPath}\n${stack.accountId ?? ''}\n${stack.region ?? ''}\n`);
    hash.update(readFileSync(stack.templatePath));
  }
  return hash.digest('hex');
}
