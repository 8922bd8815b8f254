/**
 * Lead scoring as data: declarative rules give points for what a lead says about itself (company
 * size, budget, country, product interest...) and for what the contact did recently (a pricing page
 * viewed, a demo requested), the latter decaying exponentially with the event's age. The result is a
 * score, a grade (A/B/C) and the rules that fired, so a rep can see why a lead scored as it did.
 *
 * Everything here is pure: the model is validated once (`validateScoringModel`), then `scoreLead`
 * computes from the lead, its recent behaviour and a clock reading.
 */

import { eventTypes } from '#catalogue/event-types.ts';
import type { LeadSubmitted } from '#catalogue/lead-submitted.ts';
import { ENGAGEMENT_EVENT_TYPES, type ProfileAggregates } from '#catalogue/profile-aggregates.ts';
import * as z from '#catalogue/zod.ts';
import type { Violation } from '#language/validator.ts';

/** Lead fields an attribute rule may test. */
export const ScoringField = z.enum([
  'companySize',
  'budget',
  'country',
  'productInterest',
  'region',
  'language',
]);
export type ScoringField = z.infer<typeof ScoringField>;

/** The kind of value each scoring field holds. */
export const SCORING_FIELDS: Readonly<Record<ScoringField, 'number' | 'string'>> = {
  companySize: 'number',
  budget: 'number',
  country: 'string',
  productInterest: 'string',
  region: 'string',
  language: 'string',
};

const RuleId = z
  .string()
  .check(
    z.minLength(1),
    z.maxLength(64),
    z.regex(/^[a-z0-9][a-z0-9-]*$/, 'rule ids use lower-case letters, digits and -'),
  );

const Scalar = z.union([z.string().check(z.minLength(1), z.maxLength(256)), z.number()]);

/** Points for an attribute of the lead, e.g. `companySize gte 250 → +10`. */
export const AttributeRule = z.object({
  kind: z.literal('attribute'),
  id: RuleId,
  field: ScoringField,
  op: z.enum(['gte', 'lte', 'equals', 'in']),
  value: z.union([Scalar, z.array(Scalar).check(z.minLength(1), z.maxLength(200))]),
  /** May be negative (a disqualifying attribute); never 0. */
  points: z.number(),
});
export type AttributeRule = z.infer<typeof AttributeRule>;

/** A condition on one field of a behaviour event's detail: equality, or a string prefix. */
export const DetailMatch = z.union([
  z.string(),
  z.number(),
  z.boolean(),
  z.object({ prefix: z.string().check(z.minLength(1), z.maxLength(2048)) }),
]);
export type DetailMatch = z.infer<typeof DetailMatch>;

/**
 * Points for recent behaviour, e.g. `page.viewed` with `path` starting with `/pricing`. Each
 * matching event is worth `points × 0.5^(age / halfLifeDays)`; the `maxEvents` most recent matching
 * events count (1 unless set), so three pricing-page views can count more than one.
 */
export const BehaviourRule = z.object({
  kind: z.literal('behaviour'),
  id: RuleId,
  /** Event type, e.g. `page.viewed`, `demo.requested`. */
  event: z.string().check(z.minLength(1), z.maxLength(128)),
  /** Conditions on the event detail, by dot path (`path`, `page.url`); all must hold. */
  match: z.optional(z.record(z.string().check(z.minLength(1), z.maxLength(128)), DetailMatch)),
  points: z.number(),
  halfLifeDays: z.number().check(z.positive()),
  maxEvents: z.optional(z.int().check(z.gte(1), z.lte(100))),
});
export type BehaviourRule = z.infer<typeof BehaviourRule>;

export const ScoringRule = z.discriminatedUnion('kind', [AttributeRule, BehaviourRule]);
export type ScoringRule = z.infer<typeof ScoringRule>;

/** Rules plus grade thresholds: score >= A is grade A, score >= B is grade B, else C. */
export const ScoringModel = z.object({
  rules: z.array(ScoringRule).check(z.maxLength(500)),
  thresholds: z.object({ A: z.number(), B: z.number() }),
});
export type ScoringModel = z.infer<typeof ScoringModel>;

export type Grade = 'A' | 'B' | 'C';

export interface FiredRule {
  readonly ruleId: string;
  readonly points: number;
}

export interface LeadScore {
  readonly score: number;
  readonly grade: Grade;
  readonly fired: FiredRule[];
}

