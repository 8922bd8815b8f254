/** Every journey that deploys. Adding one here gives it a state machine, a rule and a schedule group. */
import type { JourneyDefinition } from '#language/types.ts';
import { abandonedCart } from './abandoned-cart.ts';
import { appointment } from './appointment.ts';
import { backInStock } from './back-in-stock.ts';
import { doubleOptIn } from './double-opt-in.ts';
import { leadConfirmation, leadSla } from './lead-follow-up.ts';
import { priceDrop } from './price-drop.ts';
import { accountRevenueDrop, birthday, vipWelcome, winBack, wishlistNudge } from './retention.ts';
import { welcome } from './welcome.ts';

export const journeys: readonly JourneyDefinition[] = [
  welcome,
  abandonedCart,
  backInStock,
  priceDrop,
  doubleOptIn,
  leadConfirmation,
  leadSla,
  appointment,
  winBack,
  birthday,
  wishlistNudge,
  vipWelcome,
  accountRevenueDrop,
];

const byId = new Map(journeys.map((j) => [j.id, j]));

/** The journey with this id, or undefined. */
export function findJourney(id: string): JourneyDefinition | undefined {
  return byId.get(id);
}
