/**
 * Double opt-in (`GET /consent/confirm/{token}`): following the signed link of a confirmation
 * message (a GET) records the opt-in, to the link's topic or its whole channel, with proof
 * `double_opt_in`; following it again keeps the first confirmation as the proof.
 */
import type { APIGatewayProxyResult } from 'aws-lambda';
import { nowIso } from '#platform/clock.ts';
import { logger } from '#platform/logger.ts';
import { updateContact } from '../contacts/contacts-repository.ts';
import { confirmDoubleOptIn } from './consent-changes.ts';
import type { Link, LinkPageDeps } from './link-access.ts';
import { confirmedPage, noContactPage } from './pages.ts';

export async function confirmSubscription(deps: LinkPageDeps, link: Link): Promise<APIGatewayProxyResult> {
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
  return confirmedPage(deps.topics, claims);
}
