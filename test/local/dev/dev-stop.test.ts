// `relance dev` stopped while it starts (Ctrl-C, or a supervisor's SIGTERM, right after launching
// it) finishes starting and then stops as any stop does. It listened for the signals only once its
// ready lines were printed: a signal before then ended the process at once, without its stop (the
// tooling benchmark, stopping `npm start` as soon as it could, left its function bundles' folders in
// node_modules/.cache/relance-lambda at each run).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { synthesizeForLocal } from '../../../local/dev/synth.ts';
import { startDev } from '../../support/dev-process.ts';

let cdkOut: string;

beforeAll(() => {
  cdkOut = synthesizeForLocal(mkdtempSync(join(tmpdir(), 'relance-dev-stop-')));
});

afterAll(() => {
  rmSync(cdkOut, { recursive: true, force: true });
});

describe('relance dev stopped while it starts', () => {
  it('finishes starting, then stops as any stop does, instead of ending at once', async () => {
    const dev = startDev(cdkOut);

    // Act: the signal as soon as relance dev says it is starting, long before it is ready.
    const output = await dev.printed('starting the local system');
    expect(output).not.toContain('ready in');
    dev.child.kill('SIGTERM');

    // Assert
    const { code, signal, output: printed } = await dev.ended;
    expect(signal, printed).toBeNull();
    expect(code, printed).toBe(0);
    expect(printed).toContain('ready in');
    expect(printed).toMatch(/stopping…\s+stopped/);
  });
});
