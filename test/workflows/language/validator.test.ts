// The validator returns every violation with the path where it is: one journey per rule, broken on purpose.
import { describe, expect, it } from 'vitest';
import type { EventType } from '#catalogue/catalogue.ts';
import {
  branch,
  broadcast,
  byContact,
  byField,
  defineJourney,
  emit,
  exit,
  type Sequence,
  send,
  split,
  update,
  wait,
  waitFor,
} from '#language/builder.ts';
import { durationSeconds } from '#language/duration.ts';
import { successors } from '#language/step-links.ts';
import type { EmailTemplate, MessageTemplate } from '#language/template.ts';
import type { Condition, JourneyDefinition, Step } from '#language/types.ts';
import { type ValidationContext, validateJourney } from '#language/validator.ts';
import { contactAttributes, journeys, journeyViolations, templates } from '../../../workflows/index.ts';
import { abandonedCart } from '../../../workflows/journeys/abandoned-cart.ts';
import { backInStock } from '../../../workflows/journeys/back-in-stock.ts';
import { priceDrop } from '../../../workflows/journeys/price-drop.ts';
import { welcome } from '../../../workflows/journeys/welcome.ts';

/** A journey triggered by sign-up with these steps (a valid frame around the part under test). */
function signupJourney(steps: Sequence): JourneyDefinition {
  return defineJourney({
    id: 'test-journey',
    description: 'a journey under test',
    trigger: { event: 'contact.signed_up' },
    entry: { reentry: false },
    steps,
  });
}

/** A journey triggered by a cart update with these steps. */
function cartJourney(steps: Sequence): JourneyDefinition {
  return defineJourney({
    id: 'test-cart',
    description: 'a cart journey under test',
    trigger: { event: 'cart.updated' },
    entry: { reentry: true, dedupeKey: 'cartId' },
    steps,
  });
}

/** The journey with one step replaced (or added) under its own id. */
function withStep(journey: JourneyDefinition, step: Step): JourneyDefinition {
  return { ...journey, steps: { ...journey.steps, [step.id]: step } };
}

/** The reference templates plus the given ones. */
function templatesWith(...extra: MessageTemplate[]): ReadonlyMap<string, MessageTemplate> {
  return new Map([...templates, ...extra.map((t): [string, MessageTemplate] => [t.id, t])]);
}

function validate(
  journey: JourneyDefinition,
  context: Partial<ValidationContext> = {},
): ReturnType<typeof validateJourney> {
  return validateJourney(journey, { templates, attributes: contactAttributes, ...context });
}

/** The only violation expected, at exactly this path, with a message matching. */
function only(journey: JourneyDefinition, path: string, message: RegExp) {
  return [{ journey: journey.id, path, message: expect.stringMatching(message) }];
}

const mail = (id: string, template = 'welcome') => send(id, { channel: 'email', template });

/** A one-case branch on a condition, as the only step. */
const branchOn = (when: Condition) => [branch('check', { cases: [{ when, steps: [] }] })];

/** An e-mail template whose subject is `subject` (body parts are plain text). */
function emailTemplate(id: string, subject: string): EmailTemplate {
  return { id, channel: 'email', content: { subject, html: '<p>Hello</p>', text: 'Hello' } };
}

describe('validateJourney: the reference journeys', () => {
  it.each(journeys.map((j) => [j.id, j] as const))('finds no violation in the %s journey', (_id, journey) => {
    // Act
    const violations = validate(journey);

    // Assess
    expect(violations).toEqual([]);
  });

  it('journeyViolations() reports nothing for what deploys', () => {
    // Act
    const violations = journeyViolations();

    // Assess
    expect(violations).toEqual([]);
  });

  it('deploys every reference journey, with distinct ids', () => {
    // Assess
    expect(journeys.map((j) => j.id).sort()).toEqual([
      'abandoned-cart',
      'account-revenue-drop',
      'appointment',
      'back-in-stock',
      'birthday',
      'double-opt-in',
      'lead-confirmation',
      'lead-sla',
      'price-drop',
      'vip-welcome',
      'welcome',
      'win-back',
      'wishlist-nudge',
    ]);
    expect(new Set(journeys.map((j) => j.id)).size).toBe(journeys.length);
  });
});

describe('validateJourney: journey id', () => {
  it.each([
    ['upper case', 'Welcome'],
    ['a leading digit', '1-welcome'],
    ['an underscore', 'wel_come'],
    ['41 characters', `a${'b'.repeat(40)}`],
    ['an empty id', ''],
  ])('rejects an id with %s at path "id"', (_case, id) => {
    // Prepare
    const journey = { ...welcome, id };

    // Act
    const violations = validate(journey);

    // Assess
    expect(violations).toEqual(only(journey, 'id', /lower-case letters/));
  });

  it('accepts an id of exactly 40 characters', () => {
    // Act
    const violations = validate({ ...welcome, id: `a${'b'.repeat(39)}` });

    // Assess
    expect(violations).toEqual([]);
  });
});

