/**
 * Edits a marketer makes to a live journey, on copies of the welcome series, for the version tests:
 * each copy has its own id and only admits contacts whose e-mail starts with that id, so one
 * deployment holds every (edit, policy) pair and one sign-up per pair exercises it.
 *
 *   v1: welcome-email → two-days (wait 2 d) → tips-email (unless ordered) → day-seven (wait 5 d) → done
 */
import { branch, defineJourney, type Sequence, send, update, wait } from '#language/builder.ts';
import type { EmailTemplate, MessageTemplate } from '#language/template.ts';
import type { InFlightPolicy, JourneyDefinition } from '#language/types.ts';
import { templates } from '../../workflows/templates/index.ts';

export type Edit = 'rename' | 'remove' | 'insert' | 'reorder' | 'template';
export type PolicyName = InFlightPolicy['policy'];

export const EDITS: readonly Edit[] = ['rename', 'remove', 'insert', 'reorder', 'template'];
export const POLICIES: readonly PolicyName[] = ['finish', 'migrate', 'exit'];

/** A template of its own for the `template` edit, so changing it touches no other journey. */
export const TIPS_TEMPLATE = 'edit-tips';
const tips = (subject: string): EmailTemplate => ({
  id: TIPS_TEMPLATE,
  channel: 'email',
  content: { subject, html: '<p>{{ brand.name }} tips</p>', text: '{{ brand.name }} tips' },
});
export const TIPS_BEFORE = 'Tips, as first written';
export const TIPS_AFTER = 'Tips, as edited';

/** The templates deployed before the edit, and after it. */
export const templatesBefore: ReadonlyMap<string, MessageTemplate> = new Map([
  ...templates,
  [TIPS_TEMPLATE, tips(TIPS_BEFORE)],
]);
export const templatesAfter: ReadonlyMap<string, MessageTemplate> = new Map([
  ...templates,
  [TIPS_TEMPLATE, tips(TIPS_AFTER)],
]);

export const journeyIdOf = (edit: Edit | 'lost', policy: PolicyName) => `edit-${edit}-${policy}`;
/** The one contact each copy admits. */
export const emailOf = (edit: Edit | 'lost', policy: PolicyName) =>
  `${journeyIdOf(edit, policy)}@example.com`;

const welcomeEmail = () =>
  send('welcome-email', { channel: 'email', template: 'welcome', topic: 'onboarding' });
const tipsSteps = (): Sequence => [
  branch('ordered-yet', {
    cases: [{ when: { field: 'contact.stats.orderCount', op: 'gt', value: 0 }, steps: [] }],
    otherwise: [send('tips-email', { channel: 'email', template: TIPS_TEMPLATE, topic: 'onboarding' })],
  }),
];
const daySeven = () => wait('day-seven', { duration: { days: 5 } });

function copy(
  edit: Edit | 'lost',
  policy: PolicyName,
  steps: Sequence,
  inFlight?: JourneyDefinition['inFlight'],
): JourneyDefinition {
  const id = journeyIdOf(edit, policy);
  return defineJourney({
    id,
    description: `welcome series, ${edit} edit under ${policy}`,
    trigger: { event: 'contact.signed_up', filter: { contact: { email: [{ prefix: `${id}@` }] } } },
    entry: { reentry: false },
    ...(inFlight ? { inFlight } : {}),
    steps,
  });
}

/** The journey before any edit. */
export function original(edit: Edit | 'lost', policy: PolicyName): JourneyDefinition {
  return copy(edit, policy, [
    welcomeEmail(),
    wait('two-days', { duration: { days: 2 } }),
    ...tipsSteps(),
    daySeven(),
  ]);
}

/** Under `migrate`, where runs waiting at a step this edit removed go. */
const MAPPINGS: Record<Edit, Record<string, string> | undefined> = {
  rename: { 'two-days': 'after-two-days' },
  remove: { 'two-days': 'ordered-yet' },
  insert: undefined,
  reorder: undefined,
  template: undefined,
};

function policyOf(edit: Edit, policy: PolicyName): InFlightPolicy {
  if (policy === 'exit') return { policy: 'exit', reason: `the ${edit} edit replaces this series` };
  if (policy === 'migrate') {
    const stepMapping = MAPPINGS[edit];
    return { policy: 'migrate', ...(stepMapping ? { stepMapping } : {}) };
  }
  return { policy: 'finish' };
}

/**
 * The journey after the edit, with the policy declared:
 * - rename: `two-days` becomes `after-two-days`;
 * - remove: the two-day wait goes (tips at once);
 * - insert: an update tagging the contact `onboarded` right after the wait;
 * - reorder: the tips come before the wait;
 * - template: the tips template's subject changes.
 */
export function edited(edit: Edit, policy: PolicyName): JourneyDefinition {
  const inFlight = policyOf(edit, policy);
  const twoDays = (id = 'two-days') => wait(id, { duration: { days: 2 } });
  const steps: Record<Edit, Sequence> = {
    rename: [welcomeEmail(), twoDays('after-two-days'), ...tipsSteps(), daySeven()],
    remove: [welcomeEmail(), ...tipsSteps(), daySeven()],
    insert: [
      welcomeEmail(),
      twoDays(),
      update('tag-onboarded', { addTags: ['onboarded'] }),
      ...tipsSteps(),
      daySeven(),
    ],
    reorder: [welcomeEmail(), ...tipsSteps(), twoDays(), daySeven()],
    template: [welcomeEmail(), twoDays(), ...tipsSteps(), daySeven()],
  };
  return copy(edit, policy, steps[edit], inFlight);
}
