// Real-time membership: after a profile change only the segments reading what changed are
// evaluated again, and the entries and exits are recorded under the event that caused them.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ContactEvaluation } from '../../../functions/segments/evaluate.ts';
import {
  affectedSegments,
  changedPaths,
  SEGMENT_CHANGE_MEMORY,
  withMembership,
} from '../../../functions/segments/realtime.ts';
import { segments } from '../../../workflows/segments/index.ts';
import { aggregatesOf, consent, contactWith, NOW, order } from './fixtures.ts';

describe('changedPaths', () => {
  it('names top-level fields and the entries of attributes, consent and suppression that differ', () => {
    // Prepare
    const before = contactWith({ country: 'FR', attributes: { plan: 'free', seats: 3 } });
    const after = contactWith({
      country: 'BE',
      attributes: { plan: 'pro', seats: 3 },
      consent: { email: { channel: consent('opted_in'), topics: {} } },
    });

    // Assess
    expect([...changedPaths(before, after)].sort()).toEqual(['attributes.plan', 'consent.email', 'country']);
  });
});

describe('affectedSegments', () => {
  it('picks the segments reading the event type, and those built on them', () => {
    // Act
    const affected = affectedSegments(segments, 'order.completed', new Set(['stats.orderCount']));

    // Assess: lapsed-90 is built on customers, both read orders
    expect([...affected]).toEqual(expect.arrayContaining(['customers', 'lapsed-90', 'vip']));
    expect(affected.has('email-marketable')).toBe(false);
  });

  it('picks the segments reading a changed field only', () => {
    // Act
    const affected = affectedSegments(segments, 'consent.changed', new Set(['consent.email']));

    // Assess
    expect([...affected]).toEqual(['email-marketable']);
  });
});

describe('withMembership', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('evaluates the segments the change concerns, and those they refer to, not the others', () => {
    // Prepare: an e-mail opt-out concerns email-marketable alone; a first order concerns customers
    // and the segments built on it (lapsed-90 refers to customers).
    const matches = vi.spyOn(ContactEvaluation.prototype, 'matches');
    const evaluated = () => matches.mock.calls.map(([segment]) => segment.id).sort();
    const marketable = contactWith({
      email: 'a@b.example',
      consent: { email: { channel: consent('opted_in'), topics: {} } },
      segments: ['email-marketable'],
    });
    const optedOut = { ...marketable, consent: { email: { channel: consent('opted_out'), topics: {} } } };

    // Act
    withMembership(segments, marketable, optedOut, { type: 'consent.changed', eventId: 'evt-5' }, NOW);
    const afterConsent = evaluated();
    matches.mockClear();
    withMembership(
      segments,
      contactWith(),
      contactWith({ aggregates: aggregatesOf(order(0, 80)) }),
      { type: 'order.completed', eventId: 'evt-6' },
      NOW,
    );

    // Assess
    expect(afterConsent).toEqual(['email-marketable']);
    const afterOrder = evaluated();
    expect(afterOrder).toEqual(
      [...affectedSegments(segments, 'order.completed', new Set(['aggregates', 'stats']))].sort(),
    );
    expect(afterOrder).not.toContain('email-marketable');
    expect(afterOrder).not.toContain('birthday-today');
  });

  it('records an entry under the event that caused it', () => {
    // Prepare: a first order
    const before = contactWith();
    const after = contactWith({ aggregates: aggregatesOf(order(0, 80)) });

    // Act
    const next = withMembership(segments, before, after, { type: 'order.completed', eventId: 'evt-1' }, NOW);

    // Assess
    expect(next.segments).toContain('customers');
    expect(next.segmentChanges).toEqual([{ eventId: 'evt-1', entered: ['customers'], exited: [] }]);
  });

  it('records an exit, and leaves segments the event does not concern as they were', () => {
    // Prepare: marketable, with a stale membership of lapsed-90 the event does not touch
    const before = contactWith({
      email: 'a@b.example',
      consent: { email: { channel: consent('opted_in'), topics: {} } },
      segments: ['email-marketable', 'lapsed-90'],
    });
    const after = { ...before, consent: { email: { channel: consent('opted_out'), topics: {} } } };

    // Act
    const next = withMembership(segments, before, after, { type: 'consent.changed', eventId: 'evt-2' }, NOW);

    // Assess
    expect(next.segments).toEqual(['lapsed-90']);
    expect(next.segmentChanges.at(-1)).toEqual({
      eventId: 'evt-2',
      entered: [],
      exited: ['email-marketable'],
    });
  });

  it('changes nothing when membership stays the same', () => {
    // Prepare
    const before = contactWith({ aggregates: aggregatesOf(order(3, 80)), segments: ['customers'] });
    const after = { ...before, aggregates: aggregatesOf(order(3, 80), order(0, 20)) };

    // Act
    const next = withMembership(segments, before, after, { type: 'order.completed', eventId: 'evt-3' }, NOW);

    // Assess
    expect(next).toBe(after);
  });

  it('keeps the changes of the last few events only', () => {
    // Prepare
    const old = Array.from({ length: SEGMENT_CHANGE_MEMORY }, (_, i) => ({
      eventId: `old-${i}`,
      entered: [],
      exited: ['x'],
    }));
    const before = contactWith({ segmentChanges: old });
    const after = { ...before, aggregates: aggregatesOf(order(0, 10)) };

    // Act
    const next = withMembership(segments, before, after, { type: 'order.completed', eventId: 'evt-4' }, NOW);

    // Assess
    expect(next.segmentChanges).toHaveLength(SEGMENT_CHANGE_MEMORY);
    expect(next.segmentChanges.at(-1)?.eventId).toBe('evt-4');
    expect(next.segmentChanges[0]?.eventId).toBe('old-1');
  });
});
