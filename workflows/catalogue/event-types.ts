/**
 * The event types relance accepts (EventBridge detail-types), apart from their schemas: what code
 * that routes, lists or checks event types needs. Importing it builds no zod schema: a function's
 * cold start pays for every schema its code builds at load, and the catalogue's are built only
 * where they are read (catalogue.ts for tooling, parse-event.ts one type at a time at run time).
 */

/** Sent when someone creates an account or subscribes. */
export const CONTACT_SIGNED_UP = 'contact.signed_up';
/** Sent when a contact's profile or tags change. */
export const CONTACT_UPDATED = 'contact.updated';
/** Sent when a contact opts in or out of a channel. */
export const CONSENT_CHANGED = 'consent.changed';
/** Merges two contacts into one. */
export const CONTACT_MERGED = 'contact.merged';
/** Sent whenever a cart's content changes. */
export const CART_UPDATED = 'cart.updated';
/** Sent when a contact starts checking out a cart. */
export const CHECKOUT_STARTED = 'checkout.started';
/** Sent when an order is paid (it feeds the profile's order counters and totals). */
export const ORDER_COMPLETED = 'order.completed';
/** Sent when a SKU's stock level changes. */
export const PRODUCT_STOCK_CHANGED = 'product.stock_changed';
/** Sent when a SKU's price changes. */
export const PRODUCT_PRICE_CHANGED = 'product.price_changed';
/** Sent when a contact asks to be told when a SKU is back in stock. */
export const PRODUCT_WAITLISTED = 'product.waitlisted';
/** Sent when a known contact views a page of the site. */
export const PAGE_VIEWED = 'page.viewed';
/** Sent when a contact asks for a product demo. */
export const DEMO_REQUESTED = 'demo.requested';
/** Sent when a contact attended a webinar. */
export const WEBINAR_ATTENDED = 'webinar.attended';
/** Sent when a lead form is submitted. */
export const LEAD_SUBMITTED = 'lead.submitted';
/** Published by relance when a lead gets an owner (first time, pass or SLA). */
export const LEAD_ASSIGNED = 'lead.assigned';
/** Published by relance when the owner of a lead responds to it. */
export const LEAD_CONTACTED = 'lead.contacted';
/** Emitted by the lead SLA journey when the owner has not responded in time. */
export const LEAD_SLA_BREACHED = 'lead.sla_breached';
/** Sent when a meeting with a sales rep is booked. */
export const APPOINTMENT_BOOKED = 'appointment.booked';
/** Published by relance when a contact enters or leaves a segment. */
export const SEGMENT_ENTERED = 'segment.entered';
export const SEGMENT_EXITED = 'segment.exited';
/** The trigger a scheduled journey's run starts from. */
export const AUDIENCE_MEMBER = 'audience.member';

/** All event types, in catalogue order. */
export const eventTypes = Object.freeze([
  CONTACT_SIGNED_UP,
  CONTACT_UPDATED,
  CONSENT_CHANGED,
  CONTACT_MERGED,
  CART_UPDATED,
  CHECKOUT_STARTED,
  ORDER_COMPLETED,
  PRODUCT_STOCK_CHANGED,
  PRODUCT_PRICE_CHANGED,
  PRODUCT_WAITLISTED,
  PAGE_VIEWED,
  DEMO_REQUESTED,
  WEBINAR_ATTENDED,
  LEAD_SUBMITTED,
  LEAD_ASSIGNED,
  LEAD_CONTACTED,
  LEAD_SLA_BREACHED,
  APPOINTMENT_BOOKED,
  SEGMENT_ENTERED,
  SEGMENT_EXITED,
  AUDIENCE_MEMBER,
] as const);

/** An event type (EventBridge detail-type), e.g. 'cart.updated'. */
export type EventType = (typeof eventTypes)[number];

const known: ReadonlySet<string> = new Set(eventTypes);

/** True when `value` names an event type of the catalogue. */
export function isEventType(value: unknown): value is EventType {
  return typeof value === 'string' && known.has(value);
}

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
