// `cdk synth` refuses a journey that names an undeclared custom attribute: the deployed journeys are
// replaced (in this file only) by the reference ones plus a welcome variant whose branch has a typo.
import { App } from 'aws-cdk-lib';
import { describe, expect, it, vi } from 'vitest';
import type { JourneyDefinition } from '#language/types.ts';
import { buildApp, JourneyValidationError } from '../../lib/app.ts';

vi.mock('../../workflows/journeys/index.ts', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../workflows/journeys/index.ts')>();
  const { branch, defineJourney, send } = await import('#language/builder.ts');
  const typo: JourneyDefinition = defineJourney({
    id: 'pro-welcome',
    description: 'Welcome pro customers',
    trigger: { event: 'contact.signed_up' },
    entry: { reentry: false },
    steps: [
      branch('is-pro', {
        cases: [
          {
            when: { field: 'contact.attributes.plann', op: 'equals', value: 'pro' },
            steps: [
              send('welcome-pro', { channel: 'email', template: 'welcome', category: 'transactional' }),
            ],
          },
        ],
      }),
    ],
  });
  const journeys: readonly JourneyDefinition[] = [...original.journeys, typo];
  return { ...original, journeys };
});

describe('buildApp with a journey naming an undeclared attribute', () => {
  it('throws JourneyValidationError naming the attribute and where, before creating any stack', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });

    expect(() => buildApp(app, { nag: false })).toThrow(JourneyValidationError);
    expect(() => buildApp(app, { nag: false })).toThrow(
      /pro-welcome › steps\.is-pro\.cases\.0: attribute "plann" is not declared \(declared: plan, accountTier, industry\)/,
    );
    expect(app.node.children).toHaveLength(0);
  });
});
