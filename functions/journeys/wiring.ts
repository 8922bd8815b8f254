/** Builds the journey-step dependencies from the environment, once per container. */
import * as z from '#catalogue/zod.ts';
import { optionalEnv, requireEnv } from '#platform/env.ts';
import { ENV } from '#platform/env-names.ts';
import { publishEvents } from '#platform/event-publisher.ts';
import { onFirstUse } from '#platform/first-use.ts';
import { LEAD_ENV } from '#platform/lead-env.ts';
import { PREFERENCES_ENV } from '#platform/preferences-env.ts';
import { templates } from '../../workflows/templates/index.ts';
import { deployedJourneyVersions } from '../../workflows/versions/index.ts';
import { linkSigningKey } from '../consent/link-key.ts';
import { ContactsRepository } from '../contacts/contacts-repository.ts';
import { CapsRepository } from '../delivery/caps-repository.ts';
import { parseDeliveryPolicy } from '../delivery/delivery-policy.ts';
import { LedgerRepository } from '../delivery/ledger-repository.ts';
import type { RosterRepository } from '../leads/roster-repository.ts';
import { ProductsRepository } from '../products/products-repository.ts';
import type { JourneyDeps } from './context.ts';
import { journeyTargetsFromEnvironment } from './journey-targets.ts';
import { endedRunRetention } from './run-retention.ts';
import { RunsRepository } from './runs-repository.ts';

/**
 * The roster (bundled reps.json overlaid with API edits), loaded with the first send to an owner:
 * most journeys never need it, and its modules (the reps' schema reads phone numbers with
 * libphonenumber-js, 35 KB of code) are a chunk of their own in the deployed code.
 */
const roster = onFirstUse(async (): Promise<RosterRepository> => {
  const [{ loadRoster }, { RosterRepository }] = await Promise.all([
    import('../leads/roster.ts'),
    import('../leads/roster-repository.ts'),
  ]);
  return new RosterRepository(requireEnv(LEAD_ENV.leadsTable), () => loadRoster());
});

/** Everything the journey-step actions need, wired to the tables and settings in the environment. */
export function journeyDepsFromEnvironment(): JourneyDeps {
  const linkSecretId = requireEnv(PREFERENCES_ENV.linkSigningSecretArn);
  const versions = deployedJourneyVersions();
  return {
    runs: new RunsRepository(requireEnv(ENV.journeyStateTable), {
      endedRunRetention: endedRunRetention(versions),
    }),
    contacts: new ContactsRepository(requireEnv(ENV.contactsTable)),
    ledger: new LedgerRepository(requireEnv(ENV.ledgerTable)),
    caps: new CapsRepository(requireEnv(ENV.ledgerTable)),
    products: new ProductsRepository(requireEnv(ENV.productsTable)),
    targets: journeyTargetsFromEnvironment(versions.journeyIds()),
    sending: {
      fromAddress: requireEnv(ENV.fromAddress),
      replyToAddress: optionalEnv(ENV.replyToAddress, ''),
      configurationSet: optionalEnv(ENV.sesConfigurationSet, ''),
      brand: z.record(z.string(), z.string()).parse(JSON.parse(optionalEnv(ENV.brand, '{}'))),
      smsSenderId: optionalEnv(ENV.smsSenderId, ''),
      testRecipients: z.array(z.string()).parse(JSON.parse(optionalEnv(ENV.testRecipients, '[]'))),
      defaultTimezone: optionalEnv(ENV.defaultTimezone, 'UTC'),
      policy: parseDeliveryPolicy(requireEnv(ENV.deliveryPolicy)),
      links: {
        baseUrl: requireEnv(PREFERENCES_ENV.publicBaseUrl),
        key: () => linkSigningKey(linkSecretId),
      },
    },
    findJourney: (id) => versions.current(id)?.definition,
    versions,
    templates,
    owners: async (repId) => {
      const current = await (await roster()).current();
      return current.roster.reps.find((rep) => rep.id === repId);
    },
    publish: async (events) => {
      await publishEvents(requireEnv(ENV.eventBusName), events);
    },
  };
}
