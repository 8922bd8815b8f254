/**
 * The pages behind the signed links in messages: what each says, in one place, in the contact's
 * language (English and French; errors before the contact is known are in English). Pure: each
 * takes what it shows and answers the whole page (see `#platform/html-page.ts` for the headers).
 */
import type { APIGatewayProxyResult } from 'aws-lambda';
import type { Contact } from '#catalogue/contact.ts';
import { errorPage, escapeHtml, page, paragraph } from '#platform/html-page.ts';
import type { HttpError } from '#platform/http/http-error.ts';
import { type TextLanguage, textLanguage } from '#platform/text-language.ts';
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

/** The words of the pages a contact reads, by language (see #platform/text-language.ts). */
interface PageTexts {
  readonly channel: (channel: ConsentChannel) => string;
  readonly allMarketing: (channel: ConsentChannel) => string;
  readonly ourMessages: (channel: ConsentChannel) => string;
  readonly quoted: (label: string) => string;
  readonly chooseInstead: string;
  readonly choose: string;
  readonly unsubscribedTitle: string;
  readonly noLongerReceive: (scope: string) => string;
  readonly willNoLongerReceive: (scope: string) => string;
  readonly unsubscribeTitle: string;
  readonly stopReceiving: (scope: string) => string;
  readonly unsubscribeButton: string;
  readonly preferencesTitle: (channel: ConsentChannel) => string;
  readonly unsubscribedFromAll: (channel: ConsentChannel, canTick: boolean) => string;
  readonly save: string;
  readonly unsubscribeAll: (channel: ConsentChannel) => string;
  readonly savedTitle: string;
  readonly subscribed: (on: boolean) => string;
  readonly changeAgain: string;
  readonly confirmTitle: string;
  readonly confirmQuestion: (what: string) => string;
  readonly confirmButton: string;
  readonly confirmedTitle: string;
  readonly confirmed: (what: string) => string;
}

const TEXTS: Readonly<Record<TextLanguage, PageTexts>> = {
  en: {
    channel: (channel) => (channel === 'email' ? 'e-mail' : 'SMS'),
    allMarketing: (channel) => `all marketing ${channel === 'email' ? 'e-mail' : 'SMS'} messages`,
    ourMessages: (channel) => `our ${channel === 'email' ? 'e-mail' : 'SMS'} messages`,
    quoted: (label) => `“${label}”`,
    chooseInstead: 'Choose what you receive instead',
    choose: 'Choose what you receive',
    unsubscribedTitle: 'You are unsubscribed',
    noLongerReceive: (scope) => `You no longer receive ${scope}.`,
    willNoLongerReceive: (scope) => `You will no longer receive ${scope}.`,
    unsubscribeTitle: 'Unsubscribe?',
    stopReceiving: (scope) => `Stop receiving ${scope}?`,
    unsubscribeButton: 'Unsubscribe',
    preferencesTitle: (channel) => `Your ${channel === 'email' ? 'e-mail' : 'SMS'} preferences`,
    unsubscribedFromAll: (channel, canTick) =>
      `You are unsubscribed from all marketing ${channel === 'email' ? 'e-mail' : 'SMS'}.${canTick ? ' Tick a topic to receive it again.' : ''}`,
    save: 'Save my choices',
    unsubscribeAll: (channel) => `Unsubscribe from all marketing ${channel === 'email' ? 'e-mail' : 'SMS'}`,
    savedTitle: 'Your choices are saved',
    subscribed: (on) => (on ? 'subscribed' : 'not subscribed'),
    changeAgain: 'Change them again',
    confirmTitle: 'Confirm your subscription',
    confirmQuestion: (what) => `Do you want to receive ${what}? Nothing is sent until you confirm.`,
    confirmButton: 'Yes, subscribe me',
    confirmedTitle: 'Thank you',
    confirmed: (what) => `Your subscription to ${what} is confirmed.`,
  },
  fr: {
    channel: (channel) => (channel === 'email' ? 'e-mail' : 'SMS'),
    allMarketing: (channel) => `tous les ${channel === 'email' ? 'e-mails' : 'SMS'} marketing`,
    ourMessages: (channel) => `nos ${channel === 'email' ? 'e-mails' : 'SMS'}`,
    quoted: (label) => `« ${label} »`,
    chooseInstead: 'Choisir plutôt ce que vous recevez',
    choose: 'Choisir ce que vous recevez',
    unsubscribedTitle: 'Désinscription enregistrée',
    noLongerReceive: (scope) => `Vous ne recevez plus ${scope}.`,
    willNoLongerReceive: (scope) => `Vous ne recevrez plus ${scope}.`,
    unsubscribeTitle: 'Se désinscrire ?',
    stopReceiving: (scope) => `Ne plus recevoir ${scope} ?`,
    unsubscribeButton: 'Me désinscrire',
    preferencesTitle: (channel) => `Vos préférences ${channel === 'email' ? 'e-mail' : 'SMS'}`,
    unsubscribedFromAll: (channel, canTick) =>
      `Vous ne recevez plus aucun ${channel === 'email' ? 'e-mail' : 'SMS'} marketing.${canTick ? ' Cochez un sujet pour le recevoir à nouveau.' : ''}`,
    save: 'Enregistrer mes choix',
    unsubscribeAll: (channel) => `Ne plus recevoir aucun ${channel === 'email' ? 'e-mail' : 'SMS'} marketing`,
    savedTitle: 'Vos choix sont enregistrés',
    subscribed: (on) => (on ? 'abonné' : 'non abonné'),
    changeAgain: 'Les modifier à nouveau',
    confirmTitle: 'Confirmez votre inscription',
    confirmQuestion: (what) =>
      `Voulez-vous recevoir ${what} ? Rien ne vous sera envoyé sans votre confirmation.`,
    confirmButton: "Oui, je m'inscris",
    confirmedTitle: 'Merci',
    confirmed: (what) => `Votre inscription à ${what} est confirmée.`,
  },
};

