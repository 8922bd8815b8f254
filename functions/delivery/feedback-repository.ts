/**
 * What provider feedback changes in DynamoDB: a contact's suppression and SMS consent
 * (read-modify-write on the profile version, like ingest), and the ledger entry a message tag
 * points to.
 *
 * Finding the entry: SES has no idempotency key, so relance tags each message with `ledger`, a
 * 22-character digest of its ledger key (a full key does not fit SES tag values: up to ~300
 * characters with `#` and `:`, where a tag value allows 256 of `[A-Za-z0-9_\-.@]`). Ledger entries
 * are stored under that digest, and written in flight before the provider call, so the entry of any
 * message a provider event mentions is one GetItem away, with no index item to write.
 */

import type { Contact } from '#catalogue/contact.ts';
import { applyEvent as applyAggregates, EMAIL_CLICKED, EMAIL_OPENED } from '#catalogue/profile-aggregates.ts';
import { dynamo, GetCommand } from '#platform/clients/dynamo.ts';
import { SendMessageCommand, sqs } from '#platform/clients/sqs.ts';
import { ContactsRepository, type IdentityKind, updateContact } from '../contacts/contacts-repository.ts';
import { combineDeltas, feedbackDeltas, ledgerTransitionDeltas } from '../journey-report/counters.ts';
import { type LedgerEntry, ledgerTag } from './ledger.ts';
import { LedgerRepository } from './ledger-repository.ts';
import {
  applySmsConsent,
  type ConsentEffect,
  type EngagementEffect,
  type FeedbackEffects,
  type LedgerEvidence,
  ledgerChange,
} from './provider-feedback.ts';
import { applySuppression, type SuppressEffect } from './suppression.ts';

/**
 * Reads of a ledger entry before giving up when its state keeps changing under us (events of one
 * message arrive together: a delivery, opens, clicks), each after a short random pause.
 */
const MAX_LEDGER_ATTEMPTS = 8;
const pauseBeforeRetry = (attempt: number) =>
  attempt === 0
    ? Promise.resolve()
    : new Promise((resolve) => setTimeout(resolve, Math.random() * 20 * attempt));

/** Finds a ledger entry by the `ledger` tag its message carried: entries are stored under that tag. */
export class LedgerTagIndex {
  constructor(private readonly tableName: string) {}

  /** The ledger key a tag stands for, when relance sent the message. */
  async resolve(tag: string): Promise<string | undefined> {
    const { Item } = await dynamo.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: tag }, ConsistentRead: true }),
    );
    return typeof Item?.ledgerKey === 'string' ? Item.ledgerKey : undefined;
  }
}

export type ContactChangeOutcome = 'updated' | 'unchanged' | 'no_contact';

export interface ContactChangeResult {
  readonly outcome: ContactChangeOutcome;
  readonly contactId?: string;
}

export type EvidenceResult =
  | { readonly outcome: 'settled' | 'appended'; readonly ledgerKey: string }
  | { readonly outcome: 'unchanged'; readonly ledgerKey: string; readonly reason: string }
  | { readonly outcome: 'no_entry' };

/** What applying a provider event did; ids only, never an address. */
export interface AppliedFeedback {
  readonly suppressed?: readonly ContactChangeResult[];
  readonly consent?: ContactChangeResult;
  readonly ledger?: EvidenceResult;
}

export interface FeedbackTables {
  readonly contacts: string;
  /** Needed for ledger evidence only (the incoming-SMS function has none to record). */
  readonly ledger?: string;
}

export class FeedbackRepository {
  private readonly contacts: ContactsRepository;
  private readonly ledger?: {
    readonly table: string;
    readonly entries: LedgerRepository;
    readonly tags: LedgerTagIndex;
  };

  constructor(tables: FeedbackTables) {
    this.contacts = new ContactsRepository(tables.contacts);
    if (tables.ledger)
      this.ledger = {
        table: tables.ledger,
        entries: new LedgerRepository(tables.ledger),
        tags: new LedgerTagIndex(tables.ledger),
      };
  }

