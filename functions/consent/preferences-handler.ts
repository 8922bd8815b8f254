/**
 * Lambda: the public pages behind the signed links in messages (API Gateway REST proxy, no API key;
 * the signed token in the path is the credential).
 *
 * - `/u/{token}`: one-click unsubscribe (`POST`) and its confirmation page (`GET`), see unsubscribe.ts.
 * - `/preferences/{token}`: the preference page, see preference-center.ts.
 * - `/consent/confirm/{token}`: double opt-in (`GET` the page with its button, `POST` confirms), see
 *   double-opt-in.ts.
 *
 * A token that is malformed (400), forged or for another page (403), expired (410) or for a contact
 * that does not exist (404) gets an HTML error page and nothing is stored. Faults answer a 503 page
 * without details.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { now } from '#platform/clock.ts';
import { requireEnv } from '#platform/env.ts';
import { ENV } from '#platform/env-names.ts';
import { readFormBody } from '#platform/http/body.ts';
import { httpErrors } from '#platform/http/error-handler.ts';
import { allowedMethods } from '#platform/http/routes.ts';
import { logger } from '#platform/logger.ts';
import { PREFERENCES_ENV } from '#platform/preferences-env.ts';
import { ContactsRepository } from '../contacts/contacts-repository.ts';
import { LedgerRepository } from '../delivery/ledger-repository.ts';
import { confirmSubscription, showConfirmation } from './double-opt-in.ts';
import { emailTopicsFromEnvironment } from './email-topics.ts';
import { type LinkPageDeps, openLink } from './link-access.ts';
import { linkSigningKey } from './link-key.ts';
import { requestRefusedPage, unavailablePage } from './pages.ts';
import { savePreferences, showPreferences } from './preference-center.ts';
import type { LinkPurpose } from './signed-links.ts';
import { oneClickUnsubscribe, showUnsubscribe } from './unsubscribe.ts';

const deps: LinkPageDeps = {
  contacts: new ContactsRepository(requireEnv(ENV.contactsTable)),
  topics: emailTopicsFromEnvironment(),
  ledger: new LedgerRepository(requireEnv(ENV.ledgerTable)),
};
const secretId = requireEnv(PREFERENCES_ENV.linkSigningSecretArn);

/** Forms are a few hundred bytes; anything larger is not ours. */
const MAX_FORM_BYTES = 16 * 1024;

const ROUTES: Readonly<Record<string, { purpose: LinkPurpose; methods: readonly string[] }>> = {
  '/u/{token}': { purpose: 'unsubscribe', methods: ['GET', 'POST'] },
  '/preferences/{token}': { purpose: 'preferences', methods: ['GET', 'POST'] },
  '/consent/confirm/{token}': { purpose: 'confirm', methods: ['GET', 'POST'] },
};
const METHODS_OF_RESOURCE = Object.fromEntries(
  Object.entries(ROUTES).map(([resource, { methods }]) => [resource, methods]),
);

async function servePage(event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
  const route = ROUTES[event.resource];
  if (!route) throw new Error('a resource allowedMethods lets through has no route');
  const opened = openLink(
    await linkSigningKey(secretId),
    event.pathParameters?.token ?? '',
    route.purpose,
    now(),
  );
  if (!opened.ok) return opened.page;
  const { link } = opened;
  if (event.httpMethod === 'POST') {
    const form = await readFormBody(event, { maxBytes: MAX_FORM_BYTES });
    if (route.purpose === 'confirm') return confirmSubscription(deps, link, form);
    return route.purpose === 'unsubscribe'
      ? oneClickUnsubscribe(deps, link, form)
      : savePreferences(deps, link, form);
  }
  // A GET shows a page and changes nothing: mail scanners prefetch the links in messages.
  if (route.purpose === 'confirm') return showConfirmation(deps, link);
  return route.purpose === 'unsubscribe' ? showUnsubscribe(deps, link) : showPreferences(deps, link);
}

export const handler = middy(servePage)
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(
    httpErrors({
      logMessage: 'preference page failed',
      fault: unavailablePage,
      refusal: requestRefusedPage,
    }),
  )
  .use(allowedMethods(METHODS_OF_RESOURCE));
