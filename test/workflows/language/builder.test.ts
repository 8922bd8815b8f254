// The builder flattens nested sequences into a step graph: these tests read the graph it produces.
import { describe, expect, it } from 'vitest';
import {
  branch,
  broadcast,
  byContact,
  byField,
  defineJourney,
  exit,
  type Sequence,
  send,
  split,
  update,
  wait,
  waitFor,
} from '#language/builder.ts';
import type { JourneyDefinition, Step } from '#language/types.ts';

/** A contact journey on sign-up with the given steps. */
function journeyOf(steps: Sequence): JourneyDefinition {
  return defineJourney({
    id: 'builder-test',
    description: 'builder test',
    trigger: { event: 'contact.signed_up' },
    entry: { reentry: false },
    steps,
  });
}

const mail = (id: string) => send(id, { channel: 'email', template: 'welcome' });

/** The step stored under `key`, failing the test when there is none. */
function stepAt(journey: JourneyDefinition, key: string): Step {
  const step = journey.steps[key];
  if (!step) throw new Error(`no step "${key}" in ${Object.keys(journey.steps).join(', ')}`);
  return step;
}

/** The `next` of a step that has one (send, wait, update, broadcast). */
function nextOf(journey: JourneyDefinition, key: string): string | undefined {
  const step = stepAt(journey, key);
  if (step.type === 'branch' || step.type === 'split' || step.type === 'waitFor') {
    throw new Error(`step "${key}" is a ${step.type}`);
  }
  return step.next;
}

describe('defineJourney: a flat sequence', () => {
  it('starts at the first step and chains each step to the one after it', () => {
    // Prepare
    const steps = [mail('a'), wait('b', { duration: { hours: 1 } }), mail('c')];

    // Act
    const journey = journeyOf(steps);

    // Assess
    expect(journey.start).toBe('a');
    expect(nextOf(journey, 'a')).toBe('b');
    expect(nextOf(journey, 'b')).toBe('c');
    expect(nextOf(journey, 'c')).toBeUndefined();
    expect(Object.keys(journey.steps).sort()).toEqual(['a', 'b', 'c']);
  });

  it('leaves out the next key entirely on the last step instead of setting it to undefined', () => {
    // Act
    const journey = journeyOf([mail('only')]);

    // Assess
    expect(Object.hasOwn(stepAt(journey, 'only'), 'next')).toBe(false);
  });

  it('gives an empty start when the journey has no steps, for the validator to report', () => {
    // Act
    const journey = journeyOf([]);

    // Assess
    expect(journey.start).toBe('');
    expect(journey.steps).toEqual({});
  });

  it('fills in the send defaults: to the contact, marketing, no topic', () => {
    // Act
    const journey = journeyOf([mail('a')]);

    // Assess
    expect(stepAt(journey, 'a')).toEqual({
      type: 'send',
      id: 'a',
      channel: 'email',
      template: 'welcome',
      to: 'contact',
      category: 'marketing',
    });
  });

  it('keeps the trigger filter, entry rules and goal as given', () => {
    // Act
    const journey = defineJourney({
      id: 'cart',
      description: 'cart',
      trigger: { event: 'cart.updated', filter: { currency: ['EUR'] } },
      entry: { reentry: true, dedupeKey: 'cartId' },
      goal: { event: 'order.completed', correlate: byField('cartId') },
      steps: [mail('a')],
    });

    // Assess
    expect(journey.trigger).toEqual({ event: 'cart.updated', filter: { currency: ['EUR'] } });
    expect(journey.entry).toEqual({ reentry: true, dedupeKey: 'cartId' });
    expect(journey.goal).toEqual({
      event: 'order.completed',
      correlate: { by: 'field', triggerField: 'cartId', eventField: 'cartId' },
    });
  });

  it('omits the filter and the goal when none is given', () => {
    // Act
    const journey = journeyOf([mail('a')]);

    // Assess
    expect(journey.trigger).toEqual({ event: 'contact.signed_up' });
    expect(Object.hasOwn(journey, 'goal')).toBe(false);
  });
});

