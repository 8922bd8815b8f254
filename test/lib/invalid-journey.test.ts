// buildApp refuses an invalid journey set: the deployed journeys are replaced (in this file only) by
// the reference ones plus a journey with a bad filter and a second journey with an existing id.
import { App } from 'aws-cdk-lib';
import { describe, expect, it, vi } from 'vitest';
import type { JourneyDefinition } from '#language/types.ts';
import { buildApp, JourneyValidationError } from '../../lib/app.ts';

vi.mock('../../workflows/journeys/index.ts', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../workflows/journeys/index.ts')>();
  const { backInStock } = await import('../../workflows/journeys/back-in-stock.ts');
  const { welcome } = await import('../../workflows/journeys/welcome.ts');
  const badFilter: JourneyDefinition = {
    ...backInStock,
    id: 'restock-typo',
    trigger: { ...backInStock.trigger, filter: { quantity: [0] } },
  };
  // Filters AWS would refuse at deploy (and the local runtime would have matched nothing with).
  const badPattern: JourneyDefinition = {
    ...backInStock,
    id: 'restock-pattern',
    trigger: {
      ...backInStock.trigger,
      filter: { newQuantity: [{ numeric: ['>>', 5] }], previousQuantity: [], $or: [{ sku: ['a'] }] },
    },
  };
  const journeys: readonly JourneyDefinition[] = [...original.journeys, badFilter, badPattern, welcome];
  return { ...original, journeys };
});

describe('buildApp with an invalid journey', () => {
  it('throws JourneyValidationError listing every violation, before creating any stack', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });

    let thrown: unknown;
    try {
      buildApp(app, { nag: false });
    } catch (error) {
      thrown = error;
    }

    expect(thrown).toBeInstanceOf(JourneyValidationError);
    const message = thrown instanceof Error ? thrown.message : '';
    expect(message).toContain('Invalid journeys or segments (5)');
    expect(message).toContain(
      'restock-typo › trigger.filter.quantity: "quantity" is not a field of the trigger event',
    );
    expect(message).toContain('welcome › id: another journey has the same id');
    expect(message).toContain(
      'restock-pattern › trigger.filter.newQuantity[0]: numeric comparator ">>" is not one of = > >= < <=',
    );
    expect(message).toContain(
      'restock-pattern › trigger.filter.previousQuantity: an empty list of matchers is not allowed',
    );
    expect(message).toContain(
      'restock-pattern › trigger.filter.$or: $or needs at least two sub-patterns, not 1',
    );
    expect(app.node.children).toHaveLength(0);
  });
});
