/**
 * A pure validator: returns every violation in a journey, never throws. The CDK app refuses to
 * synthesize when any journey has one, so a typo fails at `cdk synth`, not at 3 a.m.
 */

import { eventFieldPaths, isEventType } from '#catalogue/catalogue.ts';
import { isContactField } from '#catalogue/contact.ts';
import { durationSeconds } from './duration.ts';
import { eventPatternProblems } from './event-pattern.ts';
import { templateVariables } from './liquid.ts';
import { isValidTimeZone } from './local-time.ts';
import { segmentSms } from './sms-parts.ts';
import { successors } from './step-links.ts';
import { type MessageTemplate, TEMPLATE_ROOTS, templateTexts } from './template.ts';
import type {
  AttributeDeclarations,
  AttributeType,
  Comparison,
  Condition,
  Correlation,
  Duration,
  JourneyDefinition,
  SendStep,
  Step,
} from './types.ts';
import { validateVoiceTemplate } from './voice-template.ts';

/** A problem a validator found; the segment validator reports the same, with `segment <id>` as `journey`. */
export interface Violation {
  /** The journey's id, or `segment <id>`. */
  readonly journey: string;
  /** Where in the journey: `trigger.filter.items`, `steps.first-reminder.template`. */
  readonly path: string;
  readonly message: string;
}

export interface ValidationContext {
  readonly templates: ReadonlyMap<string, MessageTemplate>;
  /**
   * The declared custom contact attributes and their types: `contact.attributes.<name>` (and the
   * `attributes.<name>` of a profile event) must name one, and be used as its type.
   */
  readonly attributes: AttributeDeclarations;
  /** The deployed segments' ids: scheduled audiences and segment triggers must name one. */
  readonly segmentIds?: ReadonlySet<string>;
}

const MAX_WAIT_SECONDS = 365 * 24 * 3600;
const MAX_STEPS = 100;
const ID_PATTERN = /^[a-z][a-z0-9-]{0,39}$/;
const LOCAL_TIME = /^([01]\d|2[0-3]):[0-5]\d$/;
/** Characters a template variable is assumed to render to when counting SMS parts at synth time. */
const ASSUMED_VARIABLE_LENGTH = 12;
const OWNER_FIELDS = new Set(['firstName', 'lastName', 'name', 'email', 'phone', 'repId']);
const LINK_FIELDS = new Set(['unsubscribe', 'preferences', 'confirm']);
const BRAND_FIELDS = new Set(['name', 'postalAddress', 'website', 'supportEmail']);

/** The fields of an event, as EventBridge flattens them (`items.sku`); `attributes.*` stands for any key. */
class FieldSet {
  private readonly exact = new Set<string>();
  private readonly patterns: string[][] = [];

  add(path: string): void {
    if (path.split('.').includes('*')) this.patterns.push(path.split('.'));
    else this.exact.add(path);
  }

  has(path: string): boolean {
    if (this.exact.has(path)) return true;
    const segments = path.split('.');
    return this.patterns.some(
      (p) => p.length === segments.length && p.every((part, i) => part === '*' || part === segments[i]),
    );
  }
}

function flatFields(...eventTypes: string[]): FieldSet {
  const fields = new FieldSet();
  for (const eventType of eventTypes) {
    if (!isEventType(eventType)) continue;
    for (const path of eventFieldPaths(eventType).keys()) fields.add(path.replaceAll('[]', ''));
  }
  return fields;
}

/** Drops numeric segments (`items.0.name` → `items.name`) so indexed reads match array fields. */
function normalisePath(path: string): string {
  return path
    .split('.')
    .filter((segment) => !/^\d+$/.test(segment))
    .join('.');
}