describe('defineJourney: exit()', () => {
  it('ends the run where it stands: the step before exit has no next and the rest is left unlinked', () => {
    // Act
    const journey = journeyOf([mail('a'), exit(), mail('b')]);

    // Assess
    expect(journey.start).toBe('a');
    expect(nextOf(journey, 'a')).toBeUndefined();
    // The step after exit still exists (the validator reports it as unreachable).
    expect(stepAt(journey, 'b').id).toBe('b');
  });

  it('as the only element of a path ends the run on that path instead of continuing after the step', () => {
    // Act
    const journey = journeyOf([
      waitFor('await-order', {
        event: 'order.completed',
        correlate: byContact(),
        timeout: { hours: 1 },
        onEvent: [exit()],
      }),
      mail('reminder'),
    ]);

    // Assess
    const step = stepAt(journey, 'await-order');
    expect(step).not.toHaveProperty('onEvent');
    expect(step).toHaveProperty('onTimeout', 'reminder');
  });

  it('at the end of a branch case ends that case only; the other paths continue after the branch', () => {
    // Act
    const journey = journeyOf([
      branch('vip', {
        cases: [{ when: { field: 'contact.tags.vip', op: 'isTrue' }, steps: [mail('vip-mail'), exit()] }],
        otherwise: [mail('regular-mail')],
      }),
      mail('after'),
    ]);

    // Assess
    expect(nextOf(journey, 'vip-mail')).toBeUndefined();
    expect(nextOf(journey, 'regular-mail')).toBe('after');
  });
});

describe('defineJourney: continuation after a branch', () => {
  it('links the last step of every case and of otherwise to the step after the branch', () => {
    // Act
    const journey = journeyOf([
      branch('b', {
        cases: [
          { when: { field: 'contact.phone', op: 'exists' }, steps: [mail('c1'), mail('c1-bis')] },
          { when: { field: 'contact.email', op: 'exists' }, steps: [mail('c2')] },
        ],
        otherwise: [mail('o')],
      }),
      mail('after'),
    ]);

    // Assess
    const step = stepAt(journey, 'b');
    expect(step).toMatchObject({
      type: 'branch',
      cases: [{ next: 'c1' }, { next: 'c2' }],
      otherwise: 'o',
    });
    expect(nextOf(journey, 'c1')).toBe('c1-bis');
    expect(nextOf(journey, 'c1-bis')).toBe('after');
    expect(nextOf(journey, 'c2')).toBe('after');
    expect(nextOf(journey, 'o')).toBe('after');
  });

  it('sends an empty case straight to the step after the branch', () => {
    // Act
    const journey = journeyOf([
      branch('b', {
        cases: [{ when: { field: 'contact.stats.orderCount', op: 'gt', value: 0 }, steps: [] }],
        otherwise: [mail('tips')],
      }),
      mail('after'),
    ]);

    // Assess
    expect(stepAt(journey, 'b')).toMatchObject({ cases: [{ next: 'after' }], otherwise: 'tips' });
    expect(nextOf(journey, 'tips')).toBe('after');
  });

  it('sends a missing otherwise to the step after the branch', () => {
    // Act
    const journey = journeyOf([
      branch('b', { cases: [{ when: { field: 'contact.phone', op: 'exists' }, steps: [mail('sms')] }] }),
      mail('after'),
    ]);

    // Assess
    expect(stepAt(journey, 'b')).toHaveProperty('otherwise', 'after');
  });

  it('leaves out next and otherwise when the branch is the last step and a path is empty', () => {
    // Act
    const journey = journeyOf([
      branch('b', { cases: [{ when: { field: 'contact.phone', op: 'exists' }, steps: [] }] }),
    ]);

    // Assess
    const step = stepAt(journey, 'b');
    expect(step).not.toHaveProperty('otherwise');
    expect(step.type === 'branch' ? step.cases[0] : undefined).toEqual({
      when: { field: 'contact.phone', op: 'exists' },
    });
  });

  it('continues a nested branch with the step after the inner branch, then the step after the outer one', () => {
    // Act
    const journey = journeyOf([
      branch('outer', {
        cases: [
          {
            when: { field: 'contact.phone', op: 'exists' },
            steps: [
              branch('inner', {
                cases: [{ when: { field: 'contact.tags.vip', op: 'isTrue' }, steps: [mail('vip')] }],
              }),
              mail('inner-after'),
            ],
          },
        ],
      }),
      mail('outer-after'),
    ]);

    // Assess
    expect(stepAt(journey, 'outer')).toMatchObject({ cases: [{ next: 'inner' }], otherwise: 'outer-after' });
    expect(stepAt(journey, 'inner')).toMatchObject({ cases: [{ next: 'vip' }], otherwise: 'inner-after' });
    expect(nextOf(journey, 'vip')).toBe('inner-after');
    expect(nextOf(journey, 'inner-after')).toBe('outer-after');
    expect(nextOf(journey, 'outer-after')).toBeUndefined();
  });
});

