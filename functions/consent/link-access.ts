/**
 * Opening a signed link: the token must verify with the key and be meant for the page it is used
 * on. A refused link gets its error page and is logged with the reason (never the token).
 */
import type { APIGatewayProxyResult } from 'aws-lambda';
import { logger } from '#platform/logger.ts';
import type { ContactsRepository } from '../contacts/contacts-repository.ts';
import type { EmailTopics } from './email-topics.ts';
import { refusedLinkPage, wrongPurposePage } from './pages.ts';
import { type LinkClaims, type LinkPurpose, tokenFingerprint, verifyToken } from './signed-links.ts';

/** What a valid link gives a request. */
export interface Link {
  readonly claims: LinkClaims;
  /** The token's fingerprint, kept as the proof of a change. */
  readonly reference: string;
  /** The key that verified it, to sign the links the page offers. */
  readonly key: string;
}

export type OpenedLink =
  | { readonly ok: true; readonly link: Link }
  | { readonly ok: false; readonly page: APIGatewayProxyResult };

/** Verifies `token` (signature, expiry, and that it was made for `purpose`) at `nowMs`. */
export function openLink(key: string, token: string, purpose: LinkPurpose, nowMs: number): OpenedLink {
  const verified = verifyToken(key, token, nowMs);
  if (!verified.ok) {
    logger.warn('link refused', { reason: verified.reason, purpose });
    return { ok: false, page: refusedLinkPage(verified.reason) };
  }
  const { claims } = verified;
  if (claims.purpose !== purpose) {
    logger.warn('link refused', { reason: 'wrong_purpose', purpose, contactId: claims.contactId });
    return { ok: false, page: wrongPurposePage() };
  }
  return { ok: true, link: { claims, reference: tokenFingerprint(token), key } };
}

/** What the link pages read and change. */
export interface LinkPageDeps {
  readonly contacts: ContactsRepository;
  readonly topics: EmailTopics;
  /** Where an unsubscribe is recorded on the message its link came in (the journey counts it). */
  readonly ledger?: { recordUnsubscribe(tag: string, at: string): Promise<unknown> };
}
