// The event catalogue: detail-type → zod schema, plus validation and introspection built on it.
import * as z from 'zod';
import { APPOINTMENT_BOOKED, AppointmentBooked } from './appointment-booked.ts';
import { AUDIENCE_MEMBER, AudienceMember } from './audience-member.ts';
import { CART_UPDATED, CartUpdated } from './cart-updated.ts';
import { CHECKOUT_STARTED, CheckoutStarted } from './checkout-started.ts';
import { CONSENT_CHANGED, ConsentChanged } from './consent-changed.ts';
import { CONTACT_MERGED, ContactMerged } from './contact-merged.ts';
import { CONTACT_SIGNED_UP, ContactSignedUp } from './contact-signed-up.ts';
import { CONTACT_UPDATED, ContactUpdated } from './contact-updated.ts';
import { DEMO_REQUESTED, DemoRequested } from './demo-requested.ts';
import { LEAD_ASSIGNED, LeadAssigned } from './lead-assigned.ts';
import { LEAD_CONTACTED, LeadContacted } from './lead-contacted.ts';
import { LEAD_SLA_BREACHED, LeadSlaBreached } from './lead-sla-breached.ts';
import { LEAD_SUBMITTED, LeadSubmitted } from './lead-submitted.ts';
import { ORDER_COMPLETED, OrderCompleted } from './order-completed.ts';
import { PAGE_VIEWED, PageViewed } from './page-viewed.ts';
import { PRODUCT_PRICE_CHANGED, ProductPriceChanged } from './product-price-changed.ts';
import { PRODUCT_STOCK_CHANGED, ProductStockChanged } from './product-stock-changed.ts';
import { PRODUCT_WAITLISTED, ProductWaitlisted } from './product-waitlisted.ts';
import { SEGMENT_ENTERED, SEGMENT_EXITED, SegmentEntered, SegmentExited } from './segment-changed.ts';
import { WEBINAR_ATTENDED, WebinarAttended } from './webinar-attended.ts';

/** Every event type relance accepts, keyed by EventBridge detail-type. */
export const eventCatalogue = {
  [CONTACT_SIGNED_UP]: ContactSignedUp,
  [CONTACT_UPDATED]: ContactUpdated,
  [CONSENT_CHANGED]: ConsentChanged,
  [CONTACT_MERGED]: ContactMerged,
  [CART_UPDATED]: CartUpdated,
  [CHECKOUT_STARTED]: CheckoutStarted,
  [ORDER_COMPLETED]: OrderCompleted,
  [PRODUCT_STOCK_CHANGED]: ProductStockChanged,
  [PRODUCT_PRICE_CHANGED]: ProductPriceChanged,
  [PRODUCT_WAITLISTED]: ProductWaitlisted,
  [PAGE_VIEWED]: PageViewed,
  [DEMO_REQUESTED]: DemoRequested,
  [WEBINAR_ATTENDED]: WebinarAttended,
  [LEAD_SUBMITTED]: LeadSubmitted,
  [LEAD_ASSIGNED]: LeadAssigned,
  [LEAD_CONTACTED]: LeadContacted,
  [LEAD_SLA_BREACHED]: LeadSlaBreached,
  [APPOINTMENT_BOOKED]: AppointmentBooked,
  [SEGMENT_ENTERED]: SegmentEntered,
  [SEGMENT_EXITED]: SegmentExited,
  [AUDIENCE_MEMBER]: AudienceMember,
} as const;

/** An event type (EventBridge detail-type), e.g. 'cart.updated'. */
export type EventType = keyof typeof eventCatalogue;

/** The parsed detail of an event type (after normalization: lower-cased email, E.164 phone). */
export type EventDetail<T extends EventType> = z.infer<(typeof eventCatalogue)[T]>;

/** True when `value` names an event type of the catalogue. */
export function isEventType(value: unknown): value is EventType {
  return typeof value === 'string' && Object.hasOwn(eventCatalogue, value);
}

/** All event types, in catalogue order. */
export const eventTypes: readonly EventType[] = Object.freeze(
  Object.keys(eventCatalogue).filter(isEventType),
);

