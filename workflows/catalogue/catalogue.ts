// The event catalogue: detail-type → zod schema, plus introspection built on it (JSON Schema, field
// paths) for tooling and synth. At run time, functions parse events through parse-event.ts, which
// builds one type's schema when an event of that type first arrives, instead of all of them here.
import * as z from '#catalogue/zod.ts';
import { AppointmentBooked } from './appointment-booked.ts';
import { AudienceMember } from './audience-member.ts';
import { CartUpdated } from './cart-updated.ts';
import { CheckoutStarted } from './checkout-started.ts';
import { ConsentChanged } from './consent-changed.ts';
import { ContactMerged } from './contact-merged.ts';
import { ContactSignedUp } from './contact-signed-up.ts';
import { ContactUpdated } from './contact-updated.ts';
import { DemoRequested } from './demo-requested.ts';
import type { EventType } from './event-types.ts';
import { LeadAssigned } from './lead-assigned.ts';
import { LeadContacted } from './lead-contacted.ts';
import { LeadSlaBreached } from './lead-sla-breached.ts';
import { LeadSubmitted } from './lead-submitted.ts';
import { OrderCompleted } from './order-completed.ts';
import { PageViewed } from './page-viewed.ts';
import { parseWithSchema } from './parse-event.ts';
import { ProductPriceChanged } from './product-price-changed.ts';
import { ProductStockChanged } from './product-stock-changed.ts';
import { ProductWaitlisted } from './product-waitlisted.ts';
import { SegmentEntered, SegmentExited } from './segment-changed.ts';
import { WebinarAttended } from './webinar-attended.ts';

export {
  contactlessEventTypes,
  type EventType,
  eventTypes,
  hasContact,
  isEventType,
} from './event-types.ts';
export type { EventFieldError, ParsedEvent, ParseEventResult } from './parse-event.ts';

/** Every event type relance accepts, keyed by EventBridge detail-type: each type of event-types.ts, no other. */
export const eventCatalogue = {
  'contact.signed_up': ContactSignedUp,
  'contact.updated': ContactUpdated,
  'consent.changed': ConsentChanged,
  'contact.merged': ContactMerged,
  'cart.updated': CartUpdated,
  'checkout.started': CheckoutStarted,
  'order.completed': OrderCompleted,
  'product.stock_changed': ProductStockChanged,
  'product.price_changed': ProductPriceChanged,
  'product.waitlisted': ProductWaitlisted,
  'page.viewed': PageViewed,
  'demo.requested': DemoRequested,
  'webinar.attended': WebinarAttended,
  'lead.submitted': LeadSubmitted,
  'lead.assigned': LeadAssigned,
  'lead.contacted': LeadContacted,
  'lead.sla_breached': LeadSlaBreached,
  'appointment.booked': AppointmentBooked,
  'segment.entered': SegmentEntered,
  'segment.exited': SegmentExited,
  'audience.member': AudienceMember,
} as const satisfies Record<EventType, z.ZodMiniType>;

/** The parsed detail of an event type (after normalization: lower-cased email, E.164 phone). */
export type EventDetail<T extends EventType> = z.infer<(typeof eventCatalogue)[T]>;

/** Validates and normalizes an event detail for a detail-type, every schema at hand; never throws. */
export function parseEventDetail(type: string, detail: unknown) {
  return parseWithSchema(type, detail, (known) => eventCatalogue[known]);
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
