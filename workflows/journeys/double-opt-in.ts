import { defineJourney, send } from '#language/builder.ts';

/**
 * Double opt-in: an e-mail consent recorded as `pending` (a sign-up form on a topic in `opt_in`
 * mode) → a confirmation e-mail with a signed link; following it records the opt-in with proof
 * `double_opt_in`. Transactional: the contact asked for it, so topic consent and caps do not apply.
 */
export const doubleOptIn = defineJourney({
  id: 'double-opt-in',
  description: 'Confirm a pending e-mail subscription with a signed link',
  trigger: { event: 'consent.changed', filter: { channel: ['email'], status: ['pending'] } },
  entry: { reentry: true },
  steps: [
    send('confirmation', { channel: 'email', template: 'confirm-subscription', category: 'transactional' }),
  ],
});
