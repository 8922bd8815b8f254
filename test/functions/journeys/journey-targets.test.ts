// Journey targets follow a naming rule: three variables whatever the number of journeys, and a
// journey that is not deployed has no target.
import { afterEach, describe, expect, it } from 'vitest';
import {
  journeyNamingFromEnvironment,
  journeyTarget,
  journeyTargets,
} from '../../../functions/journeys/journey-targets.ts';

const NAMING = {
  namePrefix: 'Relance-',
  stateMachineArnPrefix: 'arn:aws:states:eu-west-3:123456789012:stateMachine:',
  schedulerRoleArn: 'arn:aws:iam::123456789012:role/Relance-JourneysSchedulerRole-AbC',
};

describe('journeyTarget', () => {
  it("names a deployed journey's state machine and schedule group `<prefix><id>`, with the shared role", () => {
    expect(journeyTarget(NAMING, new Set(['welcome']), 'welcome')).toEqual({
      stateMachineArn: 'arn:aws:states:eu-west-3:123456789012:stateMachine:Relance-welcome',
      scheduleGroup: 'Relance-welcome',
      schedulerRoleArn: NAMING.schedulerRoleArn,
    });
  });

  it('refuses a journey that is not deployed', () => {
    expect(journeyTarget(NAMING, new Set(['welcome']), 'win-back')).toBeUndefined();
    expect(journeyTarget(NAMING, new Set(['welcome']), '__proto__')).toBeUndefined();
  });
});

describe('journeyTargets', () => {
  it('has one entry per deployed journey and none for another id', () => {
    const targets = journeyTargets(NAMING, ['welcome', 'win-back']);

    expect(Object.keys(targets).sort()).toEqual(['welcome', 'win-back']);
    expect(targets['win-back']?.scheduleGroup).toBe('Relance-win-back');
    expect(targets['abandoned-cart']).toBeUndefined();
    expect(targets.toString).toBeUndefined();
  });

  it('keeps its size independent of the journeys: the naming is three short values', () => {
    expect(JSON.stringify(NAMING).length).toBeLessThan(200);
  });
});

describe('journeyNamingFromEnvironment', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  it('reads the three variables', () => {
    process.env.JOURNEY_NAME_PREFIX = NAMING.namePrefix;
    process.env.STATE_MACHINE_ARN_PREFIX = NAMING.stateMachineArnPrefix;
    process.env.JOURNEY_SCHEDULER_ROLE_ARN = NAMING.schedulerRoleArn;

    expect(journeyNamingFromEnvironment()).toEqual(NAMING);
  });

  it('fails naming a missing variable or a malformed ARN prefix', () => {
    process.env.JOURNEY_NAME_PREFIX = NAMING.namePrefix;
    process.env.STATE_MACHINE_ARN_PREFIX = 'arn:aws:states:eu-west-3:123456789012:stateMachine:Relance-x';
    delete process.env.JOURNEY_SCHEDULER_ROLE_ARN;
    expect(() => journeyNamingFromEnvironment()).toThrow('JOURNEY_SCHEDULER_ROLE_ARN');

    process.env.JOURNEY_SCHEDULER_ROLE_ARN = NAMING.schedulerRoleArn;
    expect(() => journeyNamingFromEnvironment()).toThrow('STATE_MACHINE_ARN_PREFIX');
  });
});
