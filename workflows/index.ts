/** The journeys and templates that deploy, and their validation (run by the CDK app before synth). */

import { fallbackViolations } from '#language/fallback.ts';
import { segmentViolations as validateSegments } from '#language/segment-validator.ts';
import type { MessageTemplate } from '#language/template.ts';
import type { JourneyDefinition } from '#language/types.ts';
import { type Violation, validateJourney } from '#language/validator.ts';
import { inFlightViolations } from '#language/versions.ts';
import { contactAttributes } from './attributes.ts';
import { journeys } from './journeys/index.ts';
import { declaredAttributes, segments } from './segments/index.ts';
import { templates } from './templates/index.ts';
import type { JourneyCatalog } from './versions/index.ts';

export { contactAttributes } from './attributes.ts';
export { findJourney, journeys } from './journeys/index.ts';
export { templates } from './templates/index.ts';
export { buildCatalog, type JourneyCatalog } from './versions/index.ts';
export { recordedVersions } from './versions/recorded.ts';

/** Every violation across the segments (unknown attributes, events, segments; bad numbers; cycles). */
export function segmentViolations(): Violation[] {
  return validateSegments(segments, { attributes: declaredAttributes });
}

/** Every violation across all journeys, plus duplicate journey ids. */
export function journeyViolations(
  set: readonly JourneyDefinition[] = journeys,
  templateMap: ReadonlyMap<string, MessageTemplate> = templates,
): Violation[] {
  const duplicates = set
    .filter((j, index) => set.findIndex((other) => other.id === j.id) !== index)
    .map((j) => ({ journey: j.id, path: 'id', message: 'another journey has the same id' }));
  const segmentIds = new Set(segments.map((s) => s.id));
  return [
    ...duplicates,
    ...set.flatMap((j) => [
      ...validateJourney(j, { templates: templateMap, segmentIds, attributes: contactAttributes }),
      ...fallbackViolations(j, { templates: templateMap, segmentIds, attributes: contactAttributes }),
    ]),
  ];
}

/**
 * What each journey's in-flight policy leaves unsaid against the earlier versions runs may be on
 * (a removed waiting step a `migrate` policy does not map).
 */
export function versionViolations(catalog: JourneyCatalog): Violation[] {
  return catalog.current.flatMap((version) =>
    inFlightViolations(
      version.definition,
      catalog.earlier.filter((e) => e.journeyId === version.journeyId),
    ),
  );
}
