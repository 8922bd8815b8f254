import { createRequire } from 'node:module';
import { type App, type PolicyValidationStack, RemovalPolicy, Validations } from 'aws-cdk-lib';
import type { MessageTemplate } from '#language/template.ts';
import type { JourneyDefinition } from '#language/types.ts';
import type { JourneyVersion } from '#language/versions.ts';
import type { JourneyCatalog } from '../workflows/index.ts';
import { ConfigValidationError, readConfig } from './config.ts';
import { DeployLimitsPlugin } from './deploy-limits.ts';
import { RelanceDataStack, RelanceStack, validatedVersions } from './relance-stack.ts';
import { CachedTemplateValidation } from './template-validation.ts';
import { templateValidationCache } from './template-validation-passes.ts';

export { JourneyValidationError } from './relance-stack.ts';

export interface RelanceApp {
  readonly data: RelanceDataStack;
  readonly app: RelanceStack;
  /** The journey versions deployed, and the earlier ones compiled in for the runs still on them. */
  readonly versions: JourneyCatalog;
}

export interface BuildOptions {
  readonly nag?: boolean;
  /** The journeys to deploy. @default workflows/journeys */
  readonly journeys?: readonly JourneyDefinition[];
  /** The templates they send. @default workflows/templates */
  readonly templates?: ReadonlyMap<string, MessageTemplate>;
  /** Earlier versions runs may be on. @default the registry, workflows/versions */
  readonly earlier?: readonly JourneyVersion[];
  /**
   * The stage: stacks `RelanceData-<stage>` and `Relance-<stage>`, physical names `Relance-<stage>-…`.
   * @default the `relance:stage` context, else no stage (stacks `RelanceData` and `Relance`)
   */
  readonly stage?: string;
  /**
   * Given the templates instead of validating them with CloudFormation's rules at synth: the caller
   * validates them (`relance dev`, once it is ready). @default validated at synth
   */
  readonly deferTemplateValidation?: (stacks: readonly PolicyValidationStack[]) => void;
}

/** Context key naming the stage of the repository's app (`cdk deploy -c relance:stage=dev`). */
export const STAGE_CONTEXT = 'relance:stage';

/**
 * Context key keeping the ledger's former `byContact` index for one deploy of an upgrade
 * (`cdk deploy -c relance:legacyLedgerIndex=true`, then a deploy without it): RelanceTablesProps.
 */
export const LEGACY_LEDGER_INDEX_CONTEXT = 'relance:legacyLedgerIndex';

/** A true or false context key (`-c key=true` gives the string); any other value fails naming the key. */
function booleanContext(app: App, key: string): boolean {
  const value: unknown = app.node.tryGetContext(key);
  if (value === undefined || value === false || value === 'false') return false;
  if (value === true || value === 'true') return true;
  throw new ConfigValidationError(`${key}: true or false, got ${JSON.stringify(value)}`);
}

/**
 * Builds the repository's relance app: the `Relance` construct (lib/index.ts) in a stateless stack,
 * on the tables of a stateful stack. Refuses to synthesize while any journey, segment or scoring
 * rule has a violation. Works on an App that already has stacks (nothing is set on the App itself).
 * Context `relance:sandbox=true` makes the tables removable with the stack (never in production).
 */
export function buildApp(app: App, options: BuildOptions = {}): RelanceApp {
  const stageContext: unknown = app.node.tryGetContext(STAGE_CONTEXT);
  const stage = options.stage ?? (stageContext === undefined ? undefined : String(stageContext));
  const suffix = stage === undefined ? '' : `-${stage}`;
  // Journeys, segments and scoring are checked before any stack exists (the construct checks again).
  validatedVersions({
    ...(options.journeys ? { journeys: options.journeys } : {}),
    ...(options.templates ? { templates: options.templates } : {}),
    ...(options.earlier ? { earlierVersions: options.earlier } : {}),
  });
  // The `relance:*` context is checked before anything is built: a bad key fails synth naming it.
  const { sandbox } = readConfig(app);
  const data = new RelanceDataStack(app, `RelanceData${suffix}`, {
    description: 'relance: contacts, events, journey state, send ledger, products',
    ...(sandbox ? { removalPolicy: RemovalPolicy.DESTROY } : {}),
    ...(booleanContext(app, LEGACY_LEDGER_INDEX_CONTEXT) ? { legacyLedgerIndex: true } : {}),
  });
  const stack = new RelanceStack(app, `Relance${suffix}`, {
    description: 'relance: event bus, ingest, HTTP API and journeys',
    tables: data.tables,
    ...(stage === undefined ? {} : { stage }),
    ...(options.journeys ? { journeys: options.journeys } : {}),
    ...(options.templates ? { templates: options.templates } : {}),
    ...(options.earlier ? { earlierVersions: options.earlier } : {}),
  });
  // Every AWS limit a deploy would hit fails synth, with or without cdk-nag (the local runtime too).
  Validations.of(app).addPlugins(new DeployLimitsPlugin());
  // The built-in CloudFormation validation, once per template content (always in CI).
  Validations.of(app).addPlugins(
    new CachedTemplateValidation(templateValidationCache(), options.deferTemplateValidation),
  );
  if (options.nag ?? true) {
    // Loaded only here: cdk-nag is 270 modules (2 MB) the local runtime, which synthesizes without
    // it, would otherwise load at every `npm start`.
    const { AwsSolutionsChecks } = createRequire(import.meta.url)('cdk-nag') as typeof import('cdk-nag');
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  }
  return { data, app: stack, versions: stack.relance.versions };
}
