/**
 * Contacts table. Items: the profile (`CONTACT#<id>`) and one identity item per e-mail
 * (`EMAIL#<address>`) and phone (`PHONE#<e164>`) holding the contactId. Identity items are
 * claimed with a conditional put, which is what keeps one contact per e-mail without transactions.
 */
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { Contact } from '#catalogue/contact.ts';
import { dynamo } from '#platform/aws-clients.ts';
import { isConditionFailure } from '#platform/dynamo-errors.ts';

export type IdentityKind = 'EMAIL' | 'PHONE';

const profileKey = (contactId: string) => ({ pk: `CONTACT#${contactId}` });
const identityKey = (kind: IdentityKind, value: string) => ({ pk: `${kind}#${value}` });
const ZONES_KEY = { pk: 'ZONES' };

export class ContactsRepository {
  constructor(private readonly tableName: string) {}

  /** The contact id an e-mail or phone belongs to. */
  async findByIdentity(kind: IdentityKind, value: string): Promise<string | undefined> {
    const { Item } = await dynamo.send(
      new GetCommand({ TableName: this.tableName, Key: identityKey(kind, value), ConsistentRead: true }),
    );
    return typeof Item?.contactId === 'string' ? Item.contactId : undefined;
  }

  /** Claims an identity for a contact; returns the contact that owns it (another one if it was taken). */
  async claimIdentity(kind: IdentityKind, value: string, contactId: string): Promise<string> {
    try {
      await dynamo.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...identityKey(kind, value), kind: 'identity', contactId },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return contactId;
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      return (await this.findByIdentity(kind, value)) ?? contactId;
    }
  }

  /** A contact by id, read consistently. */
  async get(contactId: string): Promise<Contact | undefined> {
    const { Item } = await dynamo.send(
      new GetCommand({ TableName: this.tableName, Key: profileKey(contactId), ConsistentRead: true }),
    );
    if (!Item) return undefined;
    const { pk: _pk, kind: _kind, ...rest } = Item;
    return Contact.parse(rest);
  }

  /**
   * Writes a profile if nobody changed it since it was read (its version); returns false when
   * someone did, so the caller reads again and reapplies.
   */
  async save(contact: Contact, readVersion: number | undefined): Promise<boolean> {
    try {
      await dynamo.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...profileKey(contact.contactId),
            kind: 'contact',
            ...contact,
            version: (readVersion ?? 0) + 1,
          },
          ConditionExpression: readVersion === undefined ? 'attribute_not_exists(pk)' : 'version = :version',
          ...(readVersion === undefined ? {} : { ExpressionAttributeValues: { ':version': readVersion } }),
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  /** The table's item count as DynamoDB last computed it (about every six hours): to size a scan, not to count. */
  async approximateCount(): Promise<number> {
    const answer = await dynamo.send(new DescribeTableCommand({ TableName: this.tableName }));
    return answer.Table?.ItemCount ?? 0;
  }

  /**
   * The IANA zones contacts have, so an "at 09:00 in each contact's timezone" pass scans only in
   * the hours when it is 09:00 somewhere a contact lives (one registry item, `ZONES`).
   */
  async zonesInUse(): Promise<string[]> {
    const { Item } = await dynamo.send(
      new GetCommand({ TableName: this.tableName, Key: ZONES_KEY, ConsistentRead: true }),
    );
    return Item?.zones instanceof Set ? [...Item.zones].map(String).sort() : [];
  }

  /** Adds a zone to the registry (idempotent). */
  async noteZone(zone: string): Promise<void> {
    await dynamo.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: ZONES_KEY,
        UpdateExpression: 'ADD zones :zone SET #kind = :registry',
        ExpressionAttributeNames: { '#kind': 'kind' },
        ExpressionAttributeValues: { ':zone': new Set([zone]), ':registry': 'registry' },
      }),
    );
  }

  /**
   * One page of the contacts (of a parallel scan's segment when `totalSegments` is given), from
   * `startKey` (a contact's key: a scan resumes after any item of its segment). `limit` bounds the
   * items read, so a worker's memory stays bounded.
   */
  async scanPage(options: {
    segment?: number;
    totalSegments?: number;
    startKey?: Record<string, unknown> | undefined;
    limit?: number;
  }): Promise<{
    contacts: Array<{ key: Record<string, unknown>; contact: Contact }>;
    nextKey?: Record<string, unknown>;
  }> {
    const page = await dynamo.send(
      new ScanCommand({
        TableName: this.tableName,
        FilterExpression: '#kind = :contact',
        ExpressionAttributeNames: { '#kind': 'kind' },
        ExpressionAttributeValues: { ':contact': 'contact' },
        ExclusiveStartKey: options.startKey,
        ...(options.totalSegments
          ? { Segment: options.segment ?? 0, TotalSegments: options.totalSegments }
          : {}),
        ...(options.limit ? { Limit: options.limit } : {}),
      }),
    );
    return {
      contacts: (page.Items ?? []).map(({ pk, kind: _kind, ...rest }) => ({
        key: { pk },
        contact: Contact.parse(rest),
      })),
      ...(page.LastEvaluatedKey ? { nextKey: page.LastEvaluatedKey } : {}),
    };
  }

  /** Every contact, page by page (segment of a parallel scan when `segment` is given). */
  async *scan(options: { segment?: number; totalSegments?: number } = {}): AsyncGenerator<Contact[]> {
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.scanPage({ ...options, startKey });
      startKey = page.nextKey;
      yield page.contacts.map((c) => c.contact);
    } while (startKey);
  }
}
