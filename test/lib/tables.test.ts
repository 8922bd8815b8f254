// The data stack: six on-demand tables with point-in-time recovery, kept when the stack goes away
// except in a sandbox, TTL where data expires, and the ledger's by-contact index.
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RelanceTables } from '../../lib/stateful/relance-tables.ts';
import {
  logicalId,
  props,
  resource,
  resourcesOfType,
  type SynthesizedRelance,
  synthRelance,
} from './synth.ts';

const TABLE_TYPE = 'AWS::DynamoDB::GlobalTable';
const TABLES = ['contacts', 'events', 'journeyState', 'ledger', 'products', 'leads'] as const;
const EXPIRING: ReadonlyArray<(typeof TABLES)[number]> = [
  'events',
  'journeyState',
  'ledger',
  'products',
  'leads',
];

let synth: SynthesizedRelance;

beforeAll(() => {
  synth = synthRelance();
});

afterAll(() => synth?.dispose());

function table(tables: RelanceTables, name: (typeof TABLES)[number]): ITableV2 {
  return tables[name];
}

describe('tables', () => {
  it('are six, all in the data stack', () => {
    synth.data.resourceCountIs(TABLE_TYPE, TABLES.length);
    synth.app.resourceCountIs(TABLE_TYPE, 0);
    synth.app.resourceCountIs('AWS::DynamoDB::Table', 0);
  });

  it.each(TABLES)('%s is on demand with point-in-time recovery, retained by default', (name) => {
    const id = logicalId(table(synth.stacks.data.tables, name));
    const found = resource(synth.data, id);

    expect(found.Type).toBe(TABLE_TYPE);
    expect(found.DeletionPolicy).toBe('Retain');
    expect(found.UpdateReplacePolicy).toBe('Retain');
    expect(props(found)).toMatchObject({
      BillingMode: 'PAY_PER_REQUEST',
      Replicas: [{ PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } }],
    });
  });

  it.each(EXPIRING)('%s expires items by the expiresAt attribute', (name) => {
    const id = logicalId(table(synth.stacks.data.tables, name));

    expect(props(resource(synth.data, id)).TimeToLiveSpecification).toEqual({
      AttributeName: 'expiresAt',
      Enabled: true,
    });
  });

  it('keeps contacts without a TTL', () => {
    const id = logicalId(synth.stacks.data.tables.contacts);

    expect(props(resource(synth.data, id)).TimeToLiveSpecification).toBeUndefined();
  });

  it('indexes the ledger by contact and creation time, keys only (byContactKeys)', () => {
    const id = logicalId(synth.stacks.data.tables.ledger);
    const ledger = props(resource(synth.data, id));

    // Keys only: an entry's status changes write nothing to the index (ALL wrote each one again).
    expect(ledger.GlobalSecondaryIndexes).toEqual([
      {
        IndexName: 'byContactKeys',
        KeySchema: [
          { AttributeName: 'contactId', KeyType: 'HASH' },
          { AttributeName: 'createdAt', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'KEYS_ONLY' },
      },
    ]);
    expect(ledger.AttributeDefinitions).toEqual(
      expect.arrayContaining([
        { AttributeName: 'contactId', AttributeType: 'S' },
        { AttributeName: 'createdAt', AttributeType: 'S' },
      ]),
    );
  });
});

describe('with context relance:legacyLedgerIndex=true (the first deploy of an upgrade)', () => {
  let upgradeSynth: SynthesizedRelance;

  beforeAll(() => {
    upgradeSynth = synthRelance({ 'relance:legacyLedgerIndex': 'true' });
  });

  afterAll(() => upgradeSynth?.dispose());

  it('keeps the former byContact index, every attribute projected, beside byContactKeys', () => {
    const ledger = props(resource(upgradeSynth.data, logicalId(upgradeSynth.stacks.data.tables.ledger)));
    const keys = [
      { AttributeName: 'contactId', KeyType: 'HASH' },
      { AttributeName: 'createdAt', KeyType: 'RANGE' },
    ];

    // One index added to a deployed table (CloudFormation adds or removes one per update).
    expect(ledger.GlobalSecondaryIndexes).toEqual([
      { IndexName: 'byContactKeys', KeySchema: keys, Projection: { ProjectionType: 'KEYS_ONLY' } },
      { IndexName: 'byContact', KeySchema: keys, Projection: { ProjectionType: 'ALL' } },
    ]);
  });
});

it('refuses a relance:legacyLedgerIndex that is not true or false, naming it', () => {
  expect(() => synthRelance({ 'relance:legacyLedgerIndex': 'yes' })).toThrow(
    /relance:legacyLedgerIndex: true or false, got "yes"/,
  );
});

describe.each([
  { sandbox: true, policy: 'Delete' },
  { sandbox: 'true', policy: 'Delete' },
  { sandbox: 'false', policy: 'Retain' },
])('with context relance:sandbox=$sandbox', ({ sandbox, policy }) => {
  let sandboxSynth: SynthesizedRelance;

  beforeAll(() => {
    sandboxSynth = synthRelance({ 'relance:sandbox': sandbox });
  });

  afterAll(() => sandboxSynth?.dispose());

  it(`tables have DeletionPolicy ${policy}`, () => {
    const tables = [...resourcesOfType(sandboxSynth.data, TABLE_TYPE).values()];

    expect(tables).toHaveLength(TABLES.length);
    for (const found of tables) {
      expect(found.DeletionPolicy).toBe(policy);
      expect(found.UpdateReplacePolicy).toBe(policy);
    }
  });
});
