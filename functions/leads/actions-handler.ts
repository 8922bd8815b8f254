/**
 * Lambda: the links in a rep's lead notification (API Gateway REST proxy, no API key; the signed
 * token in the path is the credential, and names one lead, one assignment, one rep, one action).
 *
 * - `GET /leads/actions/{token}`: a page saying what the link does, with a button that POSTs
 *   (mail scanners prefetch GET links; a prefetch must not accept or pass a lead).
 * - `POST /leads/actions/{token}`: does it, and says what happened.
 *
 * A forged, altered or expired token is refused with a 4xx and changes nothing; a link of an
 * assignment that is over (the lead was passed on or reassigned) explains that instead of acting.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { now } from '#platform/clock.ts';
import { errorPage, escapeHtml, page, paragraph } from '#platform/html-page.ts';
import { logger } from '#platform/logger.ts';
import type { VerifyFailure } from '../consent/signed-links.ts';
import { type LeadAction, type LeadActionClaims, verifyLeadAction } from './action-links.ts';
import { handleRepAction } from './lead-service.ts';
import { leadDepsFromEnvironment } from './wiring.ts';

const deps = leadDepsFromEnvironment();

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

async function verified(event: APIGatewayProxyEvent): Promise<LeadActionClaims | APIGatewayProxyResult> {
  const token = event.pathParameters?.token ?? '';
  const result = verifyLeadAction(await deps.links.key(), token, now());
  if (result.ok) return result.claims;
  const refusal = REFUSALS[result.reason];
  logger.info('lead action link refused', { reason: result.reason });
  return errorPage(refusal.status, refusal.title, refusal.message);
}

async function serve(event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
  const claims = await verified(event);
  if ('statusCode' in claims) return claims;
  const verb = VERBS[claims.action];
  if (event.httpMethod === 'GET') {
    return page(
      200,
      verb.button,
      `${paragraph(`Lead ${claims.leadId}.`)}<form method="post"><button type="submit">${escapeHtml(verb.button)}</button></form>`,
    );
  }
  if (event.httpMethod !== 'POST')
    return errorPage(405, 'Not allowed', 'Use the button of the page.', { allow: 'GET, POST' });
  const outcome = await handleRepAction(deps, claims);
  logger.info('lead action', { leadId: claims.leadId, action: claims.action, outcome: outcome.outcome });
  if (outcome.outcome === 'stale') return errorPage(409, 'Nothing to do', STALE[outcome.why]);
  const next =
    claims.action === 'pass'
      ? outcome.newOwner
        ? `It now belongs to ${outcome.newOwner}.`
        : 'Nobody could take it over: every colleague is full.'
      : 'Thank you.';
  return page(200, verb.done, paragraph(`${outcome.lead}. ${next}`));
}

/** Faults answer 503 without details; the error is logged, never echoed. */
async function safely(event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
  try {
    return await serve(event);
  } catch (error) {
    logger.error('lead action failed', { error: error instanceof Error ? error.name : 'unknown' });
    return errorPage(503, 'Try again in a moment', 'The lead could not be updated just now.');
  }
}

export const handler = middy(safely).use(injectLambdaContext(logger, { resetKeys: true }));