/** Every violation in the journey; empty when it is valid. */
export function validateJourney(journey: JourneyDefinition, context: ValidationContext): Violation[] {
  const violations: Violation[] = [];
  const report = (path: string, message: string) => violations.push({ journey: journey.id, path, message });

  if (!ID_PATTERN.test(journey.id)) {
    report(
      'id',
      'must be lower-case letters, digits and dashes, starting with a letter, at most 40 characters',
    );
  }
  const triggerFields = flatFields(journey.trigger.event);
  if (!isEventType(journey.trigger.event))
    report('trigger.event', `unknown event type "${journey.trigger.event}"`);
  else checkFilter(journey.trigger.filter, triggerFields, context.attributes, 'trigger.filter', report);
  const { filter } = journey.trigger;
  if (filter !== undefined && typeof filter === 'object' && filter !== null && !Array.isArray(filter)) {
    // The filter deploys as the rule's `detail`: what EventBridge would refuse fails synth here.
    for (const problem of eventPatternProblems({ detail: filter })) {
      report(problem.path.replace(/^detail/, 'trigger.filter'), problem.message);
    }
  }

  if (journey.entry.dedupeKey && !triggerFields.has(journey.entry.dedupeKey)) {
    report('entry.dedupeKey', `"${journey.entry.dedupeKey}" is not a field of ${journey.trigger.event}`);
  }
  const caps = journey.delivery?.frequencyCap;
  if (caps && caps !== 'exempt') {
    for (const [channel, rule] of Object.entries(caps)) {
      if (
        !rule ||
        !Number.isInteger(rule.max) ||
        rule.max < 0 ||
        !(rule.windowDays > 0) ||
        rule.windowDays > 365
      ) {
        report(`delivery.frequencyCap.${channel}`, 'needs a whole max >= 0 and a window of 1 to 365 days');
      }
    }
  }
  if (journey.goal)
    checkCorrelation(journey.goal.event, journey.goal.correlate, triggerFields, 'goal', report);
  checkScheduling(journey, context, report);

  const steps = Object.entries(journey.steps);
  if (steps.length === 0) report('steps', 'a journey needs at least one step');
  if (steps.length > MAX_STEPS) report('steps', `at most ${MAX_STEPS} steps`);
  if (!journey.steps[journey.start]) report('start', `no step "${journey.start}"`);

  const waitForsBefore = precedingWaitFors(journey);

  for (const [key, step] of steps) {
    // `event.*` is the event that resolved a waitFor earlier on some path to this step.
    const before = [...(waitForsBefore.get(step.id) ?? [])];
    const fieldScopes: FieldScopes = {
      trigger: triggerFields,
      event: flatFields(...before),
      hasWaitFor: before.length > 0,
      attributes: context.attributes,
    };
    const where = `steps.${step.id}`;
    if (key !== step.id) report(where, `step id "${step.id}" is used more than once`);
    if (!ID_PATTERN.test(step.id)) report(`${where}.id`, 'must be lower-case letters, digits and dashes');
    for (const target of successors(step)) {
      if (!journey.steps[target]) report(where, `points to a step that does not exist: "${target}"`);
    }
    checkStep(step, where, fieldScopes, triggerFields, context, report);
  }
  checkGraph(journey, report);
  checkInFlight(journey, report);
  return violations;
}

/** The in-flight policy's own shape; what it must say about earlier versions is checked in versions.ts. */
function checkInFlight(journey: JourneyDefinition, report: Report): void {
  const policy = journey.inFlight;
  if (!policy) return;
  if (policy.policy === 'exit' && !(typeof policy.reason === 'string' && policy.reason.trim() !== ''))
    report('inFlight.reason', 'an exit policy needs a reason: it is recorded on every run it ends');
  if (policy.policy !== 'migrate') return;
  for (const [from, to] of Object.entries(policy.stepMapping ?? {})) {
    if (!journey.steps[to])
      report(`inFlight.stepMapping.${from}`, `maps to "${to}", which is not a step of this journey`);
  }
}

interface FieldScopes {
  readonly trigger: FieldSet;
  readonly event: FieldSet;
  readonly hasWaitFor: boolean;
  readonly attributes: AttributeDeclarations;
}

/** For each step, the event types of the waitFor steps that come before it on some path from the start. */
function precedingWaitFors(journey: JourneyDefinition): Map<string, Set<string>> {
  const before = new Map<string, Set<string>>();
  const pending: Array<[string, Set<string>]> = [[journey.start, new Set()]];
  while (pending.length > 0) {
    const [id, events] = pending.pop() ?? ['', new Set<string>()];
    const step = journey.steps[id];
    if (!step) continue;
    const known = before.get(id) ?? new Set<string>();
    const grown = [...events].some((e) => !known.has(e)) || !before.has(id);
    if (!grown) continue;
    for (const e of events) known.add(e);
    before.set(id, known);
    const after = step.type === 'waitFor' ? new Set([...known, step.event]) : known;
    for (const next of successors(step)) pending.push([next, after]);
  }
  return before;
}

