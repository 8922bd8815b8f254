/**
 * Suppression: what a hard bounce, a complaint or an invalid number does to a contact. Apart from the
 * provider events' schemas (provider-feedback.ts), so the journey step, which suppresses a number the
 * provider refuses at send time, does not build them at each cold start.
 */
import type { Contact, Suppression } from '#catalogue/contact.ts';
import type { Channel } from '#language/types.ts';

export interface SuppressEffect {
  readonly channel: Channel;
  /** The e-mail addresses (lower-cased) or E.164 numbers to suppress. */
  readonly addresses: readonly string[];
  readonly reason: 'bounce' | 'complaint' | 'invalid_number';
  readonly at: string;
  readonly detail?: string;
}

/** E-mail identities are stored trimmed and lower-cased (see the Email schema of the events). */
export function normalizeEmail(address: string): string {
  return address.trim().toLowerCase();
}

/**
 * The contact with `address` suppressed on a channel, or undefined when nothing changes: the
 * address is no longer the contact's (it changed since the send), or the channel is already
 * suppressed (the first reason stays).
 */
export function applySuppression(
  contact: Contact,
  effect: SuppressEffect,
  address: string,
  nowIso: string,
): Contact | undefined {
  const current = effect.channel === 'email' ? contact.email : contact.phone;
  if (current === undefined) return undefined;
  const same =
    effect.channel === 'email' ? normalizeEmail(current) === normalizeEmail(address) : current === address;
  if (!same || contact.suppressed[effect.channel]) return undefined;
  const suppression: Suppression = {
    reason: effect.reason,
    at: effect.at,
    ...(effect.detail ? { detail: effect.detail } : {}),
  };
  return {
    ...contact,
    suppressed: { ...contact.suppressed, [effect.channel]: suppression },
    updatedAt: nowIso,
  };
}
