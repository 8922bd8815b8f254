/**
 * The pages behind the signed links in messages: what each says, in one place. Pure: each takes
 * what it shows and answers the whole page (see `#platform/html-page.ts` for the headers).
 */
import type { APIGatewayProxyResult } from 'aws-lambda';
import type { Contact } from '#catalogue/contact.ts';
import { errorPage, escapeHtml, page, paragraph } from '#platform/html-page.ts';
import type { HttpError } from '#platform/http/http-error.ts';
import { type ConsentChannel, channelOptedOut, topicSubscribed } from './consent-changes.ts';
import { type EmailTopics, topicLabel, topicsOf } from './email-topics.ts';
import type { LinkClaims, VerifyFailure } from './signed-links.ts';

type Page = APIGatewayProxyResult;

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

/** A token that does not verify. */
export function refusedLinkPage(reason: VerifyFailure): Page {
  const refusal = REFUSALS[reason];
  return errorPage(refusal.status, refusal.title, refusal.message);
}

/** A valid token used on another page than its own. */
export function wrongPurposePage(): Page {
  return errorPage(403, 'This link is not valid', 'This link is not meant for this page.');
}

/** The link's contact does not exist (any more). */
export function noContactPage(): Page {
  return errorPage(404, 'No subscription found', 'We have no subscription for this link any more.');
}

/** A form that is not what the page posts. */
export function unreadableRequestPage(message: string): Page {
  return errorPage(400, 'Unreadable request', message);
}

/** Refusals thrown by the route and form checks (the error middleware renders them here). */
export function requestRefusedPage(error: HttpError): Page {
  switch (error.statusCode) {
    case 404:
      return errorPage(404, 'Not found', 'There is no page here.');
    case 405:
      return errorPage(405, 'Not allowed', 'This page cannot be used that way.', { ...error.headers });
    case 413:
      return errorPage(413, 'Request too large', 'The form sent is too large.');
    case 415:
      return errorPage(415, 'Unsupported form', 'Send the form as application/x-www-form-urlencoded.');
    case 400:
      return errorPage(400, 'Unreadable form', 'The form could not be read.');
    default:
      return errorPage(error.statusCode, 'Unreadable request', 'The request could not be read.');
  }
}

/** Any fault: nothing about it is shown. */
export function unavailablePage(): Page {
  return errorPage(503, 'Please try again', 'We could not do this just now. Please try again in a moment.', {
    'retry-after': '30',
  });
}

function channelName(channel: ConsentChannel): string {
  return channel === 'email' ? 'e-mail' : 'SMS';
}

/** What an unsubscribe link covers, in words. */
function scopeOf(topics: EmailTopics, claims: LinkClaims): string {
  if (!claims.topic) return `all marketing ${channelName(claims.channel)} messages`;
  return `“${topicLabel(topics, claims.channel, claims.topic)}”`;
}

function manageLink(href: string, text: string): string {
  return `<p><a href="${escapeHtml(href)}">${text}</a></p>`;
}

/**
 * `GET /u/{token}`: a button that POSTs (mail scanners prefetch GET links), or that the contact is
 * unsubscribed already; with a link to the preference page (`preferencesHref`).
 */
export function unsubscribeConfirmPage(
  topics: EmailTopics,
  claims: LinkClaims,
  contact: Contact,
  preferencesHref: string,
): Page {
  const manage = manageLink(preferencesHref, 'Choose what you receive instead');
  const optedOut = claims.topic
    ? contact.consent[claims.channel]?.topics[claims.topic]?.status === 'opted_out' ||
      channelOptedOut(contact, claims.channel)
    : channelOptedOut(contact, claims.channel);
  if (optedOut) {
    return page(
      200,
      'You are unsubscribed',
      paragraph(`You no longer receive ${scopeOf(topics, claims)}.`) + manage,
    );
  }
  const form =
    '<form method="post">' +
    '<input type="hidden" name="List-Unsubscribe" value="One-Click">' +
    '<input type="hidden" name="via" value="page">' +
    '<button type="submit">Unsubscribe</button></form>';
  return page(200, 'Unsubscribe?', paragraph(`Stop receiving ${scopeOf(topics, claims)}?`) + form + manage);
}

/** After an unsubscribe. */
export function unsubscribedPage(topics: EmailTopics, claims: LinkClaims, preferencesHref: string): Page {
  return page(
    200,
    'You are unsubscribed',
    paragraph(`You will no longer receive ${scopeOf(topics, claims)}.`) +
      manageLink(preferencesHref, 'Choose what you receive'),
  );
}

/** `GET /preferences/{token}`: the topics with their current state, and the buttons. */
export function preferencesFormPage(topics: EmailTopics, claims: LinkClaims, contact: Contact): Page {
  const { channel } = claims;
  const optedOut = channelOptedOut(contact, channel);
  const listed = topicsOf(topics, channel);
  const notice = optedOut
    ? paragraph(
        listed.length > 0
          ? `You are unsubscribed from all marketing ${channelName(channel)}. Tick a topic to receive it again.`
          : `You are unsubscribed from all marketing ${channelName(channel)}.`,
        'note',
      )
    : '';
  const boxes = listed
    .map(([topic, { label, mode }]) => {
      const checked = topicSubscribed(contact, channel, topic, mode) ? ' checked' : '';
      return `<label><input type="checkbox" name="topic" value="${escapeHtml(topic)}"${checked}> ${escapeHtml(label)}</label>`;
    })
    .join('');
  const save =
    listed.length > 0 ? '<button type="submit" name="action" value="save">Save my choices</button>' : '';
  const all = optedOut
    ? ''
    : `<button type="submit" name="action" value="unsubscribe_all">Unsubscribe from all marketing ${channelName(channel)}</button>`;
  const form = save || all ? `<form method="post">${boxes}${save}${all}</form>` : '';
  return page(200, `Your ${channelName(channel)} preferences`, notice + form);
}

/** After saving the preference page: the state now. */
export function savedPage(topics: EmailTopics, claims: LinkClaims, contact: Contact): Page {
  const { channel } = claims;
  const rows = topicsOf(topics, channel)
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

/** The preference page's save names no topic to choose on this channel. */
export function nothingToSavePage(channel: ConsentChannel): Page {
  return errorPage(400, 'Nothing to save', `There are no ${channelName(channel)} topics to choose.`);
}

/** The preference page's save names a topic there is not. */
export function unknownTopicPage(name: string): Page {
  return errorPage(400, 'Unknown topic', `There is no topic named ${name}.`);
}

/** `GET /consent/confirm/{token}`: the double opt-in is recorded. */
export function confirmedPage(topics: EmailTopics, claims: LinkClaims): Page {
  const what = claims.topic
    ? `“${topicLabel(topics, claims.channel, claims.topic)}”`
    : `our ${channelName(claims.channel)} messages`;
  return page(200, 'Thank you', paragraph(`Your subscription to ${what} is confirmed.`));
}
