/**
 * Lambda: the public pages behind the signed links in messages (API Gateway REST proxy, no API key;
 * the signed token in the path is the credential).
 *
 * - `POST /u/{token}`: RFC 8058 one-click unsubscribe (body `List-Unsubscribe=One-Click`), at once.
 * - `GET /u/{token}`: a confirmation page whose button POSTs; mail scanners prefetch GET links, so a
 *   GET never changes anything here.
 * - `GET /preferences/{token}`: the topics with their current state; `POST` saves the choices.
 * - `GET /consent/confirm/{token}`: double opt-in, records the opt-in with proof `double_opt_in`.
 *
 * A token that is malformed (400), forged or for another page (403), expired (410) or for a contact
 * that does not exist (404) gets an HTML error page and nothing is stored. Every change is a
 * read-modify-write of the contact, conditioned on the version read and retried.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { z } from 'zod';
import type { Contact } from '#catalogue/contact.ts';
import { now, nowIso } from '#platform/clock.ts';
import { requireEnv } from '#platform/env.ts';
import { ENV } from '#platform/env-names.ts';
import { errorPage, escapeHtml, page, paragraph } from '#platform/html-page.ts';
import { bodyText, header } from '#platform/http.ts';
import { logger } from '#platform/logger.ts';
import { PREFERENCES_ENV } from '#platform/preferences-env.ts';
import { ContactsRepository } from '../contacts/contacts-repository.ts';
import type { TopicMode } from '../delivery/delivery-controls.ts';
import {
  type ConsentChannel,
  channelOptedOut,
  confirmDoubleOptIn,
  setTopics,
  topicSubscribed,
  unsubscribe,
} from './consent-changes.ts';
import { linkSigningKey } from './link-key.ts';
import {
  type LinkClaims,
  type LinkPurpose,
  signToken,
  tokenFingerprint,
  type VerifyFailure,
  verifyToken,
} from './signed-links.ts';

const EmailTopics = z.record(
  z.string().regex(/^[A-Za-z0-9_-]{1,100}$/),
  z.object({ label: z.string().min(1), mode: z.enum(['opt_in', 'opt_out']) }),
);
type EmailTopics = z.infer<typeof EmailTopics>;

function emailTopicsFromEnvironment(): EmailTopics {
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

const contacts = new ContactsRepository(requireEnv(ENV.contactsTable));
const secretId = requireEnv(PREFERENCES_ENV.linkSigningSecretArn);
const emailTopics = emailTopicsFromEnvironment();

/** Forms are a few hundred bytes; anything larger is not ours. */
const MAX_BODY_BYTES = 16 * 1024;
/** Optimistic-concurrency attempts before giving up (a contact is rarely written that often). */
const MAX_SAVE_ATTEMPTS = 5;
/** The preference link the unsubscribe page offers is short-lived: it is minted on the spot. */
const PAGE_LINK_SECONDS = 86_400;

const PURPOSE_OF_RESOURCE: Readonly<Record<string, LinkPurpose>> = {
  '/u/{token}': 'unsubscribe',
  '/preferences/{token}': 'preferences',
  '/consent/confirm/{token}': 'confirm',
};
const METHODS_OF_PURPOSE: Readonly<Record<LinkPurpose, readonly string[]>> = {
  unsubscribe: ['GET', 'POST'],
  preferences: ['GET', 'POST'],
  confirm: ['GET'],
};

/** What a valid link gives a request: its claims, and the fingerprint kept as proof. */
interface Link {
  readonly claims: LinkClaims;
  readonly reference: string;
}

// ----- pages ------------------------------------------------------------------------------------

const REFUSALS: Readonly<Record<VerifyFailure, { status: number; title: string; message: string }>> = {
  malformed: {
    status: 400,
    title: 'This link is incomplete',
    message:
      'The link is damaged or cut short. Copy the whole link from the message, or use a newer message.',
  },
  bad_signature: {
    status: 403,
    title: 'This link is not valid',
    message: 'The link was not issued by us or was changed. Use the link exactly as it is in the message.',
  },
  expired: {
    status: 410,
    title: 'This link has expired',
    message: 'Use the link in a more recent message from us.',
  },
};

