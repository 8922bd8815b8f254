/** Builds the ingest dependencies from the environment, once per container. */
import { randomUUID } from 'node:crypto';
import { SendMessageCommand, sqs } from '#platform/clients/sqs.ts';
import { listEnv, optionalEnv, requireEnv } from '#platform/env.ts';
import { ENV } from '#platform/env-names.ts';
import { publishEvents } from '#platform/event-publisher.ts';
import { segments } from '../../workflows/segments/index.ts';
import { ContactsRepository } from '../contacts/contacts-repository.ts';
import { EventsRepository } from '../contacts/events-repository.ts';
import { historyRetentionFromEnvironment } from '../contacts/history-retention.ts';
import { ProductsRepository } from '../products/products-repository.ts';
import type { IngestDeps } from './ingest-event.ts';

/** Ingest wired to the tables, the bus and the rejected-events queue in the environment. */
export function ingestDepsFromEnvironment(): IngestDeps {
  const busName = requireEnv(ENV.eventBusName);
  const rejectedQueueUrl = requireEnv(ENV.rejectedEventsQueueUrl);
  return {
    contacts: new ContactsRepository(requireEnv(ENV.contactsTable)),
    events: new EventsRepository(requireEnv(ENV.eventsTable)),
    products: new ProductsRepository(requireEnv(ENV.productsTable)),
    publish: (events) => publishEvents(busName, events),
    reject: async (rejection) => {
      await sqs.send(
        new SendMessageCommand({
          QueueUrl: rejectedQueueUrl,
          MessageBody: JSON.stringify(rejection),
          MessageAttributes: {
            detailType: { DataType: 'String', StringValue: rejection.detailType.slice(0, 256) || '(none)' },
            firstError: { DataType: 'String', StringValue: rejection.errors[0]?.field ?? 'unknown' },
          },
        }),
      );
    },
    newContactId: () => randomUUID(),
    historyRetention: historyRetentionFromEnvironment(),
    segments,
    defaultTimezone: optionalEnv(ENV.defaultTimezone, 'UTC'),
    ...publishedTypesFromEnvironment(),
  };
}

/** PUBLISHED_EVENT_TYPES as a set (empty: none); nothing, meaning every type, when it is `*` or not set. */
function publishedTypesFromEnvironment(): Pick<IngestDeps, 'publishedTypes'> {
  const listed = listEnv(ENV.publishedEventTypes);
  if (listed === undefined || (listed.length === 1 && listed[0] === '*')) return {};
  return { publishedTypes: new Set(listed) };
}
