import { Stack } from 'aws-cdk-lib';
import {
  AccessLogFormat,
  ApiKeySourceType,
  EndpointType,
  LambdaIntegration,
  LogGroupLogDestination,
  MethodLoggingLevel,
  RestApi,
} from 'aws-cdk-lib/aws-apigateway';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { ENV } from '#platform/env-names.ts';
import type { RelanceConfig } from '../config.ts';
import type { StageNames } from '../stage.ts';
import { RelanceFunction } from './relance-function.ts';

/** The API's one stage, the first segment of every public URL. */
export const API_STAGE_NAME = 'v1';

/**
 * The API's public base URL (`https://<id>.execute-api.<region>.<suffix>/v1/`), for functions that
 * put links in messages. Built from the API id rather than `api.url`, which names the deployment
 * stage: a function behind the API that read it would depend on its own deployment (a cycle).
 */
export function publicBaseUrl(api: RestApi): string {
  const stack = Stack.of(api);
  return `https://${api.restApiId}.execute-api.${stack.region}.${stack.urlSuffix}/${API_STAGE_NAME}/`;
}

export interface HttpIngestProps {
  readonly bus: IEventBus;
  readonly config: RelanceConfig;
  readonly names: StageNames;
}

/**
 * The public HTTP API (REST, API Gateway) and its first route, `POST /events` with an API key: the
 * function validates the event with the catalogue and forwards it to the bus; the gateway throttles
 * per stage and per key (usage plan), logs access and traces.
 */
export class HttpIngest extends Construct {
  readonly api: RestApi;
  readonly httpFunction: RelanceFunction;

  constructor(scope: Construct, id: string, props: HttpIngestProps) {
    super(scope, id);
    const { bus } = props;
    this.httpFunction = new RelanceFunction(this, 'IngestFromHttp', {
      entry: 'functions/ingest/http-handler.ts',
      description: 'POST /events: validates an event and forwards it to the bus',
      environment: {
        [ENV.eventBusName]: bus.eventBusName,
        [ENV.defaultCountry]: props.config.defaultCountry,
      },
    });
    bus.grantPutEventsTo(this.httpFunction);

    const accessLogs = new LogGroup(this, 'ApiAccessLogs', { retention: RetentionDays.ONE_MONTH });
    this.api = new RestApi(this, 'Api', {
      restApiName: props.names.name('api'),
      description: 'relance public HTTP API',
      endpointTypes: [EndpointType.REGIONAL],
      apiKeySourceType: ApiKeySourceType.HEADER,
      cloudWatchRole: true,
      deployOptions: {
        stageName: API_STAGE_NAME,
        tracingEnabled: true,
        loggingLevel: MethodLoggingLevel.ERROR,
        accessLogDestination: new LogGroupLogDestination(accessLogs),
        accessLogFormat: AccessLogFormat.jsonWithStandardFields(),
        throttlingRateLimit: 200,
        throttlingBurstLimit: 400,
        // The public lead form gets its own, lower ceiling; each client is limited again by the function.
        methodOptions: {
          '/leads/POST': {
            throttlingRateLimit: props.config.leads.throttle.rateLimit,
            throttlingBurstLimit: props.config.leads.throttle.burstLimit,
          },
        },
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
