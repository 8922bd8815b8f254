/**
 * What changed between the journey versions a deployment runs and the working tree, and which runs
 * it concerns. Used by `relance journeys diff` and printed by `relance dev` when it starts on saved
 * data with edited journeys. The deployed versions come from a cloud assembly (the file synth.ts
 * writes beside the templates) or, on AWS, from the state machines' definitions.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  diffVersions,
  inFlightPolicyOf,
  type JourneyVersion,
  migratedStepId,
  type VersionDiff,
} from '#language/versions.ts';
import type { Run } from '../../functions/journeys/runs-repository.ts';
import { JOURNEY_VERSIONS_FILE, type JourneyCatalog } from '../../workflows/versions/index.ts';
import { REGISTRY_DIR, readRegistry } from '../../workflows/versions/registry.ts';

/** Where `relance dev` records the versions it runs (never the repository's registry). */
export function localRegistryDir(projectRoot: string): string {
  return join(projectRoot, '.relance', 'versions');
}

/** Every version recorded for the repository and, locally, by `relance dev`. */
export function recordedEverywhere(projectRoot: string): JourneyVersion[] {
  return [...readRegistry(REGISTRY_DIR), ...readRegistry(localRegistryDir(projectRoot))];
}

/** The versions a cloud assembly was synthesized with; undefined when it has no such file. */
export function assemblyCatalog(cdkOut: string): JourneyCatalog | undefined {
  const file = join(cdkOut, JOURNEY_VERSIONS_FILE);
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as JourneyCatalog) : undefined;
}

/** Runs waiting (or stalled) per journey, version and step. */
export type WaitingCounts = ReadonlyMap<string, number>;
const countKey = (journeyId: string, version: string | undefined, stepId: string) =>
  `${journeyId}|${version ?? ''}|${stepId}`;