type Report = (path: string, message: string) => void;

const SCHEDULE_EXPRESSION =
  /^(cron\((\S+ ){5}\S+\)|rate\([1-9]\d* (minute|minutes|hour|hours|day|days)\)|at\(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\))$/;
const AUDIENCE_ONCE = new Set(['ever', 'per_year', 'per_month', 'per_last_order']);

/** A scheduled journey's schedule and audience, a segment trigger's segments, and the holdout share. */
function checkScheduling(journey: JourneyDefinition, context: ValidationContext, report: Report): void {
  const known = context.segmentIds;
  const checkSegment = (id: string, path: string) => {
    if (known && !known.has(id)) report(path, `unknown segment "${id}"`);
  };
  const { schedule } = journey;
  if (schedule) {
    if (journey.trigger.event !== 'audience.member') {
      report('trigger.event', 'a scheduled journey starts from audience.member (use defineScheduledJourney)');
    }
    if ('expression' in schedule) {
      if (!SCHEDULE_EXPRESSION.test(schedule.expression)) {
        report(
          'schedule.expression',
          'must be cron(m h dom mon dow y), rate(n minutes|hours|days) or at(yyyy-mm-ddThh:mm:ss)',
        );
      }
      if (!isValidTimeZone(schedule.timezone))
        report('schedule.timezone', `"${schedule.timezone}" is not an IANA zone`);
    } else if (!LOCAL_TIME.test(schedule.localTime)) {
      report('schedule.localTime', 'must be HH:MM (24-hour)');
    }
    checkSegment(schedule.audience.segment, 'schedule.audience.segment');
    if (!AUDIENCE_ONCE.has(schedule.audience.once)) {
      report('schedule.audience.once', 'must be ever, per_year, per_month or per_last_order');
    }
  } else if (journey.trigger.event === 'audience.member') {
    report('trigger.event', 'audience.member starts scheduled journeys only: give the journey a schedule');
  }
  if (journey.trigger.event === 'segment.entered' || journey.trigger.event === 'segment.exited') {
    const wanted = (journey.trigger.filter as { segment?: unknown } | undefined)?.segment;
    if (!Array.isArray(wanted) || wanted.length === 0) {
      report('trigger.filter.segment', 'name the segment(s): filter: { segment: ["vip"] }');
    } else {
      for (const id of wanted) checkSegment(String(id), 'trigger.filter.segment');
    }
  }
  if (journey.holdout) {
    const { percent } = journey.holdout;
    if (!(percent > 0 && percent < 100)) report('holdout.percent', 'must be more than 0 and less than 100');
  }
}

/** The trigger fields an .ics invitation is made of. */
const CALENDAR_FIELDS = ['appointmentId', 'startsAt', 'durationMinutes', 'location'];

/** The envelope fields an emit step fills: a deterministic id, the time, relance as the source. */
const EMIT_AUTOMATIC_FIELDS = new Set(['eventId', 'occurredAt', 'source']);