/** One event of the contact's recent history, as the events table keeps it. */
export interface BehaviourEvent {
  readonly type: string;
  readonly occurredAt: string;
  readonly detail: Record<string, unknown>;
}

/** The lead fields scoring reads (a whole `lead.submitted` detail fits). */
export type ScoredLead = Partial<Pick<LeadSubmitted, ScoringField>>;

const DAY_MS = 86_400_000;

const round1 = (value: number) => Math.round(value * 10) / 10 + 0; // + 0 turns -0 into 0

/**
 * Every violation in a scoring model, each naming the rule (empty when valid): schema errors
 * (unknown field or operator, missing points...), duplicate ids, thresholds not A > B, values that
 * do not fit the field or the operator, rules worth 0 points.
 */
export function validateScoringModel(model: unknown): string[] {
  const parsed = ScoringModel.safeParse(model);
  if (!parsed.success) {
    return parsed.error.issues.map((issue) => `${issue.path.join('.') || 'model'}: ${issue.message}`);
  }
  const { rules, thresholds } = parsed.data;
  const errors: string[] = [];
  if (!(thresholds.A > thresholds.B)) {
    errors.push(`thresholds: A (${thresholds.A}) must be greater than B (${thresholds.B})`);
  }
  const seen = new Set<string>();
  for (const rule of rules) {
    const where = `rule ${rule.id}`;
    if (seen.has(rule.id)) errors.push(`${where}: duplicate id`);
    seen.add(rule.id);
    if (!Number.isFinite(rule.points) || rule.points === 0) {
      errors.push(`${where}: points must be a non-zero number`);
    }
    if (rule.kind === 'attribute') errors.push(...attributeRuleErrors(rule).map((e) => `${where}: ${e}`));
    else if (!/^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/.test(rule.event)) {
      errors.push(`${where}: event "${rule.event}" is not an event type such as "page.viewed"`);
    }
  }
  return errors;
}

/**
 * The event types a behaviour rule can see: those the event API accepts (kept in the contact's
 * history) and the e-mail engagement counted on the profile (opens and clicks, per day).
 */
export const SCORABLE_EVENT_TYPES: readonly string[] = [...eventTypes, ...ENGAGEMENT_EVENT_TYPES];

/**
 * Every violation in a scoring model, as `cdk synth` lists them (`scoring model › rules.<id>.event`):
 * validateScoringModel's, and each behaviour rule naming an event type lead scoring never sees
 * (the event API refuses it as unknown, so the rule could never fire).
 */
export function scoringModelViolations(
  model: ScoringModel,
  scorable: readonly string[] = SCORABLE_EVENT_TYPES,
): Violation[] {
  const journey = 'scoring model';
  const known = new Set(scorable);
  const unknown = model.rules.flatMap((rule) =>
    rule.kind === 'behaviour' && !known.has(rule.event)
      ? [
          {
            journey,
            path: `rules.${rule.id}.event`,
            message: `unknown event type "${rule.event}": the event API refuses it, so the rule can never fire (add it to the catalogue)`,
          },
        ]
      : [],
  );
  const invalid = validateScoringModel(model).map((error) => {
    const [where = 'model', ...rest] = error.split(': ');
    return { journey, path: where.replace(/^rule /, 'rules.'), message: rest.join(': ') || error };
  });
  return [...invalid, ...unknown];
}

/**
 * The e-mail engagement of the profile's aggregates (opens and clicks counted per UTC day) as
 * behaviour events, each dated midday of its day (or now, for today): the history does not keep
 * them, the aggregates do, so rules on `email.clicked` can fire.
 */
export function engagementBehaviour(aggregates: ProfileAggregates, nowMs: number): BehaviourEvent[] {
  const events: BehaviourEvent[] = [];
  for (const type of ENGAGEMENT_EVENT_TYPES) {
    for (const [day, count] of Object.entries(aggregates.counts[type] ?? {})) {
      const midday = Date.parse(`${day}T12:00:00Z`);
      if (!Number.isFinite(midday)) continue;
      const occurredAt = new Date(Math.min(midday, nowMs)).toISOString();
      for (let i = 0; i < count; i++) events.push({ type, occurredAt, detail: {} });
    }
  }
  return events;
}

