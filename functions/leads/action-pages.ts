/**
 * The pages of a rep's lead links (`/leads/actions/{token}`): the confirmation page a GET shows,
 * what happened after the POST, and the refusals. Pure.
 */
import type { APIGatewayProxyResult } from 'aws-lambda';
import { errorPage, escapeHtml, page, paragraph } from '#platform/html-page.ts';
import type { VerifyFailure } from '../consent/signed-links.ts';
import type { LeadAction, LeadActionClaims } from './action-links.ts';
import type { RepActionOutcome } from './lead-service.ts';

type Page = APIGatewayProxyResult;

const REFUSALS: Readonly<Record<VerifyFailure, { status: number; title: string; message: string }>> = {
  malformed: {
    status: 400,
    title: 'This link is incomplete',
    message: 'Copy the whole link from the e-mail.',
  },
  bad_signature: {
    status: 403,
    title: 'This link is not valid',
    message: 'It was not made by relance, or it was changed.',
  },
  expired: {
    status: 410,
    title: 'This link has expired',
    message: 'Lead links work for 14 days; open the lead in your CRM.',
  },
};

const VERBS: Readonly<Record<LeadAction, { button: string; done: string }>> = {
  accept: { button: 'Accept this lead', done: 'You accepted the lead' },
  contacted: { button: 'Mark as contacted', done: 'The lead is marked contacted' },
  pass: { button: 'Pass it to a colleague', done: 'The lead was passed on' },
};

const STALE: Readonly<Record<'not_your_lead' | 'closed' | 'reassigned', string>> = {
  not_your_lead: 'This lead is no longer yours: it was passed on or reassigned.',
  closed: 'This lead is closed.',
  reassigned: 'This link belongs to an earlier assignment of the lead.',
};

/** A token that does not verify. */
export function refusedActionLinkPage(reason: VerifyFailure): Page {
  const refusal = REFUSALS[reason];
  return errorPage(refusal.status, refusal.title, refusal.message);
}

/** `GET`: what the link does, with a button that POSTs (mail scanners prefetch GET links). */
export function confirmActionPage(claims: LeadActionClaims): Page {
  const verb = VERBS[claims.action];
  return page(
    200,
    verb.button,
    `${paragraph(`Lead ${claims.leadId}.`)}<form method="post"><button type="submit">${escapeHtml(verb.button)}</button></form>`,
  );
}

/** A method other than GET and POST. */
export function actionNotAllowedPage(): Page {
  return errorPage(405, 'Not allowed', 'Use the button of the page.', { allow: 'GET, POST' });
}

/** After the POST: done (and who has the lead now), or why there was nothing to do. */
export function actionOutcomePage(claims: LeadActionClaims, outcome: RepActionOutcome): Page {
  if (outcome.outcome === 'stale') return errorPage(409, 'Nothing to do', STALE[outcome.why]);
  const next =
    claims.action === 'pass'
      ? outcome.newOwner
        ? `It now belongs to ${outcome.newOwner}.`
        : 'Nobody could take it over: every colleague is full.'
      : 'Thank you.';
  return page(200, VERBS[claims.action].done, paragraph(`${outcome.lead}. ${next}`));
}

/** Any fault: nothing about it is shown. */
export function actionUnavailablePage(): Page {
  return errorPage(503, 'Try again in a moment', 'The lead could not be updated just now.');
}