describe('validateJourney: trigger, entry and goal', () => {
  it('rejects an unknown trigger event at "trigger.event"', () => {
    // Prepare
    const journey: JourneyDefinition = {
      ...welcome,
      // @ts-expect-error an unknown event type is what the validator must catch
      trigger: { event: 'contact.nope' },
    };

    // Act
    const violations = validate(journey);

    // Assess
    expect(violations).toEqual(only(journey, 'trigger.event', /unknown event type "contact\.nope"/));
  });

  it('rejects an unknown top-level filter field at "trigger.filter.nope"', () => {
    // Prepare
    const journey = { ...welcome, trigger: { event: 'contact.signed_up', filter: { nope: ['x'] } } } as const;

    // Act
    const violations = validate(journey);

    // Assess
    expect(violations).toEqual(only(journey, 'trigger.filter.nope', /"nope" is not a field/));
  });

  it('rejects an unknown nested filter field with its dotted path', () => {
    // Prepare
    const journey = {
      ...abandonedCart,
      trigger: { event: 'cart.updated', filter: { items: { colour: ['blue'] } } },
    } as const;

    // Act
    const violations = validate(journey);

    // Assess
    expect(violations).toEqual(only(journey, 'trigger.filter.items.colour', /"items\.colour"/));
  });

  it('checks the filters inside $or', () => {
    // Prepare
    const journey = {
      ...abandonedCart,
      trigger: { event: 'cart.updated', filter: { $or: [{ currency: ['EUR'] }, { nope: ['x'] }] } },
    } as const;

    // Act
    const violations = validate(journey);

    // Assess
    expect(violations).toEqual(only(journey, 'trigger.filter.$or.nope', /"nope" is not a field/));
  });

  it('accepts filters on nested fields of arrays and objects, as EventBridge flattens them', () => {
    // Prepare
    const journey = {
      ...abandonedCart,
      trigger: {
        event: 'cart.updated',
        filter: { items: { sku: [{ prefix: 'TSHIRT' }] }, contact: { email: [{ exists: true }] } },
      },
    } as const;

    // Act
    const violations = validate(journey);

    // Assess
    expect(violations).toEqual([]);
  });

  it('accepts a filter on a named free-form attribute of the trigger (attributes.plan)', () => {
    // Prepare
    const journey = {
      ...welcome,
      trigger: { event: 'contact.signed_up', filter: { attributes: { plan: ['pro'] } } },
    } as const;

    // Act
    const violations = validate(journey);

    // Assess
    expect(violations).toEqual([]);
  });

  it('rejects a dedupe key that is not a field of the trigger at "entry.dedupeKey"', () => {
    // Prepare
    const journey = { ...abandonedCart, entry: { reentry: true, dedupeKey: 'basketId' } };

    // Act
    const violations = validate(journey);

    // Assess
    expect(violations).toEqual(
      only(journey, 'entry.dedupeKey', /"basketId" is not a field of cart\.updated/),
    );
  });

  it('rejects goal correlation fields missing from the trigger and from the goal event', () => {
    // Prepare
    const journey = {
      ...abandonedCart,
      goal: { event: 'order.completed', correlate: byField('basketId', 'basketRef') },
    } as const;

    // Act
    const violations = validate(journey);

    // Assess
    expect(violations).toEqual([
      {
        journey: 'abandoned-cart',
        path: 'goal.correlate.triggerField',
        message: expect.stringContaining('"basketId"'),
      },
      {
        journey: 'abandoned-cart',
        path: 'goal.correlate.eventField',
        message: expect.stringContaining('"basketRef" is not a field of order.completed'),
      },
    ]);
  });

  it('rejects an unknown goal event at "goal.event"', () => {
    // Prepare
    const journey: JourneyDefinition = {
      ...abandonedCart,
      // @ts-expect-error an unknown event type is what the validator must catch
      goal: { event: 'order.nope', correlate: { by: 'contact' } },
    };

    // Act
    const violations = validate(journey);

    // Assess
    expect(violations).toEqual(only(journey, 'goal.event', /unknown event type "order\.nope"/));
  });

  it('accepts a goal correlated by contact', () => {
    // Act
    const violations = validate({ ...welcome, goal: { event: 'order.completed', correlate: byContact() } });

    // Assess
    expect(violations).toEqual([]);
  });
});

