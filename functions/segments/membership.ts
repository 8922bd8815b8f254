/**
 * A contact's memberships across all segments, and what changed since the last evaluation (the
 * entries and exits that trigger journeys).
 */
import type { Contact } from '#catalogue/contact.ts';
import type { ProfileAggregates } from '#catalogue/profile-aggregates.ts';
import type { Condition, SegmentDefinition } from '#language/segments.ts';
import {
  ContactEvaluation,
  type EvaluationOptions,
  type SegmentPredicate,
  segmentPredicate,
} from './evaluate.ts';

export interface MembershipChanges {
  readonly entered: string[];
  readonly exited: string[];
}

/** The segments entered (in `after` only) and exited (in `before` only), in set order. */
export function membershipChanges(
  before: ReadonlySet<string>,
  after: ReadonlySet<string>,
): MembershipChanges {
  const entered: string[] = [];
  const exited: string[] = [];
  for (const id of after) if (!before.has(id)) entered.push(id);
  for (const id of before) if (!after.has(id)) exited.push(id);
  return { entered, exited };
}

/** The segments in an order where each comes after the segments it refers to, and where each one is. */
interface Plan {
  readonly order: readonly SegmentDefinition[];
  readonly position: ReadonlyMap<string, number>;
  /** For each segment in `order`, the positions of the segments it refers to (all before it). */
  readonly references: ReadonlyArray<readonly number[]>;
  /** For each segment in `order`, its condition compiled. */
  readonly predicates: readonly SegmentPredicate[];
}

// Segment lists are fixed at deploy time: order each list once.
const plans = new WeakMap<readonly SegmentDefinition[], Plan>();

function referencedIds(condition: Condition, into: string[]): string[] {
  if ('inSegment' in condition) into.push(condition.inSegment);
  else if ('all' in condition) for (const c of condition.all) referencedIds(c, into);
  else if ('any' in condition) for (const c of condition.any) referencedIds(c, into);
  else if ('not' in condition) referencedIds(condition.not, into);
  return into;
}

/** Orders the segments by dependency; throws on what segmentViolations reports (duplicates, unknown ids, cycles). */
function planFor(segments: readonly SegmentDefinition[]): Plan {
  const cached = plans.get(segments);
  if (cached) return cached;
  const byId = new Map<string, SegmentDefinition>();
  for (const s of segments) {
    if (byId.has(s.id)) throw new Error(`segment "${s.id}" is defined twice`);
    byId.set(s.id, s);
  }
  const order: SegmentDefinition[] = [];
  const placed = new Set<string>();
  const inProgress = new Set<string>();
  const place = (segment: SegmentDefinition) => {
    if (placed.has(segment.id)) return;
    if (inProgress.has(segment.id)) throw new Error(`segment "${segment.id}" is part of a cycle`);
    inProgress.add(segment.id);
    for (const id of referencedIds(segment.where, [])) {
      const referenced = byId.get(id);
      if (!referenced) throw new Error(`segment "${segment.id}" refers to unknown segment "${id}"`);
      place(referenced);
    }
    inProgress.delete(segment.id);
    placed.add(segment.id);
    order.push(segment);
  };
  for (const s of segments) place(s);
  const position = new Map(order.map((s, i) => [s.id, i]));
  const references = order.map((s) => referencedIds(s.where, []).map((id) => position.get(id) ?? -1));
  const plan = { order, position, references, predicates: order.map(segmentPredicate) };
  plans.set(segments, plan);
  return plan;
}

/**
 * The ids of the segments the contact is in at `nowMs`. Segments are evaluated once each, those
 * referred to first, and RFM and the local date are computed once for all of them. A contact merged
 * into another is in none.
 */
export function evaluateAll(
  segments: readonly SegmentDefinition[],
  contact: Contact,
  aggregates: ProfileAggregates,
  nowMs: number,
  options?: EvaluationOptions,
): Set<string> {
  return evaluatePlanned(planFor(segments), undefined, contact, aggregates, nowMs, options);
}

/** How evaluateSome marks the plan: a segment asked for (reported), or one they refer to (evaluated only). */
const ASKED = 2;
const REFERRED_TO = 1;

/**
 * The ids of the segments among `ids` the contact is in at `nowMs`: those segments are evaluated,
 * with the segments they refer to (for `inSegment`), and no other. What an event changed is
 * evaluated again this way, so one affected segment does not cost all of them.
 */
export function evaluateSome(
  segments: readonly SegmentDefinition[],
  ids: ReadonlySet<string>,
  contact: Contact,
  aggregates: ProfileAggregates,
  nowMs: number,
  options?: EvaluationOptions,
): Set<string> {
  const plan = planFor(segments);
  const wanted = new Uint8Array(plan.order.length);
  for (const id of ids) {
    const at = plan.position.get(id);
    if (at !== undefined) wanted[at] = ASKED;
  }
  // Referenced segments come first in the plan: one pass from the end marks what is referred to, transitively.
  for (let i = wanted.length - 1; i >= 0; i--) {
    if (wanted[i] === 0) continue;
    for (const at of plan.references[i] ?? []) if (wanted[at] === 0) wanted[at] = REFERRED_TO;
  }
  return evaluatePlanned(plan, wanted, contact, aggregates, nowMs, options);
}

/**
 * Evaluates the plan's segments in order, every one or (given `wanted`) those it marks; the members
 * among every segment, or among those asked for.
 */
function evaluatePlanned(
  { order, position, predicates }: Plan,
  wanted: Uint8Array | undefined,
  contact: Contact,
  aggregates: ProfileAggregates,
  nowMs: number,
  options: EvaluationOptions | undefined,
): Set<string> {
  // A contact absorbed by a merge lives on in the survivor: it is in no segment.
  if (contact.mergedInto !== undefined) return new Set();
  const evaluation = new PlannedEvaluation(contact, aggregates, nowMs, position, options);
  const members = new Set<string>();
  for (let i = 0; i < order.length; i++) {
    const segment = order[i];
    if (segment === undefined || (wanted !== undefined && wanted[i] === 0)) continue;
    if (evaluation.matches(segment, predicates[i])) {
      evaluation.results[i] = 1;
      if (wanted === undefined || wanted[i] === ASKED) members.add(segment.id);
    }
  }
  return members;
}

const outsidePlan = () => false;

/**
 * An evaluation that answers `inSegment` from the segments evaluated before it: the plan guarantees
 * a referenced segment is evaluated first. (A class rather than a closure per contact: audience
 * passes evaluate millions.)
 */
class PlannedEvaluation extends ContactEvaluation {
  readonly results: Uint8Array;
  private readonly position: ReadonlyMap<string, number>;

  constructor(
    contact: Contact,
    aggregates: ProfileAggregates,
    nowMs: number,
    position: ReadonlyMap<string, number>,
    options: EvaluationOptions | undefined,
  ) {
    super(contact, aggregates, nowMs, outsidePlan, options);
    this.position = position;
    this.results = new Uint8Array(position.size);
  }

  override inSegment(id: string): boolean {
    return this.results[this.position.get(id) ?? -1] === 1;
  }
}