function channelName(channel: ConsentChannel): string {
  return channel === 'email' ? 'e-mail' : 'SMS';
}

/** What an unsubscribe link covers, in words. */
function scopeOf(claims: LinkClaims): string {
  if (!claims.topic) return `all marketing ${channelName(claims.channel)} messages`;
  const label = claims.channel === 'email' ? emailTopics[claims.topic]?.label : undefined;
  return `“${label ?? claims.topic}”`;
}

/** The topics the preference page lists for a channel (e-mail only has topics). */
function topicsOf(channel: ConsentChannel): Array<[string, { label: string; mode: TopicMode }]> {
  return channel === 'email' ? Object.entries(emailTopics) : [];
}

/** A preference link for the same contact, relative to `/u/{token}`, minted for the page. */
function preferencesHref(key: string, claims: LinkClaims): string {
  const token = signToken(key, {
    contactId: claims.contactId,
    purpose: 'preferences',
    channel: claims.channel,
    exp: Math.floor(now() / 1000) + PAGE_LINK_SECONDS,
  });
  return `../preferences/${token}`;
}

function unsubscribePage(claims: LinkClaims, contact: Contact, key: string): APIGatewayProxyResult {
  const manage = `<p><a href="${escapeHtml(preferencesHref(key, claims))}">Choose what you receive instead</a></p>`;
  const optedOut = claims.topic
    ? contact.consent[claims.channel]?.topics[claims.topic]?.status === 'opted_out' ||
      channelOptedOut(contact, claims.channel)
    : channelOptedOut(contact, claims.channel);
  if (optedOut) {
    return page(200, 'You are unsubscribed', paragraph(`You no longer receive ${scopeOf(claims)}.`) + manage);
  }
  const form =
    '<form method="post">' +
    '<input type="hidden" name="List-Unsubscribe" value="One-Click">' +
    '<input type="hidden" name="via" value="page">' +
    '<button type="submit">Unsubscribe</button></form>';
  return page(200, 'Unsubscribe?', paragraph(`Stop receiving ${scopeOf(claims)}?`) + form + manage);
}

function unsubscribedPage(claims: LinkClaims, key: string): APIGatewayProxyResult {
  const manage = `<p><a href="${escapeHtml(preferencesHref(key, claims))}">Choose what you receive</a></p>`;
  return page(
    200,
    'You are unsubscribed',
    paragraph(`You will no longer receive ${scopeOf(claims)}.`) + manage,
  );
}

function preferencesPage(claims: LinkClaims, contact: Contact): APIGatewayProxyResult {
  const { channel } = claims;
  const optedOut = channelOptedOut(contact, channel);
  const topics = topicsOf(channel);
  const notice = optedOut
    ? paragraph(
        topics.length > 0
          ? `You are unsubscribed from all marketing ${channelName(channel)}. Tick a topic to receive it again.`
          : `You are unsubscribed from all marketing ${channelName(channel)}.`,
        'note',
      )
    : '';
  const boxes = topics
    .map(([topic, { label, mode }]) => {
      const checked = topicSubscribed(contact, channel, topic, mode) ? ' checked' : '';
      return `<label><input type="checkbox" name="topic" value="${escapeHtml(topic)}"${checked}> ${escapeHtml(label)}</label>`;
    })
    .join('');
  const save =
    topics.length > 0 ? '<button type="submit" name="action" value="save">Save my choices</button>' : '';
  const all = optedOut
    ? ''
    : `<button type="submit" name="action" value="unsubscribe_all">Unsubscribe from all marketing ${channelName(channel)}</button>`;
  const form = save || all ? `<form method="post">${boxes}${save}${all}</form>` : '';
  return page(200, `Your ${channelName(channel)} preferences`, notice + form);
}

function savedPage(claims: LinkClaims, contact: Contact): APIGatewayProxyResult {
  const { channel } = claims;
  const rows = topicsOf(channel)
    .map(([topic, { label, mode }]) => {
      const on = topicSubscribed(contact, channel, topic, mode);
      return `<li>${escapeHtml(label)}: ${on ? 'subscribed' : 'not subscribed'}</li>`;
    })
    .join('');
  const summary = channelOptedOut(contact, channel)
    ? paragraph(`You are unsubscribed from all marketing ${channelName(channel)}.`)
    : rows
      ? `<ul>${rows}</ul>`
      : '';
  return page(200, 'Your choices are saved', `${summary}<p><a href="">Change them again</a></p>`);
}

