import type { Construct } from 'constructs';
import { DeliveryPolicySettings } from '../functions/delivery/delivery-policy.ts';

/** Deployment settings, read from cdk.json context (`relance:*`) with working defaults. */
export interface RelanceConfig {
  readonly fromAddress: string;
  readonly replyToAddress: string;
  readonly brand: { name: string; website: string; postalAddress: string; supportEmail: string };
  readonly defaultCountry: string;
  readonly defaultTimezone: string;
  readonly smsSenderId: string;
  readonly historyRetentionDays: number;
  readonly delivery: DeliveryPolicySettings;
  readonly leads: LeadsConfig;
  readonly audiencePasses: AudiencePassConfig;
}

/** How scheduled journeys reach their segment: scan parallelism and the provider rates to stay under. */
export interface AudiencePassConfig {
  /** Parallel scan segments, one worker each. */
  readonly workers: number;
  /** Contacts per scan page (a worker holds one page in memory). */
  readonly pageSize: number;
  readonly maxPagesPerInvocation: number;
  /** A worker admits its share of the rate per slot, then waits for the next. */
  readonly slotSeconds: number;
  /** The account's SES sending rate and SMS throughput to stay under, per second. */
  readonly rates: { readonly email: number; readonly sms: number };
}

/** The public lead form and where assigned leads are announced. */
export interface LeadsConfig {
  /** Site origins allowed to post the form (`https://www.example.com`); CORS and the origin check use them. */
  readonly formOrigins: readonly string[];
  /** The hidden field bots fill in. */
  readonly honeypotField: string;
  /** Submissions per client (source IP) per minute, enforced by the function. */
  readonly perClientPerMinute: number;
  /** API Gateway throttling of `POST /leads` across all clients. */
  readonly throttle: { readonly rateLimit: number; readonly burstLimit: number };
  /** Optional captcha (Turnstile, reCAPTCHA, hCaptcha): the verify URL and the Secrets Manager secret with the key. */
  readonly captcha?: { readonly verifyUrl: string; readonly secretName: string };
  /**
   * Optional webhook receiving every `lead.assigned` (an EventBridge API destination): a Slack
   * workflow or a CRM. The API key header value is read from the named Secrets Manager secret.
   */
  readonly webhook?: { readonly url: string; readonly headerName: string; readonly secretName: string };
}

const DEFAULTS: RelanceConfig = {
  fromAddress: 'Relance Demo Shop <hello@shop.example.com>',
  replyToAddress: 'support@shop.example.com',
  brand: {
    name: 'Relance Demo Shop',
    website: 'https://shop.example.com',
    postalAddress: '1 Example Street, 75001 Paris, France',
    supportEmail: 'support@shop.example.com',
  },
  defaultCountry: 'FR',
  defaultTimezone: 'Europe/Paris',
  smsSenderId: 'RELANCE',
  historyRetentionDays: 400,
  delivery: {
    quietHours: { start: '21:00', end: '08:00' },
    frequencyCaps: { email: { max: 5, windowDays: 7 }, sms: { max: 2, windowDays: 7 } },
    emailTopics: {
      newsletter: {
        label: 'News and new arrivals',
        mode: 'opt_in',
        labels: { fr: 'Actualités et nouveautés' },
      },
      onboarding: {
        label: 'Getting started tips',
        mode: 'opt_out',
        labels: { fr: 'Conseils pour bien démarrer' },
      },
      cart_reminders: {
        label: 'Reminders about my cart',
        mode: 'opt_out',
        labels: { fr: 'Rappels concernant mon panier' },
      },
      back_in_stock: {
        label: 'Back-in-stock alerts I asked for',
        mode: 'opt_out',
        labels: { fr: 'Alertes de retour en stock que j’ai demandées' },
      },
      price_alerts: {
        label: 'Price drops on products I looked at',
        mode: 'opt_out',
        labels: { fr: 'Baisses de prix sur les produits consultés' },
      },
      offers: { label: 'Special offers', mode: 'opt_in', labels: { fr: 'Offres spéciales' } },
      win_back: {
        label: 'Offers when I have not ordered in a while',
        mode: 'opt_out',
        labels: { fr: 'Offres quand je n’ai pas commandé depuis un moment' },
      },
      birthday: {
        label: 'Birthday wishes and gifts',
        mode: 'opt_out',
        labels: { fr: 'Vœux et cadeaux d’anniversaire' },
      },
      wishlist: {
        label: 'Offers on products I saved',
        mode: 'opt_out',
        labels: { fr: 'Offres sur les produits que j’ai sauvegardés' },
      },
      vip: {
        label: 'Thanks and previews for our best customers',
        mode: 'opt_out',
        labels: { fr: 'Remerciements et avant-premières pour nos meilleurs clients' },
      },
    },
    inFlightGraceSeconds: 300,
  },
  leads: {
    formOrigins: ['https://shop.example.com', 'http://127.0.0.1:4747', 'http://localhost:4747'],
    honeypotField: 'website',
    perClientPerMinute: 10,
    throttle: { rateLimit: 20, burstLimit: 40 },
  },
  audiencePasses: {
    workers: 8,
    pageSize: 200,
    maxPagesPerInvocation: 50,
    slotSeconds: 60,
    // SES's starting quota in production is 14 e-mails per second; a long code sends about 1 SMS per second.
    rates: { email: 14, sms: 1 },
  },
};

/** The configuration for this app: context values override the defaults one key at a time. */
export function readConfig(scope: Construct): RelanceConfig {
  const value = <K extends keyof RelanceConfig>(key: K): RelanceConfig[K] =>
    (scope.node.tryGetContext(`relance:${key}`) as RelanceConfig[K] | undefined) ?? DEFAULTS[key];
  return {
    fromAddress: value('fromAddress'),
    replyToAddress: value('replyToAddress'),
    brand: value('brand'),
    defaultCountry: value('defaultCountry'),
    defaultTimezone: value('defaultTimezone'),
    smsSenderId: value('smsSenderId'),
    historyRetentionDays: value('historyRetentionDays'),
    // Checked here so a bad value fails the synth, not the first send.
    delivery: DeliveryPolicySettings.parse(value('delivery')),
    leads: value('leads'),
    audiencePasses: value('audiencePasses'),
  };
}

/** The e-mail domain of a From address (`Shop <a@b.com>` → `b.com`), for the SES identity ARN. */
export function senderDomain(fromAddress: string): string {
  const match = /@([^>\s]+)>?\s*$/.exec(fromAddress);
  if (!match?.[1]) throw new Error(`relance:fromAddress "${fromAddress}" has no e-mail domain`);
  return match[1];
}
