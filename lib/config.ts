import type { Construct } from 'constructs';

/** Deployment settings, read from cdk.json context (`relance:*`) with working defaults. */
export interface RelanceConfig {
  readonly fromAddress: string;
  readonly replyToAddress: string;
  readonly brand: { name: string; website: string; postalAddress: string; supportEmail: string };
  readonly defaultCountry: string;
  readonly defaultTimezone: string;
  readonly smsSenderId: string;
  readonly historyRetentionDays: number;
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
  };
}

/** The e-mail domain of a From address (`Shop <a@b.com>` → `b.com`), for the SES identity ARN. */
export function senderDomain(fromAddress: string): string {
  const match = /@([^>\s]+)>?\s*$/.exec(fromAddress);
  if (!match?.[1]) throw new Error(`relance:fromAddress "${fromAddress}" has no e-mail domain`);
  return match[1];
}