describe('validateJourney: the step graph', () => {
  it('rejects a journey without steps at "steps" and its empty start at "start"', () => {
    // Prepare
    const journey = signupJourney([]);

    // Act
    const violations = validate(journey);

    // Assess
    expect(violations.map((v) => v.path)).toEqual(['steps', 'start']);
  });

  it('rejects more than 100 steps', () => {
    // Prepare
    const steps = Array.from({ length: 101 }, (_, i) => mail(`mail-${i}`));
    const journey = signupJourney(steps);

    // Act
    const violations = validate(journey);

    // Assess
    expect(violations).toEqual(only(journey, 'steps', /at most 100 steps/));
  });

  it('rejects a start that names no step at "start"', () => {
    // Prepare
    const journey = { ...signupJourney([mail('a')]), start: 'ghost' };

    // Act
    const violations = validate(journey);

    // Assess
    expect(violations).toContainEqual({ journey: 'test-journey', path: 'start', message: 'no step "ghost"' });
  });

  it('rejects a step pointing to an unknown target at the step path', () => {
    // Prepare
    const base = signupJourney([mail('a')]);
    const journey = withStep(base, {
      type: 'send',
      id: 'a',
      channel: 'email',
      template: 'welcome',
      to: 'contact',
      category: 'marketing',
      next: 'ghost',
    });

    // Act
    const violations = validate(journey);

    // Assess
    expect(violations).toEqual(only(journey, 'steps.a', /does not exist: "ghost"/));
  });

  it('checks every target of a branch, a split and a waitFor', () => {
    // Prepare
    const base = signupJourney([mail('a')]);
    const journey = {
      ...base,
      start: 'b',
      steps: {
        ...base.steps,
        b: {
          type: 'branch',
          id: 'b',
          cases: [{ when: { field: 'contact.phone', op: 'exists' }, next: 'ghost-case' }],
          otherwise: 's',
        },
        s: { type: 'split', id: 's', variants: [{ label: 'all', percent: 100, next: 'ghost-variant' }] },
      },
    } satisfies JourneyDefinition;

    // Act
    const violations = validate(journey);

    // Assess
    expect(violations).toContainEqual({
      journey: 'test-journey',
      path: 'steps.b',
      message: 'points to a step that does not exist: "ghost-case"',
    });
    expect(violations).toContainEqual({
      journey: 'test-journey',
      path: 'steps.s',
      message: 'points to a step that does not exist: "ghost-variant"',
    });
  });

  it('reports a step no path reaches as unreachable at its path', () => {
    // Prepare
    const journey = signupJourney([mail('a'), exit(), mail('orphan')]);

    // Act
    const violations = validate(journey);

    // Assess
    expect(violations).toEqual(only(journey, 'steps.orphan', /unreachable from the start step/));
  });

  it('reports a cycle at the step the run loops back to', () => {
    // Prepare
    const base = signupJourney([mail('a'), mail('b')]);
    const journey = withStep(base, {
      type: 'send',
      id: 'b',
      channel: 'email',
      template: 'welcome',
      to: 'contact',
      category: 'marketing',
      next: 'a',
    });

    // Act
    const violations = validate(journey);

    // Assess
    expect(violations).toEqual(only(journey, 'steps.a', /part of a cycle/));
  });

  it('does not mistake two paths joining on the same step for a cycle', () => {
    // Prepare: both branch paths continue with "after".
    const journey = signupJourney([
      branch('b', {
        cases: [{ when: { field: 'contact.phone', op: 'exists' }, steps: [mail('one')] }],
        otherwise: [mail('two')],
      }),
      mail('after'),
    ]);

    // Act
    const violations = validate(journey);

    // Assess
    expect(violations).toEqual([]);
  });

  it('reports a step id used twice at the step path', () => {
    // Prepare
    const journey = signupJourney([mail('same'), wait('pause', { duration: { hours: 1 } }), mail('same')]);

    // Act
    const violations = validate(journey);

    // Assess
    expect(violations).toContainEqual({
      journey: 'test-journey',
      path: 'steps.same',
      message: 'step id "same" is used more than once',
    });
  });

  it('rejects a step id that is not lower-case letters, digits and dashes at "steps.<id>.id"', () => {
    // Prepare
    const journey = signupJourney([mail('Bad_Step')]);

    // Act
    const violations = validate(journey);

    // Assess
    expect(violations).toEqual(only(journey, 'steps.Bad_Step.id', /lower-case letters/));
  });

  it('lists the successors of each kind of step', () => {
    // Prepare
    const journey = signupJourney([
      waitFor('w', {
        event: 'order.completed',
        correlate: byContact(),
        timeout: { hours: 1 },
        onEvent: [mail('thanks'), exit()],
      }),
      split('s', [
        { label: 'a', percent: 50, steps: [] },
        { label: 'holdout', percent: 50, steps: [exit()] },
      ]),
      mail('last'),
    ]);

    // Act
    const next = Object.fromEntries(Object.values(journey.steps).map((s) => [s.id, successors(s)]));

    // Assess
    expect(next).toEqual({ w: ['thanks', 's'], thanks: [], s: ['last'], last: [] });
  });
});

