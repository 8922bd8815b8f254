/**
 * Lambda: the links in a rep's lead notification (API Gateway REST proxy, no API key; the signed
 * token in the path is the credential, and names one lead, one assignment, one rep, one action).
 *
 * - `GET /leads/actions/{token}`: a page saying what the link does, with a button that POSTs
 *   (mail scanners prefetch GET links; a prefetch must not accept or pass a lead).
 * - `POST /leads/actions/{token}`: does it (lead-service.ts), and says what happened.
 *
 * A forged, altered or expired token is refused with a 4xx and changes nothing; a link of an
 * assignment that is over (the lead was passed on or reassigned) explains that instead of acting.
 * Faults answer a 503 page without details.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { now } from '#platform/clock.ts';
import { httpErrors } from '#platform/http/error-handler.ts';
import { logger } from '#platform/logger.ts';
import { verifyLeadAction } from './action-links.ts';
import {
  actionNotAllowedPage,
  actionOutcomePage,
  actionUnavailablePage,
  confirmActionPage,
  refusedActionLinkPage,
} from './action-pages.ts';
import { handleRepAction } from './lead-service.ts';
import { leadDepsFromEnvironment } from './wiring.ts';

const deps = leadDepsFromEnvironment();

async function serveAction(event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
  const verified = verifyLeadAction(await deps.links.key(), event.pathParameters?.token ?? '', now());
  if (!verified.ok) {
    logger.info('lead action link refused', { reason: verified.reason });
    return refusedActionLinkPage(verified.reason);
  }
  const { claims } = verified;
  if (event.httpMethod === 'GET') return confirmActionPage(claims);
  if (event.httpMethod !== 'POST') return actionNotAllowedPage();
  const outcome = await handleRepAction(deps, claims);
  logger.info('lead action', { leadId: claims.leadId, action: claims.action, outcome: outcome.outcome });
  return actionOutcomePage(claims, outcome);
}

export const handler = middy(serveAction)
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(httpErrors({ logMessage: 'lead action failed', fault: actionUnavailablePage }));
