/**
 * aws-cdk-lib's built-in CloudFormation template validation, run once per template content. It is
 * the largest part of a synth (the rules engine loads and checks every resource), while most
 * synths (`relance dev` starting, `cdk synth` after a handler edit) produce templates it has
 * already passed. A pass is remembered by the hash of the templates it checked, with the
 * aws-cdk-lib version and the account and region it checked them for; a template with any finding
 * is never remembered, so its report is always fresh. CI (`CI=true`) always runs the validation.
 * A caller may take the validation over (`defer`): `relance dev` runs it in a worker thread once
 * the local system is ready, rather than make every start wait for it (./local/dev/template-check.ts).
 * Registered at the app, this plugin takes the built-in one's place (aws-cdk-lib then adds no
 * default instance); like the built-in, it does nothing when `CDK_VALIDATION=false` at synth time.
 */
import {
  CloudFormationValidatePlugin,
  type IPolicyValidationContext,
  type PolicyValidationPluginReport,
  type PolicyValidationStack,
} from 'aws-cdk-lib';
import { CDK_LIB_VERSION, passRemembered, rememberPass } from './template-validation-passes.ts';

export class CachedTemplateValidation extends CloudFormationValidatePlugin {
  /** Validations actually run (not answered from the cache), for tests and timings. */
  runs = 0;

  /**
   * `cacheDir`: where passes are remembered; undefined validates every time. `defer`: given the
   * templates instead of validating them; the caller validates them, or finds their pass remembered.
   */
  constructor(
    private readonly cacheDir: string | undefined,
    private readonly defer?: (stacks: readonly PolicyValidationStack[]) => void,
  ) {
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
    if (this.defer) {
      this.defer(context.stackTemplates);
      return { success: true, violations: [] };
    }
    if (passRemembered(this.cacheDir, context.stackTemplates)) return { success: true, violations: [] };
    this.runs++;
    const report = super.validate(context);
    if (report.success && report.violations.length === 0) rememberPass(this.cacheDir, context.stackTemplates);
    return report;
  }
}