describe('validateJourney: waits', () => {
  it('rejects a wait over 365 days at its duration path', () => {
    // Prepare
    const journey = signupJourney([wait('long', { duration: { days: 366 } })]);

    // Act
    const violations = validate(journey);

    // Assess
    expect(violations).toEqual(only(journey, 'steps.long.duration', /longer than a year/));
  });

  it('accepts a wait of exactly 365 days and rejects one second more', () => {
    // Prepare
    const year = signupJourney([wait('long', { duration: { days: 365 } })]);
    const longer = signupJourney([wait('long', { duration: { days: 365, seconds: 1 } })]);

    // Act
    const violations = [validate(year), validate(longer)];

    // Assess
    expect(violations[0]).toEqual([]);
    expect(violations[1]).toEqual(only(longer, 'steps.long.duration', /longer than a year/));
  });

  it.each([
    ['zero days', { days: 0 }],
    ['no parts at all', {}],
  ])('rejects a zero wait (%s) at its duration path', (_case, duration) => {
    // Prepare
    const journey = signupJourney([wait('nothing', { duration })]);

    // Act
    const violations = validate(journey);

    // Assess
    expect(violations).toEqual(only(journey, 'steps.nothing.duration', /longer than zero/));
  });

  it('rejects a negative part even when the total is positive', () => {
    // Prepare
    const journey = signupJourney([wait('odd', { duration: { days: 1, hours: -1 } })]);

    // Act
    const violations = validate(journey);

    // Assess
    expect(violations).toEqual(only(journey, 'steps.odd.duration', /non-negative/));
  });

  it('rejects a zero waitFor timeout at its timeout path', () => {
    // Prepare
    const journey = signupJourney([
      waitFor('w', { event: 'order.completed', correlate: byContact(), timeout: { minutes: 0 } }),
    ]);

    // Act
    const violations = validate(journey);

    // Assess
    expect(violations).toEqual(only(journey, 'steps.w.timeout', /longer than zero/));
  });

  it('rejects a wait with both a duration and a local time at the step path', () => {
    // Prepare
    const journey = withStep(signupJourney([mail('a')]), {
      type: 'wait',
      id: 'a',
      duration: { hours: 1 },
      untilLocalTime: '09:00',
    });

    // Act
    const violations = validate(journey);

    // Assess
    expect(violations).toEqual(only(journey, 'steps.a', /exactly one of duration, untilLocalTime or until/));
  });

  it('rejects a wait with neither a duration nor a local time at the step path', () => {
    // Prepare
    const journey = withStep(signupJourney([mail('a')]), { type: 'wait', id: 'a' });

    // Act
    const violations = validate(journey);

    // Assess
    expect(violations).toEqual(only(journey, 'steps.a', /exactly one/));
  });

  it.each(['24:00', '9:00', '12:60', '0900', '09:00:00', 'noon'])(
    'rejects the local time "%s" at "steps.<id>.untilLocalTime"',
    (time) => {
      // Prepare
      const journey = signupJourney([wait('morning', { untilLocalTime: time })]);

      // Act
      const violations = validate(journey);

      // Assess
      expect(violations).toEqual(only(journey, 'steps.morning.untilLocalTime', /HH:MM/));
    },
  );

  it.each(['00:00', '09:30', '23:59'])('accepts the local time "%s"', (time) => {
    // Act
    const violations = validate(signupJourney([wait('morning', { untilLocalTime: time })]));

    // Assess
    expect(violations).toEqual([]);
  });

  it('accepts a wait until a moment of the trigger, less an offset', () => {
    // Act
    const violations = validate(
      signupJourney([
        wait('before', { until: { field: 'trigger.occurredAt', before: { days: 1 }, ifPast: 'end' } }),
      ]),
    );

    // Assess
    expect(violations).toEqual([]);
  });

  it('rejects a wait until a field the trigger does not have at "steps.<id>.until.field"', () => {
    // Prepare
    const journey = signupJourney([
      wait('before', { until: { field: 'trigger.startsAt', ifPast: 'continue' } }),
    ]);

    // Act
    const violations = validate(journey);

    // Assess
    expect(violations).toEqual(only(journey, 'steps.before.until.field', /not a field of the trigger/));
  });

  it('counts every part of a duration in seconds', () => {
    // Assess
    expect(durationSeconds({ days: 1, hours: 2, minutes: 3, seconds: 4 })).toBe(86_400 + 7200 + 180 + 4);
    expect(durationSeconds({})).toBe(0);
  });
});

