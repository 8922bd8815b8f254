/**
 * The deployment's delivery policy: one schema for the CDK config (lib/config.ts), the
 * DELIVERY_POLICY variable the app writes from it, the journey-step function that parses it back,
 * and `relance campaign --dry-run`, so the three cannot disagree.
 */
import * as z from '#catalogue/zod.ts';
import { parseJsonSetting } from '#platform/env.ts';

/** How an e-mail topic's consent works: `opt_in` needs a recorded yes; `opt_out` sends until a no. */
export const TopicMode = z.enum(['opt_in', 'opt_out']);
export type TopicMode = z.infer<typeof TopicMode>;

/** At most `max` marketing messages per channel per contact in a rolling window of `windowDays`. */
export const CapRuleSchema = z.strictObject({
  max: z.int().check(z.gte(0)),
  windowDays: z.number().check(z.positive()),
});

const LocalTime = z.string().check(z.regex(/^([01]\d|2[0-3]):[0-5]\d$/));

/** Delivery controls for the whole deployment (journeys may override caps and e-mail quiet hours). */
export const DeliveryPolicySettings = z.strictObject({
  /** Local hours, in each contact's timezone, when SMS (and e-mail where a journey says so) wait. */
  quietHours: z.strictObject({ start: LocalTime, end: LocalTime }),
  frequencyCaps: z.strictObject({
    email: CapRuleSchema,
    sms: CapRuleSchema,
    /** Marketing calls; a deployment written before the voice channel gets one a week. */
    voice: z._default(CapRuleSchema, { max: 1, windowDays: 7 }),
  }),
  /** E-mail topics: `opt_in` needs a recorded yes (double opt-in available), `opt_out` sends until a no. */
  emailTopics: z.record(
    z.string(),
    z.strictObject({
      label: z.string(),
      mode: TopicMode,
      /** The label in other languages (`fr`), for the preference page of contacts speaking them. */
      labels: z.optional(z.record(z.string(), z.string())),
    }),
  ),
  /** How long a send whose outcome is unknown waits for the provider's evidence before the policy decides. */
  inFlightGraceSeconds: z.int().check(z.gte(0)),
});
export type DeliveryPolicySettings = z.infer<typeof DeliveryPolicySettings>;

/**
 * The policy as the sending functions need it: the topics' translated labels (for the preference
 * page only) left out, so the DELIVERY_POLICY variable stays small.
 */
export function sendingPolicy(policy: DeliveryPolicySettings): DeliveryPolicySettings {
  const emailTopics = Object.fromEntries(
    Object.entries(policy.emailTopics).map(([topic, { labels: _labels, ...rest }]) => [topic, rest]),
  );
  return { ...policy, emailTopics };
}

/** The policy from the DELIVERY_POLICY variable's JSON (throws, naming what is wrong, when it is malformed). */
export function parseDeliveryPolicy(json: string): DeliveryPolicySettings {
  return parseJsonSetting(DeliveryPolicySettings, json);
}
