/**
 * A journey's graph: where each step can go next. Apart from the validator, which checks the graph
 * with it, so a function that walks a journey (the report's funnel) does not load the validator
 * and the event catalogue it checks journeys against.
 */
import type { Step } from './types.ts';

/** Where a step can go next, each way named (`event`, `timeout`, a branch case, a split variant). */
export function stepLinks(step: Step): Array<{ readonly to: string; readonly label?: string }> {
  const linked = (to: string | undefined, label?: string) =>
    to === undefined ? [] : [{ to, ...(label ? { label } : {}) }];
  switch (step.type) {
    case 'waitFor':
      return [...linked(step.onEvent, step.event), ...linked(step.onTimeout, 'timeout')];
    case 'branch':
      return [
        ...step.cases.flatMap((c, index) => linked(c.next, `case ${index + 1}`)),
        ...linked(step.otherwise, 'otherwise'),
      ];
    case 'split':
      return step.variants.flatMap((v) => linked(v.next, `${v.label} ${v.percent}%`));
    default:
      return linked(step.next);
  }
}

/** The steps a step can go to next. */
export function successors(step: Step): string[] {
  return stepLinks(step).map((link) => link.to);
}
