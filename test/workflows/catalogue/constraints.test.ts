import { describe, it } from 'vitest';
import type { EventType } from '#catalogue/catalogue.ts';
import { exampleWith, expectFieldError } from './helpers.ts';

type Case = [name: string, type: EventType, changes: Record<string, unknown>, field: string, message: RegExp];

const long = (length: number) => 'x'.repeat(length);
const lineItem = { sku: 'A', name: 'A', qty: 1, price: 1 };

const cases: Case[] = [
  // Common fields
  ['missing eventId', 'cart.updated', { eventId: undefined }, 'detail.eventId', /required/],
  ['oversize eventId', 'cart.updated', { eventId: long(129) }, 'detail.eventId', /at most 128 characters/],
  ['empty source', 'cart.updated', { source: '' }, 'detail.source', /not be empty/],
  ['oversize source', 'cart.updated', { source: long(129) }, 'detail.source', /at most 128/],
  [
    'occurredAt without offset',
    'cart.updated',
    { occurredAt: '2024-05-01T12:00:00' },
    'detail.occurredAt',
    /offset/,
  ],
  ['occurredAt not a date', 'cart.updated', { occurredAt: 'yesterday' }, 'detail.occurredAt', /ISO-8601/],
  // Contact
  [
    'contact without identity',
    'cart.updated',
    { contact: {} },
    'detail.contact',
    /at least one of contactId, externalId, email or phone/,
  ],
  [
    'contact with only unknown keys',
    'cart.updated',
    { contact: { crm: 'x' } },
    'detail.contact',
    /at least one/,
  ],
  ['bad email', 'cart.updated', { contact: { email: 'ada@' } }, 'detail.contact.email', /not a valid email/],
  [
    'oversize email',
    'cart.updated',
    { contact: { email: `${long(250)}@example.com` } },
    'detail.contact.email',
    /at most 254/,
  ],
  [
    'invalid phone',
    'cart.updated',
    { contact: { phone: '+1 555 000 0000' } },
    'detail.contact.phone',
    /not a valid phone number/,
  ],
  [
    'phone that is not a number',
    'cart.updated',
    { contact: { phone: 'call me' } },
    'detail.contact.phone',
    /not a valid phone/,
  ],
  [
    'oversize phone',
    'cart.updated',
    { contact: { phone: `+1${'2'.repeat(40)}` } },
    'detail.contact.phone',
    /at most 32/,
  ],
  [
    'empty contactId',
    'cart.updated',
    { contact: { contactId: '' } },
    'detail.contact.contactId',
    /not be empty/,
  ],
  // Money and line items
  ['negative qty', 'cart.updated', { items: [{ ...lineItem, qty: -1 }] }, 'detail.items.0.qty', /at least 1/],
  ['zero qty', 'cart.updated', { items: [{ ...lineItem, qty: 0 }] }, 'detail.items.0.qty', /at least 1/],
  [
    'non-integer qty',
    'cart.updated',
    { items: [lineItem, { ...lineItem, qty: 1.5 }] },
    'detail.items.1.qty',
    /whole number/,
  ],
  [
    'qty as a string',
    'cart.updated',
    { items: [{ ...lineItem, qty: '2' }] },
    'detail.items.0.qty',
    /whole number/,
  ],
  [
    'negative price',
    'cart.updated',
    { items: [{ ...lineItem, price: -0.01 }] },
    'detail.items.0.price',
    /at least 0/,
  ],
  [
    'price with 3 decimals',
    'cart.updated',
    { items: [{ ...lineItem, price: 1.005 }] },
    'detail.items.0.price',
    /2 decimals/,
  ],
  [
    'item without sku',
    'cart.updated',
    { items: [{ ...lineItem, sku: undefined }] },
    'detail.items.0.sku',
    /required/,
  ],
  [
    'oversize item name',
    'cart.updated',
    { items: [{ ...lineItem, name: long(257) }] },
    'detail.items.0.name',
    /at most 256/,
  ],
  [
    'javascript: image URL',
    'cart.updated',
    { items: [{ ...lineItem, imageUrl: 'javascript:alert(1)' }] },
    'detail.items.0.imageUrl',
    /http\(s\) URL/,
  ],
  ['relative cart URL', 'cart.updated', { cartUrl: '/cart/1' }, 'detail.cartUrl', /http\(s\) URL/],
  [
    'oversize URL',
    'cart.updated',
    { cartUrl: `https://example.com/${long(2048)}` },
    'detail.cartUrl',
    /at most 2048/,
  ],
  [
    'too many items',
    'cart.updated',
    { items: Array.from({ length: 201 }, () => lineItem) },
    'detail.items',
    /at most 200 items/,
  ],
  ['negative value', 'cart.updated', { value: -1 }, 'detail.value', /at least 0/],
  ['lower-case currency', 'cart.updated', { currency: 'eur' }, 'detail.currency', /ISO-4217/],
  ['currency of 4 letters', 'checkout.started', { currency: 'EURO' }, 'detail.currency', /ISO-4217/],
  ['missing currency', 'order.completed', { currency: undefined }, 'detail.currency', /required/],
  ['order without items', 'order.completed', { items: [] }, 'detail.items', /at least 1 item/],
  ['negative total', 'order.completed', { total: -5 }, 'detail.total', /at least 0/],
  // Profile
  ['bad timezone', 'contact.signed_up', { timezone: 'Mars/Olympus' }, 'detail.timezone', /IANA time zone/],
  ['offset as timezone', 'contact.updated', { timezone: '+02:00' }, 'detail.timezone', /IANA time zone/],
  ['bad locale', 'contact.signed_up', { locale: 'english please' }, 'detail.locale', /BCP-47/],
  ['lower-case country', 'contact.signed_up', { country: 'fr' }, 'detail.country', /ISO-3166/],
  ['impossible birthday', 'contact.signed_up', { birthday: '1990-02-30' }, 'detail.birthday', /YYYY-MM-DD/],
  [
    'birthday with time',
    'contact.signed_up',
    { birthday: '1990-02-03T00:00:00Z' },
    'detail.birthday',
    /YYYY-MM-DD/,
  ],
  ['oversize firstName', 'contact.signed_up', { firstName: long(257) }, 'detail.firstName', /at most 256/],
  [
    'attribute with an object value',
    'contact.signed_up',
    { attributes: { plan: { a: 1 } } },
    'detail.attributes.plan',
    /.+/,
  ],
  [
    'attribute name with a dot',
    'contact.signed_up',
    { attributes: { 'a.b': 1 } },
    'detail.attributes.a.b',
    /.+/,
  ],
  [
    'oversize attribute value',
    'contact.signed_up',
    { attributes: { plan: long(1001) } },
    'detail.attributes.plan',
    /.+/,
  ],
  [
    'too many attributes',
    'contact.signed_up',
    { attributes: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`a${i}`, i])) },
    'detail.attributes',
    /at most 50 attributes/,
  ],
  [
    'tag added and removed',
    'contact.updated',
    { tags: { add: ['vip'], remove: ['x', 'vip'] } },
    'detail.tags.remove.1',
    /also in tags.add/,
  ],
  ['empty tag', 'contact.updated', { tags: { add: ['  '] } }, 'detail.tags.add.0', /not be empty/],
  ['oversize tag', 'contact.updated', { tags: { add: [long(65)] } }, 'detail.tags.add.0', /at most 64/],
  // Consent
  ['unknown channel', 'consent.changed', { channel: 'push' }, 'detail.channel', /email|sms/],
  ['unknown status', 'consent.changed', { status: 'maybe' }, 'detail.status', /opted_in/],
  ['consent without proof', 'consent.changed', { proof: undefined }, 'detail.proof', /required/],
  ['unknown proof kind', 'consent.changed', { proof: { kind: 'rumour' } }, 'detail.proof.kind', /form/],
  // Products
  ['negative stock', 'product.stock_changed', { newQuantity: -1 }, 'detail.newQuantity', /at least 0/],
  [
    'fractional stock',
    'product.stock_changed',
    { previousQuantity: 2.5 },
    'detail.previousQuantity',
    /whole number/,
  ],
  ['missing sku', 'product.waitlisted', { sku: undefined }, 'detail.sku', /required/],
  ['negative new price', 'product.price_changed', { newPrice: -1 }, 'detail.newPrice', /at least 0/],
  // Leads
  ['oversize lead message', 'lead.submitted', { message: long(2001) }, 'detail.message', /at most 2000/],
  ['fractional company size', 'lead.submitted', { companySize: 2.5 }, 'detail.companySize', /whole number/],
  ['negative budget', 'lead.submitted', { budget: -1 }, 'detail.budget', /at least 0/],
  ['bad lead language', 'lead.submitted', { language: 'x' }, 'detail.language', /BCP-47/],
  [
    'oversize utm campaign',
    'lead.submitted',
    { utm: { campaign: long(257) } },
    'detail.utm.campaign',
    /at most 256/,
  ],
];

describe('constraints', () => {
  it.each(cases)('rejects %s', (_name, type, changes, field, message) => {
    expectFieldError(type, exampleWith(type, changes), field, message);
  });
});
