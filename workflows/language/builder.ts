/**
 * A typed builder for journeys. Steps are written as nested sequences, the way a marketer reads a
 * journey; `defineJourney` flattens them into the step graph of types.ts. After a branch or a waitFor,
 * each path continues with the step that follows it, unless the path ends with `exit()`.
 */
import type { EventDetail, EventType } from '#catalogue/catalogue.ts';
import type {
  BroadcastAudience,
  Channel,
  Condition,
  Correlation,
  DeliverySettings,
  DetailFilter,
  Duration,
  EmitValue,
  InFlightPolicy,
  JourneyDefinition,
  JourneySchedule,
  MessageCategory,
  SendFallback,
  SendRecipient,
  Step,
  WaitUntil,
} from './types.ts';

const EXIT = Symbol('exit');

interface ExitElement {
  readonly kind: typeof EXIT;
}

interface StepElement {
  readonly kind: 'step';
  readonly build: (next: string | undefined, flatten: Flatten) => Step;
  readonly id: string;
}

type Flatten = (sequence: Sequence, continuation: string | undefined) => string | undefined;

/** One element of a sequence: a step, or `exit()` which ends the run. */
export type Element = StepElement | ExitElement;
export type Sequence = readonly Element[];

/** Ends the run at this point of the sequence. */
export const exit = (): ExitElement => ({ kind: EXIT });

/** Ties a later event to the run by a field of the trigger (same name on both unless given). */
export const byField = (triggerField: string, eventField: string = triggerField): Correlation => ({
  by: 'field',
  triggerField,
  eventField,
});

/** Ties a later event to the run by contact. */
export const byContact = (): Correlation => ({ by: 'contact' });

/** Waits a duration, until a local time of day in the contact's timezone, or until a moment of the run. */
export const wait = (
  id: string,
  options: { duration: Duration } | { untilLocalTime: string } | { until: WaitUntil },
): StepElement => ({
  kind: 'step',
  id,
  build: (next) => ({ type: 'wait', id, ...options, ...(next ? { next } : {}) }),
});

/** Waits for a correlated event with a timeout; each path continues after the step unless it exits. */
export const waitFor = (
  id: string,
  options: {
    event: EventType;
    correlate: Correlation;
    timeout: Duration;
    onEvent?: Sequence;
    onTimeout?: Sequence;
  },
): StepElement => ({
  kind: 'step',
  id,
  build: (next, flatten) => {
    const onEvent = flatten(options.onEvent ?? [], next);
    const onTimeout = flatten(options.onTimeout ?? [], next);
    return {
      type: 'waitFor',
      id,
      event: options.event,
      correlate: options.correlate,
      timeout: options.timeout,
      ...(onEvent ? { onEvent } : {}),
      ...(onTimeout ? { onTimeout } : {}),
    };
  },
});

/** Branches on conditions: the first case that holds runs its sequence, else `otherwise`. */
export const branch = (
  id: string,
  options: { cases: ReadonlyArray<{ when: Condition; steps: Sequence }>; otherwise?: Sequence },
): StepElement => ({
  kind: 'step',
  id,
  build: (next, flatten) => {
    const otherwise = flatten(options.otherwise ?? [], next);
    return {
      type: 'branch',
      id,
      cases: options.cases.map((c) => {
        const target = flatten(c.steps, next);
        return { when: c.when, ...(target ? { next: target } : {}) };
      }),
      ...(otherwise ? { otherwise } : {}),
    };
  },
});

/** Splits runs at random (stable per run) by percentage; a variant with an exiting sequence is a holdout. */
export const split = (
  id: string,
  variants: ReadonlyArray<{ label: string; percent: number; steps: Sequence }>,
): StepElement => ({
  kind: 'step',
  id,
  build: (next, flatten) => ({
    type: 'split',
    id,
    variants: variants.map((v) => {
      const target = flatten(v.steps, next);
      return { label: v.label, percent: v.percent, ...(target ? { next: target } : {}) };
    }),
  }),
});

/**
 * Sends a message by template. Marketing by default; say `transactional` for order or appointment
 * mail. `fallback` names another channel and template for when this channel cannot reach the
 * contact (an SMS to a number that replied STOP, a suppressed address, a provider refusal).
 */
export const send = (
  id: string,
  options: {
    channel: Channel;
    template: string;
    to?: SendRecipient;
    category?: MessageCategory;
    topic?: string;
    /** Another channel and template when this channel cannot reach the contact (see SendStep.fallback). */
    fallback?: SendFallback;
  },
): StepElement => ({
  kind: 'step',
  id,
  build: (next) => ({
    type: 'send',
    id,
    channel: options.channel,
    template: options.template,
    to: options.to ?? 'contact',
    category: options.category ?? 'marketing',
    ...(options.topic ? { topic: options.topic } : {}),
    ...(options.fallback ? { fallback: options.fallback } : {}),
    ...(next ? { next } : {}),
  }),
});

