// A local runtime keeps its functions' bundles in a folder of its own under
// node_modules/.cache/relance-lambda and removes it when it stops; a process killed before it
// stopped (kill -9, a second signal while it stopped) left its folder there for good, one more at
// each such start. A runtime making its folder now removes those of processes that have ended.
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeBundleDirectory, OWNER_FILE } from '../../../local/aws/bundle-directory.ts';
import { runFresh } from '../../support/fresh-process.ts';

let projectRoot: string;
let parent: string;

beforeEach(() => {
  projectRoot = mkdtempSync(join(tmpdir(), 'relance-bundle-directory-'));
  parent = join(projectRoot, 'node_modules', '.cache', 'relance-lambda');
});

afterEach(() => {
  rmSync(projectRoot, { recursive: true, force: true });
});

/** A folder under the bundles' parent, owned by `pid` when given. */
function folder(name: string, pid?: number): string {
  const dir = join(parent, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'index.mjs'), 'export {};\n');
  if (pid !== undefined) writeFileSync(join(dir, OWNER_FILE), `${pid}\n`);
  return dir;
}

describe("a local runtime's bundle folder", () => {
  it('removes the folder a killed process left, and keeps those of live processes', () => {
    // A process makes its folder and ends without removing it, as a killed runtime does.
    const left = runFresh(
      [
        `const { makeBundleDirectory } = await import('./local/aws/bundle-directory.ts');`,
        `process.stdout.write(makeBundleDirectory(${JSON.stringify(projectRoot)}));`,
      ].join('\n'),
    ).trim();
    expect(existsSync(left)).toBe(true);
    const live = folder('run-live', process.pid);
    const unowned = folder('run-unowned');
    const notARun = folder('kept-by-someone-else', 999_999_999);

    const mine = makeBundleDirectory(projectRoot);

    expect(existsSync(left)).toBe(false);
    expect(existsSync(live)).toBe(true);
    expect(existsSync(unowned)).toBe(true);
    expect(existsSync(notARun)).toBe(true);
    expect(readFileSync(join(mine, OWNER_FILE), 'utf8').trim()).toBe(String(process.pid));
    expect(readdirSync(parent).sort()).toEqual(
      ['kept-by-someone-else', 'run-live', 'run-unowned', mine.split('/').at(-1)].sort(),
    );
  }, 30_000);

  it('gives each runtime of a process a folder of its own', () => {
    const first = makeBundleDirectory(projectRoot);
    const second = makeBundleDirectory(projectRoot);
    expect(second).not.toBe(first);
    expect(existsSync(first)).toBe(true);
  });
});
