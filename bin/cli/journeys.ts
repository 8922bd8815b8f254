/**
 * `relance journeys diff [journey]`: what changed between the deployed journey versions and the
 * working tree (steps added, removed, changed, templates, settings), what the in-flight policy does
 * with the runs waiting at each affected step and, when asked to read runs (`--endpoint` or
 * `--aws`), how many wait there. The deployed versions are those of the local runtime's cloud
 * assembly (`.relance/cdk.out`), or with `--aws` those of the deployed state machines.
 * `relance journeys record`: records the working tree's versions in workflows/versions/ (what
 * `cdk synth` does), to commit with the change.
 */
import { join } from 'node:path';
import { DescribeStateMachineCommand, ListStateMachinesCommand, SFNClient } from '@aws-sdk/client-sfn';
import type { JourneyVersion } from '#language/versions.ts';
import { ENV } from '#platform/env-names.ts';
import {
  assemblyCatalog,
  formatJourneyChanges,
  type JourneyChange,
  journeyChanges,
  recordedEverywhere,
  waitingCounts,
} from '../../local/dev/journey-versions.ts';
import { bundledCatalog } from '../../workflows/versions/index.ts';
import { REGISTRY_DIR, recordVersions } from '../../workflows/versions/registry.ts';
import { type DeploymentOptions, openDeployment, setting, UsageError } from './audience.ts';

export interface JourneysDiffOptions extends DeploymentOptions {
  readonly journey?: string;
  /** Count the runs waiting at each affected step (reads the runs table). */
  readonly countRuns: boolean;
}

export interface JourneysDiffReport {
  /** Where the deployed versions were read. */
  readonly deployedFrom: string;
  readonly changes: JourneyChange[];
  /** Deployed versions this working tree has no record of (their steps cannot be compared). */
  readonly unknownDeployed: Array<{ journeyId: string; version: string }>;
}

/** The versions the deployed state machines record (`--aws`): STACK_NAME (default Relance) names them. */
async function deployedOnAws(
  journeyIds: readonly string[],
  known: readonly JourneyVersion[],
): Promise<{ versions: JourneyVersion[]; unknown: Array<{ journeyId: string; version: string }> }> {
  const stack = process.env.STACK_NAME ?? 'Relance';
  const client = new SFNClient({});
  try {
    const machines = [];
    let nextToken: string | undefined;
    do {
      const page = await client.send(new ListStateMachinesCommand({ nextToken }));
      machines.push(...(page.stateMachines ?? []));
      nextToken = page.nextToken;
    } while (nextToken);
    const versions: JourneyVersion[] = [];
    const unknown: Array<{ journeyId: string; version: string }> = [];
    for (const journeyId of journeyIds) {
      const machine = machines.find((m) => m.name === `${stack}-${journeyId}`.slice(0, 64));
      if (!machine?.stateMachineArn) continue;
      const { definition } = await client.send(
        new DescribeStateMachineCommand({ stateMachineArn: machine.stateMachineArn }),
      );
      const version = (
        JSON.parse(definition ?? '{}') as { States?: { Enter?: { Parameters?: { version?: string } } } }
      ).States?.Enter?.Parameters?.version;
      if (!version) continue;
      const found = known.find((v) => v.journeyId === journeyId && v.version === version);
      if (found) versions.push(found);
      else unknown.push({ journeyId, version });
    }
    return { versions, unknown };
  } finally {
    client.destroy();
  }
}

/** Compares the deployed versions with the working tree; counts waiting runs when asked. */
export async function journeysDiff(options: JourneysDiffOptions): Promise<JourneysDiffReport> {
  const working = bundledCatalog().current;
  const cdkOut = options.cdkOut ?? join(options.projectRoot, '.relance', 'cdk.out');
  let deployed: JourneyVersion[];
  let unknownDeployed: Array<{ journeyId: string; version: string }> = [];
  let deployedFrom: string;
  if (options.aws) {
    const ids = working.map((v) => v.journeyId);
    const found = await deployedOnAws(ids, [...recordedEverywhere(options.projectRoot), ...working]);
    deployed = found.versions;
    unknownDeployed = found.unknown;
    deployedFrom = `the state machines of stack ${process.env.STACK_NAME ?? 'Relance'}`;
  } else {
    const catalog = assemblyCatalog(cdkOut);
    if (!catalog)
      throw new UsageError(
        `no journey versions in ${cdkOut}: start relance dev once, or pass --cdk-out with a local assembly`,
      );
    deployed = [...catalog.current];
    deployedFrom = cdkOut;
  }
  const ids = new Set([...deployed, ...working].map((v) => v.journeyId));
  if (options.journey && !ids.has(options.journey))
    throw new UsageError(
      `unknown journey "${options.journey}"; known journeys: ${[...ids].sort().join(', ')}`,
    );
  let counts: ReturnType<typeof waitingCounts> | undefined;
  if (options.countRuns) {
    const deployment = openDeployment(options);
    const table = setting(deployment, ENV.journeyStateTable);
    // Imported now: the SDK clients are built after openDeployment has set the endpoint.
    const { RunsRepository } = await import('../../functions/journeys/runs-repository.ts');
    counts = waitingCounts(await new RunsRepository(table).list(Number.MAX_SAFE_INTEGER));
  }
  return {
    deployedFrom,
    changes: journeyChanges(deployed, working, counts, options.journey),
    unknownDeployed,
  };
}

/** The report as lines for a terminal. */
export function formatJourneysDiff(report: JourneysDiffReport): string[] {
  return [
    `deployed versions: ${report.deployedFrom}`,
    ...report.unknownDeployed.map(
      (u) =>
        `${u.journeyId}: deployed version ${u.version} is not in workflows/versions; its steps cannot be compared`,
    ),
    ...formatJourneyChanges(report.changes),
  ];
}

/** Records the working tree's versions in the repository's registry; returns the ones new to it. */
export function journeysRecord(now = new Date()): Array<{ journeyId: string; version: string; seq: number }> {
  return recordVersions(REGISTRY_DIR, bundledCatalog().current, { now: now.toISOString(), index: true }).map(
    (v) => ({ journeyId: v.journeyId, version: v.version, seq: v.seq }),
  );
}