function confirmedPage(claims: LinkClaims): APIGatewayProxyResult {
  const what = claims.topic
    ? `“${(claims.channel === 'email' ? emailTopics[claims.topic]?.label : undefined) ?? claims.topic}”`
    : `our ${channelName(claims.channel)} messages`;
  return page(200, 'Thank you', paragraph(`Your subscription to ${what} is confirmed.`));
}

// ----- requests ---------------------------------------------------------------------------------

type Form = { ok: true; fields: FormData } | { ok: false; response: APIGatewayProxyResult };

/** The fields of a form body (url-encoded, or multipart as RFC 8058 allows). */
async function readForm(event: APIGatewayProxyEvent): Promise<Form> {
  const text = bodyText(event);
  if (Buffer.byteLength(text) > MAX_BODY_BYTES) {
    return { ok: false, response: errorPage(413, 'Request too large', 'The form sent is too large.') };
  }
  const contentType = header(event, 'content-type') ?? 'application/x-www-form-urlencoded';
  const type = contentType.split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded' && type !== 'multipart/form-data') {
    return {
      ok: false,
      response: errorPage(415, 'Unsupported form', 'Send the form as application/x-www-form-urlencoded.'),
    };
  }
  try {
    const fields = await new Response(text, { headers: { 'content-type': contentType } }).formData();
    return { ok: true, fields };
  } catch {
    return { ok: false, response: errorPage(400, 'Unreadable form', 'The form could not be read.') };
  }
}

function field(fields: FormData, name: string): string | undefined {
  const value = fields.get(name);
  return typeof value === 'string' ? value : undefined;
}

/**
 * Reads the contact, applies `change`, and writes it back if nobody changed it meanwhile; retried
 * from the read when someone did. Undefined when the contact does not exist.
 */
async function updateContact(
  contactId: string,
  change: (contact: Contact) => Contact,
): Promise<{ contact: Contact; changed: boolean } | undefined> {
  for (let attempt = 1; attempt <= MAX_SAVE_ATTEMPTS; attempt++) {
    const current = await contacts.get(contactId);
    if (!current) return undefined;
    const next = change(current);
    if (next === current) return { contact: current, changed: false };
    if (await contacts.save(next, current.version)) return { contact: next, changed: true };
    logger.info('contact changed meanwhile, retrying', { contactId, attempt });
  }
  throw new Error(`contact kept changing during ${MAX_SAVE_ATTEMPTS} attempts`);
}

const noContact = () =>
  errorPage(404, 'No subscription found', 'We have no subscription for this link any more.');

async function oneClickUnsubscribe(
  event: APIGatewayProxyEvent,
  link: Link,
  key: string,
): Promise<APIGatewayProxyResult> {
  const form = await readForm(event);
  if (!form.ok) return form.response;
  if (field(form.fields, 'List-Unsubscribe') !== 'One-Click') {
    return errorPage(400, 'Unreadable request', 'The request must carry List-Unsubscribe=One-Click.');
  }
  const { claims } = link;
  const source = field(form.fields, 'via') === 'page' ? 'unsubscribe_page' : 'list_unsubscribe_one_click';
  const result = await updateContact(claims.contactId, (contact) =>
    unsubscribe(contact, {
      channel: claims.channel,
      ...(claims.topic ? { topic: claims.topic } : {}),
      at: nowIso(),
      source,
      proof: { kind: 'link', reference: link.reference },
    }),
  );
  if (!result) return noContact();
  logger.info('unsubscribed', {
    contactId: claims.contactId,
    channel: claims.channel,
    topic: claims.topic,
    source,
    changed: result.changed,
  });
  return unsubscribedPage(claims, key);
}