/** Event types about a product rather than a contact: their detail has no `contact`. */
export const contactlessEventTypes = [
  PRODUCT_STOCK_CHANGED,
  PRODUCT_PRICE_CHANGED,
  LEAD_SLA_BREACHED,
] as const satisfies readonly EventType[];

/** True when events of this type carry a `contact` (every type but the product-level ones). */
export function hasContact(type: EventType): boolean {
  return !(contactlessEventTypes as readonly EventType[]).includes(type);
}

/** A validation problem: `field` is a dotted path such as `detail.items.0.qty`, or `detail-type`. */
export type EventFieldError = { field: string; message: string };

/** A successfully parsed event; narrowing on `type` narrows `detail`. */
export type ParsedEvent = { [T in EventType]: { ok: true; type: T; detail: EventDetail<T> } }[EventType];

/** Outcome of {@link parseEventDetail}. */
export type ParseEventResult = ParsedEvent | { ok: false; errors: EventFieldError[] };

// A huge invalid payload must not produce a huge error response.
const MAX_ERRORS = 50;

// Per-parse error map: producers read these messages, so say what is wanted in plain words.
// Messages set on a schema itself win over this map; returning undefined keeps zod's message.
const producerMessages: z.core.$ZodErrorMap = (issue) => {
  if (issue.code === 'invalid_type' && issue.input === undefined) return 'is required';
  // A refused record key: say why the key schema refused it, not only that it did.
  if (issue.code === 'invalid_key') return issue.issues[0]?.message;
  if (issue.code !== 'too_big' && issue.code !== 'too_small') return undefined;
  const big = issue.code === 'too_big';
  const bound = big ? issue.maximum : issue.minimum;
  const limit = `${big ? 'at most' : 'at least'} ${bound}`;
  switch (issue.origin) {
    case 'string':
      return !big && bound === 1 ? 'must not be empty' : `must be ${limit} characters`;
    case 'array':
      return `must have ${limit} items`;
    case 'number':
    case 'int':
      return issue.inclusive === false
        ? `must be ${big ? 'less' : 'greater'} than ${bound}`
        : `must be ${limit}`;
    default:
      return undefined;
  }
};

/** Validates and normalizes an event detail for a detail-type; never throws. */
export function parseEventDetail(type: string, detail: unknown): ParseEventResult {
  if (!isEventType(type)) {
    return {
      ok: false,
      errors: [{ field: 'detail-type', message: `unknown event type "${String(type).slice(0, 128)}"` }],
    };
  }
  // zod drops a `__proto__` key without a word (JSON.parse keeps it as an own key): refuse it.
  const protoKeys = protoKeyPaths(detail);
  if (protoKeys.length > 0) {
    return {
      ok: false,
      errors: protoKeys.slice(0, MAX_ERRORS).map((path) => ({
        field: ['detail', ...path, '__proto__'].join('.'),
        message: '"__proto__" is a name JavaScript objects reserve; choose another name',
      })),
    };
  }
  try {
    const result = eventCatalogue[type].safeParse(detail, { error: producerMessages });
    if (result.success) {
      // TypeScript cannot correlate `type` with the schema it selected; the lookup guarantees it.
      return { ok: true, type, detail: result.data } as ParsedEvent;
    }
    return {
      ok: false,
      errors: result.error.issues.slice(0, MAX_ERRORS).map((issue) => ({
        field: ['detail', ...issue.path.map(String)].join('.'),
        message: issue.message,
      })),
    };
  } catch {
    // Only a bug in a refinement can get here; the producer still gets an answer.
    return { ok: false, errors: [{ field: 'detail', message: 'could not be validated' }] };
  }
}

interface Visit {
  readonly value: object;
  readonly key?: string;
  readonly parent?: Visit;
}

/** The paths of the objects in `value` that have an own `__proto__` key (iterative: any depth). */
function protoKeyPaths(value: unknown): string[][] {
  const found: string[][] = [];
  if (value === null || typeof value !== 'object') return found;
  const pending: Visit[] = [{ value }];
  for (let visit = pending.pop(); visit && found.length < MAX_ERRORS; visit = pending.pop()) {
    if (Object.hasOwn(visit.value, '__proto__')) found.push(pathOf(visit));
    for (const [key, child] of Object.entries(visit.value))
      if (child !== null && typeof child === 'object') pending.push({ value: child, key, parent: visit });
  }
  return found;
}

