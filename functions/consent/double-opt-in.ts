/**
 * Double opt-in (`/consent/confirm/{token}`), from the signed link of a confirmation message:
 *
 * - `GET`: a page with a button that POSTs to the same link. Mail scanners prefetch GET links, so
 *   a GET never changes anything.
 * - `POST` (the button, `confirm=yes`): records the opt-in, to the link's topic or its whole
 *   channel, with proof `double_opt_in`; confirming again keeps the first confirmation as the proof.
 */
import type { APIGatewayProxyResult } from 'aws-lambda';
import { nowIso } from '#platform/clock.ts';
import { logger } from '#platform/logger.ts';
import { updateContact } from '../contacts/contacts-repository.ts';
import { confirmDoubleOptIn } from './consent-changes.ts';
import type { Link, LinkPageDeps } from './link-access.ts';
import { confirmedPage, confirmSubscriptionPage, noContactPage, unreadableRequestPage } from './pages.ts';

/** `GET /consent/confirm/{token}`: the page with the button; nothing is stored. */
export async function showConfirmation(deps: LinkPageDeps, link: Link): Promise<APIGatewayProxyResult> {
  const contact = await deps.contacts.get(link.claims.contactId);
  if (!contact) return noContactPage();
  return confirmSubscriptionPage(deps.topics, link.claims, contact);
}

/** `POST /consent/confirm/{token}`: the contact pressed the button. */
export async function confirmSubscription(
  deps: LinkPageDeps,
  link: Link,
  form: FormData,
): Promise<APIGatewayProxyResult> {
  if (form.get('confirm') !== 'yes') return unreadableRequestPage('Use the button of the confirmation page.');
  const { claims } = link;
  const result = await updateContact(deps.contacts, claims.contactId, (contact) =>
    confirmDoubleOptIn(contact, {
      channel: claims.channel,
      ...(claims.topic ? { topic: claims.topic } : {}),
      at: nowIso(),
      source: 'confirmation_link',
      reference: link.reference,
    }),
  );
  if (!result) return noContactPage();
  logger.info('double opt-in confirmed', {
    contactId: claims.contactId,
    channel: claims.channel,
    topic: claims.topic,
    changed: result.changed,
  });
  return confirmedPage(deps.topics, claims, result.contact);
}
