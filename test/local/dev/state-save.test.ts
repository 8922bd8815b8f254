// `relance dev` saves its stand-ins' state (schedules, queues, outbox, the clock) to
// .relance/data/state.json every 2 s and when it stops. Written in place, a process killed while
// writing it (a second Ctrl-C while it stopped did it here) left the file truncated, and every later
// start failed with "Unexpected end of JSON input". It is now written beside and renamed over.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startLocalRuntime } from '../../../local/dev/runtime.ts';
import { synthesizeForLocal } from '../../../local/dev/synth.ts';
import { PROJECT_ROOT, T0 } from '../../support/local-system.ts';

/** Writes to files whose path starts with `killAt` die midway, as writeFileSync leaves a file when the process dies. */
const disk = vi.hoisted(() => ({ killAt: undefined as string | undefined }));
vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  const writeFileSync = ((path: Parameters<typeof fs.writeFileSync>[0], ...rest: unknown[]) => {
    if (disk.killAt && String(path).startsWith(disk.killAt)) {
      fs.writeFileSync(path, '');
      throw new Error('killed while writing');
    }
    return (fs.writeFileSync as (...args: unknown[]) => void)(path, ...rest);
  }) as typeof fs.writeFileSync;
  return { ...fs, default: { ...fs, writeFileSync }, writeFileSync };
});

let cdkOut: string;
beforeAll(() => {
  cdkOut = synthesizeForLocal(mkdtempSync(join(tmpdir(), 'relance-state-save-')));
});
afterAll(() => rmSync(cdkOut, { recursive: true, force: true }));

const start = (dataDir: string) =>
  startLocalRuntime({
    projectRoot: PROJECT_ROOT,
    cdkOut,
    port: 0,
    clock: { mode: 'virtual', start: T0 },
    dataDir,
    apiKey: 'state-save',
  });

describe('the local runtime’s saved state', () => {
  it('stays whole when the process dies while saving it, and the next start reads it', async () => {
    // Prepare: a state saved an hour into journey time.
    const dataDir = mkdtempSync(join(tmpdir(), 'relance-state-save-data-'));
    const statePath = join(dataDir, 'state.json');
    try {
      const runtime = await start(dataDir);
      await runtime.advance(3_600_000);
      runtime.save();

      // Act: the next save dies midway.
      await runtime.advance(3_600_000);
      disk.killAt = statePath;
      expect(() => runtime.save()).toThrow('killed while writing');
      disk.killAt = undefined;
      await runtime.simulateCrash();

      // Assess: the last whole save is there, and a new process starts from it.
      expect(JSON.parse(readFileSync(statePath, 'utf8')).clock).toBe(T0 + 3_600_000);
      const next = await start(dataDir);
      await next.stop();
    } finally {
      disk.killAt = undefined;
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 60_000);

  it('that a stop cut short before is refused naming the file and what to do', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'relance-state-save-data-'));
    try {
      writeFileSync(join(dataDir, 'state.json'), '');
      await expect(start(dataDir)).rejects.toThrow(
        new RegExp(
          `${join(dataDir, 'state.json')} cannot be read .*cut short while saving it. Move it aside`,
        ),
      );
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 60_000);
});
