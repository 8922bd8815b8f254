/**
 * Holdout groups: the contacts a campaign deliberately does not message, to measure its lift. The
 * draw is a hash of the campaign and the contact, so it needs no storage, gives the same answer on
 * every run and retry, and is independent from one campaign to the next.
 */
import { createHash } from 'node:crypto';

const DRAWS = 2 ** 32;

/** Whether the contact is in the campaign's holdout, which takes about `percent` (0-100, decimals allowed) of contacts. */
export function inHoldout(contactId: string, campaignId: string, percent: number): boolean {
  if (!(percent >= 0 && percent <= 100))
    throw new RangeError(`holdout percent must be 0 to 100, got ${percent}`);
  // The length prefix keeps ("a:b", "c") and ("a", "b:c") apart.
  const digest = createHash('sha256')
    .update(`holdout:${campaignId.length}:${campaignId}:${contactId}`)
    .digest();
  return digest.readUInt32BE(0) < (percent / 100) * DRAWS;
}

/** Whether a contact is held out of a journey with a holdout: its run is recorded and sends nothing. */
export function isHeldOut(
  journey: { readonly id: string; readonly holdout?: { readonly percent: number } },
  contactId: string,
): boolean {
  return journey.holdout ? inHoldout(contactId, journey.id, journey.holdout.percent) : false;
}
