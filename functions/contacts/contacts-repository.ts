/**
 * Contacts table. Items: the profile (`CONTACT#<id>`); one identity item per identifier, e-mail
 * (`EMAIL#<address>`) or producer id (`EXTERNAL#<id>`), holding the one contactId it names, claimed
 * with a conditional put (which keeps one contact per e-mail without transactions); one item per
 * phone number (`PHONE#<e164>`) listing every contact that gives it (`contactIds`; `contactId` is
 * the first), since a number describes and may be shared; and the number's SMS opt-out state
 * (`SMSOPTOUT#<e164>`), kept apart from any contact because carriers apply a STOP to the number.
 */

import { Contact } from '#catalogue/contact.ts';
import * as z from '#catalogue/zod.ts';
import {
  DescribeTableCommand,
  dynamo,
  GetCommand,
  PutCommand,
  ScanCommand,
  UpdateCommand,
} from '#platform/clients/dynamo.ts';
import { isConditionFailure } from '#platform/dynamo-errors.ts';
import { appliedEventKey } from './profile-update.ts';
import { readStoredAggregates, storedAggregates } from './stored-aggregates.ts';

/** Identity items: identifiers (`EMAIL`, `EXTERNAL`: one contact each) and phone numbers (shared). */
export type IdentityKind = 'EMAIL' | 'EXTERNAL' | 'PHONE';

/** The kinds that identify one contact. */
export type IdentifierKind = Exclude<IdentityKind, 'PHONE'>;

/** A number's SMS opt-out state: the last STOP or START (or provider refusal) it is known for. */
export const SmsOptOutState = z.object({
  status: z.enum(['opted_out', 'opted_in']),
  at: z.string(),
  /** The keyword (STOP, ARRET, START...) or `provider` when the provider said the number opted out. */
  keyword: z.string(),
  reference: z.optional(z.string()),
});
export type SmsOptOutState = z.infer<typeof SmsOptOutState>;

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
  /**
   * The caller knows the contact has no profile yet (an id made for this event): the first attempt
   * starts from `create` without reading it. A profile there after all fails the write's condition,
   * and the next attempt reads it.
   */
  readonly knownMissing?: boolean;
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
    const stored = attempt === 0 && options.knownMissing ? undefined : await contacts.get(contactId);
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
const smsOptOutKey = (phone: string) => ({ pk: `SMSOPTOUT#${phone}` });
const ZONES_KEY = { pk: 'ZONES' };

/**
 * Profile fields the schema gives a default when absent (an empty list or map): stored only when
 * they hold something. DynamoDB bills every attribute's name and value, in storage and in each write
 * by the whole item's size: empty, these were about 120 bytes of a new contact's 650.
 */
const STORED_WHEN_NOT_EMPTY = [
  'attributes',
  'tags',
  'lockedFields',
  'consent',
  'suppressed',
  'segments',
  'segmentChanges',
  'identityConflicts',
  'mergedFrom',
  'appliedEventKeys',
] as const satisfies readonly (keyof Contact)[];

const isEmpty = (value: unknown) =>
  Array.isArray(value)
    ? value.length === 0
    : typeof value === 'object' && value !== null && Object.keys(value).length === 0;

/** A contact's profile item as the table stores it (per-day aggregates encoded: ./stored-aggregates.ts). */
export function profileItem(contact: Contact, version: number): Record<string, unknown> {
  const item: Record<string, unknown> = {
    ...profileKey(contact.contactId),
    kind: 'contact',
    ...contact,
    aggregates: storedAggregates(contact.aggregates),
    version,
  };
  for (const field of STORED_WHEN_NOT_EMPTY) if (isEmpty(item[field])) delete item[field];
  return item;
}

/**
 * The contact a stored profile item holds (its own attributes, pk and kind, dropped by the schema).
 * A profile written before profiles kept keys of their applied events holds the events' ids
 * (`appliedEventIds`): read as their keys. Its encoded per-day aggregates are checked here and
 * decoded when first read (./stored-aggregates.ts).
 */
function contactOf(item: Record<string, unknown>): Contact {
  const { appliedEventIds: legacyIds, ...rest } = item;
  const aggregates = readStoredAggregates(item.aggregates);
  const contact = Contact.parse({
    ...rest,
    aggregates: aggregates.forSchema,
    ...(rest.appliedEventKeys === undefined && Array.isArray(legacyIds)
      ? { appliedEventKeys: legacyIds.map((id) => appliedEventKey(String(id))) }
      : {}),
  });
  contact.aggregates = aggregates.complete(contact.aggregates);
  return contact;
}

function holdersOf(item: Record<string, unknown> | undefined): string[] {
  if (!item) return [];
  const holders = new Set<string>();
  if (typeof item.contactId === 'string') holders.add(item.contactId);
  if (item.contactIds instanceof Set) for (const id of item.contactIds) holders.add(String(id));
  return [...holders].sort();
}