describe('defineJourney: continuation after a waitFor and a split', () => {
  it('continues both waitFor paths, and an absent path, with the step after the waitFor', () => {
    // Act
    const journey = journeyOf([
      waitFor('w', {
        event: 'order.completed',
        correlate: byContact(),
        timeout: { days: 1 },
        onEvent: [mail('thanks')],
      }),
      mail('after'),
    ]);

    // Assess
    expect(stepAt(journey, 'w')).toMatchObject({ onEvent: 'thanks', onTimeout: 'after' });
    expect(nextOf(journey, 'thanks')).toBe('after');
  });

  it('keeps the event, correlation and timeout of a waitFor', () => {
    // Act
    const journey = journeyOf([
      waitFor('w', { event: 'order.completed', correlate: byField('cartId'), timeout: { hours: 23 } }),
    ]);

    // Assess
    expect(stepAt(journey, 'w')).toEqual({
      type: 'waitFor',
      id: 'w',
      event: 'order.completed',
      correlate: { by: 'field', triggerField: 'cartId', eventField: 'cartId' },
      timeout: { hours: 23 },
    });
  });

  it('links each split variant to its first step, an empty variant to the step after, an exiting one to nothing', () => {
    // Act
    const journey = journeyOf([
      split('ab', [
        { label: 'A', percent: 40, steps: [mail('mail-a')] },
        { label: 'B', percent: 40, steps: [] },
        { label: 'holdout', percent: 20, steps: [exit()] },
      ]),
      mail('after'),
    ]);

    // Assess
    expect(stepAt(journey, 'ab')).toEqual({
      type: 'split',
      id: 'ab',
      variants: [
        { label: 'A', percent: 40, next: 'mail-a' },
        { label: 'B', percent: 40, next: 'after' },
        { label: 'holdout', percent: 20 },
      ],
    });
    expect(nextOf(journey, 'mail-a')).toBe('after');
  });

  it('builds update and broadcast steps with their defaults and links them like any step', () => {
    // Act
    const journey = journeyOf([
      update('tag', { addTags: ['welcomed'] }),
      broadcast('notify', {
        audience: { kind: 'waitlist', skuField: 'sku', limitToStock: true },
        channel: 'email',
        template: 'back-in-stock',
      }),
    ]);

    // Assess
    expect(stepAt(journey, 'tag')).toEqual({
      type: 'update',
      id: 'tag',
      addTags: ['welcomed'],
      next: 'notify',
    });
    expect(stepAt(journey, 'notify')).toMatchObject({ category: 'marketing', batchSize: 25 });
  });
});

describe('defineJourney: duplicate step ids', () => {
  it('keeps both steps, one under "<id>#dup", so the validator can report the duplicate', () => {
    // Act
    const journey = journeyOf([mail('same'), mail('same')]);

    // Assess
    expect(Object.keys(journey.steps).sort()).toEqual(['same', 'same#dup']);
    expect(stepAt(journey, 'same#dup').id).toBe('same');
  });

  it('surfaces a duplicate across nesting levels (a case step reusing a top-level id)', () => {
    // Act
    const journey = journeyOf([
      branch('b', { cases: [{ when: { field: 'contact.phone', op: 'exists' }, steps: [mail('x')] }] }),
      mail('x'),
    ]);

    // Assess
    expect(Object.keys(journey.steps).sort()).toEqual(['b', 'x', 'x#dup']);
  });
});
