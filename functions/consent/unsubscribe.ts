/**
 * Unsubscribe through the link in a message (`/u/{token}`):
 *
 * - `POST`: RFC 8058 one-click unsubscribe (body `List-Unsubscribe=One-Click`), at once; the
 *   confirmation page's button posts the same with `via=page`.
 * - `GET`: the confirmation page, whose button POSTs; mail scanners prefetch GET links, so a GET
 *   never changes anything.
 *
 * Both pages offer a preference link for the same contact, minted on the spot and short-lived.
 */
import type { APIGatewayProxyResult } from 'aws-lambda';
import { now, nowIso } from '#platform/clock.ts';
import { logger } from '#platform/logger.ts';
import { updateContact } from '../contacts/contacts-repository.ts';
import { unsubscribe } from './consent-changes.ts';
import type { Link, LinkPageDeps } from './link-access.ts';
import { noContactPage, unreadableRequestPage, unsubscribeConfirmPage, unsubscribedPage } from './pages.ts';
import { signToken } from './signed-links.ts';

/** The preference link the unsubscribe pages offer is short-lived: it is minted on the spot. */
const PAGE_LINK_SECONDS = 86_400;

/** A preference link for the same contact, relative to `/u/{token}`. */
function preferencesHref(link: Link): string {
  const token = signToken(link.key, {
    contactId: link.claims.contactId,
    purpose: 'preferences',
    channel: link.claims.channel,
    exp: Math.floor(now() / 1000) + PAGE_LINK_SECONDS,
  });
  return `../preferences/${token}`;
}

/** `GET /u/{token}`: the confirmation page (or that the contact is unsubscribed already). */
export async function showUnsubscribe(deps: LinkPageDeps, link: Link): Promise<APIGatewayProxyResult> {
  const contact = await deps.contacts.get(link.claims.contactId);
  if (!contact) return noContactPage();
  return unsubscribeConfirmPage(deps.topics, link.claims, contact, preferencesHref(link));
}

/**
 * `POST /u/{token}`: opts the contact out of the link's topic, or of its whole channel, with the
 * link as proof. Already opted out: nothing is written, the first record stands.
 */
export async function oneClickUnsubscribe(
  deps: LinkPageDeps,
  link: Link,
  form: FormData,
): Promise<APIGatewayProxyResult> {
  if (form.get('List-Unsubscribe') !== 'One-Click') {
    return unreadableRequestPage('The request must carry List-Unsubscribe=One-Click.');
  }
  const { claims } = link;
  const source = form.get('via') === 'page' ? 'unsubscribe_page' : 'list_unsubscribe_one_click';
  const result = await updateContact(deps.contacts, claims.contactId, (contact) =>
    unsubscribe(contact, {
      channel: claims.channel,
      ...(claims.topic ? { topic: claims.topic } : {}),
      at: nowIso(),
      source,
      proof: { kind: 'link', reference: link.reference },
    }),
  );
  if (!result) return noContactPage();
  if (result.changed && claims.ledger && deps.ledger) {
    // The consent change stands whatever happens here: a failure to count it is logged, not shown.
    try {
      await deps.ledger.recordUnsubscribe(claims.ledger, nowIso());
    } catch (error) {
      logger.error('unsubscribe not counted on its message', { ledger: claims.ledger, error });
    }
  }
  logger.info('unsubscribed', {
    contactId: claims.contactId,
    channel: claims.channel,
    topic: claims.topic,
    source,
    changed: result.changed,
  });
  return unsubscribedPage(deps.topics, claims, preferencesHref(link), result.contact);
}
