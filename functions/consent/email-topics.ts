/** The e-mail topics the preference page lists (`EMAIL_TOPICS`): topic → label and consent mode. */
import * as z from '#catalogue/zod.ts';
import { requireEnv } from '#platform/env.ts';
import { PREFERENCES_ENV } from '#platform/preferences-env.ts';
import type { TopicMode } from '../delivery/delivery-policy.ts';
import type { ConsentChannel } from './consent-changes.ts';

export const EmailTopics = z.record(
  z.string().check(z.regex(/^[A-Za-z0-9_-]{1,100}$/)),
  z.object({
    label: z.string().check(z.minLength(1)),
    mode: z.enum(['opt_in', 'opt_out']),
    /** The label in other languages, by language (`fr`); `label` for the others. */
    labels: z.optional(z.record(z.string(), z.string().check(z.minLength(1)))),
  }),
);
export type EmailTopics = z.infer<typeof EmailTopics>;

/** The topics of `EMAIL_TOPICS`; throws at cold start, naming the variable, when it is wrong. */
export function emailTopicsFromEnvironment(): EmailTopics {
  const name = PREFERENCES_ENV.emailTopics;
  let raw: unknown;
  try {
    raw = JSON.parse(requireEnv(name));
  } catch (error) {
    if (error instanceof SyntaxError) throw new Error(`${name} is not valid JSON`);
    throw error;
  }
  const parsed = EmailTopics.safeParse(raw);
  if (!parsed.success) throw new Error(`${name} is malformed: ${parsed.error.message}`);
  return parsed.data;
}

/** The topics the preference page lists for a channel (e-mail only has topics). */
export function topicsOf(
  topics: EmailTopics,
  channel: ConsentChannel,
): Array<[string, { label: string; mode: TopicMode; labels?: Record<string, string> }]> {
  return channel === 'email' ? Object.entries(topics) : [];
}

/** A topic's label for people, in `language` when it has one (its name when it has none on this channel). */
export function topicLabel(
  topics: EmailTopics,
  channel: ConsentChannel,
  topic: string,
  language?: string,
): string {
  const entry = channel === 'email' ? topics[topic] : undefined;
  return (language ? entry?.labels?.[language] : undefined) ?? entry?.label ?? topic;
}
