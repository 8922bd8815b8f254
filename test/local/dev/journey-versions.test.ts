// A run's fate in words, for `relance why` and the local page: where it waits, on which version,
// what the deployed version's policy does with it, and whether it stalled or is overdue.
import { describe, expect, it } from 'vitest';
import { journeyVersion } from '#language/versions.ts';
import type { Run } from '../../../functions/journeys/runs-repository.ts';
import { runFate } from '../../../local/dev/journey-versions.ts';
import { edited, original, templatesAfter, templatesBefore } from '../../support/journey-edits.ts';

const NOW = Date.parse('2026-03-05T10:00:00Z');
const v1 = journeyVersion(original('rename', 'migrate'), templatesBefore);

function run(overrides: Partial<Run>): Run {
  return {
    journeyId: v1.journeyId,
    runKey: 'contact:c-1',
    gen: 1,
    status: 'waiting',
    triggerType: 'contact.signed_up',
    triggerEventId: 'e-1',
    startedAt: '2026-03-05T09:00:00.000Z',
    updatedAt: '2026-03-05T09:00:00.000Z',
    waiting: { stepId: 'two-days', kind: 'wait', until: '2026-03-07T09:00:00.000Z' },
    version: v1.version,
    history: [],
    ...overrides,
  };
}

const deployedWith = (policy: 'finish' | 'migrate' | 'exit') => {
  const current = journeyVersion(edited('rename', policy), templatesAfter);
  return { current, catalog: { current: [{ ...current, journeyId: v1.journeyId }], earlier: [v1] } };
};

describe('runFate', () => {
  it('says where a run waits, on which version, and what each policy does with it', () => {
    const finish = deployedWith('finish');
    expect(runFate(run({}), finish.catalog, NOW)).toBe(
      `waiting at two-days until 2026-03-07T09:00:00.000Z; on version ${v1.version}: finishes on it (deployed: ${finish.current.version})`,
    );
    const migrate = deployedWith('migrate');
    expect(runFate(run({}), migrate.catalog, NOW)).toContain(
      `moves to version ${migrate.current.version} at after-two-days when it resumes`,
    );
    expect(runFate(run({}), deployedWith('exit').catalog, NOW)).toContain(
      'exits when it resumes: the rename edit replaces this series',
    );
    expect(runFate(run({}), { ...finish.catalog, earlier: [] }, NOW)).toContain(
      'no longer deployed: fails when it resumes',
    );
  });

  it('says when a run is overdue or stalled, and why an ended run ended', () => {
    const { catalog } = deployedWith('finish');
    const late = run({ waiting: { stepId: 'two-days', kind: 'wait', until: '2026-03-05T09:00:00.000Z' } });
    expect(runFate(late, catalog, NOW)).toContain('overdue: the sweeper marks it stalled and resumes it');
    const stalled = run({
      status: 'stalled',
      stall: { at: '2026-03-05T09:30:00.000Z', reason: 'its schedule is missing', attempts: 2 },
    });
    expect(runFate(stalled, catalog, NOW)).toContain(
      'stalled: its schedule is missing; resumed again by the sweeper (attempt 2)',
    );
    expect(runFate(run({ status: 'failed', endReason: 'cannot resume' }), catalog, NOW)).toBe(
      'failed: cannot resume',
    );
    expect(runFate(run({}), { current: [], earlier: [] }, NOW)).toContain('no longer deployed');
  });
});