function checkStep(
  step: Step,
  where: string,
  scopes: FieldScopes,
  triggerFields: FieldSet,
  context: ValidationContext,
  report: Report,
): void {
  switch (step.type) {
    case 'wait': {
      const kinds = [step.duration, step.untilLocalTime, step.until].filter((k) => k !== undefined);
      if (kinds.length !== 1) report(where, 'a wait needs exactly one of duration, untilLocalTime or until');
      if (step.duration) checkDuration(step.duration, `${where}.duration`, report);
      if (step.until) {
        checkFieldRef(step.until.field, `${where}.until.field`, scopes, report);
        if (step.until.before) checkDuration(step.until.before, `${where}.until.before`, report);
      }
      if (step.untilLocalTime !== undefined && !LOCAL_TIME.test(step.untilLocalTime)) {
        report(`${where}.untilLocalTime`, 'must be HH:MM (24-hour)');
      }
      return;
    }
    case 'waitFor':
      checkDuration(step.timeout, `${where}.timeout`, report);
      checkCorrelation(step.event, step.correlate, triggerFields, where, report);
      return;
    case 'branch':
      if (step.cases.length === 0) report(`${where}.cases`, 'a branch needs at least one case');
      step.cases.forEach((c, i) => {
        checkCondition(c.when, `${where}.cases.${i}`, scopes, report);
      });
      return;
    case 'split': {
      const total = step.variants.reduce((sum, v) => sum + v.percent, 0);
      if (step.variants.some((v) => v.percent < 0 || v.percent > 100)) {
        report(`${where}.variants`, 'each percentage must be between 0 and 100');
      }
      if (total !== 100) report(`${where}.variants`, `percentages add up to ${total}, not 100`);
      return;
    }
    case 'send':
      checkSend(step, where, scopes, context, report);
      return;
    case 'broadcast':
      if (!triggerFields.has(step.audience.skuField)) {
        report(
          `${where}.audience.skuField`,
          `"${step.audience.skuField}" is not a field of the trigger event`,
        );
      }
      if (!Number.isInteger(step.batchSize) || step.batchSize < 1 || step.batchSize > 100) {
        report(`${where}.batchSize`, 'must be a whole number from 1 to 100');
      }
      checkSend({ ...step, to: 'contact' }, where, scopes, context, report);
      return;
    case 'emit': {
      if (!isEventType(step.event)) {
        report(`${where}.event`, `unknown event type "${step.event}"`);
        return;
      }
      const fields = flatFields(step.event);
      for (const [name, value] of Object.entries(step.detail)) {
        if (EMIT_AUTOMATIC_FIELDS.has(name)) {
          report(`${where}.detail.${name}`, 'is set by the emit step itself');
        } else if (!fields.has(name)) {
          report(`${where}.detail.${name}`, `"${name}" is not a field of ${step.event}`);
        }
        if (typeof value === 'object') checkFieldRef(value.from, `${where}.detail.${name}`, scopes, report);
      }
      return;
    }
    case 'update':
      for (const [name, value] of Object.entries(step.setAttributes ?? {})) {
        const path = `${where}.setAttributes.${name}`;
        const type = declaredType(name, scopes.attributes, path, report);
        if (type && typeof value !== type)
          report(path, `attribute "${name}" is a ${type}, not a ${typeof value}`);
      }
      for (const tag of [...(step.addTags ?? []), ...(step.removeTags ?? [])]) {
        if (!/^[a-z0-9_-]{1,40}$/.test(tag))
          report(`${where}.tags`, `tag "${tag}" must be [a-z0-9_-], 1-40 characters`);
      }
      return;
  }
}

function checkDuration(duration: Duration, path: string, report: Report): void {
  const seconds = durationSeconds(duration);
  if (Object.values(duration).some((v) => typeof v !== 'number' || v < 0 || !Number.isFinite(v))) {
    report(path, 'duration parts must be non-negative numbers');
  } else if (seconds <= 0) report(path, 'must be longer than zero');
  else if (seconds > MAX_WAIT_SECONDS) report(path, 'must not be longer than a year (365 days)');
}

function checkCorrelation(
  eventType: string,
  correlation: Correlation,
  triggerFields: FieldSet,
  path: string,
  report: Report,
): void {
  if (!isEventType(eventType)) {
    report(`${path}.event`, `unknown event type "${eventType}"`);
    return;
  }
  if (correlation.by === 'contact') return;
  if (!triggerFields.has(correlation.triggerField)) {
    report(
      `${path}.correlate.triggerField`,
      `"${correlation.triggerField}" is not a field of the trigger event`,
    );
  }
  if (!flatFields(eventType).has(correlation.eventField)) {
    report(`${path}.correlate.eventField`, `"${correlation.eventField}" is not a field of ${eventType}`);
  }
}