function pathOf(visit: Visit): string[] {
  const path: string[] = [];
  for (let at: Visit | undefined = visit; at?.key !== undefined; at = at.parent) path.unshift(at.key);
  return path;
}

/** The JSON Schema id of an event type's detail schema. */
export function eventSchemaId(type: EventType): string {
  return `urn:relance:events:${type}`;
}

/** JSON Schema (draft 2020-12) of what a producer may send as the detail of an event type. */
export function eventJsonSchema(type: EventType): z.core.JSONSchema.JSONSchema {
  // "input": the shape producers send (phone before normalization); transforms do not change keys.
  const { $schema, ...rest } = z.toJSONSchema(eventCatalogue[type], { target: 'draft-2020-12', io: 'input' });
  return { $schema, $id: eventSchemaId(type), title: type, ...rest };
}

/** What a detail field holds, as seen by journey filters and templates. */
export type FieldInfo = {
  kind: 'string' | 'number' | 'boolean' | 'object' | 'array' | 'enum' | 'unknown';
  /** True when a valid detail may lack the field (it or one of its parents is optional). */
  optional: boolean;
  /** The allowed values, for kind 'enum'. */
  values?: string[];
};

type JsonSchema = z.core.JSONSchema._JSONSchema;

function kindOf(node: z.core.JSONSchema.JSONSchema): Pick<FieldInfo, 'kind' | 'values'> {
  if (node.enum !== undefined) return { kind: 'enum', values: node.enum.map(String) };
  if (node.const !== undefined) return { kind: 'enum', values: [String(node.const)] };
  const kinds = new Set<string>();
  if (node.type === undefined) {
    // A union (string | number | boolean...): one kind only if every member agrees.
    for (const member of node.anyOf ?? []) kinds.add(kindOf(member).kind);
  } else {
    for (const t of Array.isArray(node.type) ? node.type : [node.type])
      kinds.add(t === 'integer' ? 'number' : t);
  }
  const [only] = kinds;
  if (kinds.size !== 1 || only === undefined) return { kind: 'unknown' };
  return only === 'string' || only === 'number' || only === 'boolean' || only === 'object' || only === 'array'
    ? { kind: only }
    : { kind: 'unknown' };
}

function collectPaths(
  node: JsonSchema | undefined,
  path: string,
  optional: boolean,
  out: Map<string, FieldInfo>,
) {
  if (node === undefined || typeof node === 'boolean') return;
  const { kind, values } = kindOf(node);
  if (path !== '') out.set(path, values === undefined ? { kind, optional } : { kind, optional, values });
  if (kind === 'object') {
    const required = new Set(node.required ?? []);
    for (const [key, child] of Object.entries(node.properties ?? {})) {
      collectPaths(child, path === '' ? key : `${path}.${key}`, optional || !required.has(key), out);
    }
    // A record (free-form keys): its values are listed once under `*`.
    if (typeof node.additionalProperties === 'object') {
      collectPaths(node.additionalProperties, `${path}.*`, true, out);
    }
  }
  if (kind === 'array' && !Array.isArray(node.items)) {
    collectPaths(node.items, `${path}[]`, optional, out);
  }
}

const fieldPathCache = new Map<EventType, ReadonlyMap<string, FieldInfo>>();

/**
 * Every dotted path reachable in an event type's detail, e.g. `cartId`, `items`, `items[]`,
 * `items[].sku`; array elements are written `[]`, record values (free-form keys) `.*`.
 */
export function eventFieldPaths(type: EventType): Map<string, FieldInfo> {
  let paths = fieldPathCache.get(type);
  if (paths === undefined) {
    const collected = new Map<string, FieldInfo>();
    collectPaths(eventJsonSchema(type), '', false, collected);
    paths = collected;
    fieldPathCache.set(type, paths);
  }
  // Callers get their own copy (of the entries too) so the cache cannot be altered.
  return new Map(
    [...paths].map(([path, info]) => [path, { ...info, ...(info.values && { values: [...info.values] }) }]),
  );
}
