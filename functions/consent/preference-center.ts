/**
 * The preference page behind the link in every message (`/preferences/{token}`): `GET` lists the
 * channel's topics with their current state; `POST` saves the ticked topics (`action=save`) or
 * unsubscribes from the whole channel (`action=unsubscribe_all`), with the link as proof.
 */
import type { APIGatewayProxyResult } from 'aws-lambda';
import type { Contact } from '#catalogue/contact.ts';
import { nowIso } from '#platform/clock.ts';
import { logger } from '#platform/logger.ts';
import { updateContact } from '../contacts/contacts-repository.ts';
import { setTopics, unsubscribe } from './consent-changes.ts';
import { topicsOf } from './email-topics.ts';
import type { Link, LinkPageDeps } from './link-access.ts';
import {
  noContactPage,
  nothingToSavePage,
  preferencesFormPage,
  savedPage,
  unknownTopicPage,
  unreadableRequestPage,
} from './pages.ts';

/** `GET /preferences/{token}`. */
export async function showPreferences(deps: LinkPageDeps, link: Link): Promise<APIGatewayProxyResult> {
  const contact = await deps.contacts.get(link.claims.contactId);
  if (!contact) return noContactPage();
  return preferencesFormPage(deps.topics, link.claims, contact);
}

/** `POST /preferences/{token}`: applies the page's choices, then shows what they are now. */
export async function savePreferences(
  deps: LinkPageDeps,
  link: Link,
  form: FormData,
): Promise<APIGatewayProxyResult> {
  const { claims } = link;
  const action = form.get('action');
  const provenance = {
    at: nowIso(),
    source: 'preference_page',
    proof: { kind: 'link', reference: link.reference },
  };
  let change: (contact: Contact) => Contact;
  if (action === 'unsubscribe_all') {
    change = (contact) => unsubscribe(contact, { channel: claims.channel, ...provenance });
  } else if (action === 'save') {
    const topics = topicsOf(deps.topics, claims.channel);
    if (topics.length === 0) return nothingToSavePage(claims.channel);
    const known = new Set(topics.map(([topic]) => topic));
    const chosen = form.getAll('topic');
    const unknown = chosen.find((value) => typeof value !== 'string' || !known.has(value));
    if (unknown !== undefined) return unknownTopicPage(typeof unknown === 'string' ? unknown : 'a file');
    const wanted = new Set(chosen);
    change = (contact) =>
      setTopics(contact, {
        channel: claims.channel,
        choices: Object.fromEntries(topics.map(([topic]) => [topic, wanted.has(topic)])),
        topicModes: Object.fromEntries(topics.map(([topic, { mode }]) => [topic, mode])),
        ...provenance,
      });
  } else {
    return unreadableRequestPage('Use the buttons of the preference page.');
  }
  const result = await updateContact(deps.contacts, claims.contactId, change);
  if (!result) return noContactPage();
  logger.info('preferences saved', {
    contactId: claims.contactId,
    channel: claims.channel,
    action,
    changed: result.changed,
  });
  return savedPage(deps.topics, claims, result.contact);
}
