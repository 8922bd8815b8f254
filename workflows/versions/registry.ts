/**
 * The version registry on disk: `<dir>/<journeyId>/<version>.json`, one file per version ever
 * deployed (or run locally), kept like a lockfile. `cdk synth` records the version of each journey it
 * deploys in workflows/versions/ (commit the new files with the change) and regenerates recorded.ts,
 * which bundles them with the functions; `relance dev` records the versions it runs in
 * .relance/versions/, so local edits never reach the repository's registry.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { JourneyVersion, RecordedVersion } from '#language/versions.ts';
// Written beside and renamed over: a kill during a synth leaves no half-written version behind.
import { writeFileAtomically } from '../../local/aws/atomic-file.ts';

/** The repository's registry, bundled with the functions. */
export const REGISTRY_DIR = import.meta.dirname;
/** The module that imports every file of the repository's registry. */
const INDEX_FILE = 'recorded.ts';

/** Every version recorded under `dir` (empty when it does not exist). */
export function readRegistry(dir: string): RecordedVersion[] {
  if (!existsSync(dir)) return [];
  const versions: RecordedVersion[] = [];
  for (const journey of readdirSync(dir, { withFileTypes: true })) {
    if (!journey.isDirectory()) continue;
    for (const file of readdirSync(join(dir, journey.name))) {
      if (!file.endsWith('.json')) continue;
      const path = join(dir, journey.name, file);
      try {
        versions.push(JSON.parse(readFileSync(path, 'utf8')) as RecordedVersion);
      } catch (error) {
        throw new Error(`${path} cannot be read: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }
  return versions.sort((a, b) => a.journeyId.localeCompare(b.journeyId) || a.seq - b.seq);
}

/** The module text that imports every version file of a registry (recorded.ts). */
export function registryIndex(dir: string, versions: readonly RecordedVersion[]): string {
  const entries = versions.map((v) => ({
    name: `${v.journeyId.replaceAll('-', '_')}_${v.seq}`,
    path: `./${relative(dir, join(dir, v.journeyId, `${v.version}.json`))}`,
  }));
  return [
    '// Generated from the files beside it by `cdk synth` and `relance journeys record`: do not edit.',
    "import type { RecordedVersion } from '#language/versions.ts';",
    ...entries.map((e) => `import ${e.name} from '${e.path}' with { type: 'json' };`),
    '',
    '/** Every recorded journey version, bundled with the functions that run journeys. */',
    'export const recordedVersions: readonly RecordedVersion[] = [',
    ...entries.map((e) => `  ${e.name},`),
    '] as unknown as readonly RecordedVersion[];',
    '',
  ].join('\n');
}

/**
 * Records the versions not yet in `dir` (each as the next `seq` of its journey) and returns them.
 * With `index`, regenerates the module that bundles the registry (the repository's registry).
 */
export function recordVersions(
  dir: string,
  versions: readonly JourneyVersion[],
  options: { now: string; index?: boolean },
): RecordedVersion[] {
  const existing = readRegistry(dir);
  const added: RecordedVersion[] = [];
  for (const version of versions) {
    const mine = existing.filter((v) => v.journeyId === version.journeyId);
    if (mine.some((v) => v.version === version.version)) continue;
    const recorded: RecordedVersion = {
      journeyId: version.journeyId,
      version: version.version,
      seq: Math.max(0, ...mine.map((v) => v.seq)) + 1,
      recordedAt: options.now,
      definition: version.definition,
      templates: version.templates,
    };
    mkdirSync(join(dir, version.journeyId), { recursive: true });
    writeFileAtomically(
      join(dir, version.journeyId, `${version.version}.json`),
      `${JSON.stringify(recorded, null, 2)}\n`,
    );
    existing.push(recorded);
    added.push(recorded);
  }
  if (options.index) {
    const text = registryIndex(dir, readRegistry(dir));
    const path = join(dir, INDEX_FILE);
    if (!existsSync(path) || readFileSync(path, 'utf8') !== text) writeFileAtomically(path, text);
  }
  return added;
}
