/**
 * Parsing an event's detail against its type's schema, with the messages producers read. At run
 * time (`parseEvent`) each type's schema module is imported when the first event of that type
 * arrives: in a bundle each is a chunk of its own, so a function's cold start builds none of the
 * catalogue's schemas, and a warm one only those of the types it has seen. catalogue.ts parses with
 * every schema at hand (tooling, synth, tests), through the same `parseWithSchema`.
 */
import type * as z from '#catalogue/zod.ts';
import type { EventDetail, eventCatalogue } from './catalogue.ts';
import { type EventType, isEventType } from './event-types.ts';

/** A validation problem: `field` is a dotted path such as `detail.items.0.qty`, or `detail-type`. */
export type EventFieldError = { field: string; message: string };

/** A successfully parsed event; narrowing on `type` narrows `detail`. */
export type ParsedEvent = { [T in EventType]: { ok: true; type: T; detail: EventDetail<T> } }[EventType];

/** Outcome of parsing an event's detail. */
export type ParseEventResult = ParsedEvent | { ok: false; errors: EventFieldError[] };

type EventSchema<T extends EventType> = (typeof eventCatalogue)[T];

/** Each type's schema module, imported on demand (the same modules catalogue.ts imports at once). */
const schemaLoaders: { readonly [T in EventType]: () => Promise<EventSchema<T>> } = {
  'contact.signed_up': async () => (await import('./contact-signed-up.ts')).ContactSignedUp,
  'contact.updated': async () => (await import('./contact-updated.ts')).ContactUpdated,
  'consent.changed': async () => (await import('./consent-changed.ts')).ConsentChanged,
  'contact.merged': async () => (await import('./contact-merged.ts')).ContactMerged,
  'cart.updated': async () => (await import('./cart-updated.ts')).CartUpdated,
  'checkout.started': async () => (await import('./checkout-started.ts')).CheckoutStarted,
  'order.completed': async () => (await import('./order-completed.ts')).OrderCompleted,
  'product.stock_changed': async () => (await import('./product-stock-changed.ts')).ProductStockChanged,
  'product.price_changed': async () => (await import('./product-price-changed.ts')).ProductPriceChanged,
  'product.waitlisted': async () => (await import('./product-waitlisted.ts')).ProductWaitlisted,
  'page.viewed': async () => (await import('./page-viewed.ts')).PageViewed,
  'demo.requested': async () => (await import('./demo-requested.ts')).DemoRequested,
  'webinar.attended': async () => (await import('./webinar-attended.ts')).WebinarAttended,
  'lead.submitted': async () => (await import('./lead-submitted.ts')).LeadSubmitted,
  'lead.assigned': async () => (await import('./lead-assigned.ts')).LeadAssigned,
  'lead.contacted': async () => (await import('./lead-contacted.ts')).LeadContacted,
  'lead.sla_breached': async () => (await import('./lead-sla-breached.ts')).LeadSlaBreached,
  'appointment.booked': async () => (await import('./appointment-booked.ts')).AppointmentBooked,
  'segment.entered': async () => (await import('./segment-changed.ts')).SegmentEntered,
  'segment.exited': async () => (await import('./segment-changed.ts')).SegmentExited,
  'audience.member': async () => (await import('./audience-member.ts')).AudienceMember,
};

const loaded = new Map<EventType, Promise<z.ZodMiniType>>();

/** The schema of an event type, its module imported on the first call for the type. */
export function eventSchema<T extends EventType>(type: T): Promise<EventSchema<T>> {
  let schema = loaded.get(type);
  if (schema === undefined) {
    schema = schemaLoaders[type]();
    // A failed import (a chunk missing from a broken deployment) is tried again by the next event.
    schema.catch(() => loaded.delete(type));
    loaded.set(type, schema);
  }
  return schema as Promise<EventSchema<T>>;
}

/** Validates and normalizes an event detail for a detail-type; never throws for bad input. */
export async function parseEvent(type: string, detail: unknown): Promise<ParseEventResult> {
  if (!isEventType(type)) return unknownType(type);
  const schema = await eventSchema(type);
  return parseWithSchema(type, detail, () => schema);
}

// A huge invalid payload must not produce a huge error response.
const MAX_ERRORS = 50;

function unknownType(type: string): ParseEventResult {
  return {
    ok: false,
    errors: [{ field: 'detail-type', message: `unknown event type "${String(type).slice(0, 128)}"` }],
  };
}

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

/** Validates and normalizes an event detail with the schema `schemaOf` gives for its type; never throws. */
export function parseWithSchema(
  type: string,
  detail: unknown,
  schemaOf: (type: EventType) => z.ZodMiniType,
): ParseEventResult {
  if (!isEventType(type)) return unknownType(type);
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
    const result = schemaOf(type).safeParse(detail, { error: producerMessages });
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
