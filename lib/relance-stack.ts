import { CfnOutput, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { JourneyDefinition } from '../workflows/language/types.ts';
import { readConfig } from './config.ts';
import { RelanceTables } from './stateful/relance-tables.ts';
import { EventIngest } from './stateless/event-ingest.ts';
import { HttpIngest } from './stateless/http-ingest.ts';
import { JourneyEngine } from './stateless/journey-engine.ts';

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
}

/** The stateless half: the bus and its ingest, the HTTP API, the journeys. */
export class RelanceStack extends Stack {
  readonly ingest: EventIngest;
  readonly http: HttpIngest;
  readonly engine: JourneyEngine;

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
    });
    new CfnOutput(this, 'EventBusName', { value: this.ingest.bus.eventBusName });
    new CfnOutput(this, 'ApiUrl', { value: this.http.api.url });
  }
}
