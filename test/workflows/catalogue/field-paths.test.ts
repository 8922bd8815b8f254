import { describe, expect, it } from 'vitest';
import { contactlessEventTypes, eventFieldPaths, eventTypes } from '#catalogue/catalogue.ts';

describe('eventFieldPaths', () => {
  it('lists cart.updated fields with [] for array elements', () => {
    const paths = eventFieldPaths('cart.updated');
    expect(paths.get('cartId')).toEqual({ kind: 'string', optional: false });
    expect(paths.get('items')).toEqual({ kind: 'array', optional: false });
    expect(paths.get('items[]')).toEqual({ kind: 'object', optional: false });
    expect(paths.get('items[].sku')).toEqual({ kind: 'string', optional: false });
    expect(paths.get('items[].qty')).toEqual({ kind: 'number', optional: false });
    expect(paths.get('items[].imageUrl')).toEqual({ kind: 'string', optional: true });
    expect(paths.get('contact.email')).toEqual({ kind: 'string', optional: true });
    expect(paths.has('nope')).toBe(false);
    expect(paths.has('items.sku')).toBe(false);
  });

  it('lists enum values', () => {
    const paths = eventFieldPaths('consent.changed');
    expect(paths.get('channel')).toEqual({
      kind: 'enum',
      optional: false,
      values: ['email', 'sms', 'voice'],
    });
    expect(paths.get('proof.kind')?.values).toContain('double_opt_in');
    expect(paths.get('proof.reference')).toEqual({ kind: 'string', optional: true });
  });

  it('marks children of optional objects optional and lists record values as .*', () => {
    const lead = eventFieldPaths('lead.submitted');
    expect(lead.get('utm')).toEqual({ kind: 'object', optional: true });
    expect(lead.get('utm.source')).toEqual({ kind: 'string', optional: true });
    const signup = eventFieldPaths('contact.signed_up');
    expect(signup.get('attributes')).toEqual({ kind: 'object', optional: true });
    expect(signup.get('attributes.*')).toEqual({ kind: 'unknown', optional: true });
    expect(eventFieldPaths('contact.updated').get('tags.add[]')).toEqual({ kind: 'string', optional: true });
  });

  it('has the common fields everywhere and a contact only where expected', () => {
    for (const type of eventTypes) {
      const paths = eventFieldPaths(type);
      for (const field of ['eventId', 'occurredAt', 'source']) expect(paths.get(field)?.optional).toBe(false);
      const contactless = (contactlessEventTypes as readonly string[]).includes(type);
      expect(paths.has('contact')).toBe(!contactless);
    }
  });

  it('returns a copy that callers cannot use to alter the catalogue', () => {
    const first = eventFieldPaths('consent.changed');
    first.delete('channel');
    first.get('status')?.values?.push('hacked');
    const second = eventFieldPaths('consent.changed');
    expect(second.has('channel')).toBe(true);
    expect(second.get('status')?.values).not.toContain('hacked');
  });
});
