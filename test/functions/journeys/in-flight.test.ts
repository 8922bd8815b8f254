// Where a resumed run of an earlier journey version goes, under the deployed version's policy.
import { describe, expect, it } from 'vitest';
import { journeyVersion } from '#language/versions.ts';
import { placeResumedRun } from '../../../functions/journeys/in-flight.ts';
import { edited, original, templatesAfter, templatesBefore } from '../../support/journey-edits.ts';

const AT = '2026-03-04T10:00:00.000Z';
const entered = journeyVersion(original('rename', 'migrate'), templatesBefore);

function place(policy: 'finish' | 'migrate' | 'exit', overrides: Record<string, unknown> = {}) {
  const deployed = journeyVersion(edited('rename', policy), templatesAfter);
  return {
    deployed,
    placement: placeResumedRun({
      journeyId: deployed.journeyId,
      deployed,
      fallback: deployed.definition,
      runVersion: entered.version,
      entered,
      stepId: 'two-days',
      at: AT,
      ...overrides,
    }),
  };
}

describe('placeResumedRun', () => {
  it('finish: the run goes on with the steps of the version it entered on', () => {
    const { placement } = place('finish');
    expect(placement).toEqual({
      kind: 'resume',
      definition: entered.definition,
      resumeAt: `${entered.version} Branch ordered-yet`,
    });
  });

  it('finish: fails, saying why, when the entered version is gone', () => {
    const { placement } = place('finish', { entered: undefined });
    expect(placement).toMatchObject({
      kind: 'fail',
      reason: expect.stringContaining('is no longer deployed'),
    });
  });

  it('migrate: the run moves to the mapped step of the deployed version, recorded as a version change', () => {
    const { placement, deployed } = place('migrate');
    expect(placement).toEqual({
      kind: 'resume',
      definition: deployed.definition,
      resumeAt: 'Branch ordered-yet',
      change: {
        at: AT,
        from: entered.version,
        to: deployed.version,
        policy: 'migrate',
        step: 'two-days',
        toStep: 'after-two-days',
      },
    });
  });

  it('migrate: a step with no counterpart fails the run with the reason', () => {
    const { placement } = place('migrate', { stepId: 'no-such-step' });
    expect(placement).toMatchObject({ kind: 'fail', reason: expect.stringContaining('has no counterpart') });
  });

  it('exit: the run ends with the declared reason', () => {
    const { placement, deployed } = place('exit');
    expect(placement).toEqual({
      kind: 'exit',
      reason: 'journey_changed: the rename edit replaces this series',
      change: { at: AT, from: entered.version, to: deployed.version, policy: 'exit', step: 'two-days' },
    });
  });

  it('a run entered before versions were recorded adopts the deployed version where it can', () => {
    const { placement } = place('finish', { runVersion: undefined, entered: undefined, stepId: 'day-seven' });
    expect(placement).toMatchObject({ kind: 'resume', resumeAt: 'Finish', change: { policy: 'adopt' } });
  });

  it('the same version, or an unversioned deployment, resumes after the step; an unknown step fails', () => {
    const { deployed } = place('finish');
    const same = placeResumedRun({
      journeyId: deployed.journeyId,
      deployed,
      fallback: deployed.definition,
      runVersion: deployed.version,
      stepId: 'after-two-days',
      at: AT,
    });
    expect(same).toEqual({ kind: 'resume', definition: deployed.definition, resumeAt: 'Branch ordered-yet' });
    const unknown = placeResumedRun({
      journeyId: 'x',
      fallback: deployed.definition,
      stepId: 'two-days',
      at: AT,
    });
    expect(unknown).toMatchObject({
      kind: 'fail',
      reason: expect.stringContaining('"two-days" is not a step'),
    });
  });
});
