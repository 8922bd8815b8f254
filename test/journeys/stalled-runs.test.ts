// Nothing stranded: a run whose wake-up is overdue (its schedule deleted, disabled, or lost between
// firing and the execution starting) is found by the sweeper, marked stalled with the reason,
// resumed again, and finishes.
import {
  DeleteScheduleCommand,
  GetScheduleCommand,
  SchedulerClient,
  UpdateScheduleCommand,
} from '@aws-sdk/client-scheduler';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scheduleName } from '../../functions/journeys/journey-runs.ts';
import type { Run } from '../../functions/journeys/runs-repository.ts';
import {
  days,
  eventId,
  hours,
  type LocalSystem,
  minutes,
  startLocalSystem,
} from '../support/local-system.ts';

const TIPS = '3 things members love about Relance Demo Shop';

describe('runs whose wake-up is overdue', () => {
  let system: LocalSystem;
  let scheduler: SchedulerClient;

  beforeAll(async () => {
    system = await startLocalSystem();
    scheduler = new SchedulerClient({
      endpoint: system.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 't', secretAccessKey: 't' },
    });
  });
  afterAll(async () => {
    scheduler.destroy();
    await system.stop();
  });

  /** Signs a contact up for the welcome series; returns its run, waiting two days, and its schedule. */
  async function waitingRun(email: string): Promise<{ run: Run; group: string; name: string }> {
    await system.put('contact.signed_up', {
      eventId: eventId('signup'),
      occurredAt: new Date(system.runtime.clock.now()).toISOString(),
      source: 'shop.test',
      contact: { email },
    });
    const run = (await findRun(email)) as Run;
    expect(run).toMatchObject({ status: 'waiting', waiting: { stepId: 'two-days' } });
    const name = scheduleName('welcome', run.runKey, run.gen, 'two-days');
    const group = system.runtime.app.scheduleGroups.find((g) => g.endsWith('-welcome')) ?? '';
    await scheduler.send(new GetScheduleCommand({ Name: name, GroupName: group }));
    return { run, group, name };
  }

  async function findRun(email: string): Promise<Run | undefined> {
    const { ContactsRepository } = await import('../../functions/contacts/contacts-repository.ts');
    const { relanceTables } = await import('../../local/dev/relance-template.ts');
    const contacts = new ContactsRepository(relanceTables(system.runtime.app).contacts ?? '');
    const contactId = await contacts.findByIdentity('EMAIL', email);
    return contactId ? system.run('welcome', `contact:${contactId}`) : undefined;
  }

  it('resumes a run whose schedule was deleted, marked stalled with the reason, and it finishes', async () => {
    // Prepare
    const email = 'schedule-deleted@example.com';
    const { group, name } = await waitingRun(email);
    await scheduler.send(new DeleteScheduleCommand({ Name: name, GroupName: group }));

    // Act: past the wake-up, the grace and the next sweep.
    await system.advance(days(2) + hours(1) + minutes(15));

    // Assess
    expect(system.emailsTo(email).map((m) => m.subject)).toContain(TIPS);
    const run = await findRun(email);
    expect(run).toMatchObject({
      status: 'waiting',
      waiting: { stepId: 'day-seven' },
      stall: { attempts: 1, reason: expect.stringContaining('its schedule is missing') },
    });
    expect(run?.history.map((h) => h.what).join('\n')).toContain('stalled: wake-up due');
    await system.advance(days(5) + hours(2));
    expect(await findRun(email)).toMatchObject({ status: 'ended', endReason: 'completed' });
  });

  it('resumes a run whose schedule fired but whose execution never started (a crash in between)', async () => {
    // Prepare: the next StartExecution from a schedule fails, as if the process died right then.
    const email = 'lost-start@example.com';
    await waitingRun(email);
    const service = system.runtime.stepFunctions;
    const start = service.startExecution.bind(service);
    let crashes = 1;
    service.startExecution = (arn, input, executionName) => {
      if (crashes > 0 && (input as { resume?: unknown }).resume) {
        crashes -= 1;
        throw new Error('process stopped between the schedule and the execution');
      }
      return start(arn, input, executionName);
    };

    // Act
    await system.advance(days(2) + minutes(1));
    expect(await findRun(email)).toMatchObject({ status: 'waiting', waiting: { stepId: 'two-days' } });
    await system.advance(hours(1) + minutes(15));
    service.startExecution = start;

    // Assess
    expect(crashes).toBe(0);
    expect(system.emailsTo(email).map((m) => m.subject)).toContain(TIPS);
    expect(await findRun(email)).toMatchObject({
      status: 'waiting',
      waiting: { stepId: 'day-seven' },
      stall: { reason: expect.stringContaining('its schedule is missing') },
    });
  });

  it('resumes a run whose schedule exists but does not fire, saying so', async () => {
    // Prepare: the schedule is there, disabled (a target that keeps failing looks the same).
    const email = 'schedule-disabled@example.com';
    const { group, name } = await waitingRun(email);
    const current = await scheduler.send(new GetScheduleCommand({ Name: name, GroupName: group }));
    await scheduler.send(
      new UpdateScheduleCommand({
        Name: name,
        GroupName: group,
        ScheduleExpression: current.ScheduleExpression,
        FlexibleTimeWindow: { Mode: 'OFF' },
        Target: current.Target,
        State: 'DISABLED',
      }),
    );

    // Act
    await system.advance(days(2) + hours(1) + minutes(15));

    // Assess
    expect(system.emailsTo(email).map((m) => m.subject)).toContain(TIPS);
    expect(await findRun(email)).toMatchObject({
      stall: { reason: expect.stringContaining('its schedule exists but has not resumed the run') },
    });
  });
});