async function savePreferences(event: APIGatewayProxyEvent, link: Link): Promise<APIGatewayProxyResult> {
  const form = await readForm(event);
  if (!form.ok) return form.response;
  const { claims } = link;
  const action = field(form.fields, 'action');
  const provenance = {
    at: nowIso(),
    source: 'preference_page',
    proof: { kind: 'link', reference: link.reference },
  };
  let change: (contact: Contact) => Contact;
  if (action === 'unsubscribe_all') {
    change = (contact) => unsubscribe(contact, { channel: claims.channel, ...provenance });
  } else if (action === 'save') {
    const topics = topicsOf(claims.channel);
    if (topics.length === 0) {
      return errorPage(
        400,
        'Nothing to save',
        `There are no ${channelName(claims.channel)} topics to choose.`,
      );
    }
    const known = new Set(topics.map(([topic]) => topic));
    const chosen = form.fields.getAll('topic');
    const unknown = chosen.find((value) => typeof value !== 'string' || !known.has(value));
    if (unknown !== undefined) {
      const name = typeof unknown === 'string' ? unknown : 'a file';
      return errorPage(400, 'Unknown topic', `There is no topic named ${name}.`);
    }
    const wanted = new Set(chosen);
    change = (contact) =>
      setTopics(contact, {
        channel: claims.channel,
        choices: Object.fromEntries(topics.map(([topic]) => [topic, wanted.has(topic)])),
        topicModes: Object.fromEntries(topics.map(([topic, { mode }]) => [topic, mode])),
        ...provenance,
      });
  } else {
    return errorPage(400, 'Unreadable request', 'Use the buttons of the preference page.');
  }
  const result = await updateContact(claims.contactId, change);
  if (!result) return noContact();
  logger.info('preferences saved', {
    contactId: claims.contactId,
    channel: claims.channel,
    action,
    changed: result.changed,
  });
  return savedPage(claims, result.contact);
}

async function confirm(link: Link): Promise<APIGatewayProxyResult> {
  const { claims } = link;
  const result = await updateContact(claims.contactId, (contact) =>
    confirmDoubleOptIn(contact, {
      channel: claims.channel,
      ...(claims.topic ? { topic: claims.topic } : {}),
      at: nowIso(),
      source: 'confirmation_link',
      reference: link.reference,
    }),
  );
  if (!result) return noContact();
  logger.info('double opt-in confirmed', {
    contactId: claims.contactId,
    channel: claims.channel,
    topic: claims.topic,
    changed: result.changed,
  });
  return confirmedPage(claims);
}

async function servePage(event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
  const purpose = PURPOSE_OF_RESOURCE[event.resource];
  if (!purpose) return errorPage(404, 'Not found', 'There is no page here.');
  const allowed = METHODS_OF_PURPOSE[purpose];
  if (!allowed.includes(event.httpMethod)) {
    return errorPage(405, 'Not allowed', 'This page cannot be used that way.', { allow: allowed.join(', ') });
  }
  const token = event.pathParameters?.token ?? '';
  const key = await linkSigningKey(secretId);
  const verified = verifyToken(key, token, now());
  if (!verified.ok) {
    logger.warn('link refused', { reason: verified.reason, purpose });
    const refusal = REFUSALS[verified.reason];
    return errorPage(refusal.status, refusal.title, refusal.message);
  }
  const { claims } = verified;
  if (claims.purpose !== purpose) {
    logger.warn('link refused', { reason: 'wrong_purpose', purpose, contactId: claims.contactId });
    return errorPage(403, 'This link is not valid', 'This link is not meant for this page.');
  }
  const link: Link = { claims, reference: tokenFingerprint(token) };
  if (event.httpMethod === 'POST') {
    return purpose === 'unsubscribe' ? oneClickUnsubscribe(event, link, key) : savePreferences(event, link);
  }
  if (purpose === 'confirm') return confirm(link);
  const contact = await contacts.get(claims.contactId);
  if (!contact) return noContact();
  return purpose === 'unsubscribe' ? unsubscribePage(claims, contact, key) : preferencesPage(claims, contact);
}

/** Faults answer 503 without details; the error is logged, never shown. */
async function safely(event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
  try {
    return await servePage(event);
  } catch (error) {
    logger.error('preference page failed', { error: error instanceof Error ? error.name : 'unknown' });
    return errorPage(
      503,
      'Please try again',
      'We could not do this just now. Please try again in a moment.',
      {
        'retry-after': '30',
      },
    );
  }
}

export const handler = middy(safely).use(injectLambdaContext(logger, { resetKeys: true }));
