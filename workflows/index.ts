/** The journeys and templates that deploy, and their validation (run by the CDK app before synth). */
import { journeys } from './journeys/index.ts';
import { type Violation, validateJourney } from './language/validator.ts';
import { templates } from './templates/index.ts';

export { findJourney, journeys } from './journeys/index.ts';
export { templates } from './templates/index.ts';

/** Every violation across all journeys, plus duplicate journey ids. */
export function journeyViolations(): Violation[] {
  const duplicates = journeys
    .filter((j, index) => journeys.findIndex((other) => other.id === j.id) !== index)
    .map((j) => ({ journey: j.id, path: 'id', message: 'another journey has the same id' }));
  return [...duplicates, ...journeys.flatMap((j) => validateJourney(j, { templates }))];
}
