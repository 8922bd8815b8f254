/**
 * Where a resumed run goes when the deployed journey version is not the one it is on: the deployed
 * version's in-flight policy decides (workflows/language/versions.ts). Pure: Resume applies the
 * answer (records the version change, ends or fails the run).
 */
import { resumeStateAfter, stateName, versionedStateName } from '#language/states.ts';
import type { JourneyDefinition } from '#language/types.ts';
import { inFlightPolicyOf, type JourneyVersion, migratedStepId } from '#language/versions.ts';
import type { VersionChange } from './runs-repository.ts';

export type Placement =
  /** Go on at `resumeAt` (a state of the deployed machine) with the steps of `definition`. */
  | {
      readonly kind: 'resume';
      readonly definition: JourneyDefinition;
      readonly resumeAt: string;
      readonly change?: VersionChange;
    }
  /** The policy ends the run here, with this reason. */
  | { readonly kind: 'exit'; readonly reason: string; readonly change: VersionChange }
  /** The run cannot go on: it fails with this reason. */
  | { readonly kind: 'fail'; readonly reason: string };

export interface PlacementInput {
  readonly journeyId: string;
  /** The deployed version (the state machine's), absent in an unversioned deployment. */
  readonly deployed?: JourneyVersion;
  /** The definition the state machine runs when it is unversioned. */
  readonly fallback: JourneyDefinition;
  /** The version the run is on (absent: it entered before versions were recorded). */
  readonly runVersion?: string;
  /** The run's version, when the deployment still has it. */
  readonly entered?: JourneyVersion;
  /** The step the run waited at. */
  readonly stepId: string;
  readonly at: string;
}

/** The state a run waiting at `stepId` of `journey` goes on at (undefined: no such waiting point). */
function pointAfter(journey: JourneyDefinition, stepId: string): string | undefined {
  return resumeStateAfter(journey, stepId);
}

/**
 * The state a run moved onto `stepId` of `journey` goes on at: after a wait or waitFor (its pause is
 * over), at any other step (it runs next: a send, a branch...).
 */
function pointOnMigration(journey: JourneyDefinition, stepId: string): string | undefined {
  const step = journey.steps[stepId];
  if (!step) return undefined;
  return resumeStateAfter(journey, stepId) ?? stateName(step);
}

/** Where a run resumes, or why it ends or fails, under the deployed version's policy. */
export function placeResumedRun(input: PlacementInput): Placement {
  const { deployed, stepId } = input;
  const onDeployed = (definition: JourneyDefinition): Placement => {
    const resumeAt = pointAfter(definition, stepId);
    return resumeAt
      ? { kind: 'resume', definition, resumeAt }
      : {
          kind: 'fail',
          reason: `cannot resume: "${stepId}" is not a step runs wait at in journey ${input.journeyId}`,
        };
  };
  if (!deployed) return onDeployed(input.fallback);
  if (input.runVersion === deployed.version) return onDeployed(deployed.definition);

  const from = input.runVersion ?? '(unrecorded)';
  const policy = inFlightPolicyOf(deployed.definition);
  if (policy.policy === 'exit' && input.runVersion) {
    return {
      kind: 'exit',
      reason: `journey_changed: ${policy.reason}`,
      change: { at: input.at, from: input.runVersion, to: deployed.version, policy: 'exit', step: stepId },
    };
  }
  if (policy.policy === 'finish' && input.runVersion) {
    if (!input.entered) {
      return {
        kind: 'fail',
        reason:
          `cannot resume: version ${from} of journey ${input.journeyId}, which the run entered on, is no ` +
          'longer deployed (its file left workflows/versions); declare inFlight migrate or exit to move such runs',
      };
    }
    const point = pointAfter(input.entered.definition, stepId);
    if (!point) {
      return {
        kind: 'fail',
        reason: `cannot resume: "${stepId}" is not a step runs wait at in version ${from} of ${input.journeyId}`,
      };
    }
    return {
      kind: 'resume',
      definition: input.entered.definition,
      resumeAt: versionedStateName(input.runVersion, point),
    };
  }
  // migrate; or a run that entered before versions were recorded, which adopts the deployed version.
  const target = migratedStepId(deployed.definition, stepId);
  const resumeAt = target ? pointOnMigration(deployed.definition, target) : undefined;
  if (!target || !resumeAt) {
    return {
      kind: 'fail',
      reason:
        `cannot resume: step "${stepId}" of version ${from} has no counterpart in version ${deployed.version} ` +
        `of ${input.journeyId} (map it in inFlight.stepMapping)`,
    };
  }
  return {
    kind: 'resume',
    definition: deployed.definition,
    resumeAt,
    change: {
      at: input.at,
      ...(input.runVersion ? { from: input.runVersion } : {}),
      to: deployed.version,
      policy: input.runVersion ? 'migrate' : 'adopt',
      step: stepId,
      toStep: target,
    },
  };
}
