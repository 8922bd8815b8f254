import { Duration, SecretValue, Stack } from 'aws-cdk-lib';
import { Cors, LambdaIntegration, type RestApi } from 'aws-cdk-lib/aws-apigateway';
import { type Alarm, ComparisonOperator, Stats, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import {
  ApiDestination,
  Authorization,
  Connection,
  HttpMethod,
  type IEventBus,
  Rule,
} from 'aws-cdk-lib/aws-events';
import { ApiDestination as ApiDestinationTarget, LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { FilterPattern, MetricFilter } from 'aws-cdk-lib/aws-logs';
import { CfnSchedule } from 'aws-cdk-lib/aws-scheduler';
import { type ISecret, Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ACCEPTED_SOURCE, ENV, RELANCE_SOURCE } from '#platform/env-names.ts';
import { LEAD_ENV, UNASSIGNED_QUEUE } from '#platform/lead-env.ts';
import { PREFERENCES_ENV } from '#platform/preferences-env.ts';
import type { RelanceConfig } from '../config.ts';
import type { StageNames } from '../stage.ts';
import { publicBaseUrl } from './http-ingest.ts';
import type { PhoneMessaging } from './phone-messaging.ts';
import { RelanceFunction, SendOnlyQueueDestination } from './relance-function.ts';

export interface LeadRoutingProps {
  readonly api: RestApi;
  readonly bus: IEventBus;
  readonly deadLetters: IQueue;
  /** The ARN of the SES identity e-mail is sent from (./sender-identity.ts). */
  readonly senderIdentityArn: string;
  /** End User Messaging, where SMS go through it; absent: SMS through SNS. */
  readonly phone?: PhoneMessaging;
  /** Where schedules send their input once every retry failed (their role may send to it). */
  readonly scheduleDeadLetters: IQueue;
  readonly tables: { readonly contacts: ITableV2; readonly events: ITableV2; readonly leads: ITableV2 };
  /** The key that signs the rep's action links (the preference links' key). */
  readonly linkSigningKey: ISecret;
  readonly configurationSetName: string;
  readonly config: RelanceConfig;
  readonly names: StageNames;
}

/**
 * Inbound leads, from the form to the rep: the public `POST /leads` endpoint, the lead router
 * (score, route, assign, notify, announce `lead.assigned`; SLA reminders and reassignments;
 * appointments), the rep action links, the authenticated reps API, and the optional webhook.
 */
export class LeadRouting extends Construct {
  readonly formFunction: RelanceFunction;
  readonly routerFunction: RelanceFunction;
  readonly actionsFunction: RelanceFunction;
  readonly repsFunction: RelanceFunction;
  readonly webhookConnection?: Connection;
  /** In alarm while leads wait in the unassigned queue (every rep and the fallback manager full). */
  readonly unassignedLeadsAlarm: Alarm;

  constructor(scope: Construct, id: string, props: LeadRoutingProps) {
    super(scope, id);
    const { config, tables, bus, api } = props;
    const leads = config.leads;

    this.formFunction = new RelanceFunction(this, 'LeadForm', {
      entry: 'functions/leads/form-handler.ts',
      description:
        'POST /leads: the public lead form endpoint (origin, rate limit, validation, captcha, idempotency)',
      environment: {
        [ENV.eventBusName]: bus.eventBusName,
        [ENV.defaultCountry]: config.defaultCountry,
        [LEAD_ENV.formOrigins]: JSON.stringify(leads.formOrigins),
        [LEAD_ENV.honeypotField]: leads.honeypotField,
        [LEAD_ENV.perClientPerMinute]: String(leads.perClientPerMinute),
      },
    }).useTable(tables.leads, LEAD_ENV.leadsTable, ['GetItem', 'PutItem', 'UpdateItem']);
    bus.grantPutEventsTo(this.formFunction);
    if (leads.captcha) {
      const secret = Secret.fromSecretNameV2(this, 'CaptchaSecret', leads.captcha.secretName);
      this.formFunction.allowReadingSecret(secret, LEAD_ENV.captchaSecretArn);
      this.formFunction.addEnvironment(LEAD_ENV.captchaVerifyUrl, leads.captcha.verifyUrl);
    }

    const linkBaseUrl = publicBaseUrl(api);

    // The router and the action links share the lead service: same tables, providers and key.
    const serviceFunction = (functionId: string, entry: string, description: string) => {
      const fn = new RelanceFunction(this, functionId, {
        entry,
        description,
        environment: {
          [ENV.eventBusName]: bus.eventBusName,
          [ENV.fromAddress]: config.fromAddress,
          [ENV.replyToAddress]: config.replyToAddress,
          [ENV.sesConfigurationSet]: props.configurationSetName,
          [ENV.smsSenderId]: config.smsSenderId,
          [ENV.defaultCountry]: config.defaultCountry,
          [PREFERENCES_ENV.linkSigningSecretArn]: props.linkSigningKey.secretArn,
          [PREFERENCES_ENV.publicBaseUrl]: linkBaseUrl,
        },
      })
        // Assignments and the roster; the contact and its recent history, read only.
        .useTable(tables.leads, LEAD_ENV.leadsTable, [
          'GetItem',
          'PutItem',
          'UpdateItem',
          'DeleteItem',
          'Query',
          'BatchGetItem',
        ])
        .useTable(tables.contacts, ENV.contactsTable, ['GetItem'])
        .useTable(tables.events, ENV.eventsTable, ['Query'])
        .allowSendingEmail(props.senderIdentityArn, props.configurationSetName);
      if (props.phone) props.phone.grantSending(fn, { voice: false });
      else fn.allowSendingSms();
      bus.grantPutEventsTo(fn);
      fn.allowReadingSecret(props.linkSigningKey);
      return fn;
    };
    this.routerFunction = serviceFunction(
      'LeadRouter',
      'functions/leads/router-handler.ts',
      'Scores and routes leads, notifies reps, reminds and reassigns on SLA breach, passes on appointments',
    );
    this.routerFunction.configureAsyncInvoke({
      retryAttempts: 2,
      maxEventAge: Duration.hours(6),
      onFailure: new SendOnlyQueueDestination(props.deadLetters),
    });
    this.actionsFunction = serviceFunction(
      'LeadActions',
      'functions/leads/actions-handler.ts',
      "The rep's signed lead links: accept, mark contacted, pass on",
    );
    this.repsFunction = new RelanceFunction(this, 'RepsApi', {
      entry: 'functions/leads/reps-api-handler.ts',
      description: 'The sales roster API: list, read, create or update, remove reps',
      // Reps' phone numbers written in national format are read in the deployment's country.
      environment: { [ENV.defaultCountry]: config.defaultCountry },
    }).useTable(tables.leads, LEAD_ENV.leadsTable, ['GetItem', 'PutItem', 'UpdateItem', 'BatchGetItem']);

    new Rule(this, 'LeadEvents', {
      eventBus: bus,
      description: 'Accepted lead submissions and appointments, to the lead router',
      eventPattern: { source: [ACCEPTED_SOURCE], detailType: ['lead.submitted', 'appointment.booked'] },
      targets: [
        new LambdaFunction(this.routerFunction, { deadLetterQueue: props.deadLetters, retryAttempts: 185 }),
      ],
    });
    new Rule(this, 'LeadSlaEvents', {
      eventBus: bus,
      description: 'SLA breaches emitted by the lead-sla journey, to the lead router',
      eventPattern: { source: [RELANCE_SOURCE], detailType: ['lead.sla_breached'] },
      targets: [
        new LambdaFunction(this.routerFunction, { deadLetterQueue: props.deadLetters, retryAttempts: 185 }),
      ],
    });

    // The unassigned queue: a pass every hour routes its leads again and sends the managers one
    // digest of those still waiting; the queue's size, logged by the router, feeds a metric and an
    // alarm that stays on while any lead waits.
    const schedulerRole = new Role(this, 'UnassignedPassRole', {
      // Confused-deputy guard: only schedules of this account may use the role.
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
      description: 'EventBridge Scheduler starts the hourly pass over the unassigned leads',
    });
    // The function itself, not `:*` (its versions): the schedule invokes $LATEST.
    schedulerRole.addToPolicy(
      new PolicyStatement({
        actions: ['lambda:InvokeFunction'],
        resources: [this.routerFunction.functionArn],
      }),
    );
    props.scheduleDeadLetters.grant(schedulerRole, 'sqs:SendMessage');
    new CfnSchedule(this, 'UnassignedPass', {
      description: 'Routes the unassigned leads again and sends the managers a digest of those still waiting',
      scheduleExpression: 'rate(1 hour)',
      flexibleTimeWindow: { mode: 'OFF' },
      target: {
        arn: this.routerFunction.functionArn,
        roleArn: schedulerRole.roleArn,
        input: JSON.stringify({ 'detail-type': UNASSIGNED_QUEUE.passDetailType, detail: {} }),
        retryPolicy: { maximumRetryAttempts: 5, maximumEventAgeInSeconds: 3600 },
        deadLetterConfig: { arn: props.scheduleDeadLetters.queueArn },
      },
    });
    const unassigned = new MetricFilter(this, 'UnassignedLeadsMetric', {
      logGroup: this.routerFunction.logGroup,
      filterPattern: FilterPattern.stringValue('$.message', '=', UNASSIGNED_QUEUE.logMessage),
      metricNamespace: UNASSIGNED_QUEUE.metricNamespace,
      metricName: UNASSIGNED_QUEUE.metricName,
      metricValue: '$.unassignedLeads',
    }).metric({ statistic: Stats.MAXIMUM, period: Duration.hours(1) });
    this.unassignedLeadsAlarm = unassigned.createAlarm(this, 'UnassignedLeadsAlarm', {
      alarmName: props.names.name('unassigned-leads'),
      alarmDescription:
        'Leads wait in the unassigned queue: every rep who could take them and the fallback manager are at capacity',
      threshold: 0,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      // The router logs the size on each queued lead and at each hourly pass (0 once drained).
      treatMissingData: TreatMissingData.IGNORE,
    });

    // Routes. The form is public (CORS for the site's origins); action links carry their credential;
    // the reps API needs the API key.
    const leadsResource = api.root.addResource('leads', {
      defaultCorsPreflightOptions: {
        allowOrigins: leads.formOrigins.length > 0 ? [...leads.formOrigins] : Cors.ALL_ORIGINS,
        allowMethods: ['POST'],
        allowHeaders: ['content-type'],
        maxAge: Duration.hours(1),
      },
    });
    leadsResource.addMethod('POST', new LambdaIntegration(this.formFunction, { allowTestInvoke: false }), {
      apiKeyRequired: false,
    });
    const actions = new LambdaIntegration(this.actionsFunction, { allowTestInvoke: false });
    const action = leadsResource.addResource('actions').addResource('{token}');
    action.addMethod('GET', actions, { apiKeyRequired: false });
    action.addMethod('POST', actions, { apiKeyRequired: false });
    const reps = new LambdaIntegration(this.repsFunction, { allowTestInvoke: false });
    const repsResource = api.root.addResource('reps');
    repsResource.addMethod('GET', reps, { apiKeyRequired: true });
    const rep = repsResource.addResource('{repId}');
    for (const method of ['GET', 'PUT', 'DELETE']) rep.addMethod(method, reps, { apiKeyRequired: true });

    if (leads.webhook) {
      this.webhookConnection = new Connection(this, 'WebhookConnection', {
        description: 'relance lead.assigned webhook',
        authorization: Authorization.apiKey(
          leads.webhook.headerName,
          SecretValue.secretsManager(leads.webhook.secretName),
        ),
      });
      const destination = new ApiDestination(this, 'WebhookDestination', {
        connection: this.webhookConnection,
        endpoint: leads.webhook.url,
        httpMethod: HttpMethod.POST,
        rateLimitPerSecond: 10,
        description: 'Receives every lead.assigned',
      });
      new Rule(this, 'LeadAssignedWebhook', {
        eventBus: bus,
        description: 'Every accepted lead.assigned, to the configured webhook',
        eventPattern: { source: [ACCEPTED_SOURCE], detailType: ['lead.assigned'] },
        targets: [
          new ApiDestinationTarget(destination, {
            deadLetterQueue: props.deadLetters,
            retryAttempts: 185,
            maxEventAge: Duration.hours(24),
          }),
        ],
      });
    }
  }
}