/** The texts and the language for a contact (their locale's language when relance speaks it). */
function textsFor(contact: Pick<Contact, 'locale'> | undefined): { t: PageTexts; lang: TextLanguage } {
  const lang = textLanguage(contact?.locale);
  return { t: TEXTS[lang], lang };
}

/** What an unsubscribe link covers, in words. */
function scopeOf(topics: EmailTopics, claims: LinkClaims, t: PageTexts, lang: TextLanguage): string {
  if (!claims.topic) return t.allMarketing(claims.channel);
  return t.quoted(topicLabel(topics, claims.channel, claims.topic, lang));
}

function manageLink(href: string, text: string): string {
  return `<p><a href="${escapeHtml(href)}">${escapeHtml(text)}</a></p>`;
}

/**
 * `GET /u/{token}`: a button that POSTs (mail scanners prefetch GET links), or that the contact is
 * unsubscribed already; with a link to the preference page (`preferencesHref`). In the contact's
 * language.
 */
export function unsubscribeConfirmPage(
  topics: EmailTopics,
  claims: LinkClaims,
  contact: Contact,
  preferencesHref: string,
): Page {
  const { t, lang } = textsFor(contact);
  const scope = scopeOf(topics, claims, t, lang);
  const manage = manageLink(preferencesHref, t.chooseInstead);
  const optedOut = claims.topic
    ? contact.consent[claims.channel]?.topics[claims.topic]?.status === 'opted_out' ||
      channelOptedOut(contact, claims.channel)
    : channelOptedOut(contact, claims.channel);
  if (optedOut) {
    return page(200, t.unsubscribedTitle, paragraph(t.noLongerReceive(scope)) + manage, {}, lang);
  }
  const form =
    '<form method="post">' +
    '<input type="hidden" name="List-Unsubscribe" value="One-Click">' +
    '<input type="hidden" name="via" value="page">' +
    `<button type="submit">${escapeHtml(t.unsubscribeButton)}</button></form>`;
  return page(200, t.unsubscribeTitle, paragraph(t.stopReceiving(scope)) + form + manage, {}, lang);
}

/** After an unsubscribe. */
export function unsubscribedPage(
  topics: EmailTopics,
  claims: LinkClaims,
  preferencesHref: string,
  contact?: Pick<Contact, 'locale'>,
): Page {
  const { t, lang } = textsFor(contact);
  return page(
    200,
    t.unsubscribedTitle,
    paragraph(t.willNoLongerReceive(scopeOf(topics, claims, t, lang))) +
      manageLink(preferencesHref, t.choose),
    {},
    lang,
  );
}

