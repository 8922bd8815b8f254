import { describe, expect, it } from 'vitest';
import { compileJourney } from '#language/compiler.ts';
import { abandonedCart } from '../../../workflows/journeys/abandoned-cart.ts';
import { welcome } from '../../../workflows/journeys/welcome.ts';

describe('compiler: fewer invocations per run', () => {
  it('lets Enter pause a journey that starts with a pause, and goes straight to Paused', () => {
    // Act
    const asl = compileJourney(abandonedCart);

    // Assess
    expect(asl.States.Enter).toMatchObject({ Parameters: { action: 'enter', pauseAt: 'await-order' } });
    expect(asl.States.Entered).toMatchObject({
      Choices: [
        {
          And: [
            { Variable: '$.ctx.proceed', BooleanEquals: true },
            { Variable: '$.ctx.paused', IsPresent: true },
          ],
          Next: 'Paused',
        },
        { Variable: '$.ctx.proceed', BooleanEquals: true, Next: 'WaitFor await-order' },
      ],
    });
  });

  it('does not ask Enter to pause a journey that starts with a send', () => {
    // Act
    const asl = compileJourney(welcome);

    // Assess
    expect((asl.States.Enter as { Parameters: Record<string, unknown> }).Parameters).not.toHaveProperty(
      'pauseAt',
    );
  });

  it('ends the run in the last task of a path instead of a separate Finish task', () => {
    // Act
    const asl = compileJourney(abandonedCart);

    // Assess
    expect(asl.States['Send last-call']).toMatchObject({
      Parameters: { finish: true },
      Next: 'After send last-call',
    });
    expect(asl.States['After send last-call']).toMatchObject({ Default: 'Done' });
    expect(asl.States['After send first-reminder']).toMatchObject({ Default: 'WaitFor await-order-again' });
    expect(asl.States['Send first-reminder']).not.toHaveProperty('Parameters.finish');
  });
});
