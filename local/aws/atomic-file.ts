/**
 * Files the local runtime saves whole (its state, a compacted journal): written beside their path
 * and renamed over it, so a process killed midway (a second Ctrl-C while it saves) leaves the
 * previous file whole, never a truncated one that the next start could not read.
 */
import { renameSync, writeFileSync } from 'node:fs';

export function writeFileAtomically(path: string, text: string): void {
  const next = `${path}.next`;
  writeFileSync(next, text);
  renameSync(next, path);
}