/** `GET /preferences/{token}`: the topics with their current state, and the buttons. */
export function preferencesFormPage(topics: EmailTopics, claims: LinkClaims, contact: Contact): Page {
  const { t, lang } = textsFor(contact);
  const { channel } = claims;
  const optedOut = channelOptedOut(contact, channel);
  const listed = topicsOf(topics, channel);
  const notice = optedOut ? paragraph(t.unsubscribedFromAll(channel, listed.length > 0), 'note') : '';
  const boxes = listed
    .map(([topic, { mode }]) => {
      const checked = topicSubscribed(contact, channel, topic, mode) ? ' checked' : '';
      const label = topicLabel(topics, channel, topic, lang);
      return `<label><input type="checkbox" name="topic" value="${escapeHtml(topic)}"${checked}> ${escapeHtml(label)}</label>`;
    })
    .join('');
  const save =
    listed.length > 0
      ? `<button type="submit" name="action" value="save">${escapeHtml(t.save)}</button>`
      : '';
  const all = optedOut
    ? ''
    : `<button type="submit" name="action" value="unsubscribe_all">${escapeHtml(t.unsubscribeAll(channel))}</button>`;
  const form = save || all ? `<form method="post">${boxes}${save}${all}</form>` : '';
  return page(200, t.preferencesTitle(channel), notice + form, {}, lang);
}

/** After saving the preference page: the state now. */
export function savedPage(topics: EmailTopics, claims: LinkClaims, contact: Contact): Page {
  const { t, lang } = textsFor(contact);
  const { channel } = claims;
  const rows = topicsOf(topics, channel)
    .map(([topic, { mode }]) => {
      const on = topicSubscribed(contact, channel, topic, mode);
      return `<li>${escapeHtml(topicLabel(topics, channel, topic, lang))}: ${escapeHtml(t.subscribed(on))}</li>`;
    })
    .join('');
  const summary = channelOptedOut(contact, channel)
    ? paragraph(t.unsubscribedFromAll(channel, false))
    : rows
      ? `<ul>${rows}</ul>`
      : '';
  return page(200, t.savedTitle, `${summary}<p><a href="">${escapeHtml(t.changeAgain)}</a></p>`, {}, lang);
}

/** The preference page's save names no topic to choose on this channel. */
export function nothingToSavePage(channel: ConsentChannel): Page {
  return errorPage(400, 'Nothing to save', `There are no ${TEXTS.en.channel(channel)} topics to choose.`);
}

/** The preference page's save names a topic there is not. */
export function unknownTopicPage(name: string): Page {
  return errorPage(400, 'Unknown topic', `There is no topic named ${name}.`);
}

/** What a confirmation link subscribes to, in words. */
function subscriptionOf(topics: EmailTopics, claims: LinkClaims, t: PageTexts, lang: TextLanguage): string {
  return claims.topic
    ? t.quoted(topicLabel(topics, claims.channel, claims.topic, lang))
    : t.ourMessages(claims.channel);
}

/**
 * `GET /consent/confirm/{token}`: a button that POSTs to the same link. Mail scanners prefetch
 * GET links: only the contact's click on the button confirms.
 */
export function confirmSubscriptionPage(
  topics: EmailTopics,
  claims: LinkClaims,
  contact: Pick<Contact, 'locale'>,
): Page {
  const { t, lang } = textsFor(contact);
  const form =
    '<form method="post"><input type="hidden" name="confirm" value="yes">' +
    `<button type="submit">${escapeHtml(t.confirmButton)}</button></form>`;
  return page(
    200,
    t.confirmTitle,
    paragraph(t.confirmQuestion(subscriptionOf(topics, claims, t, lang))) + form,
    {},
    lang,
  );
}

/** `POST /consent/confirm/{token}`: the double opt-in is recorded. */
export function confirmedPage(
  topics: EmailTopics,
  claims: LinkClaims,
  contact?: Pick<Contact, 'locale'>,
): Page {
  const { t, lang } = textsFor(contact);
  return page(
    200,
    t.confirmedTitle,
    paragraph(t.confirmed(subscriptionOf(topics, claims, t, lang))),
    {},
    lang,
  );
}