  /** Applies the effects of one provider event: suppression and consent first, then the ledger. */
  async apply(effects: FeedbackEffects, nowIso: string): Promise<AppliedFeedback> {
    const suppressed = effects.suppress ? await this.suppress(effects.suppress, nowIso) : undefined;
    const consent = effects.consent ? await this.setSmsConsent(effects.consent, nowIso) : undefined;
    if (effects.engagement) await this.recordEngagement(effects.engagement, nowIso);
    const ledger = effects.ledgerEvidence
      ? await this.recordEvidence(effects.ledgerEvidence, nowIso)
      : undefined;
    return {
      ...(suppressed ? { suppressed } : {}),
      ...(consent ? { consent } : {}),
      ...(ledger ? { ledger } : {}),
    };
  }

  /** Suppresses each address on the contact that owns it (conditional save on the profile version). */
  async suppress(effect: SuppressEffect, nowIso: string): Promise<ContactChangeResult[]> {
    const kind: IdentityKind = effect.channel === 'email' ? 'EMAIL' : 'PHONE';
    const results: ContactChangeResult[] = [];
    for (const address of effect.addresses) {
      results.push(
        await this.changeContact(kind, address, (contact) =>
          applySuppression(contact, effect, address, nowIso),
        ),
      );
    }
    return results;
  }

  /** Counts an open or a click on the recipient's profile aggregates (segments read them). */
  async recordEngagement(effect: EngagementEffect, nowIso: string): Promise<ContactChangeResult[]> {
    const type = effect.kind === 'opened' ? EMAIL_OPENED : EMAIL_CLICKED;
    const results: ContactChangeResult[] = [];
    for (const address of effect.addresses) {
      results.push(
        await this.changeContact('EMAIL', address, (contact) => ({
          ...contact,
          aggregates: applyAggregates(
            contact.aggregates,
            { type, at: effect.at, detail: {} },
            { nowMs: Date.parse(nowIso) },
          ),
          updatedAt: nowIso,
        })),
      );
    }
    return results;
  }

  /**
   * Records an SMS keyword for the number (carriers apply a STOP to the number, so every SMS to it
   * is skipped, whoever gives it), and as the SMS channel consent of every contact that gives it.
   */
  async setSmsConsent(effect: ConsentEffect, nowIso: string): Promise<ContactChangeResult> {
    await this.contacts.recordSmsOptOut(effect.address, {
      status: effect.status,
      at: effect.at,
      keyword: effect.keyword,
      reference: effect.reference,
    });
    return this.changeContact('PHONE', effect.address, (contact) => applySmsConsent(contact, effect, nowIso));
  }

  /**
   * Records evidence on the entry the tag stands for: settles an entry still waiting for an
   * outcome (conditioned on that state, so a racing attempt's own outcome is never overwritten),
   * else appends the event to its delivery events (conditioned on it not being there yet).
   */
  async recordEvidence(evidence: LedgerEvidence, nowIso: string): Promise<EvidenceResult> {
    const ledger = this.requireLedger();
    for (let attempt = 0; attempt < MAX_LEDGER_ATTEMPTS; attempt++) {
      await pauseBeforeRetry(attempt);
      // The entry is stored under the message's tag: one read finds it.
      const entry = await ledger.entries.getByTag(evidence.tag);
      if (!entry) return { outcome: 'no_entry' };
      const { ledgerKey } = entry;
      const change = ledgerChange(entry, evidence);
      if (change.kind === 'none') return { outcome: 'unchanged', ledgerKey, reason: change.reason };
      if (change.kind === 'append') {
        if (await ledger.entries.appendEvent(entry, change.event)) return { outcome: 'appended', ledgerKey };
        // Another event was recorded in between: read it again (this one may be a duplicate now).
        continue;
      }
      if (await this.settle(entry, evidence.providerMessageId, change.event, nowIso))
        return { outcome: 'settled', ledgerKey };
      // Another attempt settled it in between: read it again and append instead.
    }
    throw new Error(`ledger entry of tag ${evidence.tag} kept changing; retry the feedback event`);
  }

