// A journey added to a local deployment that has saved data: after the restart, its schedule group,
// rule and state machine exist, and its runs wait and resume like any other's.
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { journeys } from '../../workflows/journeys/index.ts';
import {
  dataDirectory,
  days,
  hours,
  type LocalSystem,
  PROJECT_ROOT,
  signUp,
  startLocalSystem,
  T0,
} from '../support/local-system.ts';
import { newcomer } from './fixtures/newcomer.ts';

describe('a journey added before a restart with saved data', () => {
  const data = dataDirectory();
  let system: LocalSystem | undefined;

  beforeAll(async () => {
    // Prepare: the deployment as it was, with data saved; then the same data with one journey more.
    const first = await startLocalSystem({ dataDir: data.path, start: T0 });
    await signUp(first, 'before-the-change@example.com');
    await first.advance(hours(1));
    await first.stop();
    system = await startLocalSystem({
      dataDir: data.path,
      build: { journeys: [...journeys, newcomer] },
      moduleSubstitutes: {
        [resolve(PROJECT_ROOT, 'workflows/journeys/index.ts')]: resolve(
          PROJECT_ROOT,
          'test/journeys/fixtures/newcomer-journeys.ts',
        ),
      },
    });
  });

  afterAll(async () => {
    await system?.stop();
    data.remove();
  });

  it('has the schedule group, rule and state machine of every journey in the template', () => {
    const runtime = (system as LocalSystem).runtime;
    const groups = new Set(runtime.scheduler.groups().map((g) => g.Name));
    expect(runtime.app.scheduleGroups.filter((g) => !groups.has(g))).toEqual([]);
    expect(runtime.app.scheduleGroups.some((g) => g.endsWith('-newcomer'))).toBe(true);
    expect(runtime.stepFunctions.stateMachines.map((m) => m.name)).toContain('Relance-newcomer');
    expect(runtime.app.rules.some((r) => r.targets.some((t) => t.arn.endsWith(':Relance-newcomer')))).toBe(
      true,
    );
    // The runs saved before the restart still wait on their schedules.
    expect(runtime.scheduler.schedules().length).toBeGreaterThan(0);
  });

  it('runs the new journey: its first run waits, then resumes and ends', async () => {
    // Act
    const current = system as LocalSystem;
    await signUp(current, 'newcomer@example.com');
    const contact = await current.contact('newcomer@example.com');
    const runKey = `contact:${contact?.contactId}`;
    expect(await current.run('newcomer', runKey)).toMatchObject({ status: 'waiting' });
    await current.advance(days(1) + hours(1));

    // Assess
    expect(current.emailsTo('newcomer@example.com').map((e) => e.subject)).toContain(
      'Welcome to Relance Demo Shop, friend!',
    );
    expect(await current.run('newcomer', runKey)).toMatchObject({ status: 'ended', endReason: 'completed' });
    expect(current.runtime.failedScheduleInvocations).toEqual([]);
  });
});
