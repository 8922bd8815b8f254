/** Builds the ingest dependencies from the environment, once per container. */
import { randomUUID } from 'node:crypto';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { sqs } from '#shared/aws-clients.ts';
import { optionalEnv, requireEnv } from '#shared/env.ts';
import { ENV } from '#shared/env-names.ts';
import { segments } from '#workflows/segments/index.ts';
import { ContactsRepository } from '../adapters/contacts-repository.ts';
import { publishEvents } from '../adapters/event-publisher.ts';
import { EventsRepository } from '../adapters/events-repository.ts';
import { ProductsRepository } from '../adapters/products-repository.ts';
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
    historyRetentionDays: Number(optionalEnv(ENV.historyRetentionDays, '400')),
    segments,
    defaultTimezone: optionalEnv(ENV.defaultTimezone, 'UTC'),
  };
}
