/**
 * The frequency cap across journeys: at most `max` marketing messages per channel per contact in a
 * rolling window. The cap item keeps the recent sends (ledger key and time); deciding is pure, the
 * repository writes the result conditionally so two journeys racing for the last slot cannot both win.
 */

import * as z from '#catalogue/zod.ts';
import type { CapRule, Channel } from '#language/types.ts';

/** A send counted in a cap: its ledger key and when it left. */
export const CapEntry = z.object({ key: z.string(), at: z.number() });
export type CapEntry = z.infer<typeof CapEntry>;
/** The entries of a cap item (none when the item does not exist yet). */
export const CapEntries = z._default(z.array(CapEntry), []);

export type CapDecision =
  | { readonly allowed: true; readonly entries: CapEntry[]; readonly changed: boolean }
  | { readonly allowed: false; readonly count: number };

/**
 * Whether a send (identified by its ledger key) fits the cap, and the entries to store if it does.
 * A send already counted (a retry) is allowed without counting twice; entries outside the window are dropped.
 */
export function decideCap(
  entries: readonly CapEntry[],
  rule: CapRule,
  key: string,
  nowMs: number,
): CapDecision {
  const windowStart = nowMs - rule.windowDays * 86_400_000;
  const recent = entries.filter((e) => e.at > windowStart);
  if (recent.some((e) => e.key === key))
    return { allowed: true, entries: recent, changed: recent.length !== entries.length };
  if (recent.length >= rule.max) return { allowed: false, count: recent.length };
  return { allowed: true, entries: [...recent, { key, at: nowMs }], changed: true };
}

/**
 * The cap that applies to a send: none for transactional messages (or an internal note to a sales
 * rep) or an exempt journey; else the journey's own cap for the channel, else the deployment's.
 */
export function capRuleFor(
  send: {
    readonly category: 'marketing' | 'transactional';
    readonly channel: Channel;
    readonly toOwner?: boolean;
  },
  journeyCaps: 'exempt' | Partial<Record<Channel, CapRule>> | undefined,
  deploymentCaps: Readonly<Record<Channel, CapRule>>,
): CapRule | undefined {
  if (send.category === 'transactional' || send.toOwner) return undefined;
  if (journeyCaps === 'exempt') return undefined;
  return journeyCaps?.[send.channel] ?? deploymentCaps[send.channel];
}