  /**
   * Settles an entry waiting for an outcome as sent (with the delivery event, if any), and the
   * journey's counters with it; false when another attempt changed it first.
   */
  private async settle(
    entry: LedgerEntry,
    providerMessageId: string,
    event: string | undefined,
    nowIso: string,
  ): Promise<boolean> {
    const ledger = this.requireLedger();
    const update = {
      TableName: ledger.table,
      Key: { pk: ledgerTag(entry.ledgerKey) },
      UpdateExpression: `SET #status = :sent, #messageId = :messageId, #updatedAt = :now${
        event ? ', #events = list_append(if_not_exists(#events, :empty), :event)' : ''
      } REMOVE #reason, #detail, #deferredUntil`,
      ConditionExpression: '#status = :inFlight OR (#status = :failed AND #reason = :throttled)',
      ExpressionAttributeNames: {
        '#status': 'status',
        '#messageId': 'providerMessageId',
        '#updatedAt': 'updatedAt',
        '#reason': 'reason',
        '#detail': 'detail',
        '#deferredUntil': 'deferredUntil',
        ...(event ? { '#events': 'deliveryEvents' } : {}),
      },
      ExpressionAttributeValues: {
        ':sent': 'sent',
        ':messageId': providerMessageId,
        ':now': nowIso,
        ':inFlight': 'in_flight',
        ':failed': 'failed',
        ':throttled': 'throttled',
        ...(event ? { ':empty': [], ':event': [event] } : {}),
      },
    };
    const deltas = entry.test
      ? {}
      : combineDeltas(
          ledgerTransitionDeltas(entry, entry, { status: 'sent' }),
          event ? feedbackDeltas(entry, event) : {},
        );
    return ledger.entries.writeCounted(entry, update, deltas);
  }

  private requireLedger() {
    if (!this.ledger) throw new Error('ledger evidence needs the ledger table');
    return this.ledger;
  }

  /**
   * Finds the contact behind an address and applies a change with optimistic concurrency; a phone
   * number is changed on every contact that gives it (the first one changed is reported).
   */
  private async changeContact(
    kind: IdentityKind,
    address: string,
    change: (contact: Contact) => Contact | undefined,
  ): Promise<ContactChangeResult> {
    const contactIds =
      kind === 'PHONE'
        ? await this.contacts.phoneHolders(address)
        : [await this.contacts.findByIdentity(kind, address)].filter((id): id is string => id !== undefined);
    let reported: ContactChangeResult = { outcome: 'no_contact' };
    for (const contactId of contactIds) {
      const result = await updateContact(this.contacts, contactId, change);
      if (!result) continue;
      const outcome: ContactChangeResult = { outcome: result.changed ? 'updated' : 'unchanged', contactId };
      if (reported.outcome === 'no_contact' || (reported.outcome === 'unchanged' && result.changed))
        reported = outcome;
    }
    return reported;
  }
}

/**
 * The feedback dead letters, for events that fail validation: sent once with the failing fields
 * (no retry can fix them), kept for an operator. Faults reach the same queue through Lambda's
 * on-failure destination after the retries.
 */
export class FeedbackDeadLetters {
  constructor(private readonly queueUrl: string) {}

  async malformed(payload: unknown, issues: readonly string[]): Promise<void> {
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: this.queueUrl,
        MessageBody: JSON.stringify({ reason: 'malformed', issues, payload }),
        MessageAttributes: {
          reason: { DataType: 'String', StringValue: 'malformed' },
          firstIssue: { DataType: 'String', StringValue: issues[0]?.slice(0, 256) || 'unknown' },
        },
      }),
    );
  }
}
