// A marketer edits live journeys while runs wait at the edited step, then the system restarts on
// its saved data with the new definitions: every run finishes on its version, moves, or exits with
// a reason, under each in-flight policy; none is left active or waiting past its time.
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Run } from '../../functions/journeys/runs-repository.ts';
import { templatesAfter, templatesBefore } from '../support/journey-edit-templates.ts';
import {
  EDITS,
  type Edit,
  emailOf,
  journeyIdOf,
  journeysAfter,
  journeysBefore,
  POLICIES,
  type PolicyName,
  TIPS_AFTER,
  TIPS_BEFORE,
} from '../support/journey-edits.ts';
import {
  dataDirectory,
  days,
  hours,
  type LocalSystem,
  minutes,
  PROJECT_ROOT,
  signUp,
  startLocalSystem,
  T0,
} from '../support/local-system.ts';

/** The functions' sandboxes run the same journeys and templates as the synth: before or after the edit. */
const substitutes = (when: 'before' | 'after') => ({
  [resolve(PROJECT_ROOT, 'workflows/journeys/index.ts')]: resolve(
    import.meta.dirname,
    `fixtures/edits-${when}-journeys.ts`,
  ),
  [resolve(PROJECT_ROOT, 'workflows/templates/index.ts')]: resolve(
    import.meta.dirname,
    `fixtures/edits-${when}-templates.ts`,
  ),
});

const PAIRS = EDITS.flatMap((edit) => POLICIES.map((policy) => ({ edit, policy })));
const WELCOME = 'Welcome to Relance Demo Shop, friend!';

describe('editing a journey while runs wait at the edited step, with a restart in between', () => {
  const data = dataDirectory();
  let first: LocalSystem;
  let second: LocalSystem | undefined;
  const enteredOn = new Map<string, string>();

  async function runOf(system: LocalSystem, edit: Edit | 'lost', policy: PolicyName): Promise<Run> {
    const contact = await system.contact(emailOf(edit, policy));
    const run = contact && (await system.run(journeyIdOf(edit, policy), `contact:${contact.contactId}`));
    if (!run) throw new Error(`no run for ${journeyIdOf(edit, policy)}`);
    return run;
  }

  beforeAll(async () => {
    // Prepare: every copy deployed as first written; one contact per copy signs up; their runs wait.
    first = await startLocalSystem({
      dataDir: data.path,
      start: T0,
      build: { journeys: journeysBefore(), templates: templatesBefore },
      moduleSubstitutes: substitutes('before'),
    });
    for (const { edit, policy } of [...PAIRS, { edit: 'lost' as const, policy: 'finish' as const }]) {
      await signUp(first, emailOf(edit, policy));
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
      expect(first.emailsTo(emailOf(edit, policy)).map((e) => e.subject)).toEqual([WELCOME]);
    }
  });

  it('after the edit and a restart, each run follows its journey’s in-flight policy', async () => {
    // Act: stop; start again with every copy edited and its policy declared. The first start's
    // versions are the earlier ones kept, except the "lost" copy's (its version file went away).
    await first.stop();
    // The "lost" copy is renamed like the first pair: its runs cannot finish on a version it lost.
    second = await startLocalSystem({
      dataDir: data.path,
      build: {
        journeys: journeysAfter(),
        templates: templatesAfter,
        earlier: first.versions.current.filter((v) => v.journeyId !== journeyIdOf('lost', 'finish')),
      },
      moduleSubstitutes: substitutes('after'),
    });
    const system = second;
    await system.advance(days(2));

    // Assess
    for (const { edit, policy } of PAIRS) {
      const id = journeyIdOf(edit, policy);
      const run = await runOf(system, edit, policy);
      const subjects = system.emailsTo(emailOf(edit, policy)).map((e) => e.subject);
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
    const system = second as LocalSystem;
    const run = await runOf(system, 'lost', 'finish');
    expect(run.status).toBe('failed');
    expect(run.endReason).toContain(`version ${enteredOn.get(journeyIdOf('lost', 'finish'))}`);
    expect(run.endReason).toContain('is no longer deployed');
  });

  it('ends every run: finished on its version, moved, or exited with a reason; none left waiting', async () => {
    const system = second as LocalSystem;
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
