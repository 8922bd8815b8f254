import { branch, defineJourney, send, wait } from '#language/builder.ts';

/** Sign-up → welcome e-mail now → after 2 days tips unless they ordered → at day 7 an SMS offer to contacts with a phone. */
export const welcome = defineJourney({
  id: 'welcome',
  description: 'Welcome series for new sign-ups',
  trigger: { event: 'contact.signed_up' },
  entry: { reentry: false },
  steps: [
    send('welcome-email', { channel: 'email', template: 'welcome', topic: 'onboarding' }),
    wait('two-days', { duration: { days: 2 } }),
    branch('ordered-yet', {
      cases: [{ when: { field: 'contact.stats.orderCount', op: 'gt', value: 0 }, steps: [] }],
      otherwise: [send('tips-email', { channel: 'email', template: 'welcome-tips', topic: 'onboarding' })],
    }),
    wait('day-seven', { duration: { days: 5 } }),
    branch('has-phone', {
      cases: [
        {
          when: { field: 'contact.phone', op: 'exists' },
          steps: [send('sms-offer', { channel: 'sms', template: 'welcome-sms-offer', topic: 'offers' })],
        },
      ],
    }),
  ],
});
