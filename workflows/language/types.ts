/**
 * The journey language as data. A journey is a trigger, entry rules, an optional goal and a graph of
 * steps that point to each other by id (a missing `next` ends the run). The builder in builder.ts
 * produces this shape; the validator checks it; the compiler turns it into Amazon States Language.
 */
import type { EventType } from '#catalogue/catalogue.ts';

export type Channel = 'email' | 'sms' | 'voice';

/** The type of a custom contact attribute's values. */
export type AttributeType = 'string' | 'number' | 'boolean';

/**
 * The custom contact attributes (`contact.attributes.<name>`) a deployment uses, each with its type:
 * a branch, trigger filter, update or template that names another fails at synth time.
 */
export type AttributeDeclarations = Readonly<Record<string, AttributeType>>;

/** A duration; the parts add up. */
export interface Duration {
  readonly days?: number;
  readonly hours?: number;
  readonly minutes?: number;
  readonly seconds?: number;
}

/**
 * A filter on the trigger event's detail, written as an EventBridge event pattern on `detail`
 * (so it deploys as the rule's pattern unchanged): `{ items: { sku: [{ exists: true }] } }`.
 */
export type DetailFilter = { readonly [field: string]: unknown };

export interface Trigger {
  readonly event: EventType;
  readonly filter?: DetailFilter;
}

export interface EntryRules {
  /** May the same contact (or dedupe key) enter again once a previous run has ended? */
  readonly reentry: boolean;
  /** A field of the trigger detail; while a run for the same value is active, a new trigger starts nothing. */
  readonly dedupeKey?: string;
}

/** How a later event is tied to a run: the same contact, or a field of the event equal to a field of the trigger. */
export type Correlation =
  | { readonly by: 'contact' }
  | { readonly by: 'field'; readonly eventField: string; readonly triggerField: string };

export interface Goal {
  readonly event: EventType;
  readonly correlate: Correlation;
}

/**
 * A reference to a value a branch can test: `contact.<field>` (profile, `contact.attributes.<name>`,
 * `contact.stats.<name>`, `contact.tags.<tag>` for tag membership), `trigger.<detail path>` or
 * `event.<detail path>` (the event that resolved the last waitFor).
 */
export type FieldRef = string;

export type Comparison =
  | { readonly field: FieldRef; readonly op: 'exists' | 'notExists' | 'isTrue' | 'isFalse' }
  | {
      readonly field: FieldRef;
      readonly op: 'equals' | 'notEquals';
      readonly value: string | number | boolean;
    }
  | { readonly field: FieldRef; readonly op: 'gt' | 'gte' | 'lt' | 'lte'; readonly value: number }
  /** Compares two numeric fields: `trigger.newPrice` lt `trigger.oldPrice`. */
  | { readonly field: FieldRef; readonly op: 'gt' | 'gte' | 'lt' | 'lte'; readonly than: FieldRef };

export type Condition =
  | Comparison
  | { readonly all: readonly Condition[] }
  | { readonly any: readonly Condition[] }
  | { readonly not: Condition };

/**
 * A moment read from the run: a time field (`trigger.startsAt`) less an optional offset. When the
 * moment has passed by the time the run reaches the wait, `ifPast` decides: go on at once, or end
 * the run (a reminder for an appointment booked at short notice is noise).
 */
export interface WaitUntil {
  readonly field: FieldRef;
  readonly before?: Duration;
  readonly ifPast: 'continue' | 'end';
}

export interface WaitStep {
  readonly type: 'wait';
  readonly id: string;
  /** Wait this long... */
  readonly duration?: Duration;
  /** ...or until the next occurrence of this local time (HH:MM) in the contact's timezone... */
  readonly untilLocalTime?: string;
  /** ...or until a moment a field of the run names. */
  readonly until?: WaitUntil;
  readonly next?: string;
}

export interface WaitForStep {
  readonly type: 'waitFor';
  readonly id: string;
  readonly event: EventType;
  readonly correlate: Correlation;
  readonly timeout: Duration;
  /** Where the run goes when the event arrives first (missing: the run ends). */
  readonly onEvent?: string;
  /** Where the run goes when the timeout fires first (missing: the run ends). */
  readonly onTimeout?: string;
}

export interface BranchStep {
  readonly type: 'branch';
  readonly id: string;
  /** The first case whose condition holds decides; no case: `otherwise`. */
  readonly cases: ReadonlyArray<{ readonly when: Condition; readonly next?: string }>;
  readonly otherwise?: string;
}

export interface SplitStep {
  readonly type: 'split';
  readonly id: string;
  /** Random split, stable per run: percentages add up to 100. A variant with no `next` is a holdout. */
  readonly variants: ReadonlyArray<{
    readonly label: string;
    readonly percent: number;
    readonly next?: string;
  }>;
}

export type SendRecipient = 'contact' | 'owner';
export type MessageCategory = 'marketing' | 'transactional';

export interface SendStep {
  readonly type: 'send';
  readonly id: string;
  readonly channel: Channel;
  readonly template: string;
  /** The contact, or the sales rep who owns the contact. */
  readonly to: SendRecipient;
  /** Transactional messages skip topic consent and frequency caps, never suppression. */
  readonly category: MessageCategory;
  /** Consent topic for marketing e-mail (e.g. `cart_reminders`); channel consent alone when absent. */
  readonly topic?: string;
  /**
   * Another channel to use when this one cannot reach the contact: the message was skipped because
   * the number opted out of SMS (`sms_opted_out`) or the address is suppressed, or the provider
   * refused it (`failed`). The fallback goes through the ledger and the delivery controls like any
   * send, under its own channel.
   */
  readonly fallback?: SendFallback;
  readonly next?: string;
}