function checkFilter(
  filter: unknown,
  fields: FieldSet,
  attributes: AttributeDeclarations,
  path: string,
  report: Report,
  prefix = '',
): void {
  if (filter === undefined) return;
  if (typeof filter !== 'object' || filter === null || Array.isArray(filter)) {
    report(path, 'a filter is an object of detail fields to EventBridge matchers');
    return;
  }
  for (const [key, value] of Object.entries(filter)) {
    if (key === '$or') {
      if (!Array.isArray(value)) report(`${path}.$or`, '$or takes an array of filters');
      else for (const sub of value) checkFilter(sub, fields, attributes, `${path}.$or`, report, prefix);
      continue;
    }
    const field = prefix ? `${prefix}.${key}` : key;
    if (!fields.has(field)) {
      report(`${path}.${field}`, `"${field}" is not a field of the trigger event`);
      continue;
    }
    const attribute = attributeName(field);
    if (attribute !== undefined) declaredType(attribute, attributes, `${path}.${field}`, report);
    if (Array.isArray(value)) continue;
    checkFilter(value, fields, attributes, path, report, field);
  }
}

/** `plan` for `attributes.plan` (a custom contact attribute, on the profile or a profile event). */
function attributeName(field: string): string | undefined {
  const match = /^attributes\.([^.]+)$/.exec(field);
  return match?.[1];
}

/** The declared type of a custom attribute, or a violation naming the declared ones. */
function declaredType(
  name: string,
  attributes: AttributeDeclarations,
  path: string,
  report: Report,
): AttributeType | undefined {
  if (Object.hasOwn(attributes, name)) return attributes[name];
  const declared = Object.keys(attributes).join(', ') || 'none';
  report(path, `attribute "${name}" is not declared (declared: ${declared})`);
  return undefined;
}

/** Checks a field reference; answers the declared type when it names a custom attribute. */
function checkFieldRef(
  ref: string,
  path: string,
  scopes: FieldScopes,
  report: Report,
): AttributeType | undefined {
  const [root, ...rest] = ref.split('.');
  const field = normalisePath(rest.join('.'));
  if (root === 'contact') {
    if (!isContactField(field)) report(path, `"${ref}" is not a contact field`);
    else if (field.startsWith('attributes.')) {
      const name = field.slice('attributes.'.length).split('.')[0] ?? '';
      return declaredType(name, scopes.attributes, path, report);
    }
  } else if (root === 'trigger' || root === 'event') {
    const scope = root === 'trigger' ? scopes.trigger : scopes.event;
    if (root === 'trigger' && !scope.has(field)) {
      report(path, `"${ref}" is not a field of the trigger event`);
    } else if (root === 'event' && !scopes.hasWaitFor) {
      report(path, `"${ref}" needs a waitFor step before it`);
    } else if (root === 'event' && !scope.has(field)) {
      report(path, `"${ref}" is not a field of any event this journey waits for`);
    } else {
      const attribute = attributeName(field);
      if (attribute !== undefined) return declaredType(attribute, scopes.attributes, path, report);
    }
  } else report(path, `"${ref}" must start with contact., trigger. or event.`);
  return undefined;
}

function comparisons(condition: Condition): Comparison[] {
  if ('all' in condition) return condition.all.flatMap(comparisons);
  if ('any' in condition) return condition.any.flatMap(comparisons);
  if ('not' in condition) return comparisons(condition.not);
  return [condition];
}

function checkCondition(condition: Condition, path: string, scopes: FieldScopes, report: Report): void {
  if (
    ('all' in condition && condition.all.length === 0) ||
    ('any' in condition && condition.any.length === 0)
  ) {
    report(path, 'all/any need at least one condition');
  }
  for (const comparison of comparisons(condition)) {
    const type = checkFieldRef(comparison.field, path, scopes, report);
    if ('than' in comparison) checkFieldRef(comparison.than, path, scopes, report);
    if (type) checkAttributeUse(comparison, type, path, report);
  }
}

/** A comparison on a declared attribute must fit its type (`plan` is a string: no `gt 3`). */
function checkAttributeUse(comparison: Comparison, type: AttributeType, path: string, report: Report): void {
  const wrong = (what: string) =>
    report(path, `"${comparison.field}" is a ${type} attribute: ${what} does not apply to it`);
  switch (comparison.op) {
    case 'isTrue':
    case 'isFalse':
      if (type !== 'boolean') wrong(comparison.op);
      return;
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte':
      if (type !== 'number') wrong(comparison.op);
      return;
    case 'equals':
    case 'notEquals':
      if (typeof comparison.value !== type)
        wrong(`comparing with the ${typeof comparison.value} ${JSON.stringify(comparison.value)}`);
      return;
    default:
      return;
  }
}

