/**
 * A pure validator for segments: returns every violation, never throws. Each names the segment
 * (`segment vip`, in the place of a journey's id) and where in it (`where.all[1].rfm.recency.gte`).
 * The schemas of segments.ts check the shape; this checks the meaning.
 */

import { CONTACT_FIELDS } from '#catalogue/contact.ts';
import { eventTypes } from '#catalogue/event-types.ts';
import { AGGREGATE_WINDOW_DAYS, ENGAGEMENT_EVENT_TYPES } from '#catalogue/profile-aggregates.ts';
import type { Comparison, Condition, ScoreRange, SegmentDefinition } from './segments.ts';
import type { Violation } from './validator.ts';

export interface SegmentCatalogue {
  /** Declared contact attributes: `contact.attributes.<name>` must be one of them, so typos fail. */
  readonly attributes: readonly string[];
  /** Event types segments may count. @default the event catalogue plus the engagement events */
  readonly eventTypes?: readonly string[];
  /** Consent topics; when given, a consent condition on another topic is a violation. */
  readonly consentTopics?: readonly string[];
}

const ID_PATTERN = /^[a-z][a-z0-9-]{0,39}$/;
const DEFAULT_EVENT_TYPES: readonly string[] = [...eventTypes, ...ENGAGEMENT_EVENT_TYPES];

type RfmRanges = Extract<Condition, { rfm: unknown }>['rfm'];
/** Each RFM dimension with its lowest and highest score. */
const SCORE_BOUNDS: ReadonlyArray<readonly [keyof RfmRanges, number, number]> = [
  ['recency', 1, 5],
  ['frequency', 1, 5],
  ['monetary', 1, 5],
  ['total', 3, 15],
];

type Report = (path: string, message: string) => void;

interface Known {
  readonly attributes: ReadonlySet<string>;
  readonly eventTypes: ReadonlySet<string>;
  readonly topics: ReadonlySet<string> | undefined;
  readonly segmentIds: ReadonlySet<string>;
}

/** Every violation across the segments; empty when they are all valid. */
export function segmentViolations(
  segments: readonly SegmentDefinition[],
  catalogue: SegmentCatalogue,
): Violation[] {
  const violations: Violation[] = [];
  const known: Known = {
    attributes: new Set(catalogue.attributes),
    eventTypes: new Set(catalogue.eventTypes ?? DEFAULT_EVENT_TYPES),
    topics: catalogue.consentTopics && new Set(catalogue.consentTopics),
    segmentIds: new Set(segments.map((s) => s.id)),
  };
  const seen = new Set<string>();
  for (const segment of segments) {
    const report: Report = (path, message) => violations.push(segmentViolation(segment.id, path, message));
    if (seen.has(segment.id)) report('id', 'another segment has the same id');
    seen.add(segment.id);
    if (!ID_PATTERN.test(segment.id)) {
      report(
        'id',
        'must be lower-case letters, digits and dashes, starting with a letter, at most 40 characters',
      );
    }
    if (segment.description.trim() === '') report('description', 'must not be empty');
    checkCondition(segment.where, 'where', known, report);
  }
  violations.push(...cycles(segments));
  return violations;
}

/** A violation in a segment: named `segment <id>` where a journey's would name the journey. */
function segmentViolation(id: string, path: string, message: string): Violation {
  return { journey: `segment ${id}`, path, message };
}

function isWhole(value: number, min: number, max: number): boolean {
  return Number.isInteger(value) && value >= min && value <= max;
}

function checkWhole(value: number, min: number, max: number, path: string, report: Report): boolean {
  if (isWhole(value, min, max)) return true;
  report(path, `must be a whole number from ${min} to ${max}`);
  return false;
}

function checkNonNegative(value: number, path: string, report: Report): void {
  if (!Number.isFinite(value) || value < 0) report(path, 'must be a number, 0 or more');
}

