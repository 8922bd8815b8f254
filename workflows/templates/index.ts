/** Every message template, by id. A journey names templates by id; the validator checks they exist. */
import type { MessageTemplate } from '#language/template.ts';
import { cartLastCallEmail, cartReminderEmail } from './cart.ts';
import { confirmSubscriptionEmail } from './consent.ts';
import {
  appointmentConfirmationCall,
  appointmentConfirmationEmail,
  appointmentConfirmationSms,
  appointmentReminderSms,
  leadReceivedEmail,
  leadReceivedSms,
} from './leads.ts';
import { backInStockEmail, priceDropEmail } from './product.ts';
import {
  birthdayEmail,
  revenueDropOwnerNotice,
  vipOwnerNotice,
  vipThanksEmail,
  winBackLastChanceEmail,
  winBackOfferEmail,
  wishlistOfferEmail,
} from './retention.ts';
import { welcomeEmail, welcomeSmsOffer, welcomeTipsEmail } from './welcome.ts';

const all: MessageTemplate[] = [
  welcomeEmail,
  welcomeTipsEmail,
  welcomeSmsOffer,
  cartReminderEmail,
  cartLastCallEmail,
  backInStockEmail,
  priceDropEmail,
  confirmSubscriptionEmail,
  leadReceivedEmail,
  leadReceivedSms,
  appointmentConfirmationEmail,
  appointmentConfirmationSms,
  appointmentConfirmationCall,
  appointmentReminderSms,
  winBackOfferEmail,
  winBackLastChanceEmail,
  birthdayEmail,
  wishlistOfferEmail,
  vipThanksEmail,
  vipOwnerNotice,
  revenueDropOwnerNotice,
];

export const templates: ReadonlyMap<string, MessageTemplate> = new Map(all.map((t) => [t.id, t]));
