/**
 * Where a journey's runs are started and scheduled, derived from a naming rule instead of a map in
 * the environment: the deployment names each journey's state machine and schedule group
 * `<namePrefix><journeyId>`, so a function needs three short variables whatever the number of
 * journeys (Lambda allows 4 KB of environment in total). Only the journeys bundled with the code
 * have a target: any other id is refused, as a deployment mismatch.
 */
import { optionalEnv, requireEnv } from '#platform/env.ts';
import { ENV } from '#platform/env-names.ts';
import type { JourneyTarget } from './run-scheduler.ts';

/** The deployment's naming rule for journey resources, as the template gives it. */
export interface JourneyNaming {
  /** Prefix of every journey's state machine name and schedule group name (`Relance-`). */
  readonly namePrefix: string;
  /** ARN of any state machine of this account and region, minus its name (`arn:aws:states:…:stateMachine:`). */
  readonly stateMachineArnPrefix: string;
  /** The one role EventBridge Scheduler assumes to start journey state machines. */
  readonly schedulerRoleArn: string;
  /** The queue resume schedules send their input to once every retry failed. */
  readonly deadLetterArn?: string;
}

/** The target of one journey under the naming rule, or undefined when the journey is not deployed. */
export function journeyTarget(
  naming: JourneyNaming,
  deployed: ReadonlySet<string>,
  journeyId: string,
): JourneyTarget | undefined {
  if (!deployed.has(journeyId)) return undefined;
  const name = `${naming.namePrefix}${journeyId}`;
  return {
    stateMachineArn: `${naming.stateMachineArnPrefix}${name}`,
    scheduleGroup: name,
    schedulerRoleArn: naming.schedulerRoleArn,
    ...(naming.deadLetterArn ? { deadLetterArn: naming.deadLetterArn } : {}),
  };
}

/** Journey id → target for every deployed journey; an id outside `journeyIds` has no entry. */
export function journeyTargets(
  naming: JourneyNaming,
  journeyIds: Iterable<string>,
): Readonly<Record<string, JourneyTarget>> {
  const deployed = new Set(journeyIds);
  const targets: Record<string, JourneyTarget> = Object.create(null);
  for (const id of deployed) {
    const target = journeyTarget(naming, deployed, id);
    if (target) targets[id] = target;
  }
  return Object.freeze(targets);
}

/** The targets of the deployed journeys, by the naming rule in the function's environment. */
export function journeyTargetsFromEnvironment(
  journeyIds: Iterable<string>,
): Readonly<Record<string, JourneyTarget>> {
  return journeyTargets(journeyNamingFromEnvironment(), journeyIds);
}

/** The naming rule from the function's environment (failing at cold start with the variable's name). */
export function journeyNamingFromEnvironment(): JourneyNaming {
  const deadLetterArn = optionalEnv(ENV.scheduleDeadLetterArn, '');
  const naming: JourneyNaming = {
    namePrefix: requireEnv(ENV.journeyNamePrefix),
    stateMachineArnPrefix: requireEnv(ENV.stateMachineArnPrefix),
    schedulerRoleArn: requireEnv(ENV.journeySchedulerRoleArn),
    ...(deadLetterArn ? { deadLetterArn } : {}),
  };
  if (!/^arn:[\w-]+:states:[\w-]+:\d{12}:stateMachine:$/.test(naming.stateMachineArnPrefix)) {
    throw new Error(
      `${ENV.stateMachineArnPrefix} is not a state machine ARN prefix: ${naming.stateMachineArnPrefix}`,
    );
  }
  return naming;
}