export class ContactsRepository {
  constructor(private readonly tableName: string) {}

  /**
   * The contact id an identifier names; for a phone number, the first contact that gave it (see
   * `phoneHolders` for all of them).
   */
  async findByIdentity(kind: IdentityKind, value: string): Promise<string | undefined> {
    const { Item } = await dynamo.send(
      new GetCommand({ TableName: this.tableName, Key: identityKey(kind, value), ConsistentRead: true }),
    );
    return typeof Item?.contactId === 'string' ? Item.contactId : undefined;
  }

  /** Claims an identifier for a contact; returns the contact that owns it (another one if it was taken). */
  async claimIdentity(kind: IdentifierKind, value: string, contactId: string): Promise<string> {
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

  /** Every contact that gives a phone number (sorted); empty when none does. */
  async phoneHolders(phone: string): Promise<string[]> {
    const { Item } = await dynamo.send(
      new GetCommand({ TableName: this.tableName, Key: identityKey('PHONE', phone), ConsistentRead: true }),
    );
    return holdersOf(Item);
  }

  /** Adds a contact to the givers of a phone number (idempotent); returns them all. */
  async addPhoneHolder(phone: string, contactId: string): Promise<string[]> {
    const { Attributes } = await dynamo.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: identityKey('PHONE', phone),
        UpdateExpression:
          'SET contactId = if_not_exists(contactId, :id), #kind = :identity ADD contactIds :ids',
        ExpressionAttributeNames: { '#kind': 'kind' },
        ExpressionAttributeValues: {
          ':id': contactId,
          ':identity': 'identity',
          ':ids': new Set([contactId]),
        },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return holdersOf(Attributes);
  }

  /**
   * Moves an identity item from one contact to another (a merge): an identifier is re-pointed if it
   * still names `from`; a phone number lists `to` instead of `from`. Idempotent.
   */
  async repointIdentity(kind: IdentityKind, value: string, from: string, to: string): Promise<void> {
    if (kind === 'PHONE') {
      await this.addPhoneHolder(value, to);
      await dynamo.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: identityKey('PHONE', value),
          UpdateExpression: 'DELETE contactIds :from',
          ExpressionAttributeValues: { ':from': new Set([from]) },
        }),
      );
    }
    try {
      await dynamo.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: identityKey(kind, value),
          UpdateExpression: 'SET contactId = :to, #kind = :identity',
          ConditionExpression: 'attribute_not_exists(pk) OR contactId = :from',
          ExpressionAttributeNames: { '#kind': 'kind' },
          ExpressionAttributeValues: { ':to': to, ':from': from, ':identity': 'identity' },
        }),
      );
    } catch (error) {
      // Names another contact already (or was re-pointed by an earlier attempt): leave it.
      if (!isConditionFailure(error)) throw error;
    }
  }

  /** A number's SMS opt-out state, if a STOP or START was ever recorded for it. */
  async smsOptOut(phone: string): Promise<SmsOptOutState | undefined> {
    const { Item } = await dynamo.send(
      new GetCommand({ TableName: this.tableName, Key: smsOptOutKey(phone), ConsistentRead: true }),
    );
    if (!Item) return undefined;
    const { pk: _pk, kind: _kind, ...rest } = Item;
    return SmsOptOutState.parse(rest);
  }

  /**
   * Records a number's SMS opt-out state unless a later one is known (keywords arrive out of
   * order); returns whether it was written.
   */
  async recordSmsOptOut(phone: string, state: SmsOptOutState): Promise<boolean> {
    try {
      await dynamo.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...smsOptOutKey(phone), kind: 'sms_opt_out', ...state },
          ConditionExpression: 'attribute_not_exists(pk) OR #at <= :at',
          ExpressionAttributeNames: { '#at': 'at' },
          ExpressionAttributeValues: { ':at': state.at },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  /** A contact by id, read consistently. */
  async get(contactId: string): Promise<Contact | undefined> {
    const { Item } = await dynamo.send(
      new GetCommand({ TableName: this.tableName, Key: profileKey(contactId), ConsistentRead: true }),
    );
    return Item ? contactOf(Item) : undefined;
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
          Item: profileItem(contact, (readVersion ?? 0) + 1),
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
      contacts: (page.Items ?? []).map((item) => ({ key: { pk: item.pk }, contact: contactOf(item) })),
      ...(page.LastEvaluatedKey ? { nextKey: page.LastEvaluatedKey } : {}),
    };
  }

  /** Every contact, page by page (segment of a parallel scan when `segment` is given; pages of at most `limit` items). */
  async *scan(
    options: { segment?: number; totalSegments?: number; limit?: number } = {},
  ): AsyncGenerator<Contact[]> {
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.scanPage({ ...options, startKey });
      startKey = page.nextKey;
      yield page.contacts.map((c) => c.contact);
    } while (startKey);
  }
}
