/**
 * The physical names of one relance deployment. Every name relance chooses starts with
 * `Relance-<stage>-` (`Relance-` without a stage), so two stages share an account and region without
 * a clash; the functions receive the prefix through their environment and derive the names they
 * build at run time from it (journey state machines and schedule groups).
 */

/** A stage name: a letter, then up to 15 letters, digits or hyphens (it goes into names AWS limits to 64 characters). */
const STAGE_PATTERN = /^[A-Za-z](?:[A-Za-z0-9-]{0,14}[A-Za-z0-9])?$/;

/** The metrics dimension value of a deployment without a stage. */
export const DEFAULT_STAGE_DIMENSION = 'default';

/** Thrown when the `stage` prop is not a valid stage name. */
export class StageNameError extends Error {
  override readonly name = 'StageNameError';
}

export class StageNames {
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
    this.dimension = stage ?? DEFAULT_STAGE_DIMENSION;
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
