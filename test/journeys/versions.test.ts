// A marketer edits live journeys while runs wait at the edited step, then the system restarts on
// its saved data with the new definitions: every run finishes on its version, moves, or exits with
// a reason, under each in-flight policy; none is left active or waiting past its time.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Run } from '../../functions/journeys/runs-repository.ts';
import {
  EDITS,
  type Edit,
  edited,
  emailOf,
  journeyIdOf,
  original,
  POLICIES,
  type PolicyName,
  TIPS_AFTER,
  TIPS_BEFORE,
  templatesAfter,
  templatesBefore,
} from '../support/journey-edits.ts';
import { dataDirectory, type LocalProcess, startProcess } from '../support/local-process.ts';
import { days, hours, minutes, T0 } from '../support/local-system.ts';

const PAIRS = EDITS.flatMap((edit) => POLICIES.map((policy) => ({ edit, policy })));
const WELCOME = 'Welcome to Relance Demo Shop, friend!';

describe('editing a journey while runs wait at the edited step, with a restart in between', () => {
  const data = dataDirectory();
  let first: LocalProcess;
  let second: LocalProcess | undefined;
  const enteredOn = new Map<string, string>();

  async function runOf(system: LocalProcess, edit: Edit | 'lost', policy: PolicyName): Promise<Run> {
    const contact = await system.contact(emailOf(edit, policy));
    const run = contact && (await system.run(journeyIdOf(edit, policy), `contact:${contact.contactId}`));
    if (!run) throw new Error(`no run for ${journeyIdOf(edit, policy)}`);
    return run;
  }

  beforeAll(async () => {
    // Prepare: every copy deployed as first written; one contact per copy signs up; their runs wait.
    first = await startProcess({
      dataDir: data.path,
      start: T0,
      build: {
        journeys: [...PAIRS.map((p) => original(p.edit, p.policy)), original('lost', 'finish')],
        templates: templatesBefore,
      },
    });
    for (const { edit, policy } of [...PAIRS, { edit: 'lost' as const, policy: 'finish' as const }]) {
      await first.put('contact.signed_up', { contact: { email: emailOf(edit, policy) } });
    }
    await first.advance(hours(1));
    for (const version of first.versions.current) enteredOn.set(version.journeyId, version.version);
  });

  afterAll(async () => {
    await second?.stop();
    data.remove();
  });

  it('waits at the step about to be edited, on the version it entered on', async () => {
    for (const { edit, policy } of PAIRS) {
      const run = await runOf(first, edit, policy);
      expect(run).toMatchObject({ status: 'waiting', waiting: { stepId: 'two-days' } });
      expect(run.version).toBe(enteredOn.get(journeyIdOf(edit, policy)));
      expect(first.subjectsTo(emailOf(edit, policy))).toEqual([WELCOME]);
    }
  });

  it('after the edit and a restart, each run follows its journey’s in-flight policy', async () => {
    // Act: stop; start again with every copy edited and its policy declared. The first start's
    // versions are the earlier ones kept, except the "lost" copy's (its version file went away).
    await first.stop();
    second = await startProcess({
      dataDir: data.path,
      build: {
        journeys: [
          ...PAIRS.map((p) => edited(p.edit, p.policy)),
          // The "lost" copy, renamed like the first pair: its runs cannot finish on a version it lost.
          {
            ...edited('rename', 'finish'),
            id: journeyIdOf('lost', 'finish'),
            trigger: original('lost', 'finish').trigger,
          },
        ],
        templates: templatesAfter,
        earlier: first.versions.current.filter((v) => v.journeyId !== journeyIdOf('lost', 'finish')),
      },
    });
    const system = second;
    await system.advance(days(2));

    // Assess
    for (const { edit, policy } of PAIRS) {
      const id = journeyIdOf(edit, policy);
      const run = await runOf(system, edit, policy);
      const subjects = system.subjectsTo(emailOf(edit, policy));
      const newVersion = system.versions.current.find((v) => v.journeyId === id)?.version;
      expect(newVersion, id).not.toBe(enteredOn.get(id));
      if (policy === 'finish') {
        // Finished on the entered version: its steps, and its template as it was.
        expect(subjects, id).toEqual([WELCOME, TIPS_BEFORE]);
        expect(run, id).toMatchObject({
          status: 'waiting',
          version: enteredOn.get(id),
          waiting: { stepId: 'day-seven' },
        });
        expect(run.versionChanges, id).toBeUndefined();
      } else if (policy === 'migrate') {
        expect(subjects, id).toEqual(edit === 'reorder' ? [WELCOME] : [WELCOME, TIPS_AFTER]);
        expect(run, id).toMatchObject({
          status: 'waiting',
          version: newVersion,
          waiting: { stepId: 'day-seven' },
        });
        expect(run.versionChanges, id).toEqual([
          expect.objectContaining({
            policy: 'migrate',
            from: enteredOn.get(id),
            to: newVersion,
            step: 'two-days',
            toStep: { rename: 'after-two-days', remove: 'ordered-yet' }[edit as string] ?? 'two-days',
          }),
        ]);
        expect(run.history.map((h) => h.what).join('\n'), id).toContain(
          `moved from version ${enteredOn.get(id)}`,
        );
      } else {
        expect(subjects, id).toEqual([WELCOME]);
        expect(run, id).toMatchObject({
          status: 'ended',
          endReason: `journey_changed: the ${edit} edit replaces this series`,
          versionChanges: [
            expect.objectContaining({ policy: 'exit', from: enteredOn.get(id), to: newVersion }),
          ],
        });
      }
    }
    const tagged = await system.contact(emailOf('insert', 'migrate'));
    expect(tagged?.tags).toContain('onboarded');
    const finished = await system.contact(emailOf('insert', 'finish'));
    expect(finished?.tags ?? []).not.toContain('onboarded');
  });

  it('fails, with the reason, a run whose version is no longer deployed under the finish policy', async () => {
    const system = second as LocalProcess;
    const run = await runOf(system, 'lost', 'finish');
    expect(run.status).toBe('failed');
    expect(run.endReason).toContain(`version ${enteredOn.get(journeyIdOf('lost', 'finish'))}`);
    expect(run.endReason).toContain('is no longer deployed');
  });

  it('ends every run: finished on its version, moved, or exited with a reason; none left waiting', async () => {
    const system = second as LocalProcess;
    await system.advance(days(5) + minutes(5));
    for (const { edit, policy } of [...PAIRS, { edit: 'lost' as const, policy: 'finish' as const }]) {
      const run = await runOf(system, edit, policy);
      expect(['ended', 'failed'], journeyIdOf(edit, policy)).toContain(run.status);
      expect(run.endReason, journeyIdOf(edit, policy)).toBeTruthy();
      if (policy !== 'exit' && edit !== 'lost') expect(run.endReason).toBe('completed');
    }
    const executions = system.runtime.stepFunctions.executions;
    expect(executions.filter((e) => e.status === 'FAILED').map((e) => e.cause)).toEqual([]);
  });
});