describe('validateJourney: splits', () => {
  it('rejects percentages that do not add up to 100 at "steps.<id>.variants"', () => {
    // Prepare
    const journey = signupJourney([
      split('ab', [
        { label: 'A', percent: 60, steps: [] },
        { label: 'B', percent: 30, steps: [] },
      ]),
    ]);

    // Act
    const violations = validate(journey);

    // Assess
    expect(violations).toEqual(only(journey, 'steps.ab.variants', /add up to 90, not 100/));
  });

  it('rejects a negative percentage even when the total is 100', () => {
    // Prepare
    const journey = signupJourney([
      split('ab', [
        { label: 'A', percent: 110, steps: [] },
        { label: 'B', percent: -10, steps: [] },
      ]),
    ]);

    // Act
    const violations = validate(journey);

    // Assess
    expect(violations).toEqual(only(journey, 'steps.ab.variants', /between 0 and 100/));
  });
});

describe('validateJourney: branch field references', () => {
  it.each([
    ['contact.nope', /"contact\.nope" is not a contact field/],
    ['contact', /"contact" is not a contact field/],
    ['trigger.nope', /"trigger\.nope" is not a field of the trigger event/],
    ['event.orderId', /"event\.orderId" needs a waitFor step before it/],
    ['order.total', /must start with contact\., trigger\. or event\./],
  ])('rejects the reference %s at "steps.<id>.cases.<n>"', (field, message) => {
    // Prepare
    const journey = signupJourney(branchOn({ field, op: 'exists' }));

    // Act
    const violations = validate(journey);

    // Assess
    expect(violations).toEqual(only(journey, 'steps.check.cases.0', message));
  });

  it('rejects an event field that no awaited event has', () => {
    // Prepare
    const journey = signupJourney([
      waitFor('await-order', { event: 'order.completed', correlate: byContact(), timeout: { days: 1 } }),
      ...branchOn({ field: 'event.cartValue', op: 'exists' }),
    ]);

    // Act
    const violations = validate(journey);

    // Assess
    expect(violations).toEqual(
      only(journey, 'steps.check.cases.0', /not a field of any event this journey waits for/),
    );
  });

  it('accepts event fields after a waitFor, open contact maps and indexed trigger array fields', () => {
    // Prepare
    const journey = cartJourney([
      waitFor('await-order', {
        event: 'order.completed',
        correlate: byField('cartId'),
        timeout: { days: 1 },
      }),
      ...branchOn({
        all: [
          { field: 'event.total', op: 'gt', value: 100 },
          { field: 'contact.attributes.plan', op: 'equals', value: 'pro' },
          { field: 'contact.tags.vip', op: 'isTrue' },
          { field: 'contact.stats.orderCount', op: 'gte', value: 1 },
          { field: 'trigger.items.0.price', op: 'lt', than: 'trigger.value' },
        ],
      }),
    ]);

    // Act
    const violations = validate(journey);

    // Assess
    expect(violations).toEqual([]);
  });

  it('finds a bad reference nested in not/any and in the "than" side of a comparison, at the case path', () => {
    // Prepare
    const journey = cartJourney([
      branch('check', {
        cases: [
          { when: { field: 'contact.phone', op: 'exists' }, steps: [] },
          {
            when: {
              not: {
                any: [
                  { field: 'trigger.nope', op: 'exists' },
                  { field: 'trigger.value', op: 'lt', than: 'trigger.oops' },
                ],
              },
            },
            steps: [],
          },
        ],
      }),
    ]);

    // Act
    const violations = validate(journey);

    // Assess
    expect(violations.map((v) => [v.path, v.message])).toEqual([
      ['steps.check.cases.1', '"trigger.nope" is not a field of the trigger event'],
      ['steps.check.cases.1', '"trigger.oops" is not a field of the trigger event'],
    ]);
  });

  it('rejects an empty all/any and a branch without cases', () => {
    // Prepare
    const emptyAll = signupJourney(branchOn({ all: [] }));
    const noCases = withStep(signupJourney([mail('a')]), { type: 'branch', id: 'a', cases: [] });

    // Act
    const violations = [validate(emptyAll), validate(noCases)];

    // Assess
    expect(violations[0]).toEqual(only(emptyAll, 'steps.check.cases.0', /at least one condition/));
    expect(violations[1]).toEqual(only(noCases, 'steps.a.cases', /at least one case/));
  });

  it('rejects an event field read by a branch that runs before the only waitFor', () => {
    // Prepare
    const journey = signupJourney([
      ...branchOn({ field: 'event.orderId', op: 'exists' }),
      waitFor('await-order', { event: 'order.completed', correlate: byContact(), timeout: { days: 1 } }),
    ]);

    // Act
    const violations = validate(journey);

    // Assess
    expect(violations).toEqual(only(journey, 'steps.check.cases.0', /needs a waitFor step before it/));
  });

  it('accepts a branch on a named free-form attribute of the trigger (trigger.attributes.plan)', () => {
    // Prepare
    const journey = signupJourney(branchOn({ field: 'trigger.attributes.plan', op: 'equals', value: 'pro' }));

    // Act
    const violations = validate(journey);

    // Assess
    expect(violations).toEqual([]);
  });
});