function checkSend(
  step: Pick<SendStep, 'template' | 'channel' | 'to'>,
  where: string,
  scopes: FieldScopes,
  context: ValidationContext,
  report: Report,
): void {
  const template = context.templates.get(step.template);
  if (!template) {
    report(`${where}.template`, `unknown template "${step.template}"`);
    return;
  }
  if (template.channel !== step.channel) {
    report(
      `${where}.template`,
      `template "${step.template}" is for ${template.channel}, the step sends ${step.channel}`,
    );
  }
  for (const { name, source } of templateTexts(template)) {
    const path = `${where}.template(${step.template}).${name}`;
    const analysis = templateVariables(source);
    if ('error' in analysis) {
      report(path, `does not parse: ${analysis.error}`);
      continue;
    }
    for (const variable of analysis.paths) checkTemplateVariable(variable, path, step.to, scopes, report);
  }
  if (template.channel === 'email' && template.calendarInvite) {
    const missing = CALENDAR_FIELDS.filter((field) => !scopes.trigger.has(field));
    if (missing.length > 0) {
      report(
        `${where}.template(${step.template})`,
        `attaches a calendar invitation, but the trigger has no ${missing.join(', ')} (use appointment.booked)`,
      );
    }
  }
  if (template.channel === 'voice') {
    // SendVoiceMessage's limits, the Polly voice and well-formed SSML, per locale.
    for (const violation of validateVoiceTemplate(template))
      report(
        `${where}.template(${violation.path.replace(`${template.id}.`, `${template.id}).`)}`,
        violation.message,
      );
  }
  if (template.channel === 'sms' && template.maxParts !== undefined) {
    for (const { name, source } of templateTexts(template)) {
      const estimate = source
        .replace(/\{\{[^}]*\}\}/g, 'x'.repeat(ASSUMED_VARIABLE_LENGTH))
        .replace(/\{%[^%]*%\}/g, '');
      const { parts, encoding } = segmentSms(estimate);
      if (parts > template.maxParts) {
        report(
          `${where}.template(${step.template}).${name}`,
          `takes ${parts} ${encoding} SMS parts, more than the template's maximum of ${template.maxParts}`,
        );
      }
    }
  }
}

function checkTemplateVariable(
  variable: string,
  path: string,
  recipient: 'contact' | 'owner',
  scopes: FieldScopes,
  report: Report,
): void {
  const [root, first] = variable.split('.');
  if (!TEMPLATE_ROOTS.includes(root as (typeof TEMPLATE_ROOTS)[number])) {
    report(path, `variable "${variable}" is not provided (roots: ${TEMPLATE_ROOTS.join(', ')})`);
    return;
  }
  if (root === 'contact' || root === 'trigger' || root === 'event') {
    if (variable.includes('.')) checkFieldRef(variable, path, scopes, report);
    return;
  }
  const allowed =
    root === 'owner'
      ? OWNER_FIELDS
      : root === 'links'
        ? LINK_FIELDS
        : root === 'brand'
          ? BRAND_FIELDS
          : new Set(['id']);
  if (root === 'owner' && recipient !== 'owner') {
    report(path, `"${variable}" is only provided when the message goes to the owner`);
  } else if (first !== undefined && !allowed.has(first)) {
    report(path, `variable "${variable}" is not provided`);
  }
}

/** Unreachable steps and cycles (a run must always move forward to an end). */
function checkGraph(journey: JourneyDefinition, report: Report): void {
  const reached = new Set<string>();
  const onPath = new Set<string>();
  const cyclic = new Set<string>();
  const visit = (id: string) => {
    const step = journey.steps[id];
    if (!step) return;
    if (onPath.has(id)) {
      cyclic.add(id);
      return;
    }
    if (reached.has(id)) return;
    reached.add(id);
    onPath.add(id);
    for (const next of successors(step)) visit(next);
    onPath.delete(id);
  };
  visit(journey.start);
  for (const id of cyclic) report(`steps.${id}`, 'is part of a cycle: a run must always reach an end');
  for (const [key, step] of Object.entries(journey.steps)) {
    if (key === step.id && !reached.has(key)) report(`steps.${key}`, 'is unreachable from the start step');
  }
}
