/**
 * Contacts table. Items: the profile (`CONTACT#<id>`) and one identity item per e-mail
 * (`EMAIL#<address>`) and phone (`PHONE#<e164>`) holding the contactId. Identity items are
 * claimed with a conditional put, which is what keeps one contact per e-mail without transactions.
 */
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { Contact } from '#catalogue/contact.ts';
import { dynamo } from '#platform/clients/dynamo.ts';
import { isConditionFailure } from '#platform/dynamo-errors.ts';

export type IdentityKind = 'EMAIL' | 'PHONE';

/** Reads and conditional writes `updateContact` makes before giving up (a contact is rarely written that often). */
const DEFAULT_UPDATE_ATTEMPTS = 8;

/** A contact kept changing between our read and our write for every attempt. */
export class ContactConflictError extends Error {
  constructor(
    readonly contactId: string,
    readonly attempts: number,
  ) {
    super(`contact ${contactId} kept changing; giving up after ${attempts} attempts`);
  }
}

export interface ContactUpdateOptions {
  /** Reads and conditional writes before `ContactConflictError` (default `DEFAULT_UPDATE_ATTEMPTS`). */
  readonly attempts?: number;
  /**
   * The contact to start from when there is none; the result is then created (even if `change`
   * leaves it as is). Without it, a missing contact is left missing.
   */
  readonly create?: () => Contact;
}

export interface ContactUpdate {
  /** The contact as stored after the update (its `version` the one written when `changed`). */
  readonly contact: Contact;
  readonly changed: boolean;
}

/**
 * The one way to change a stored contact: reads it, applies `change`, and writes the result on
 * condition that the version read is still the stored one; when someone wrote in between, reads
 * again and reapplies (so `change` must be pure), up to `attempts` times, then throws
 * `ContactConflictError`. `change` returns undefined (or the contact it was given) for no change;
 * `isNew` tells it the contact comes from `options.create`. Undefined when the contact does not
 * exist and no `create` is given.
 */
export async function updateContact(
  contacts: ContactsRepository,
  contactId: string,
  change: (current: Contact, isNew: boolean) => Contact | undefined,
  options: ContactUpdateOptions & { create: () => Contact },
): Promise<ContactUpdate>;
export async function updateContact(
  contacts: ContactsRepository,
  contactId: string,
  change: (current: Contact, isNew: boolean) => Contact | undefined,
  options?: ContactUpdateOptions,
): Promise<ContactUpdate | undefined>;
export async function updateContact(
  contacts: ContactsRepository,
  contactId: string,
  change: (current: Contact, isNew: boolean) => Contact | undefined,
  options: ContactUpdateOptions = {},
): Promise<ContactUpdate | undefined> {
  const attempts = options.attempts ?? DEFAULT_UPDATE_ATTEMPTS;
  for (let attempt = 0; attempt < attempts; attempt++) {
    const stored = await contacts.get(contactId);
    const current = stored ?? options.create?.();
    if (!current) return undefined;
    const changed = change(current, !stored);
    if (stored && (changed === undefined || changed === stored)) return { contact: stored, changed: false };
    const next = changed ?? current;
    const readVersion = stored?.version;
    if (await contacts.save(next, readVersion)) {
      return { contact: { ...next, version: (readVersion ?? 0) + 1 }, changed: true };
    }
  }
  throw new ContactConflictError(contactId, attempts);
}

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
   * someone did. Changes go through `updateContact`, which reads again and reapplies.
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