describe('validateJourney: templates', () => {
  it('rejects an unknown template at "steps.<id>.template"', () => {
    // Prepare
    const journey = signupJourney([mail('a', 'no-such-template')]);

    // Act
    const violations = validate(journey);

    // Assess
    expect(violations).toEqual(only(journey, 'steps.a.template', /unknown template "no-such-template"/));
  });

  it('rejects an e-mail template on an SMS step at "steps.<id>.template"', () => {
    // Prepare
    const journey = signupJourney([send('a', { channel: 'sms', template: 'welcome' })]);

    // Act
    const violations = validate(journey);

    // Assess
    expect(violations).toEqual(only(journey, 'steps.a.template', /is for email, the step sends sms/));
  });

  it.each([
    ['{{ trigger.nope }}', /"trigger\.nope" is not a field of the trigger event/],
    ['{{ owner.email }}', /"owner\.email" is only provided when the message goes to the owner/],
    ['{{ coupon.code }}', /variable "coupon\.code" is not provided \(roots: /],
    ['{{ brand.slogan }}', /variable "brand\.slogan" is not provided/],
    ['{{ links.home }}', /variable "links\.home" is not provided/],
    ['{{ journey.name }}', /variable "journey\.name" is not provided/],
    ['{{ contact.nope }}', /"contact\.nope" is not a contact field/],
  ])(
    'rejects %s in a contact send at "steps.<id>.template(<template>).default.subject"',
    (subject, message) => {
      // Prepare
      const template = emailTemplate('custom', subject);
      const journey = signupJourney([mail('a', 'custom')]);

      // Act
      const violations = validate(journey, { templates: templatesWith(template) });

      // Assess
      expect(violations).toEqual(only(journey, 'steps.a.template(custom).default.subject', message));
    },
  );

  it('provides owner, brand, links and journey variables and loop-local names to an owner send', () => {
    // Prepare
    const template = emailTemplate(
      'owner-alert',
      '{{ owner.firstName }}: {{ contact.email }} via {{ brand.name }} {{ links.unsubscribe }} {{ journey.id }}',
    );
    const journey = cartJourney([
      send('alert', { channel: 'email', template: 'owner-alert', to: 'owner', category: 'transactional' }),
    ]);
    const withLoop: MessageTemplate = {
      id: 'loop',
      channel: 'email',
      content: {
        subject: 'Cart',
        html: '{% for line in trigger.items %}{{ line.name }} {{ line.price }}{% endfor %}',
        text: '{{ trigger.items[0].name }}',
      },
    };
    const loopJourney = cartJourney([mail('items', 'loop')]);

    // Act
    const violations = [
      validate(journey, { templates: templatesWith(template) }),
      validate(loopJourney, { templates: templatesWith(withLoop) }),
    ];

    // Assess
    expect(violations).toEqual([[], []]);
  });

  it('checks the locale variants too, naming the locale in the path', () => {
    // Prepare
    const template: MessageTemplate = {
      ...emailTemplate('localised', 'Hello'),
      locales: { fr: { subject: 'Bonjour {{ trigger.prenom }}', html: '<p>Bonjour</p>', text: 'Bonjour' } },
    };
    const journey = signupJourney([mail('a', 'localised')]);

    // Act
    const violations = validate(journey, { templates: templatesWith(template) });

    // Assess
    expect(violations).toEqual(only(journey, 'steps.a.template(localised).fr.subject', /"trigger\.prenom"/));
  });

  it('reports a template that does not parse (unknown filter) at its part', () => {
    // Prepare
    const template = emailTemplate('broken', '{{ contact.firstName | shout }}');
    const journey = signupJourney([mail('a', 'broken')]);

    // Act
    const violations = validate(journey, { templates: templatesWith(template) });

    // Assess
    expect(violations).toEqual(only(journey, 'steps.a.template(broken).default.subject', /does not parse/));
  });

  it('rejects an SMS whose static text takes more parts than maxParts (GSM-7)', () => {
    // Prepare
    const template: MessageTemplate = {
      id: 'long-sms',
      channel: 'sms',
      maxParts: 1,
      content: { text: 'a'.repeat(161) },
    };
    const journey = signupJourney([send('text', { channel: 'sms', template: 'long-sms' })]);

    // Act
    const violations = validate(journey, { templates: templatesWith(template) });

    // Assess
    expect(violations).toEqual(
      only(journey, 'steps.text.template(long-sms).default.text', /takes 2 GSM-7 SMS parts, more than .* 1/),
    );
  });

  it('counts each variable as 12 characters when estimating SMS parts', () => {
    // Prepare: 148 + 12 = 160 fits one part; 149 + 12 = 161 does not.
    const fits: MessageTemplate = {
      id: 'fits',
      channel: 'sms',
      maxParts: 1,
      content: { text: `${'a'.repeat(148)}{{ brand.name }}` },
    };
    const over: MessageTemplate = {
      ...fits,
      id: 'over',
      content: { text: `${'a'.repeat(149)}{{ brand.name }}` },
    };
    const fitsJourney = signupJourney([send('text', { channel: 'sms', template: 'fits' })]);
    const overJourney = signupJourney([send('text', { channel: 'sms', template: 'over' })]);

    // Act
    const violations = [
      validate(fitsJourney, { templates: templatesWith(fits) }),
      validate(overJourney, { templates: templatesWith(over) }),
    ];

    // Assess
    expect(violations[0]).toEqual([]);
    expect(violations[1]).toEqual(only(overJourney, 'steps.text.template(over).default.text', /2 GSM-7/));
  });

  it('rejects an SMS that an emoji pushes to UCS-2 beyond maxParts', () => {
    // Prepare: the welcome offer fits one GSM-7 part; one emoji makes it UCS-2 (70 code units a part).
    const offer = templates.get('welcome-sms-offer');
    if (offer?.channel !== 'sms') throw new Error('the welcome SMS template is missing');
    const festive: MessageTemplate = {
      ...offer,
      id: 'festive',
      content: { text: `${offer.content.text} 🎉` },
    };
    const journey = signupJourney([send('text', { channel: 'sms', template: 'festive' })]);

    // Act
    const violations = validate(journey, { templates: templatesWith(festive) });

    // Assess
    expect(violations).toEqual(
      only(journey, 'steps.text.template(festive).default.text', /takes 2 UCS-2 SMS parts/),
    );
  });
});

describe('validateJourney: broadcasts and updates', () => {
  it('rejects a broadcast audience SKU field that the trigger lacks at "steps.<id>.audience.skuField"', () => {
    // Prepare
    const journey = {
      ...backInStock,
      steps: {
        'notify-waitlist': {
          ...broadcastStep(backInStock),
          audience: { kind: 'waitlist', skuField: 'productCode', limitToStock: true },
        },
      },
    } satisfies JourneyDefinition;

    // Act
    const violations = validate(journey);

    // Assess
    expect(violations).toEqual(
      only(journey, 'steps.notify-waitlist.audience.skuField', /"productCode" is not a field/),
    );
  });

  it.each([0, 101, 2.5])('rejects a batch size of %s at "steps.<id>.batchSize"', (batchSize) => {
    // Prepare
    const journey = {
      ...priceDrop,
      steps: { ...priceDrop.steps, 'notify-interested': { ...broadcastStep(priceDrop), batchSize } },
    } satisfies JourneyDefinition;

    // Act
    const violations = validate(journey);

    // Assess
    expect(violations).toEqual(only(journey, 'steps.notify-interested.batchSize', /1 to 100/));
  });

  it('checks the broadcast template like a contact send (owner variables are not provided)', () => {
    // Prepare
    const template = emailTemplate('rep-news', '{{ owner.firstName }} says: back in stock');
    const journey = defineJourney({
      id: 'restock',
      description: 'restock',
      trigger: { event: 'product.stock_changed' },
      entry: { reentry: true },
      steps: [
        broadcast('notify', {
          audience: { kind: 'waitlist', skuField: 'sku', limitToStock: true },
          channel: 'email',
          template: 'rep-news',
        }),
      ],
    });

    // Act
    const violations = validate(journey, { templates: templatesWith(template) });

    // Assess
    expect(violations).toEqual(only(journey, 'steps.notify.template(rep-news).default.subject', /owner/));
  });

  it('rejects a tag that is not [a-z0-9_-] at "steps.<id>.tags"', () => {
    // Prepare
    const journey = signupJourney([update('tag', { addTags: ['ok_tag'], removeTags: ['Not OK'] })]);

    // Act
    const violations = validate(journey);

    // Assess
    expect(violations).toEqual(only(journey, 'steps.tag.tags', /tag "Not OK"/));
  });
});

/** The broadcast step of a reference journey. */
function broadcastStep(journey: JourneyDefinition) {
  const step = Object.values(journey.steps).find((s) => s.type === 'broadcast');
  if (step?.type !== 'broadcast') throw new Error(`${journey.id} has no broadcast step`);
  return step;
}

describe('validateJourney: emit', () => {
  it('accepts literals and fields of the run that the event has', () => {
    // Act
    const violations = validate(
      signupJourney([
        emit('tell', {
          event: 'lead.sla_breached',
          detail: { leadId: { from: 'trigger.eventId' }, assignmentId: 'a-1', stage: 'remind' },
        }),
      ]),
    );

    // Assess
    expect(violations).toEqual([]);
  });

  it('rejects an unknown event type at "steps.<id>.event"', () => {
    // Prepare
    const journey = signupJourney([emit('tell', { event: 'lead.lost' as EventType, detail: {} })]);

    // Act
    const violations = validate(journey);

    // Assess
    expect(violations).toEqual(only(journey, 'steps.tell.event', /unknown event type "lead.lost"/));
  });

  it('rejects a detail field the event does not have, one the step fills itself, and a bad reference', () => {
    // Prepare
    const journey = signupJourney([
      emit('tell', {
        event: 'lead.sla_breached',
        detail: { stage: 'remind', priority: 1, eventId: 'x', leadId: { from: 'trigger.leadId' } },
      }),
    ]);

    // Act
    const violations = validate(journey);

    // Assess
    expect(violations).toEqual([
      {
        journey: journey.id,
        path: 'steps.tell.detail.priority',
        message: expect.stringMatching(/not a field of lead.sla_breached/),
      },
      {
        journey: journey.id,
        path: 'steps.tell.detail.eventId',
        message: expect.stringMatching(/set by the emit step/),
      },
      {
        journey: journey.id,
        path: 'steps.tell.detail.leadId',
        message: expect.stringMatching(/not a field of the trigger/),
      },
    ]);
  });
});

describe('validateJourney: declared contact attributes', () => {
  const declared = /attribute "plann" is not declared \(declared: plan, accountTier, industry\)/;

  it('rejects a branch on an undeclared attribute (a typo: contact.attributes.plann)', () => {
    // Prepare
    const journey = signupJourney(
      branchOn({ field: 'contact.attributes.plann', op: 'equals', value: 'pro' }),
    );

    // Act
    const violations = validate(journey);

    // Assess
    expect(violations).toEqual(only(journey, 'steps.check.cases.0', declared));
  });

  it('rejects a trigger filter and a trigger reference on an undeclared attribute of a profile event', () => {
    // Prepare
    const filtered = {
      ...welcome,
      trigger: { event: 'contact.signed_up', filter: { attributes: { plann: ['pro'] } } },
    } as const;
    const branched = signupJourney(branchOn({ field: 'trigger.attributes.plann', op: 'exists' }));

    // Act + Assess
    expect(validate(filtered)).toEqual(only(filtered, 'trigger.filter.attributes.plann', declared));
    expect(validate(branched)).toEqual(only(branched, 'steps.check.cases.0', declared));
  });

  it('rejects a template that reads an undeclared attribute, naming the template text', () => {
    // Prepare
    const template = emailTemplate('plan-mail', 'Your {{ contact.attributes.plann }} plan');
    const journey = signupJourney([mail('plan', 'plan-mail')]);

    // Act
    const violations = validate(journey, { templates: templatesWith(template) });

    // Assess
    expect(violations).toEqual(only(journey, 'steps.plan.template(plan-mail).default.subject', declared));
  });

  it('rejects an update that sets an undeclared attribute, or a declared one with a value of another type', () => {
    // Prepare
    const journey = signupJourney([update('tag', { setAttributes: { plann: 'pro', plan: 3 } })]);

    // Act
    const violations = validate(journey);

    // Assess
    expect(violations).toEqual([
      {
        journey: journey.id,
        path: 'steps.tag.setAttributes.plann',
        message: expect.stringMatching(declared),
      },
      {
        journey: journey.id,
        path: 'steps.tag.setAttributes.plan',
        message: 'attribute "plan" is a string, not a number',
      },
    ]);
  });

  it.each([
    [
      { field: 'contact.attributes.plan', op: 'gt', value: 3 } as const,
      /string attribute: gt does not apply/,
    ],
    [{ field: 'contact.attributes.plan', op: 'isTrue' } as const, /string attribute: isTrue does not apply/],
    [
      { field: 'contact.attributes.plan', op: 'equals', value: 1 } as const,
      /string attribute: comparing with the number 1 does not apply/,
    ],
  ])('rejects a comparison that does not fit the declared type: %o', (when, message) => {
    // Prepare
    const journey = signupJourney(branchOn(when));

    // Act + Assess
    expect(validate(journey)).toEqual(only(journey, 'steps.check.cases.0', message));
  });

  it('accepts declared attributes used as their type, with another deployment’s declarations', () => {
    // Prepare
    const journey = signupJourney([
      ...branchOn({
        all: [
          { field: 'contact.attributes.seats', op: 'gte', value: 10 },
          { field: 'contact.attributes.trial', op: 'isFalse' },
        ],
      }),
    ]);

    // Act
    const violations = validate(journey, { attributes: { seats: 'number', trial: 'boolean' } });

    // Assess
    expect(violations).toEqual([]);
  });
});