/** A send step's fallback: the channel (not the step's own) and its template. */
export interface SendFallback {
  readonly channel: Channel;
  readonly template: string;
}

export interface UpdateStep {
  readonly type: 'update';
  readonly id: string;
  readonly setAttributes?: Readonly<Record<string, string | number | boolean>>;
  readonly addTags?: readonly string[];
  readonly removeTags?: readonly string[];
  readonly next?: string;
}

/**
 * Who a broadcast reaches: the contacts on the trigger SKU's waitlist in arrival order (at most as
 * many as units in stock, re-read before each batch, each taken off the list), or the contacts who
 * waitlisted or carted the SKU recently (at most once per SKU per contact in `oncePerDays`).
 */
export type BroadcastAudience =
  | { readonly kind: 'waitlist'; readonly skuField: string; readonly limitToStock: boolean }
  | {
      readonly kind: 'interested';
      readonly skuField: string;
      readonly withinDays: number;
      readonly oncePerDays: number;
    };

/** Sends one template to an audience tied to the trigger (a product event has no single contact). */
export interface BroadcastStep {
  readonly type: 'broadcast';
  readonly id: string;
  readonly audience: BroadcastAudience;
  readonly channel: Channel;
  readonly template: string;
  readonly category: MessageCategory;
  readonly topic?: string;
  /** Contacts handled per batch; the stock is re-read between batches. */
  readonly batchSize: number;
  readonly next?: string;
}

/** A value of an emitted event's detail: a literal, or a field of the run (`{ from: 'trigger.leadId' }`). */
export type EmitValue = string | number | boolean | { readonly from: FieldRef };

/**
 * Puts an event on the bus for another part of the system to act on (the lead router reminds or
 * reassigns on `lead.sla_breached`). The event id is derived from the run and step, so a retried
 * step emits the same event and consumers can deduplicate.
 */
export interface EmitStep {
  readonly type: 'emit';
  readonly id: string;
  readonly event: EventType;
  readonly detail: Readonly<Record<string, EmitValue>>;
  readonly next?: string;
}

export type Step =
  | WaitStep
  | WaitForStep
  | BranchStep
  | SplitStep
  | SendStep
  | UpdateStep
  | BroadcastStep
  | EmitStep;
export type StepType = Step['type'];

/** A frequency cap: at most `max` marketing messages per channel per contact in `windowDays`. */
export interface CapRule {
  readonly max: number;
  readonly windowDays: number;
}

/** Per-journey delivery choices, on top of the deployment's defaults. */
export interface DeliverySettings {
  /** Whether e-mail waits for the end of quiet hours too (SMS always does). @default false */
  readonly emailQuietHours?: boolean;
  /** `exempt`, or this journey's own caps per channel, instead of the deployment's. */
  readonly frequencyCap?: 'exempt' | Partial<Record<Channel, CapRule>>;
}

/** Who a scheduled journey runs over, and how often one contact may enter it. */
export interface Audience {
  /** A segment of workflows/segments. */
  readonly segment: string;
  /**
   * One run per contact `ever`, per calendar year (`per_year`: a birthday), per month, or per last
   * order (`per_last_order`: a win-back runs once per lapse; a new order makes the contact eligible again).
   */
  readonly once: 'ever' | 'per_year' | 'per_month' | 'per_last_order';
}

/**
 * When an audience pass runs: an EventBridge Scheduler expression (`cron(0 8 * * ? *)`,
 * `rate(1 day)`, or a one-time `at(2026-12-01T09:00:00)` broadcast) read in `timezone`; or, with
 * `localTime`, every hour, admitting each contact when it is that time in their own timezone.
 */
export type JourneySchedule =
  | { readonly expression: string; readonly timezone: string; readonly audience: Audience }
  | { readonly localTime: string; readonly audience: Audience };

/**
 * What happens to runs already in flight when a new version of the journey deploys. A run records
 * the version it entered on; the policy of the version deployed when it resumes decides.
 * - `finish` (the default): the run goes on with the steps of the version it entered on.
 * - `migrate`: the run moves to this version at its next resume, at the step of the same id or the
 *   one `stepMapping` names for it (old step id → step id of this version). A step runs may wait at
 *   (wait, waitFor, send) that this version removed needs a mapping: `cdk synth` refuses otherwise.
 * - `exit`: the run ends at its next resume, with `reason` recorded.
 */
export type InFlightPolicy =
  | { readonly policy: 'finish' }
  | { readonly policy: 'migrate'; readonly stepMapping?: Readonly<Record<string, string>> }
  | { readonly policy: 'exit'; readonly reason: string };

export interface JourneyDefinition {
  /** Stable id: names the state machine, the schedules and the ledger keys. Lower-case, digits, dashes. */
  readonly id: string;
  readonly description: string;
  readonly trigger: Trigger;
  readonly entry: EntryRules;
  readonly goal?: Goal;
  readonly delivery?: DeliverySettings;
  /** A scheduled journey: audience passes over a segment start its runs (its trigger is `audience.member`). */
  readonly schedule?: JourneySchedule;
  /** A random share of entrants (stable per contact and journey) that receives nothing and is recorded, to measure uplift. */
  readonly holdout?: { readonly percent: number };
  /** What runs of earlier versions do when this version deploys. @default { policy: 'finish' } */
  readonly inFlight?: InFlightPolicy;
  readonly start: string;
  readonly steps: Readonly<Record<string, Step>>;
}
