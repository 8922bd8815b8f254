// `relance dev` stopped while it starts (Ctrl-C, or a supervisor's SIGTERM, right after launching
// it) finishes starting and then stops as any stop does. It listened for the signals only once its
// ready lines were printed: a signal before then ended the process at once, without its stop (the
// tooling benchmark, stopping `npm start` as soon as it could, left its function bundles' folders in
// node_modules/.cache/relance-lambda at each run).
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { synthesizeForLocal } from '../../../local/dev/synth.ts';

const PROJECT_ROOT = resolve(import.meta.dirname, '../../..');
let cdkOut: string;

beforeAll(() => {
  cdkOut = synthesizeForLocal(mkdtempSync(join(tmpdir(), 'relance-dev-stop-')));
});

afterAll(() => {
  rmSync(cdkOut, { recursive: true, force: true });
});

/** Resolves with the process's exit code or signal once it has ended, and everything it printed. */
function ended(child: ChildProcessWithoutNullStreams, printed: () => string) {
  return new Promise<{ code: number | null; signal: NodeJS.Signals | null; output: string }>((done) =>
    child.on('close', (code, signal) => done({ code, signal, output: printed() })),
  );
}

describe('relance dev stopped while it starts', () => {
  it('finishes starting, then stops as any stop does, instead of ending at once', async () => {
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        'bin/relance.ts',
        'dev',
        '--memory',
        '--no-demo',
        '--port',
        '0',
        '--cdk-out',
        cdkOut,
      ],
      { cwd: PROJECT_ROOT, env: { ...process.env, RELANCE_PORT: '' }, stdio: 'pipe' },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    const result = ended(child, () => output);

    // Act: the signal as soon as relance dev says it is starting, long before it is ready.
    await new Promise<void>((started) => {
      const look = () => {
        if (output.includes('starting the local system')) {
          child.stdout.off('data', look);
          started();
        }
      };
      child.stdout.on('data', look);
    });
    expect(output).not.toContain('ready in');
    child.kill('SIGTERM');

    // Assert
    const { code, signal, output: printed } = await result;
    expect(signal, printed).toBeNull();
    expect(code, printed).toBe(0);
    expect(printed).toContain('ready in');
    expect(printed).toMatch(/stopping…\s+stopped/);
  });
});
