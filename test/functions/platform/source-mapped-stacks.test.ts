// A deployed function no longer starts with NODE_OPTIONS=--enable-source-maps (its maps parsed at
// every cold start): functions/platform/source-mapped-stacks.ts maps a stack when one is formatted.
// Here a handler bundled as synth bundles it runs in a fresh Node process, as in Lambda.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deploymentBuildOptions } from '../../../lib/stateless/function-bundle.ts';
import { PROJECT_ROOT } from '../../support/local-system.ts';

const run = promisify(execFile);
const ENTRY = 'functions/delivery/sms-inbound-handler.ts';
let outdir: string;
let entryUrl: string;

beforeAll(async () => {
  outdir = mkdtempSync(join(tmpdir(), 'relance-source-stacks-'));
  await build({ ...deploymentBuildOptions(join(PROJECT_ROOT, ENTRY), outdir), absWorkingDir: PROJECT_ROOT });
  entryUrl = pathToFileURL(join(outdir, 'index.mjs')).href;
}, 60_000);
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

/** The line of `text` in a project file (1-based). */
function lineOf(file: string, text: string): number {
  const index = readFileSync(join(PROJECT_ROOT, file), 'utf8')
    .split('\n')
    .findIndex((line) => line.includes(text));
  if (index < 0) throw new Error(`${text} not in ${file}`);
  return index + 1;
}

/**
 * Imports the bundle in a fresh process with `env`, counting the source maps read, and prints what
 * it saw: the stack of the error its initialisation threw, if any, and whether Node's stack
 * formatting was replaced.
 */
async function importBundle(env: Record<string, string>) {
  const script = `
    const fs = await import('node:fs');
    const { syncBuiltinESMExports } = await import('node:module');
    const readFileSync = fs.default.readFileSync;
    let mapsRead = 0;
    fs.default.readFileSync = (path, ...rest) => {
      if (String(path).endsWith('.map')) mapsRead++;
      return readFileSync(path, ...rest);
    };
    syncBuiltinESMExports();
    const nodesOwn = Error.prepareStackTrace;
    let stack;
    try {
      await import(${JSON.stringify(entryUrl)});
    } catch (error) {
      stack = error.stack;
    }
    process.stdout.write(JSON.stringify({ stack, mapsRead, hooked: Error.prepareStackTrace !== nodesOwn }));`;
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], {
    env: { PATH: process.env.PATH ?? '', AWS_REGION: 'us-east-1', ...env },
    cwd: outdir,
  });
  return JSON.parse(stdout) as { stack?: string; mapsRead: number; hooked: boolean };
}

describe('stack traces of a deployed function', () => {
  it('name the source files, lines and functions, though Node maps nothing itself', async () => {
    // No CONTACTS_TABLE: the handler's initialisation throws from requireEnv.
    const { stack, hooked } = await importBundle({});
    expect(hooked).toBe(true);
    const frames = (stack ?? '').split('\n').slice(1);
    expect(stack).toMatch(/^Error: Missing environment variable CONTACTS_TABLE\n/);
    const envLine = lineOf('functions/platform/env.ts', 'throw new Error(`Missing environment variable');
    expect(frames[0]).toMatch(
      new RegExp(`^ {4}at requireEnv \\(.*/functions/platform/env\\.ts:${envLine}:\\d+\\)$`),
    );
    const handlerLine = lineOf(ENTRY, 'requireEnv(ENV.contactsTable)');
    expect(frames.some((frame) => frame.includes(`/${ENTRY}:${handlerLine}:`))).toBe(true);
    // Every frame in the bundle is mapped; Node's own frames are left as V8 wrote them.
    expect(frames.some((frame) => frame.includes('index.mjs'))).toBe(false);
    expect(frames.some((frame) => frame.includes('node:internal/modules/esm'))).toBe(true);
  });

  it('read no source map while the function starts', async () => {
    const started = await importBundle({
      CONTACTS_TABLE: 'contacts',
      FEEDBACK_DEAD_LETTERS_QUEUE_URL: 'http://127.0.0.1:9/queue/feedback',
    });
    expect(started).toEqual({ mapsRead: 0, hooked: true });
    const failed = await importBundle({});
    expect(failed.mapsRead).toBeGreaterThan(0);
  });

  it('leave stacks to Node when its own source maps are on', async () => {
    const { stack, hooked } = await importBundle({ NODE_OPTIONS: '--enable-source-maps' });
    expect(hooked).toBe(false);
    expect(stack).toContain('functions/platform/env.ts:');
  });
});
