/**
 * Checks a send step's `fallback` (see SendStep.fallback): another channel than the step's own, and
 * a template that the step could send on that channel. The template is checked by the journey
 * validator itself, on the journey with the step sending the fallback instead, so a fallback meets
 * exactly the rules of any send (the template exists, is for that channel, reads only provided
 * variables, fits its SMS parts).
 */
import type { JourneyDefinition, SendStep } from './types.ts';
import { type ValidationContext, type Violation, validateJourney } from './validator.ts';

/** Every violation of the journey's send fallbacks; empty when there is none. */
export function fallbackViolations(journey: JourneyDefinition, context: ValidationContext): Violation[] {
  const violations: Violation[] = [];
  for (const step of Object.values(journey.steps)) {
    if (step.type !== 'send' || !step.fallback) continue;
    const where = `steps.${step.id}.fallback`;
    if (step.fallback.channel === step.channel) {
      violations.push({
        journey: journey.id,
        path: `${where}.channel`,
        message: `must be another channel than the step's own (${step.channel})`,
      });
      continue;
    }
    const { fallback, ...primary } = step;
    const instead: SendStep = { ...primary, channel: fallback.channel, template: fallback.template };
    const variant: JourneyDefinition = { ...journey, steps: { ...journey.steps, [step.id]: instead } };
    const templatePath = `steps.${step.id}.template`;
    for (const violation of validateJourney(variant, context)) {
      if (violation.path.startsWith(templatePath)) {
        violations.push({
          ...violation,
          path: `${where}.template${violation.path.slice(templatePath.length)}`,
        });
      }
    }
  }
  return violations;
}
