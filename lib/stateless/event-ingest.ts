import { Duration, Lazy, Stack } from 'aws-cdk-lib';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { CfnRule, EventBus, type EventBusProps, type IEventBus, Rule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ACCEPTED_SOURCE, ENV, RELANCE_SOURCE } from '#platform/env-names.ts';
import { conversionGoal } from '../../functions/journey-report/counters.ts';
import type { JourneyCatalog } from '../../workflows/versions/index.ts';
import type { RelanceConfig } from '../config.ts';
import type { StageNames } from '../stage.ts';
import { RelanceFunction, SendOnlyQueueDestination } from './relance-function.ts';

export interface EventIngestProps {
  readonly contacts: ITableV2;
  readonly events: ITableV2;
  readonly products: ITableV2;
  readonly config: RelanceConfig;
  readonly names: StageNames;
  /**
   * The journey versions deployed and those runs may still be on: their goal events are kept in
   * the history for `historyRetentionDays` (the report recounts conversions from them), every other
   * event for `recentHistoryRetentionDays`.
   */
  readonly versions: JourneyCatalog;
  /** An existing bus to use. @default a new bus */
  readonly eventBus?: IEventBus;
  /** Settings of the new bus. @default named `Relance-<stage>-events` with a stage */
  readonly eventBusProps?: EventBusProps;
}

/** The goal event types of every journey version, deployed or earlier, sorted. */
export function goalEventTypes(versions: JourneyCatalog): string[] {
  const types = new Set(
    [...versions.current, ...versions.earlier].map((v) => conversionGoal(v.definition).event),
  );
  return [...types].sort();
}

/**
 * The accepted event types some rule under `scope` matches (its pattern's source names
 * relance.ingest), sorted and comma-separated; `*` when such a rule may take any type (no
 * detail-type, or a content filter on it). Read from the
 * rules' patterns as the template renders them, so what ingest publishes cannot drift from what the
 * journeys and the lead router listen to.
 */
export function acceptedTypesMatched(scope: Construct): string {
  const types = new Set<string>();
  for (const construct of scope.node.findAll()) {
    if (!(construct instanceof CfnRule)) continue;
    const pattern = Stack.of(construct).resolve(construct.eventPattern) as
      | { source?: unknown; 'detail-type'?: unknown }
      | undefined;
    const sources = Array.isArray(pattern?.source) ? pattern.source : [];
    if (!sources.includes(ACCEPTED_SOURCE)) continue;
    const detailTypes = pattern?.['detail-type'];
    // No detail-type, or a matcher (prefix, anything-but...): the rule may take any type.
    if (!Array.isArray(detailTypes) || detailTypes.some((type) => typeof type !== 'string')) return '*';
    for (const type of detailTypes) types.add(type);
  }
  return [...types].sort().join(',');
}

/** A queue with the house defaults: encrypted, TLS only, kept two weeks. */
export function deadLetterQueue(scope: Construct, id: string, queueName?: string): Queue {
  return new Queue(scope, id, {
    ...(queueName ? { queueName } : {}),
    encryption: QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
  });
}

/**
 * The relance event bus and its ingest: producers put events on the bus (IAM), or POST them to the
 * HTTP API (http-ingest.ts), which forwards them here. The ingest function validates each one, updates the contact, then
 * re-publishes it with source `relance.ingest` when a rule matches its type (or every one, with
 * `publishAcceptedEvents: 'all'`); journeys listen only to those, so a journey always
 * sees the contact as the event left it. Invalid events go to the rejected-events queue with the
 * reason; events the function could not process after retries go to the dead-letter queue.
 */
export class EventIngest extends Construct {
  readonly bus: IEventBus;
  readonly rejectedEvents: Queue;
  readonly deadLetters: Queue;
  readonly ingestFunction: RelanceFunction;

  constructor(scope: Construct, id: string, props: EventIngestProps) {
    super(scope, id);
    const { names } = props;
    const busName = names.stagedName('events');
    this.bus =
      props.eventBus ??
      new EventBus(this, 'Bus', {
        description: 'relance events: producers in, relance.* out',
        ...(busName ? { eventBusName: busName } : {}),
        ...props.eventBusProps,
      });
    this.rejectedEvents = deadLetterQueue(this, 'RejectedEvents', names.stagedName('rejected-events'));
    this.deadLetters = deadLetterQueue(this, 'IngestDeadLetters', names.stagedName('dead-letters'));

    this.ingestFunction = new RelanceFunction(this, 'IngestFromBus', {
      entry: 'functions/ingest/bus-handler.ts',
      description:
        'Validates producer events, updates the contact and history, re-publishes them as accepted',
      environment: {
        [ENV.rejectedEventsQueueUrl]: this.rejectedEvents.queueUrl,
        [ENV.eventBusName]: this.bus.eventBusName,
        [ENV.defaultCountry]: props.config.defaultCountry,
        [ENV.historyRetentionDays]: String(props.config.historyRetentionDays),
        [ENV.recentHistoryRetentionDays]: String(props.config.recentHistoryRetentionDays),
        [ENV.fullHistoryEventTypes]: goalEventTypes(props.versions).join(','),
        // Read at synthesis, once every rule of the deployment exists.
        [ENV.publishedEventTypes]:
          props.config.publishAcceptedEvents === 'all'
            ? '*'
            : Lazy.string({ produce: () => acceptedTypesMatched(scope) }),
        [ENV.defaultTimezone]: props.config.defaultTimezone,
      },
    })
      .useTable(props.contacts, ENV.contactsTable, ['GetItem', 'PutItem', 'UpdateItem'])
      .useTable(props.events, ENV.eventsTable, ['GetItem', 'PutItem', 'Query'])
      .useTable(props.products, ENV.productsTable, ['GetItem', 'PutItem', 'Query'])
      .allowSendingTo(this.rejectedEvents);
    this.bus.grantPutEventsTo(this.ingestFunction);
    this.ingestFunction.configureAsyncInvoke({
      retryAttempts: 2,
      maxEventAge: Duration.hours(6),
      onFailure: new SendOnlyQueueDestination(this.deadLetters),
    });

    new Rule(this, 'ProducerEvents', {
      eventBus: this.bus,
      description: 'Every event a producer puts on the bus goes through ingest first',
      eventPattern: {
        source: [{ 'anything-but': [ACCEPTED_SOURCE, RELANCE_SOURCE] }] as unknown as string[],
      },
      targets: [
        new LambdaFunction(this.ingestFunction, {
          deadLetterQueue: this.deadLetters,
          retryAttempts: 185,
          maxEventAge: Duration.hours(24),
        }),
      ],
    });
  }
}
