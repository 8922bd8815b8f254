/**
 * Where a local runtime keeps its functions' bundles: a folder of its own under the project's
 * node_modules/.cache/relance-lambda (the packages they import resolve from there), removed when the
 * runtime stops. A process that ended without stopping (killed, a second signal while it stopped)
 * left its folder behind, one per start: each folder now names the process that owns it, and a
 * runtime making its own removes those whose process is gone. Folders of live processes (other
 * runtimes, parallel test workers) and folders naming no process are left alone.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The file in a run's folder holding the pid of the process that owns it. */
export const OWNER_FILE = 'owner.pid';

/** Whether a process with this pid exists (one of another user's counts: it cannot be signalled). */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes the run folders under `parent` whose owning process has ended. */
function removeAbandonedRuns(parent: string): void {
  for (const name of readdirSync(parent)) {
    if (!name.startsWith('run-')) continue;
    let pid: number;
    try {
      pid = Number(readFileSync(join(parent, name, OWNER_FILE), 'utf8').trim());
    } catch {
      continue;
    }
    if (!Number.isSafeInteger(pid) || pid <= 0 || isAlive(pid)) continue;
    rmSync(join(parent, name), { recursive: true, force: true });
  }
}

/** A new folder for this process's bundles under `projectRoot`, after removing abandoned ones. */
export function makeBundleDirectory(projectRoot: string): string {
  const parent = join(projectRoot, 'node_modules', '.cache', 'relance-lambda');
  mkdirSync(parent, { recursive: true });
  removeAbandonedRuns(parent);
  const dir = mkdtempSync(join(parent, 'run-'));
  writeFileSync(join(dir, OWNER_FILE), `${process.pid}\n`);
  return dir;
}
