/** Builds the lead service's dependencies from the environment, once per container. */

import { now } from '#platform/clock.ts';
import { optionalEnv, requireEnv } from '#platform/env.ts';
import { ENV } from '#platform/env-names.ts';
import { publishEvents } from '#platform/event-publisher.ts';
import { LEAD_ENV } from '#platform/lead-env.ts';
import { PREFERENCES_ENV } from '#platform/preferences-env.ts';
import { linkSigningKey } from '../consent/link-key.ts';
import { ContactsRepository } from '../contacts/contacts-repository.ts';
import { EventsRepository } from '../contacts/events-repository.ts';
import { sendEmail } from '../delivery/email-sender.ts';
import { sendSms } from '../delivery/sms-sender.ts';
import { AssignmentRepository } from './assignment-repository.ts';
import type { LeadDeps } from './lead-service.ts';
import { loadRoster } from './roster.ts';
import { RosterRepository } from './roster-repository.ts';
import { defaultScoringModel } from './scoring-model.ts';

/** Everything the lead service needs, wired to the tables, providers and settings in the environment. */
export function leadDepsFromEnvironment(): LeadDeps {
  const leadsTable = requireEnv(LEAD_ENV.leadsTable);
  const contacts = new ContactsRepository(requireEnv(ENV.contactsTable));
  const events = new EventsRepository(requireEnv(ENV.eventsTable));
  const roster = new RosterRepository(leadsTable, () => loadRoster());
  const busName = requireEnv(ENV.eventBusName);
  const linkSecretId = requireEnv(PREFERENCES_ENV.linkSigningSecretArn);
  const replyTo = optionalEnv(ENV.replyToAddress, '');
  const configurationSet = optionalEnv(ENV.sesConfigurationSet, '');
  const senderId = optionalEnv(ENV.smsSenderId, '');
  return {
    assignments: new AssignmentRepository(leadsTable),
    roster: async () => (await roster.current()).roster,
    contact: (contactId) => contacts.get(contactId),
    history: (contactId, limit) => events.recent(contactId, limit),
    sendEmail,
    sendSms,
    publish: async (batch) => {
      await publishEvents(busName, batch);
    },
    links: { baseUrl: requireEnv(PREFERENCES_ENV.publicBaseUrl), key: () => linkSigningKey(linkSecretId) },
    scoring: defaultScoringModel,
    sending: {
      fromAddress: requireEnv(ENV.fromAddress),
      ...(replyTo ? { replyToAddress: replyTo } : {}),
      ...(configurationSet ? { configurationSet } : {}),
      ...(senderId ? { smsSenderId: senderId } : {}),
    },
    nowMs: now,
  };
}