function attributeRuleErrors(rule: AttributeRule): string[] {
  const kind = SCORING_FIELDS[rule.field];
  const values = Array.isArray(rule.value) ? rule.value : [rule.value];
  const errors: string[] = [];
  if (rule.op === 'in' && !Array.isArray(rule.value)) errors.push(`"in" needs a list of values`);
  if (rule.op !== 'in' && Array.isArray(rule.value)) errors.push(`"${rule.op}" needs a single value`);
  if ((rule.op === 'gte' || rule.op === 'lte') && kind !== 'number') {
    errors.push(`"${rule.op}" compares numbers, and ${rule.field} is not a number`);
  }
  if (values.some((value) => typeof value !== kind)) errors.push(`${rule.field} values must be ${kind}s`);
  if (rule.field === 'country' && values.some((v) => typeof v === 'string' && !/^[A-Z]{2}$/.test(v))) {
    errors.push('countries are ISO-3166-1 alpha-2 codes such as "FR"');
  }
  return errors;
}

/**
 * Scores a lead: the sum of the points of every rule that fires, each rounded to 1 decimal (so the
 * listed rules add up to the score), and the grade the score reaches. The model is assumed valid.
 */
export function scoreLead(
  lead: ScoredLead,
  behaviour: readonly BehaviourEvent[],
  model: ScoringModel,
  nowMs: number,
): LeadScore {
  const fired: FiredRule[] = [];
  for (const rule of model.rules) {
    const raw =
      rule.kind === 'attribute' ? attributePoints(rule, lead) : behaviourPoints(rule, behaviour, nowMs);
    const points = round1(raw);
    if (points !== 0) fired.push({ ruleId: rule.id, points });
  }
  const score = round1(fired.reduce((sum, rule) => sum + rule.points, 0));
  return { score, grade: gradeOf(score, model.thresholds), fired };
}

/** The grade a score reaches. */
export function gradeOf(score: number, thresholds: ScoringModel['thresholds']): Grade {
  if (score >= thresholds.A) return 'A';
  if (score >= thresholds.B) return 'B';
  return 'C';
}

function attributePoints(rule: AttributeRule, lead: ScoredLead): number {
  const actual = lead[rule.field];
  if (actual === undefined) return 0;
  return attributeHolds(rule, actual) ? rule.points : 0;
}

function attributeHolds(rule: AttributeRule, actual: string | number): boolean {
  switch (rule.op) {
    case 'gte':
      return typeof actual === 'number' && typeof rule.value === 'number' && actual >= rule.value;
    case 'lte':
      return typeof actual === 'number' && typeof rule.value === 'number' && actual <= rule.value;
    case 'equals':
      return !Array.isArray(rule.value) && sameValue(rule.field, actual, rule.value);
    case 'in':
      return Array.isArray(rule.value) && rule.value.some((value) => sameValue(rule.field, actual, value));
  }
}

/** Strings compare without case; a language rule `fr` also matches `fr-CA`. */
function sameValue(field: ScoringField, actual: string | number, expected: string | number): boolean {
  if (typeof actual === 'number' || typeof expected === 'number') return actual === expected;
  const a = actual.toLowerCase();
  const e = expected.toLowerCase();
  return a === e || (field === 'language' && a.startsWith(`${e}-`));
}

function behaviourPoints(rule: BehaviourRule, events: readonly BehaviourEvent[], nowMs: number): number {
  const ages = events
    .filter((event) => event.type === rule.event && detailMatches(event.detail, rule.match))
    .map((event) => Date.parse(event.occurredAt))
    .filter((at) => Number.isFinite(at))
    // An event stamped in the future (clock skew) counts as happening now.
    .map((at) => Math.max(0, nowMs - at))
    .sort((a, b) => a - b)
    .slice(0, rule.maxEvents ?? 1);
  return ages.reduce((sum, age) => sum + rule.points * 0.5 ** (age / (rule.halfLifeDays * DAY_MS)), 0);
}

function detailMatches(detail: Record<string, unknown>, match: BehaviourRule['match']): boolean {
  if (!match) return true;
  return Object.entries(match).every(([path, expected]) => {
    const actual = valueAt(detail, path);
    if (typeof expected === 'object') return typeof actual === 'string' && actual.startsWith(expected.prefix);
    return actual === expected;
  });
}

function valueAt(detail: Record<string, unknown>, path: string): unknown {
  let current: unknown = detail;
  for (const key of path.split('.')) {
    if (current === null || typeof current !== 'object' || !Object.hasOwn(current, key)) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}