function checkCondition(condition: Condition, path: string, known: Known, report: Report): void {
  if ('field' in condition) checkComparison(condition, path, known, report);
  else if ('all' in condition) checkParts(condition.all, `${path}.all`, known, report);
  else if ('any' in condition) checkParts(condition.any, `${path}.any`, known, report);
  else if ('not' in condition) checkCondition(condition.not, `${path}.not`, known, report);
  else if ('hasTag' in condition) {
    if (condition.hasTag.trim() === '') report(`${path}.hasTag`, 'must not be empty');
  } else if ('consent' in condition) {
    const { topic } = condition.consent;
    if (topic !== undefined && topic.trim() === '') report(`${path}.consent.topic`, 'must not be empty');
    else if (topic !== undefined && known.topics && !known.topics.has(topic)) {
      report(`${path}.consent.topic`, `unknown consent topic "${topic}"`);
    }
  } else if ('eventCount' in condition) {
    const { event, withinDays, value } = condition.eventCount;
    const at = `${path}.eventCount`;
    if (!known.eventTypes.has(event)) report(`${at}.event`, `unknown event type "${event}"`);
    checkWhole(withinDays, 1, AGGREGATE_WINDOW_DAYS, `${at}.withinDays`, report);
    checkNonNegative(value, `${at}.value`, report);
  } else if ('orderTotal' in condition) {
    const { fromDaysAgo, toDaysAgo = 0, value } = condition.orderTotal;
    const at = `${path}.orderTotal`;
    const fromOk = checkWhole(fromDaysAgo, 1, AGGREGATE_WINDOW_DAYS, `${at}.fromDaysAgo`, report);
    const toOk = checkWhole(toDaysAgo, 0, AGGREGATE_WINDOW_DAYS - 1, `${at}.toDaysAgo`, report);
    if (fromOk && toOk && fromDaysAgo <= toDaysAgo) {
      report(`${at}.fromDaysAgo`, `must be greater than toDaysAgo (${toDaysAgo})`);
    }
    checkNonNegative(value, `${at}.value`, report);
  } else if ('orderTotalRatio' in condition) {
    const { days, value } = condition.orderTotalRatio;
    const at = `${path}.orderTotalRatio`;
    // Two windows of `days` must fit in the aggregates.
    checkWhole(days, 1, Math.floor(AGGREGATE_WINDOW_DAYS / 2), `${at}.days`, report);
    checkNonNegative(value, `${at}.value`, report);
  } else if ('daysSinceLastOrder' in condition) {
    checkNonNegative(condition.daysSinceLastOrder.value, `${path}.daysSinceLastOrder.value`, report);
  } else if ('engaged' in condition) {
    checkWhole(condition.engaged.withinDays, 1, AGGREGATE_WINDOW_DAYS, `${path}.engaged.withinDays`, report);
  } else if ('rfm' in condition) checkRfm(condition.rfm, `${path}.rfm`, report);
  else if ('inSegment' in condition) {
    if (!known.segmentIds.has(condition.inSegment)) {
      report(`${path}.inSegment`, `unknown segment "${condition.inSegment}"`);
    }
  } else if (!('notSuppressed' in condition || 'hasOrdered' in condition || 'birthdayToday' in condition)) {
    report(path, 'is not a segment condition');
  }
}

function checkParts(parts: readonly Condition[], path: string, known: Known, report: Report): void {
  if (parts.length === 0) report(path, 'needs at least one condition');
  parts.forEach((part, i) => {
    checkCondition(part, `${path}[${i}]`, known, report);
  });
}

