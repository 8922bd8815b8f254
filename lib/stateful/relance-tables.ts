import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, Billing, type ITableV2, ProjectionType, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';

/** The tables relance uses, created by `RelanceTables` or passed in (same keys, TTL attribute and indexes). */
export interface RelanceTableSet {
  readonly contacts: ITableV2;
  readonly events: ITableV2;
  readonly journeyState: ITableV2;
  readonly ledger: ITableV2;
  readonly products: ITableV2;
  readonly leads: ITableV2;
}

export interface RelanceTablesProps {
  /**
   * What happens to the data when the stack is deleted. Keep RETAIN anywhere but a sandbox.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Keeps the ledger's `byContact` index (every attribute projected, as before this release) beside
   * `byContactKeys`. DynamoDB cannot change an index's projection, and CloudFormation adds or removes
   * one index per table update: a stack deployed before deploys once with this (adds the new index),
   * then without it (removes the old one). See README, Upgrading.
   * @default false
   */
  readonly legacyLedgerIndex?: boolean;
}

/**
 * The state relance keeps, one table per kind of data (access patterns in docs/data.md): conditional
 * writes, counters, GSIs and TTL, and transactions only to count a state change with it (the journey
 * counters); no streams. On-demand billing: zero cost when idle.
 */
export class RelanceTables extends Construct implements RelanceTableSet {
  /** Profiles (`CONTACT#id`) and the e-mail and phone identity items that map to them (`EMAIL#addr`, `PHONE#e164`). */
  readonly contacts: ITableV2;
  /** Per contact event history, newest last, with a TTL; plus event-id dedupe markers. */
  readonly events: ITableV2;
  /**
   * Journey runs, their listen index (goal and waitFor correlations) and entry locks; GSI `byWake`
   * lists waiting runs by wake-up time (sparse, keys only) for the run sweeper.
   */
  readonly journeyState: ITableV2;
  /**
   * The send ledger: one item per (run, step, channel[, recipient]); by contact through the keys-only
   * GSI `byContactKeys`, so an entry's status changes (settled, delivered, opened...) write nothing to it.
   */
  readonly ledger: ITableV2;
  /** Per SKU: stock level, waitlist in arrival order, recent interest and price-drop notices. */
  readonly products: ITableV2;
  /** Leads and rep loads, roster edits, form submissions (idempotency) and per-client rate counters. */
  readonly leads: ITableV2;

  constructor(scope: Construct, id: string, props: RelanceTablesProps = {}) {
    super(scope, id);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const ledgerByContact = {
      partitionKey: { name: 'contactId', type: AttributeType.STRING },
      sortKey: { name: 'createdAt', type: AttributeType.STRING },
    };
    const common = {
      billing: Billing.onDemand(),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy,
      partitionKey: { name: 'pk', type: AttributeType.STRING },
    };
    this.contacts = new TableV2(this, 'Contacts', common);
    this.events = new TableV2(this, 'Events', {
      ...common,
      sortKey: { name: 'sk', type: AttributeType.STRING },
      timeToLiveAttribute: 'expiresAt',
    });
    this.journeyState = new TableV2(this, 'JourneyState', {
      ...common,
      sortKey: { name: 'sk', type: AttributeType.STRING },
      timeToLiveAttribute: 'expiresAt',
      globalSecondaryIndexes: [
        {
          indexName: 'byWake',
          partitionKey: { name: 'wakeShard', type: AttributeType.STRING },
          sortKey: { name: 'wakeAt', type: AttributeType.STRING },
          projectionType: ProjectionType.KEYS_ONLY,
        },
      ],
    });
    this.ledger = new TableV2(this, 'Ledger', {
      ...common,
      timeToLiveAttribute: 'expiresAt',
      globalSecondaryIndexes: [
        { indexName: 'byContactKeys', ...ledgerByContact, projectionType: ProjectionType.KEYS_ONLY },
        ...(props.legacyLedgerIndex ? [{ indexName: 'byContact', ...ledgerByContact }] : []),
      ],
    });
    this.products = new TableV2(this, 'Products', {
      ...common,
      sortKey: { name: 'sk', type: AttributeType.STRING },
      timeToLiveAttribute: 'expiresAt',
    });
    this.leads = new TableV2(this, 'Leads', {
      ...common,
      sortKey: { name: 'sk', type: AttributeType.STRING },
      timeToLiveAttribute: 'expiresAt',
    });
  }
}