/** Sends one template to an audience tied to the trigger's SKU (waitlist or recent interest). */
export const broadcast = (
  id: string,
  options: {
    audience: BroadcastAudience;
    channel: Channel;
    template: string;
    category?: MessageCategory;
    topic?: string;
    batchSize?: number;
  },
): StepElement => ({
  kind: 'step',
  id,
  build: (next) => ({
    type: 'broadcast',
    id,
    audience: options.audience,
    channel: options.channel,
    template: options.template,
    category: options.category ?? 'marketing',
    batchSize: options.batchSize ?? 25,
    ...(options.topic ? { topic: options.topic } : {}),
    ...(next ? { next } : {}),
  }),
});

/** Updates the contact's profile: attributes and tags. */
export const update = (
  id: string,
  options: {
    setAttributes?: Record<string, string | number | boolean>;
    addTags?: string[];
    removeTags?: string[];
  },
): StepElement => ({
  kind: 'step',
  id,
  build: (next) => ({ type: 'update', id, ...options, ...(next ? { next } : {}) }),
});

/** Puts an event on the bus, its detail made of literals and fields of the run. */
export const emit = (
  id: string,
  options: { event: EventType; detail: Record<string, EmitValue> },
): StepElement => ({
  kind: 'step',
  id,
  build: (next) => ({
    type: 'emit',
    id,
    event: options.event,
    detail: options.detail,
    ...(next ? { next } : {}),
  }),
});

/** The part of a journey a builder call gives, typed on its trigger event. */
export interface JourneySpec<T extends EventType> {
  id: string;
  description: string;
  trigger: { event: T; filter?: DetailFilter };
  entry: { reentry: boolean; dedupeKey?: Extract<keyof EventDetail<T>, string> };
  goal?: { event: EventType; correlate: Correlation };
  delivery?: DeliverySettings;
  holdout?: { percent: number };
  inFlight?: InFlightPolicy;
  steps: Sequence;
}

/** A journey started by audience passes over a segment, on a schedule. */
export interface ScheduledJourneySpec {
  id: string;
  description: string;
  schedule: JourneySchedule;
  goal?: { event: EventType; correlate: Correlation };
  delivery?: DeliverySettings;
  holdout?: { percent: number };
  inFlight?: InFlightPolicy;
  steps: Sequence;
}

/**
 * A scheduled journey: its runs start from `audience.member` (one run per member key, see
 * Audience.once); `trigger.*` in its steps are the member's fields.
 */
export function defineScheduledJourney(spec: ScheduledJourneySpec): JourneyDefinition {
  const { schedule, ...rest } = spec;
  return {
    ...defineJourney({
      ...rest,
      trigger: { event: 'audience.member', filter: { journeyId: [spec.id] } },
      entry: { reentry: false, dedupeKey: 'memberKey' },
    }),
    schedule,
  };
}

/**
 * Flattens a journey written as nested sequences into its step graph. Duplicate step ids are kept
 * apart (the second is renamed `<id>#dup`) so that the validator, not the builder, reports them.
 */
export function defineJourney<T extends EventType>(spec: JourneySpec<T>): JourneyDefinition {
  const steps: Record<string, Step> = {};
  const flatten: Flatten = (sequence, continuation) => {
    let next = continuation;
    for (let i = sequence.length - 1; i >= 0; i--) {
      const element = sequence[i];
      if (!element) continue;
      if (element.kind === EXIT) {
        next = undefined;
        continue;
      }
      const step = element.build(next, flatten);
      const key = steps[step.id] ? `${step.id}#dup` : step.id;
      steps[key] = step;
      next = step.id;
    }
    return next;
  };
  const start = flatten(spec.steps, undefined);
  return {
    id: spec.id,
    description: spec.description,
    trigger: spec.trigger.filter
      ? { event: spec.trigger.event, filter: spec.trigger.filter }
      : { event: spec.trigger.event },
    entry: spec.entry,
    ...(spec.goal ? { goal: spec.goal } : {}),
    ...(spec.delivery ? { delivery: spec.delivery } : {}),
    ...(spec.holdout ? { holdout: spec.holdout } : {}),
    ...(spec.inFlight ? { inFlight: spec.inFlight } : {}),
    start: start ?? '',
    steps,
  };
}