function checkRfm(rfm: RfmRanges, path: string, report: Report): void {
  let ranges = 0;
  for (const [dimension, min, max] of SCORE_BOUNDS) {
    const range: ScoreRange | undefined = rfm[dimension];
    if (range === undefined) continue;
    ranges += 1;
    const at = `${path}.${dimension}`;
    if (range.gte === undefined && range.lte === undefined) report(at, 'needs gte, lte or both');
    const gteOk = range.gte === undefined || checkWhole(range.gte, min, max, `${at}.gte`, report);
    const lteOk = range.lte === undefined || checkWhole(range.lte, min, max, `${at}.lte`, report);
    if (gteOk && lteOk && range.gte !== undefined && range.lte !== undefined && range.gte > range.lte) {
      report(at, `gte (${range.gte}) is greater than lte (${range.lte})`);
    }
  }
  if (ranges === 0) report(path, 'needs at least one of recency, frequency, monetary or total');
}

function checkField(field: string, path: string, known: Known, report: Report): void {
  if (!field.startsWith('contact.')) {
    report(path, `"${field}" must start with contact.`);
    return;
  }
  const name = field.slice('contact.'.length);
  if (CONTACT_FIELDS.has(name)) return;
  if (name.startsWith('attributes.')) {
    const attribute = name.slice('attributes.'.length);
    if (!known.attributes.has(attribute)) {
      const declared = [...known.attributes].join(', ') || 'none';
      report(path, `attribute "${attribute}" is not declared (declared: ${declared})`);
    }
  } else if (name === 'tags' || name.startsWith('tags.')) {
    report(path, `"${field}": test tags with { hasTag }`);
  } else report(path, `"${field}" is not a contact field`);
}

function isOrdered(value: unknown): value is number | string {
  return typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value));
}

function checkComparison(comparison: Comparison, path: string, known: Known, report: Report): void {
  checkField(comparison.field, `${path}.field`, known, report);
  switch (comparison.op) {
    case 'in':
      if (comparison.values.length === 0) report(`${path}.values`, 'needs at least one value');
      return;
    case 'between': {
      const { min, max } = comparison;
      if (!isOrdered(min)) report(`${path}.min`, 'must be a finite number or a string');
      if (!isOrdered(max)) report(`${path}.max`, 'must be a finite number or a string');
      if (!isOrdered(min) || !isOrdered(max)) return;
      if (typeof min !== typeof max) report(path, 'min and max must both be numbers or both strings');
      else if (min > max) report(path, `min (${min}) is greater than max (${max})`);
      return;
    }
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte':
      if (!isOrdered(comparison.value)) report(`${path}.value`, 'must be a finite number or a string');
      return;
    default:
      return;
  }
}

/** Every `inSegment` reference of a segment, with where it is. */
function references(condition: Condition, path: string): Array<{ id: string; path: string }> {
  if ('inSegment' in condition) return [{ id: condition.inSegment, path: `${path}.inSegment` }];
  if ('all' in condition) return condition.all.flatMap((c, i) => references(c, `${path}.all[${i}]`));
  if ('any' in condition) return condition.any.flatMap((c, i) => references(c, `${path}.any[${i}]`));
  if ('not' in condition) return references(condition.not, `${path}.not`);
  return [];
}

/** One violation per reference that closes a cycle (a segment cannot be evaluated before itself). */
function cycles(segments: readonly SegmentDefinition[]): Violation[] {
  const refs = new Map<string, Array<{ id: string; path: string }>>();
  for (const s of segments) if (!refs.has(s.id)) refs.set(s.id, references(s.where, 'where'));
  const found: Violation[] = [];
  const done = new Set<string>();
  const stack: string[] = [];
  const visit = (id: string) => {
    stack.push(id);
    for (const ref of refs.get(id) ?? []) {
      const start = stack.indexOf(ref.id);
      if (start >= 0) {
        const loop = [...stack.slice(start), ref.id].join(' → ');
        found.push(segmentViolation(id, ref.path, `makes a cycle: ${loop}`));
      } else if (!done.has(ref.id) && refs.has(ref.id)) visit(ref.id);
    }
    stack.pop();
    done.add(id);
  };
  for (const id of refs.keys()) if (!done.has(id)) visit(id);
  return found;
}
