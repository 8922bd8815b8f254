import { type App, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { MessageTemplate } from '#language/template.ts';
import type { JourneyDefinition } from '#language/types.ts';
import type { JourneyVersion } from '#language/versions.ts';
import { scoringModelViolations } from '../functions/leads/scoring.ts';
import { defaultScoringModel } from '../functions/leads/scoring-model.ts';
import {
  buildCatalog,
  type JourneyCatalog,
  journeys,
  journeyViolations,
  recordedVersions,
  segmentViolations,
  templates,
  versionViolations,
} from '../workflows/index.ts';
import { readConfig } from './config.ts';
import { DeployLimitsPlugin } from './deploy-limits.ts';
import { acknowledgeNagFindings } from './nag-acknowledgements.ts';
import { RelanceDataStack, RelanceStack } from './relance-stack.ts';
import { CachedTemplateValidation, templateValidationCache } from './template-validation.ts';

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
}

const CROSS_STACK_FLAG = '@aws-cdk/core:defaultCrossStackReferences';

/** Thrown when a journey, segment or the lead scoring model is invalid: synth stops and lists every violation. */
export class JourneyValidationError extends Error {}

/**
 * Builds the relance stacks on an App. Refuses to synthesize while any journey, segment or scoring
 * rule has a violation.
 * Context `relance:sandbox=true` makes the tables removable with the stack (never in production).
 */
export function buildApp(app: App, options: BuildOptions = {}): RelanceApp {
  const deployed = options.journeys ?? journeys;
  const templateMap = options.templates ?? templates;
  const versions = buildCatalog(deployed, templateMap, options.earlier ?? recordedVersions);
  const violations = [
    ...segmentViolations(),
    ...journeyViolations(deployed, templateMap),
    ...versionViolations(versions),
    ...scoringModelViolations(defaultScoringModel),
  ];
  if (violations.length > 0) {
    const lines = violations.map((v) => `  - ${v.journey} › ${v.path}: ${v.message}`);
    throw new JourneyValidationError(
      `Invalid journeys or segments (${violations.length}):\n${lines.join('\n')}`,
    );
  }
  // Lock in CloudFormation exports between the data and app stacks (producer-protecting).
  if (app.node.tryGetContext(CROSS_STACK_FLAG) === undefined) app.node.setContext(CROSS_STACK_FLAG, 'strong');
  // The `relance:*` context is checked before anything is built: a bad key fails synth naming it.
  const { sandbox } = readConfig(app);
  const data = new RelanceDataStack(app, 'RelanceData', {
    description: 'relance: contacts, events, journey state, send ledger, products',
    removalPolicy: sandbox ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
  });
  const stack = new RelanceStack(app, 'Relance', {
    description: 'relance: event bus, ingest, HTTP API and journeys',
    tables: data.tables,
    journeys: deployed,
    versions,
  });
  // Every AWS limit a deploy would hit fails synth, with or without cdk-nag (the local runtime too).
  Validations.of(app).addPlugins(new DeployLimitsPlugin());
  // The built-in CloudFormation validation, once per template content (always in CI).
  Validations.of(app).addPlugins(new CachedTemplateValidation(templateValidationCache()));
  if (options.nag ?? true) {
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    acknowledgeNagFindings(stack);
  }
  return { data, app: stack, versions };
}
