// Every reference template speaks French too: a `fr` variant with the same parts as the default,
// reading no variable the default does not (so the journeys' validation covers it the same way).
import { describe, expect, it } from 'vitest';
import { templateVariables } from '#language/liquid.ts';
import { templates } from '../../workflows/templates/index.ts';

const variablesOf = (source: string) => {
  const analysis = templateVariables(source);
  if ('error' in analysis) throw new Error(analysis.error);
  return analysis.paths;
};

describe('the reference templates', () => {
  it.each([...templates.values()].map((t) => [t.id, t] as const))(
    '%s has a French variant',
    (_id, template) => {
      const french = template.locales?.fr;
      expect(french).toBeDefined();
      expect(Object.keys(french ?? {}).sort()).toEqual(Object.keys(template.content).sort());
      const defaultVariables = new Set(
        Object.values(template.content).flatMap((s) => variablesOf(String(s))),
      );
      const frenchVariables = Object.values(french ?? {}).flatMap((s) => variablesOf(String(s)));
      expect(frenchVariables.filter((v) => !defaultVariables.has(v))).toEqual([]);
    },
  );
});