export function waitingCounts(runs: Iterable<Run>): WaitingCounts {
  const counts = new Map<string, number>();
  for (const run of runs) {
    if ((run.status !== 'waiting' && run.status !== 'stalled') || !run.waiting) continue;
    const key = countKey(run.journeyId, run.version, run.waiting.stepId);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

/** A step of the deployed version where runs wait, and what the new version does with them. */
export interface AffectedStep {
  readonly stepId: string;
  readonly change: 'removed' | 'changed';
  /** What happens to the runs waiting there once the working tree deploys. */
  readonly fate: string;
  /** Runs waiting there now (when runs were counted). */
  readonly waiting?: number;
}

export interface JourneyChange {
  readonly journeyId: string;
  readonly status: 'added' | 'removed' | 'changed' | 'unchanged';
  readonly deployed?: string;
  readonly working?: string;
  readonly policy?: string;
  readonly diff?: VersionDiff;
  readonly affected: AffectedStep[];
  /** Runs waiting on earlier versions than the deployed one (they keep their own fate). */
  readonly waitingOnEarlier?: number;
}

function fateOf(working: JourneyVersion, deployedVersion: string, stepId: string): string {
  const policy = inFlightPolicyOf(working.definition);
  if (policy.policy === 'exit') return `they exit at their next wake-up: ${policy.reason}`;
  if (policy.policy === 'finish') return `they finish on version ${deployedVersion}`;
  const target = migratedStepId(working.definition, stepId);
  return target
    ? `they move to version ${working.version} at ${target}`
    : `no mapping: synth refuses until inFlight.stepMapping maps "${stepId}"`;
}

/** The changes between deployed and working versions, journey by journey (one journey when named). */
export function journeyChanges(
  deployed: readonly JourneyVersion[],
  working: readonly JourneyVersion[],
  counts?: WaitingCounts,
  journeyId?: string,
): JourneyChange[] {
  const ids = [...new Set([...deployed, ...working].map((v) => v.journeyId))]
    .filter((id) => journeyId === undefined || id === journeyId)
    .sort();
  return ids.map((id): JourneyChange => {
    const before = deployed.find((v) => v.journeyId === id);
    const after = working.find((v) => v.journeyId === id);
    const waitingAt = (stepId: string) => counts?.get(countKey(id, before?.version, stepId));
    const onEarlier = counts
      ? [...counts]
          .filter(([key]) => key.startsWith(`${id}|`) && !key.startsWith(`${id}|${before?.version ?? ''}|`))
          .reduce((sum, [, n]) => sum + n, 0)
      : undefined;
    const earlier = onEarlier ? { waitingOnEarlier: onEarlier } : {};
    if (!after) {
      return {
        journeyId: id,
        status: 'removed',
        ...(before ? { deployed: before.version } : {}),
        affected: [],
        ...earlier,
      };
    }
    const policy = inFlightPolicyOf(after.definition).policy;
    if (!before) return { journeyId: id, status: 'added', working: after.version, policy, affected: [] };
    const diff = diffVersions(before, after);
    const unchanged = before.version === after.version;
    const affected = unchanged
      ? []
      : diff.affectedWaitingSteps.map((stepId): AffectedStep => {
          const count = waitingAt(stepId);
          return {
            stepId,
            change: after.definition.steps[stepId] ? 'changed' : 'removed',
            fate: fateOf(after, before.version, stepId),
            ...(count === undefined ? (counts ? { waiting: 0 } : {}) : { waiting: count }),
          };
        });
    return {
      journeyId: id,
      status: unchanged ? 'unchanged' : 'changed',
      deployed: before.version,
      working: after.version,
      policy,
      diff,
      affected,
      ...earlier,
    };
  });
}

/** The changes as lines for a terminal. */
export function formatJourneyChanges(
  changes: readonly JourneyChange[],
  options: { all?: boolean } = {},
): string[] {
  const lines: string[] = [];
  for (const change of changes) {
    if (change.status === 'unchanged' && !options.all) continue;
    if (change.status === 'added') {
      lines.push(`${change.journeyId}: new journey (version ${change.working})`);
      continue;
    }
    if (change.status === 'removed') {
      lines.push(
        `${change.journeyId}: removed (deployed version ${change.deployed}); its waiting runs can no longer resume and the sweeper marks them failed`,
      );
      continue;
    }
    if (change.status === 'unchanged') {
      lines.push(`${change.journeyId}: unchanged (version ${change.deployed})`);
      continue;
    }
    const diff = change.diff;
    lines.push(
      `${change.journeyId}: version ${change.deployed} → ${change.working} (in-flight policy: ${change.policy})`,
    );
    if (diff) {
      for (const id of diff.added) lines.push(`  + step ${id}`);
      for (const id of diff.removed)
        lines.push(
          `  - step ${id}${diff.likelyRenames[id] ? ` (renamed to ${diff.likelyRenames[id]}?)` : ''}`,
        );
      for (const c of diff.changed) lines.push(`  ~ step ${c.stepId}: ${c.changes.join('; ')}`);
      for (const t of diff.templates) lines.push(`  ~ template ${t.templateId} ${t.change}`);
      for (const s of diff.settings) lines.push(`  ~ ${s} changed`);
    }
    for (const step of change.affected) {
      const count = step.waiting === undefined ? '' : `${step.waiting} run(s) waiting; `;
      lines.push(`  runs at ${step.stepId} (${step.change}): ${count}${step.fate}`);
    }
    if (change.waitingOnEarlier) lines.push(`  ${change.waitingOnEarlier} run(s) wait on earlier versions`);
  }
  if (lines.length === 0) lines.push('no journey changed since the deployed versions');
  return lines;
}

/** How late a wake-up may be before the sweeper acts (functions/journeys/run-sweeper.ts). */
const SWEEP_GRACE_MS = 10 * 60_000;

/** A run's fate in one sentence: where it is, on which version, and what happens to it next. */
export function runFate(run: Run, deployed: JourneyCatalog | undefined, nowMs: number): string {
  if (run.status === 'ended' || run.status === 'failed')
    return `${run.status}: ${run.endReason ?? 'no reason recorded'}`;
  const parts: string[] = [];
  if (run.waiting) {
    const until = Date.parse(run.waiting.until);
    parts.push(
      `${run.waiting.kind === 'waitFor' ? 'waiting for an event' : 'waiting'} at ${run.waiting.stepId} until ${run.waiting.until}`,
    );
    if (run.status === 'stalled' && run.stall)
      parts.push(
        `stalled: ${run.stall.reason}; resumed again by the sweeper (attempt ${run.stall.attempts})`,
      );
    else if (until < nowMs - SWEEP_GRACE_MS)
      parts.push('overdue: the sweeper marks it stalled and resumes it at its next pass');
  } else {
    parts.push(`running a segment (since ${run.updatedAt})`);
  }
  const current = deployed?.current.find((v) => v.journeyId === run.journeyId);
  if (!current)
    parts.push(deployed ? 'its journey is no longer deployed: the sweeper will mark it failed' : '');
  else if (!run.version)
    parts.push(`entered before versions were recorded: continues on version ${current.version}`);
  else if (run.version === current.version) parts.push(`on the deployed version ${current.version}`);
  else {
    const policy = inFlightPolicyOf(current.definition);
    const stepId = run.waiting?.stepId;
    if (policy.policy === 'exit')
      parts.push(`on version ${run.version}; exits when it resumes: ${policy.reason}`);
    else if (policy.policy === 'finish') {
      const kept = deployed?.earlier.some((v) => v.journeyId === run.journeyId && v.version === run.version);
      parts.push(
        kept
          ? `on version ${run.version}: finishes on it (deployed: ${current.version})`
          : `on version ${run.version}, no longer deployed: fails when it resumes (declare inFlight migrate or exit)`,
      );
    } else {
      const target = stepId ? migratedStepId(current.definition, stepId) : undefined;
      parts.push(
        target
          ? `on version ${run.version}: moves to version ${current.version} at ${target} when it resumes`
          : `on version ${run.version}: has no step to move to in version ${current.version}; fails when it resumes`,
      );
    }
  }
  return parts.filter(Boolean).join('; ');
}
