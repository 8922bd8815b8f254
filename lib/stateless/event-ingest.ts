import { Duration } from 'aws-cdk-lib';
import {
  AccessLogFormat,
  ApiKeySourceType,
  EndpointType,
  LambdaIntegration,
  LogGroupLogDestination,
  MethodLoggingLevel,
  RestApi,
} from 'aws-cdk-lib/aws-apigateway';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { EventBus, Rule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ACCEPTED_SOURCE, ENV, RELANCE_SOURCE } from '../../functions/shared/env-names.ts';
import type { RelanceConfig } from '../config.ts';
import { RelanceFunction } from './relance-function.ts';

export interface EventIngestProps {
  readonly contacts: ITableV2;
  readonly events: ITableV2;
  readonly products: ITableV2;
  readonly config: RelanceConfig;
}

/** A queue with the house defaults: encrypted, TLS only, kept two weeks. */
export function deadLetterQueue(scope: Construct, id: string): Queue {
  return new Queue(scope, id, {
    encryption: QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
  });
}

/**
 * The relance event bus and the way in: producers put events on the bus (IAM) or POST them to
 * `/events` (API key). The ingest function validates each one, updates the contact, then
 * re-publishes it with source `relance.ingest`; journeys listen only to those, so a journey always
 * sees the contact as the event left it. Invalid events go to the rejected-events queue with the
 * reason; events the function could not process after retries go to the dead-letter queue.
 */
export class EventIngest extends Construct {
  readonly bus: EventBus;
  readonly rejectedEvents: Queue;
  readonly deadLetters: Queue;
  readonly api: RestApi;
  readonly ingestFunction: RelanceFunction;
  readonly httpFunction: RelanceFunction;

  constructor(scope: Construct, id: string, props: EventIngestProps) {
    super(scope, id);
    this.bus = new EventBus(this, 'Bus', { description: 'relance events: producers in, relance.* out' });
    this.rejectedEvents = deadLetterQueue(this, 'RejectedEvents');
    this.deadLetters = deadLetterQueue(this, 'IngestDeadLetters');

    this.ingestFunction = new RelanceFunction(this, 'IngestFromBus', {
      entry: 'functions/handlers/ingest-bus.ts',
      description:
        'Validates producer events, updates the contact and history, re-publishes them as accepted',
      environment: {
        [ENV.rejectedEventsQueueUrl]: this.rejectedEvents.queueUrl,
        [ENV.eventBusName]: this.bus.eventBusName,
        [ENV.defaultCountry]: props.config.defaultCountry,
        [ENV.historyRetentionDays]: String(props.config.historyRetentionDays),
      },
    })
      .useTable(props.contacts, ENV.contactsTable, 'readWrite')
      .useTable(props.events, ENV.eventsTable, 'readWrite')
      .useTable(props.products, ENV.productsTable, 'readWrite');
    this.rejectedEvents.grantSendMessages(this.ingestFunction);
    this.bus.grantPutEventsTo(this.ingestFunction);
    this.ingestFunction.configureAsyncInvoke({
      retryAttempts: 2,
      maxEventAge: Duration.hours(6),
      onFailure: new SqsDestination(this.deadLetters),
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

    this.httpFunction = new RelanceFunction(this, 'IngestFromHttp', {
      entry: 'functions/handlers/ingest-http.ts',
      description: 'POST /events: validates an event and forwards it to the bus',
      environment: {
        [ENV.eventBusName]: this.bus.eventBusName,
        [ENV.defaultCountry]: props.config.defaultCountry,
      },
    });
    this.bus.grantPutEventsTo(this.httpFunction);

    const accessLogs = new LogGroup(this, 'ApiAccessLogs', { retention: RetentionDays.ONE_MONTH });
    this.api = new RestApi(this, 'Api', {
      description: 'relance public HTTP API',
      endpointTypes: [EndpointType.REGIONAL],
      apiKeySourceType: ApiKeySourceType.HEADER,
      cloudWatchRole: true,
      deployOptions: {
        stageName: 'v1',
        tracingEnabled: true,
        loggingLevel: MethodLoggingLevel.ERROR,
        accessLogDestination: new LogGroupLogDestination(accessLogs),
        accessLogFormat: AccessLogFormat.jsonWithStandardFields(),
        throttlingRateLimit: 200,
        throttlingBurstLimit: 400,
      },
    });
    // The body is validated by the function with the event schemas (errors name the field); the
    // gateway checks the request shape it can: the API key header is required.
    const validator = this.api.addRequestValidator('RequireHeaders', {
      validateRequestParameters: true,
      validateRequestBody: true,
    });
    this.api.root.addResource('events').addMethod('POST', new LambdaIntegration(this.httpFunction), {
      apiKeyRequired: true,
      requestValidator: validator,
      requestParameters: { 'method.request.header.x-api-key': true },
    });
    const plan = this.api.addUsagePlan('Producers', {
      description: 'Event producers: per-key throttling',
      throttle: { rateLimit: 100, burstLimit: 200 },
    });
    plan.addApiStage({ stage: this.api.deploymentStage });
    plan.addApiKey(
      this.api.addApiKey('ProducerKey', { description: 'Default producer key; add one per producer' }),
    );
  }
}
