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

// Ctrl-C while `npm start`'s demo played did not stop relance dev: it waited for the demo to end,
// and the terminal's Ctrl-C had also ended esbuild's service (same process group), so the demo's
// next events, reaching functions not bundled yet, never settled: still "demo: ..." a minute later,
// no "stopping…", until a second Ctrl-C killed it.
describe('relance dev stopped while its demo plays', () => {
  it('stops then, leaving the demo unfinished, as Ctrl-C in a terminal signals it', async () => {
    const dev = startDev(cdkOut, { demo: true, ownProcessGroup: true });
    // Never kill(0): that would signal the test runner's own process group.
    const pid = dev.child.pid;
    if (pid === undefined) throw new Error('relance dev did not start');
    const group = -pid;
    try {
      // Act: Ctrl-C once the demo is under way (it sends events for several seconds more).
      await dev.printed('demo: Grace signs up');
      process.kill(group, 'SIGINT');

      // Assert
      const { code, signal, output } = await dev.ended;
      expect(signal, output).toBeNull();
      expect(code, output).toBe(0);
      expect(output).toContain('demo: left unfinished, the system is stopping');
      expect(output).toMatch(/stopping…[\s\S]*stopped/);
      expect(output).not.toContain('demo: events sent');
    } finally {
      // Nothing left running, whatever happened.
      try {
        process.kill(group, 'SIGKILL');
      } catch {
        // Already ended.
      }
    }
  }, 90_000);
});
