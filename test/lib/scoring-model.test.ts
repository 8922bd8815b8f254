// `cdk synth` refuses a lead scoring rule on an event type the event API refuses: such a rule can
// never fire. The deployed model is replaced (in this file only) by the reference one with a typo.
import { App } from 'aws-cdk-lib';
import { describe, expect, it, vi } from 'vitest';
import { buildApp, JourneyValidationError } from '../../lib/app.ts';

vi.mock('../../functions/leads/scoring-model.ts', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../functions/leads/scoring-model.ts')>();
  const model = original.defaultScoringModel;
  return {
    defaultScoringModel: {
      ...model,
      rules: [
        ...model.rules,
        { kind: 'behaviour', id: 'trial-started', event: 'trial.started', points: 20, halfLifeDays: 14 },
      ],
    },
  };
});

describe('buildApp with a scoring rule on an unknown event type', () => {
  it('throws JourneyValidationError naming the rule, before creating any stack', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });

    expect(() => buildApp(app, { nag: false })).toThrow(JourneyValidationError);
    expect(() => buildApp(app, { nag: false })).toThrow(
      /scoring model › rules\.trial-started\.event: unknown event type "trial\.started"/,
    );
    expect(app.node.children).toHaveLength(0);
  });
});
