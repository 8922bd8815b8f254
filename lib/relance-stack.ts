import { CfnOutput, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { JourneyDefinition } from '#language/types.ts';
import type { JourneyVersion } from '#language/versions.ts';
import { LEAD_ENV } from '#platform/lead-env.ts';
import { PREFERENCES_ENV } from '#platform/preferences-env.ts';
import { readConfig } from './config.ts';
import { RelanceTables } from './stateful/relance-tables.ts';
import { AudiencePasses } from './stateless/audience-passes.ts';
import { DeliveryFeedback } from './stateless/delivery-feedback.ts';
import { EventIngest } from './stateless/event-ingest.ts';
import { HttpIngest, publicBaseUrl } from './stateless/http-ingest.ts';
import { JourneyEngine } from './stateless/journey-engine.ts';
import { LeadRouting } from './stateless/lead-routing.ts';
import { PreferencesApi } from './stateless/preferences-api.ts';
import { RunSweeper } from './stateless/run-sweeper.ts';

export interface RelanceDataStackProps extends StackProps {
  /** @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
}

/** The stateful half: tables only, so the stateless stack can be replaced freely. */
export class RelanceDataStack extends Stack {
  readonly tables: RelanceTables;

  constructor(scope: Construct, id: string, props: RelanceDataStackProps = {}) {
    super(scope, id, props);
    this.tables = new RelanceTables(this, 'Tables', {
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
  }
}

export interface RelanceStackProps extends StackProps {
  readonly tables: RelanceTables;
  readonly journeys: readonly JourneyDefinition[];
  /** The journey versions: the deployed ones, and earlier ones runs may still be on. */
  readonly versions?: {
    readonly current: readonly JourneyVersion[];
    readonly earlier: readonly JourneyVersion[];
  };
}

/** The stateless half: the bus and its ingest, the HTTP API, the journeys. */
export class RelanceStack extends Stack {
  readonly ingest: EventIngest;
  readonly http: HttpIngest;
  readonly engine: JourneyEngine;
  readonly feedback: DeliveryFeedback;
  readonly preferences: PreferencesApi;
  readonly leads: LeadRouting;
  readonly passes: AudiencePasses;
  readonly sweeper: RunSweeper;

  constructor(scope: Construct, id: string, props: RelanceStackProps) {
    super(scope, id, props);
    const config = readConfig(this);
    const { tables } = props;
    this.ingest = new EventIngest(this, 'Ingest', {
      contacts: tables.contacts,
      events: tables.events,
      products: tables.products,
      config,
    });
    this.http = new HttpIngest(this, 'Http', { bus: this.ingest.bus, config });
    this.engine = new JourneyEngine(this, 'Journeys', {
      journeys: props.journeys,
      bus: this.ingest.bus,
      deadLetters: this.ingest.deadLetters,
      tables,
      config,
      ...(props.versions ? { versions: props.versions } : {}),
    });
    this.sweeper = new RunSweeper(this, 'RunSweeper', {
      journeyState: tables.journeyState,
      journeyNaming: this.engine.journeyNaming,
      stateMachineArns: [...this.engine.stateMachines.values()].map((m) => m.stateMachineArn),
      scheduleGroups: this.engine.scheduleGroups,
    });
    this.preferences = new PreferencesApi(this, 'Preferences', {
      api: this.http.api,
      contacts: tables.contacts,
      config: { emailTopics: config.delivery.emailTopics },
    });
    // The journey-step function signs the unsubscribe and preference links it puts in messages.
    this.engine.stepFunction.allowReadingSecret(
      this.preferences.secret,
      PREFERENCES_ENV.linkSigningSecretArn,
    );
    this.engine.stepFunction.addEnvironment(PREFERENCES_ENV.publicBaseUrl, publicBaseUrl(this.http.api));
    this.feedback = new DeliveryFeedback(this, 'Feedback', {
      configurationSet: this.engine.configurationSet,
      contacts: tables.contacts,
      ledger: tables.ledger,
      deadLetters: this.ingest.deadLetters,
    });
    // Sends `to: 'owner'` read the sales roster (bundled, overlaid with the reps API's edits).
    this.engine.stepFunction.useTable(tables.leads, LEAD_ENV.leadsTable, ['GetItem', 'BatchGetItem']);
    this.leads = new LeadRouting(this, 'Leads', {
      api: this.http.api,
      bus: this.ingest.bus,
      deadLetters: this.ingest.deadLetters,
      tables: { contacts: tables.contacts, events: tables.events, leads: tables.leads },
      linkSigningKey: this.preferences.secret,
      configurationSetName: this.engine.configurationSet.ref,
      config,
    });
    this.passes = new AudiencePasses(this, 'AudiencePasses', {
      journeys: props.journeys,
      journeyStateMachines: this.engine.stateMachines,
      journeyNaming: this.engine.journeyNaming,
      tables: { contacts: tables.contacts, journeyState: tables.journeyState },
      config,
    });
    new CfnOutput(this, 'LeadFormUrl', { value: `${this.http.api.url}leads` });
    new CfnOutput(this, 'EventBusName', { value: this.ingest.bus.eventBusName });
    new CfnOutput(this, 'ApiUrl', { value: this.http.api.url });
    new CfnOutput(this, 'InboundSmsTopicArn', { value: this.feedback.inboundSmsTopicArn });
  }
}
