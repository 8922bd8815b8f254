/**
 * The retention flows: scheduled passes over segments (win-back, birthday, account reviews) and
 * journeys started by behaviour (wishlist nudge, entering VIP). Each keeps a 10% holdout where the
 * uplift is worth measuring.
 */
import { byContact, defineJourney, defineScheduledJourney, exit, send, waitFor } from '#language/builder.ts';

const anOrder = { event: 'order.completed', correlate: byContact() } as const;

/**
 * Win-back: every morning, customers with no order in 90 days get an offer; if they have not
 * ordered 14 days later, a last reminder. Once per lapse: a new order makes them eligible again.
 */
export const winBack = defineScheduledJourney({
  id: 'win-back',
  description: 'Bring back customers who have not ordered in 90 days',
  schedule: {
    expression: 'cron(0 8 * * ? *)',
    timezone: 'Europe/Paris',
    audience: { segment: 'lapsed-90', once: 'per_last_order' },
  },
  goal: anOrder,
  holdout: { percent: 10 },
  steps: [
    send('offer', { channel: 'email', template: 'win-back-offer', topic: 'win_back' }),
    waitFor('ordered-since', { ...anOrder, timeout: { days: 14 }, onEvent: [exit()] }),
    send('last-chance', { channel: 'email', template: 'win-back-last-chance', topic: 'win_back' }),
  ],
});

/** Birthday: at 09:00 in the contact's own timezone on their birthday, a greeting with a code; once a year. */
export const birthday = defineScheduledJourney({
  id: 'birthday',
  description: 'Wish customers a happy birthday at 9 in the morning, their time',
  schedule: { localTime: '09:00', audience: { segment: 'birthday-today', once: 'per_year' } },
  steps: [send('greeting', { channel: 'email', template: 'birthday-greeting', topic: 'birthday' })],
});

/** Wishlist nudge: 4 days after a product is waitlisted, without an order since, an exclusive offer. */
export const wishlistNudge = defineJourney({
  id: 'wishlist-nudge',
  description: 'Offer a saved product to contacts who did not buy it',
  trigger: { event: 'product.waitlisted' },
  entry: { reentry: true },
  holdout: { percent: 10 },
  steps: [
    waitFor('ordered-since', { ...anOrder, timeout: { days: 4 }, onEvent: [exit()] }),
    send('offer', { channel: 'email', template: 'wishlist-offer', topic: 'wishlist' }),
  ],
});

/** VIP: entering the top RFM segment → a thank-you e-mail, and a note to the account's sales rep. */
export const vipWelcome = defineJourney({
  id: 'vip-welcome',
  description: 'Thank new VIP customers and tell their sales rep',
  trigger: { event: 'segment.entered', filter: { segment: ['vip'] } },
  entry: { reentry: true },
  steps: [
    send('thanks', { channel: 'email', template: 'vip-thanks', topic: 'vip' }),
    send('tell-owner', {
      channel: 'email',
      template: 'vip-owner-notice',
      to: 'owner',
      category: 'transactional',
    }),
  ],
});

/**
 * Account revenue drop (B2B): every Monday, accounts whose last 90 days of orders fell 30% or more
 * against the 90 days before → their sales rep hears of it (once a month at most).
 */
export const accountRevenueDrop = defineScheduledJourney({
  id: 'account-revenue-drop',
  description: "Tell the sales rep when an account's orders fall by 30% or more",
  schedule: {
    expression: 'cron(0 7 ? * MON *)',
    timezone: 'Europe/Paris',
    audience: { segment: 'account-revenue-drop', once: 'per_month' },
  },
  steps: [
    send('tell-owner', {
      channel: 'email',
      template: 'revenue-drop-owner-notice',
      to: 'owner',
      category: 'transactional',
    }),
  ],
});
