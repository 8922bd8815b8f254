/**
 * The physical names of one relance deployment. Every name relance chooses starts with
 * `Relance-<stage>-` (`Relance-` without a stage), so two stages share an account and region without
 * a clash; the functions receive the prefix through their environment and derive the names they
 * build at run time from it (journey state machines and schedule groups).
 */
import type { IConstruct } from 'constructs';
import { DEFAULT_STAGE } from '#platform/metric-names.ts';

/** A stage name: a letter, then up to 15 letters, digits or hyphens (it goes into names AWS limits to 64 characters). */
const STAGE_PATTERN = /^[A-Za-z](?:[A-Za-z0-9-]{0,14}[A-Za-z0-9])?$/;

/** Thrown when the `stage` prop is not a valid stage name. */
export class StageNameError extends Error {
  override readonly name = 'StageNameError';
}

/**
 * What `attached` holds for the nearest of `scope` and its ancestors: a deployment's setting, kept
 * by the construct that places it, for what is built inside it.
 */
export function settingOf<T>(attached: WeakMap<IConstruct, T>, scope: IConstruct): T | undefined {
  for (const ancestor of [...scope.node.scopes].reverse()) {
    const setting = attached.get(ancestor);
    if (setting !== undefined) return setting;
  }
  return undefined;
}

/** The names of each construct that places a relance deployment, for what is built inside it. */
const placed = new WeakMap<IConstruct, StageNames>();

export class StageNames {
  /** The names of the deployment `scope` is part of (no stage outside one). */
  static of(scope: IConstruct): StageNames {
    return settingOf(placed, scope) ?? new StageNames();
  }

  /** Records `names` as those of everything built inside `scope`. */
  static attach(scope: IConstruct, names: StageNames): void {
    placed.set(scope, names);
  }

  /** The prefix of every physical name: `Relance-dev-`, or `Relance-` without a stage. */
  readonly prefix: string;
  /** The `Stage` dimension of relance's metrics: the stage, or `default`. */
  readonly dimension: string;

  constructor(readonly stage?: string) {
    if (stage !== undefined && !STAGE_PATTERN.test(stage)) {
      throw new StageNameError(
        `stage: "${stage}" is not a stage name (a letter, then up to 15 letters, digits or hyphens, not ending with a hyphen)`,
      );
    }
    this.prefix = stage === undefined ? 'Relance-' : `Relance-${stage}-`;
    this.dimension = stage ?? DEFAULT_STAGE;
  }

  /** `Relance-<stage>-<what>`. */
  name(what: string): string {
    return `${this.prefix}${what}`;
  }

  /** A name only a staged deployment sets; without a stage CloudFormation keeps generating it (renaming would replace the resource). */
  stagedName(what: string): string | undefined {
    return this.stage === undefined ? undefined : this.name(what);
  }
}
