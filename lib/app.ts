import { type App, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { scoringModelViolations } from '../functions/leads/scoring.ts';
import { defaultScoringModel } from '../functions/leads/scoring-model.ts';
import { journeys, journeyViolations, segmentViolations } from '../workflows/index.ts';
import { acknowledgeNagFindings } from './nag-acknowledgements.ts';
import { RelanceDataStack, RelanceStack } from './relance-stack.ts';

export interface RelanceApp {
  readonly data: RelanceDataStack;
  readonly app: RelanceStack;
}

const CROSS_STACK_FLAG = '@aws-cdk/core:defaultCrossStackReferences';

/** Thrown when a journey, segment or the lead scoring model is invalid: synth stops and lists every violation. */
export class JourneyValidationError extends Error {}

/**
 * Builds the relance stacks on an App. Refuses to synthesize while any journey, segment or scoring
 * rule has a violation.
 * Context `relance:sandbox=true` makes the tables removable with the stack (never in production).
 */
export function buildApp(app: App, options: { nag?: boolean } = {}): RelanceApp {
  const violations = [
    ...segmentViolations(),
    ...journeyViolations(),
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
  const sandbox =
    app.node.tryGetContext('relance:sandbox') === true ||
    app.node.tryGetContext('relance:sandbox') === 'true';
  const data = new RelanceDataStack(app, 'RelanceData', {
    description: 'relance: contacts, events, journey state, send ledger, products',
    removalPolicy: sandbox ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
  });
  const stack = new RelanceStack(app, 'Relance', {
    description: 'relance: event bus, ingest, HTTP API and journeys',
    tables: data.tables,
    journeys,
  });
  if (options.nag ?? true) {
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    acknowledgeNagFindings(stack);
  }
  return { data, app: stack };
}
