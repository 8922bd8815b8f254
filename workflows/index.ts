/** The journeys and templates that deploy, and their validation (run by the CDK app before synth). */

import { fallbackViolations } from '#language/fallback.ts';
import { segmentViolations as validateSegments } from '#language/segment-validator.ts';
import { type Violation, validateJourney } from '#language/validator.ts';
import { contactAttributes } from './attributes.ts';
import { journeys } from './journeys/index.ts';
import { declaredAttributes, segments } from './segments/index.ts';
import { templates } from './templates/index.ts';

export { contactAttributes } from './attributes.ts';
export { findJourney, journeys } from './journeys/index.ts';
export { templates } from './templates/index.ts';

/** Every violation across the segments (unknown attributes, events, segments; bad numbers; cycles). */
export function segmentViolations(): Violation[] {
  return validateSegments(segments, { attributes: declaredAttributes });
}

/** Every violation across all journeys, plus duplicate journey ids. */
export function journeyViolations(): Violation[] {
  const duplicates = journeys
    .filter((j, index) => journeys.findIndex((other) => other.id === j.id) !== index)
    .map((j) => ({ journey: j.id, path: 'id', message: 'another journey has the same id' }));
  const segmentIds = new Set(segments.map((s) => s.id));
  return [
    ...duplicates,
    ...journeys.flatMap((j) => [
      ...validateJourney(j, { templates, segmentIds, attributes: contactAttributes }),
      ...fallbackViolations(j, { templates, segmentIds, attributes: contactAttributes }),
    ]),
  ];
}
