// A journey added to a local deployment that has saved data: after the restart, its schedule group,
// rule and state machine exist, and its runs wait and resume like any other's.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineJourney, send, wait } from '#language/builder.ts';
import { journeys } from '../../workflows/journeys/index.ts';
import { dataDirectory, type LocalProcess, startProcess } from '../support/local-process.ts';
import { days, hours, T0 } from '../support/local-system.ts';

/** A new journey that starts with a wait: its first run pauses at once, in its own schedule group. */
const newcomer = defineJourney({
  id: 'newcomer',
  description: 'A day after sign-up, a welcome e-mail',
  trigger: { event: 'contact.signed_up', filter: { contact: { email: [{ prefix: 'newcomer' }] } } },
  entry: { reentry: false },
  steps: [
    wait('one-day', { duration: { days: 1 } }),
    send('hello', { channel: 'email', template: 'welcome', topic: 'onboarding' }),
  ],
});

describe('a journey added before a restart with saved data', () => {
  const data = dataDirectory();
  let system: LocalProcess | undefined;

  beforeAll(async () => {
    // Prepare: the deployment as it was, with data saved; then the same data with one journey more.
    const first = await startProcess({ dataDir: data.path, start: T0, build: { journeys } });
    await first.put('contact.signed_up', { contact: { email: 'before-the-change@example.com' } });
    await first.advance(hours(1));
    await first.stop();
    system = await startProcess({ dataDir: data.path, build: { journeys: [...journeys, newcomer] } });
  });

  afterAll(async () => {
    await system?.stop();
    data.remove();
  });

  it('has the schedule group, rule and state machine of every journey in the template', () => {
    const runtime = (system as LocalProcess).runtime;
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
    const current = system as LocalProcess;
    await current.put('contact.signed_up', { contact: { email: 'newcomer@example.com' } });
    const contact = await current.contact('newcomer@example.com');
    const runKey = `contact:${contact?.contactId}`;
    expect(await current.run('newcomer', runKey)).toMatchObject({ status: 'waiting' });
    await current.advance(days(1) + hours(1));

    // Assess
    expect(current.subjectsTo('newcomer@example.com')).toContain('Welcome to Relance Demo Shop, friend!');
    expect(await current.run('newcomer', runKey)).toMatchObject({ status: 'ended', endReason: 'completed' });
    expect(current.runtime.failedScheduleInvocations).toEqual([]);
  });
});
