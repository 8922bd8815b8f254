import { describe, expect, it } from 'vitest';
import {
  contactlessEventTypes,
  eventCatalogue,
  eventTypes,
  hasContact,
  isEventType,
  parseEventDetail,
} from '#catalogue/catalogue.ts';
import { examples } from './examples.ts';
import { exampleWith, expectFieldError } from './helpers.ts';

describe('eventCatalogue', () => {
  it('lists the twenty-one event types', () => {
    expect(eventTypes).toEqual(Object.keys(eventCatalogue));
    expect(eventTypes).toHaveLength(21);
    expect(Object.keys(examples).sort()).toEqual([...eventTypes].sort());
  });

  it('recognizes event types and nothing inherited from Object', () => {
    expect(isEventType('cart.updated')).toBe(true);
    expect(isEventType('cart.deleted')).toBe(false);
    expect(isEventType('toString')).toBe(false);
    expect(isEventType(42)).toBe(false);
  });

  it('marks only the product-level events and the lead SLA signal as contactless', () => {
    expect([...contactlessEventTypes].sort()).toEqual([
      'lead.sla_breached',
      'product.price_changed',
      'product.stock_changed',
    ]);
    expect(hasContact('product.waitlisted')).toBe(true);
    expect(hasContact('product.stock_changed')).toBe(false);
  });
});

describe('parseEventDetail', () => {
  it.each(eventTypes)('accepts the %s example', (type) => {
    const result = parseEventDetail(type, examples[type]);
    expect(result.ok ? [] : result.errors).toEqual([]);
    expect(result).toMatchObject({ ok: true, type });
  });

  it('narrows the detail on the event type', () => {
    const result = parseEventDetail('cart.updated', examples['cart.updated']);
    if (!result.ok || result.type !== 'cart.updated') throw new Error('expected a cart.updated');
    expect(result.detail.items[0]?.sku).toBe('TSHIRT-BLUE-M');
  });

  it('normalizes the contact: email lower-cased and trimmed, phone in E.164', () => {
    const detail = exampleWith('contact.signed_up', {
      contact: { email: '  Ada@Example.COM ', phone: '+33 6 12 34 56 78' },
    });
    const result = parseEventDetail('contact.signed_up', detail);
    expect(result).toMatchObject({
      ok: true,
      detail: { contact: { email: 'ada@example.com', phone: '+33612345678' } },
    });
  });

  it('rounds money to 2 decimals, tolerating float noise from the producer', () => {
    const detail = exampleWith('checkout.started', { value: 0.1 + 0.2 });
    expect(parseEventDetail('checkout.started', detail)).toMatchObject({ ok: true, detail: { value: 0.3 } });
    const big = exampleWith('checkout.started', { value: 123456789.99 });
    expect(parseEventDetail('checkout.started', big)).toMatchObject({
      ok: true,
      detail: { value: 123456789.99 },
    });
  });

  it('accepts IANA zone names and aliases the runtime knows', () => {
    for (const timezone of ['UTC', 'America/New_York', 'Asia/Kolkata', 'Etc/GMT+5']) {
      const detail = exampleWith('contact.updated', { timezone });
      expect(parseEventDetail('contact.updated', detail)).toMatchObject({ ok: true, detail: { timezone } });
    }
  });

  it('canonicalizes the locale casing', () => {
    const result = parseEventDetail(
      'contact.signed_up',
      exampleWith('contact.signed_up', { locale: 'fr-fr' }),
    );
    expect(result).toMatchObject({ ok: true, detail: { locale: 'fr-FR' } });
  });

  it('strips unknown keys instead of rejecting them', () => {
    const detail = exampleWith('checkout.started', {
      coupon: 'SPRING',
      contact: { contactId: 'c-1', crm: 'x' },
    });
    const result = parseEventDetail('checkout.started', detail);
    if (!result.ok || result.type !== 'checkout.started') throw new Error(JSON.stringify(result));
    expect(result.detail).not.toHaveProperty('coupon');
    expect(result.detail.contact).toEqual({ contactId: 'c-1' });
  });

  it('does not need a contact on product-level events and drops one if sent', () => {
    for (const type of contactlessEventTypes) {
      const result = parseEventDetail(type, exampleWith(type, { contact: { email: 'a@b.co' } }));
      expect(result).toMatchObject({ ok: true });
      expect(result.ok && 'contact' in result.detail).toBe(false);
    }
  });

  it('requires a contact on every other event', () => {
    for (const type of eventTypes.filter(hasContact)) {
      expectFieldError(type, exampleWith(type, { contact: undefined }), 'detail.contact', /required/);
    }
  });

  it('reports an unknown detail-type', () => {
    expect(parseEventDetail('cart.deleted', {})).toEqual({
      ok: false,
      errors: [{ field: 'detail-type', message: 'unknown event type "cart.deleted"' }],
    });
  });

  it('reports every problem at once with dotted paths', () => {
    const errors = expectFieldError(
      'cart.updated',
      exampleWith('cart.updated', { eventId: undefined, items: [{ sku: 'A', name: 'A', qty: 0, price: 1 }] }),
      'detail.items.0.qty',
    );
    expect(errors.map((error) => error.field)).toContain('detail.eventId');
  });

  it('never throws, whatever the input', () => {
    const inputs: unknown[] = [undefined, null, 'text', 42, [], [1], { contact: null }, { items: 'x' }];
    for (const type of [...eventTypes, 'nope', '']) {
      for (const input of inputs) expect(() => parseEventDetail(type, input)).not.toThrow();
    }
    expectFieldError('cart.updated', 'text', 'detail', /expected object/);
  });

  it('caps the number of errors returned', () => {
    const items = Array.from({ length: 150 }, () => ({ sku: '', name: '', qty: -1, price: -1 }));
    const result = parseEventDetail('cart.updated', exampleWith('cart.updated', { items }));
    expect(result.ok ? [] : result.errors).toHaveLength(50);
  });
});
