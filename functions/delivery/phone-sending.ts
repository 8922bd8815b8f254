/**
 * How SMS and calls leave: one schema for the PHONE_SENDING variable the CDK app writes and the
 * functions that read it. SMS go through SNS Publish or End User Messaging v2 (SendTextMessage);
 * calls always go through End User Messaging v2 (SendVoiceMessage), from the origination identity
 * (a phone number or a pool, by ARN) and the configuration set whose event destination brings the
 * delivery receipts back to the ledger.
 */
import * as z from '#catalogue/zod.ts';
import { optionalEnv, parseJsonSetting } from '#platform/env.ts';
import { ENV } from '#platform/env-names.ts';

/** A price in USD as End User Messaging takes it (a decimal string, `0.05`). */
const Price = z.string().check(z.regex(/^\d{1,2}(\.\d{1,5})?$/, 'a price in USD such as "0.05"'));

export const PhoneSendingSettings = z.strictObject({
  smsProvider: z.enum(['sns', 'end-user-messaging']),
  originationIdentity: z.string().check(z.minLength(1)),
  configurationSet: z.string().check(z.minLength(1)),
  /** Refuse an SMS part dearer than this (SendTextMessage MaxPrice). */
  maxPricePerSms: z.optional(Price),
  /** Refuse a call dearer than this per minute (SendVoiceMessage MaxPricePerMinute). */
  maxPricePerMinute: z.optional(Price),
});
export type PhoneSendingSettings = z.infer<typeof PhoneSendingSettings>;

/** A send that cannot go out because the deployment has no phone sending for it: never retried. */
export class PhoneSendingNotConfigured extends Error {
  override readonly name = 'PhoneSendingNotConfigured';
}

let cached: { readonly json: string; readonly settings: PhoneSendingSettings | undefined } | undefined;

/** The settings in the environment (undefined where the deployment sets none: SMS through SNS, no calls). */
export function phoneSending(): PhoneSendingSettings | undefined {
  const json = optionalEnv(ENV.phoneSending, '');
  if (cached?.json !== json)
    cached = { json, settings: json ? parseJsonSetting(PhoneSendingSettings, json) : undefined };
  return cached.settings;
}
