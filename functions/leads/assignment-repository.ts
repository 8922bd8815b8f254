/**
 * Lead ownership and rep load, in a table with generic `pk`/`sk` keys (given by name):
 *
 * | item      | key                       | holds                                                                       |
 * | --------- | ------------------------- | --------------------------------------------------------------------------- |
 * | lead      | `LEAD#<leadId>` / `LEAD`  | owner, rule, score, grade, fired rules, status, history                      |
 * | rep load  | `REP#<repId>` / `LOAD`    | `leads` (string set of the open lead ids), `open` (its size), `pass`, `lastAssignedAt` |
 * | queued    | `QUEUE#unassigned` / `LEAD#<leadId>` | a lead nobody had room for (status `unassigned`): `queuedAt`, `reason` |
 * | digest    | `DIGEST#unassigned` / `LAST` | the last period whose digest of the queue was sent |
 *
 * **Assignment is atomic without transactions.** Two conditional writes, in this order:
 *
 * 1. claim the lead: `SET owner = :rep` if `attribute_not_exists(owner)`, so no lead gets two owners;
 * 2. take capacity: `ADD leads {leadId}, open 1` if `NOT contains(leads, :leadId) AND
 *    size(leads) < :capacity`, so no rep exceeds capacity however many leads race for the last
 *    slot. Keying the load by lead id makes the claim idempotent: a retry that finds the lead in
 *    the set has nothing to do, and `open` never counts a lead twice.
 *
 * When (2) fails because the rep is full, (1) is undone (`REMOVE owner` if `owner = :rep`) and the
 * answer is `capacity_full`, so the caller tries the next rep.
 *
 * **Crash windows.**
 * - Between (1) and (2): the lead is owned but not counted in the rep's load, so the rep could be
 *   offered one lead more than their capacity until it is repaired. The retry repairs it: `assign`
 *   for the same rep finds the lead already owned by that rep and re-takes capacity idempotently (or
 *   undoes the claim if the rep filled up meanwhile). A retry that chose another rep gets
 *   `lead_taken`; `assignFirst` then completes the owner's half-done assignment first (given
 *   `capacityOf`), so the repair does not depend on the retry making the same choice.
 * - Between a failed (2) and the undo: the lead stays owned by a full rep, uncounted, until the
 *   retry, which finds the rep full again and undoes the claim.
 * - `release` clears the owner first, then the load entry: a crash in between leaves the rep counting
 *   a lead they no longer own (one slot lost, never exceeded) until the retry removes it; both
 *   writes are conditional and idempotent.
 *
 * **The unassigned queue.** A lead nobody can take (every rep and the fallback manager full) is not
 * given to anyone past their capacity: `queueUnassigned` puts a queue item, then marks the lead
 * `unassigned`. The periodic pass lists the queue (`unassigned`), routes each lead again and drops
 * the queue item of a lead that found an owner (`dequeue`); a queue item whose lead has an owner (a
 * crash between the assignment and the dequeue) is dropped by the next pass.
 */

import * as z from '#catalogue/zod.ts';
import { batchGetAll } from '#platform/batch-get.ts';
import {
  DeleteCommand,
  dynamo,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '#platform/clients/dynamo.ts';
import { isConditionFailure } from '#platform/dynamo-errors.ts';
import type { AssignmentAttempt, RepState } from './routing.ts';
import type { LeadScore } from './scoring.ts';

export const LeadStatus = z.enum([
  'new',
  'assigned',
  'accepted',
  'contacted',
  'reassigned',
  'unassigned',
  'closed',
]);
export type LeadStatus = z.infer<typeof LeadStatus>;

/** How a lead came to its owner: a routing rule, or by hand through the API. */
export const AssignmentRule = z.enum([
  'key_account',
  'territory_skills',
  'round_robin',
  'fallback',
  'manual',
]);
export type AssignmentRule = z.infer<typeof AssignmentRule>;

export const LeadHistoryEntry = z.object({
  at: z.string(),
  /** `assigned`, `skipped` (the rep was full), `reassigned`, `closed`, `accepted`, `contacted`. */
  what: z.string(),
  repId: z.optional(z.string()),
  rule: z.optional(AssignmentRule),
  reason: z.optional(z.string()),
});
export type LeadHistoryEntry = z.infer<typeof LeadHistoryEntry>;

/** The lead item as read back (bookkeeping attributes such as `priorStatus` are left out). */
const StoredLead = z.object({
  leadId: z.string(),
  status: z._default(LeadStatus, 'new'),
  owner: z.optional(z.string()),
  rule: z.optional(AssignmentRule),
  assignedAt: z.optional(z.string()),
  score: z.optional(z.number()),
  grade: z.optional(z.enum(['A', 'B', 'C'])),
  fired: z.optional(z.array(z.object({ ruleId: z.string(), points: z.number() }))),
  history: z._default(z.array(LeadHistoryEntry), []),
  contactId: z.optional(z.string()),
  /** The `lead.submitted` detail as the form sent it. */
  submission: z.optional(z.record(z.string(), z.unknown())),
  submittedAt: z.optional(z.string()),
  createdAt: z.optional(z.string()),
  updatedAt: z.optional(z.string()),
  closedAt: z.optional(z.string()),
});
export type LeadRecord = z.infer<typeof StoredLead>;

export interface RepLoad extends RepState {
  readonly repId: string;
  /** The open leads counted against the rep's capacity. */
  readonly leads: string[];
}

export type AssignResult =
  | {
      readonly outcome: 'assigned';
      readonly repId: string;
      readonly resumed: boolean;
      /** The lead as the claim left it (no need to read it again); absent when an earlier claim was resumed. */
      readonly lead?: LeadRecord;
    }
  | { readonly outcome: 'lead_taken'; readonly owner: string; readonly status: LeadStatus }
  | { readonly outcome: 'capacity_full'; readonly repId: string };

export type AssignFirstResult =
  | Exclude<AssignResult, { outcome: 'capacity_full' }>
  | { readonly outcome: 'all_full'; readonly tried: string[] };

export interface AssignOptions {
  /** Recorded on the lead; `manual` unless given. */
  readonly rule?: AssignmentRule;
  /** Round-robin pass increment for the rep (routing's `passDelta`), added when capacity is taken. */
  readonly passDelta?: number;
  /**
   * The lead as the caller has just written it. When it has no owner the claim is written without
   * reading the lead first (one round trip less before the rep hears of it); the claim's condition
   * still decides, and a lead claimed meanwhile is read and handled as usual.
   */
  readonly known?: LeadRecord;
}

const leadKey = (leadId: string) => ({ pk: `LEAD#${leadId}`, sk: 'LEAD' });
const QUEUE_PK = 'QUEUE#unassigned';
const queueKey = (leadId: string) => ({ pk: QUEUE_PK, sk: `LEAD#${leadId}` });
const DIGEST_KEY = { pk: 'DIGEST#unassigned', sk: 'LAST' };

/** A lead waiting in the unassigned queue. */
export interface QueuedLead {
  readonly leadId: string;
  readonly queuedAt: string;
  readonly reason: string;
}
const loadKey = (repId: string) => ({ pk: `REP#${repId}`, sk: 'LOAD' });
const NAMES = { '#owner': 'owner', '#status': 'status', '#history': 'history' };
const CLAIM_ATTEMPTS = 4;

type Claim =
  | { readonly kind: 'claimed'; readonly prior: LeadStatus; readonly lead: LeadRecord }
  | { readonly kind: 'resumed'; readonly prior: LeadStatus }
  | { readonly kind: 'taken'; readonly owner: string; readonly status: LeadStatus };

export class AssignmentRepository {
  constructor(private readonly tableName: string) {}

  /**
   * Keeps what the form said (the `lead.submitted` detail) and whose lead it is, so reminders and
   * reassignments can show the lead again. The first submission wins: a redelivery changes nothing.
   * Returns the lead as it now is (its owner, when a first delivery already routed it).
   */
  async recordSubmission(
    leadId: string,
    submission: { contactId: string; detail: Record<string, unknown>; submittedAt: string },
    at: string,
  ): Promise<LeadRecord> {
    const { Attributes } = await dynamo.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: leadKey(leadId),
        // The lead as it now is: the router reads it next (no second read, no extra unit).
        ReturnValues: 'ALL_NEW',
        UpdateExpression:
          'SET leadId = :leadId, contactId = if_not_exists(contactId, :contactId), submission = if_not_exists(submission, :detail), ' +
          'submittedAt = if_not_exists(submittedAt, :submittedAt), updatedAt = :at, createdAt = if_not_exists(createdAt, :at), ' +
          '#status = if_not_exists(#status, :new)',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':leadId': leadId,
          ':contactId': submission.contactId,
          ':detail': submission.detail,
          ':submittedAt': submission.submittedAt,
          ':at': at,
          ':new': 'new',
        },
      }),
    );
    return StoredLead.parse({ leadId, ...Attributes });
  }

  /**
   * Stores a lead's score (creating the lead as `new` if needed); never touches ownership. Returns
   * the lead as it now is.
   */
  async recordScore(leadId: string, result: LeadScore, at: string): Promise<LeadRecord> {
    const { Attributes } = await dynamo.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: leadKey(leadId),
        ReturnValues: 'ALL_NEW',
        UpdateExpression:
          'SET leadId = :leadId, score = :score, grade = :grade, fired = :fired, scoredAt = :at, updatedAt = :at, ' +
          'createdAt = if_not_exists(createdAt, :at), #status = if_not_exists(#status, :new)',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':leadId': leadId,
          ':score': result.score,
          ':grade': result.grade,
          ':fired': result.fired,
          ':at': at,
          ':new': 'new',
        },
      }),
    );
    return StoredLead.parse({ leadId, ...Attributes });
  }

  /**
   * Gives a lead to a rep if nobody owns it and the rep has room (`capacity`; Infinity for none).
   * Idempotent: repeating a call that succeeded, or was cut off half-way, answers `assigned` with
   * `resumed: true` and counts the lead once.
   */
  async assign(
    leadId: string,
    repId: string,
    capacity: number,
    at: string,
    options: AssignOptions = {},
  ): Promise<AssignResult> {
    if (capacity <= 0) return { outcome: 'capacity_full', repId };
    const claim = await this.claimLead(leadId, repId, at, options.rule ?? 'manual', options.known);
    if (claim.kind === 'taken') return { outcome: 'lead_taken', owner: claim.owner, status: claim.status };
    const taken = await this.takeCapacity(leadId, repId, capacity, at, options.passDelta ?? 0);
    if (taken !== 'full') {
      return {
        outcome: 'assigned',
        repId,
        resumed: claim.kind === 'resumed' || taken === 'already',
        ...(claim.kind === 'claimed' ? { lead: claim.lead } : {}),
      };
    }
    await this.undoClaim(leadId, repId, claim.prior, at);
    return { outcome: 'capacity_full', repId };
  }

  /**
   * Tries the attempts in order (routing's `attempts`) until one rep takes the lead. When the lead
   * already has an owner and `capacityOf` is given, the owner's assignment is completed first (it
   * may have been cut off between the claim and the capacity); if that owner turns out to be full,
   * the claim is undone and the attempts go on.
   */
  async assignFirst(
    leadId: string,
    attempts: readonly AssignmentAttempt[],
    at: string,
    rule: AssignmentRule,
    capacityOf?: (repId: string) => number | undefined,
    known?: LeadRecord,
  ): Promise<AssignFirstResult> {
    const tried: string[] = [];
    let repairedOwner = false;
    // Only the first claim may trust the caller's copy: any attempt changes the lead.
    let copy = known;
    for (let index = 0; index < attempts.length; index++) {
      const attempt = attempts[index];
      if (!attempt) continue;
      const result = await this.assign(leadId, attempt.repId, attempt.capacity, at, {
        rule,
        passDelta: attempt.passDelta,
        ...(copy ? { known: copy } : {}),
      });
      copy = undefined;
      if (result.outcome === 'capacity_full') {
        tried.push(attempt.repId);
        continue;
      }
      if (result.outcome === 'assigned' || result.status === 'closed' || !capacityOf || repairedOwner) {
        return result;
      }
      repairedOwner = true;
      const ownerCapacity = capacityOf(result.owner) ?? 0;
      const repaired = await this.assign(leadId, result.owner, ownerCapacity, at);
      if (repaired.outcome !== 'capacity_full') return repaired;
      index--; // the owner was full and let go of the lead: try this attempt again
    }
    return { outcome: 'all_full', tried };
  }

  /**
   * Frees the rep's slot when a lead is reassigned (the owner is removed, status `reassigned`) or
   * closed (the owner stays on record, status `closed`). Idempotent.
   */
  async release(
    leadId: string,
    repId: string,
    at: string,
    reason: 'reassigned' | 'closed' = 'reassigned',
  ): Promise<void> {
    const entry: LeadHistoryEntry = { at, what: reason, repId };
    try {
      await dynamo.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: leadKey(leadId),
          UpdateExpression:
            reason === 'reassigned'
              ? 'REMOVE #owner, assignedAt, priorStatus SET #status = :status, updatedAt = :at, #history = list_append(if_not_exists(#history, :empty), :entry)'
              : 'SET #status = :status, closedAt = :at, updatedAt = :at, #history = list_append(if_not_exists(#history, :empty), :entry)',
          ConditionExpression: '#owner = :rep AND #status <> :closed',
          ExpressionAttributeNames: NAMES,
          ExpressionAttributeValues: {
            ':rep': repId,
            ':status': reason,
            ':closed': 'closed',
            ':at': at,
            ':entry': [entry],
            ':empty': [],
          },
        }),
      );
    } catch (error) {
      // Already released (a retry) or owned by someone else: the load entry below is all that is left.
      if (!isConditionFailure(error)) throw error;
    }
    await this.freeCapacity(leadId, repId, at);
  }

  /** Records that the owner accepted or contacted the lead; false when the rep no longer owns it. */
  async setStatus(
    leadId: string,
    repId: string,
    status: 'accepted' | 'contacted',
    at: string,
  ): Promise<boolean> {
    try {
      await dynamo.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: leadKey(leadId),
          UpdateExpression:
            'SET #status = :status, updatedAt = :at, #history = list_append(if_not_exists(#history, :empty), :entry)',
          ConditionExpression: '#owner = :rep AND #status <> :closed',
          ExpressionAttributeNames: NAMES,
          ExpressionAttributeValues: {
            ':rep': repId,
            ':status': status,
            ':closed': 'closed',
            ':at': at,
            ':entry': [{ at, what: status, repId }],
            ':empty': [],
          },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  /**
   * Puts a lead nobody has room for in the unassigned queue and marks it `unassigned` (once: a
   * retry changes nothing). Never for a lead that has an owner.
   */
  async queueUnassigned(leadId: string, reason: string, at: string): Promise<void> {
    try {
      await dynamo.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...queueKey(leadId), leadId, queuedAt: at, reason },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (error) {
      // Queued already (a retry, or routed again by the pass): it keeps its place.
      if (!isConditionFailure(error)) throw error;
    }
    const entry: LeadHistoryEntry = { at, what: 'unassigned', reason };
    try {
      await dynamo.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: leadKey(leadId),
          UpdateExpression:
            'SET #status = :unassigned, updatedAt = :at, #history = list_append(if_not_exists(#history, :empty), :entry)',
          ConditionExpression:
            'attribute_exists(pk) AND attribute_not_exists(#owner) AND #status <> :unassigned',
          ExpressionAttributeNames: NAMES,
          ExpressionAttributeValues: {
            ':unassigned': 'unassigned',
            ':at': at,
            ':entry': [entry],
            ':empty': [],
          },
        }),
      );
    } catch (error) {
      // Marked already, or someone took it meanwhile (the pass drops its queue item).
      if (!isConditionFailure(error)) throw error;
    }
  }

  /** The leads in the unassigned queue, oldest first (strongly consistent). */
  async unassigned(): Promise<QueuedLead[]> {
    const queued: QueuedLead[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await dynamo.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :queue',
          ExpressionAttributeValues: { ':queue': QUEUE_PK },
          ConsistentRead: true,
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      for (const item of page.Items ?? []) {
        const leadId = stringOr(item.leadId);
        if (leadId) {
          queued.push({
            leadId,
            queuedAt: stringOr(item.queuedAt) ?? '',
            reason: stringOr(item.reason) ?? '',
          });
        }
      }
      start = page.LastEvaluatedKey;
    } while (start);
    return queued.sort((a, b) => a.queuedAt.localeCompare(b.queuedAt) || a.leadId.localeCompare(b.leadId));
  }

  /** How many leads wait in the unassigned queue (strongly consistent). */
  async countUnassigned(): Promise<number> {
    let count = 0;
    let start: Record<string, unknown> | undefined;
    do {
      const page = await dynamo.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :queue',
          ExpressionAttributeValues: { ':queue': QUEUE_PK },
          ConsistentRead: true,
          Select: 'COUNT',
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      count += page.Count ?? 0;
      start = page.LastEvaluatedKey;
    } while (start);
    return count;
  }

  /**
   * Claims the digest of the unassigned queue for a period (a number that grows, e.g. the hour):
   * true for the first caller only, so a schedule delivered twice sends one digest per period.
   */
  async claimDigest(period: number, at: string): Promise<boolean> {
    try {
      await dynamo.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: DIGEST_KEY,
          UpdateExpression: 'SET period = :period, sentAt = :at',
          ConditionExpression: 'attribute_not_exists(period) OR period < :period',
          ExpressionAttributeValues: { ':period': period, ':at': at },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  /** Takes a lead out of the unassigned queue (it found an owner). Idempotent. */
  async dequeue(leadId: string): Promise<void> {
    await dynamo.send(new DeleteCommand({ TableName: this.tableName, Key: queueKey(leadId) }));
  }

  /** The lead as stored (strongly consistent), or undefined. */
  async lead(leadId: string): Promise<LeadRecord | undefined> {
    const item = await this.readLead(leadId);
    return item ? StoredLead.parse({ leadId, ...item }) : undefined;
  }

  /** The load of each rep (strongly consistent); a rep never assigned has `open: 0`. */
  async loads(repIds: readonly string[]): Promise<Record<string, RepLoad>> {
    const unique = [...new Set(repIds)];
    const out: Record<string, RepLoad> = Object.fromEntries(
      unique.map((repId) => [repId, { repId, open: 0, leads: [] }]),
    );
    for (const item of await batchGetAll(this.tableName, unique.map(loadKey), { consistent: true })) {
      const load = toLoad(item);
      if (load) out[load.repId] = load;
    }
    return out;
  }

  private async readLead(leadId: string): Promise<Record<string, unknown> | undefined> {
    const { Item } = await dynamo.send(
      new GetCommand({ TableName: this.tableName, Key: leadKey(leadId), ConsistentRead: true }),
    );
    return Item;
  }

  /** Step 1: the lead gets this owner unless it has one; a lead already ours is resumed. */
  private async claimLead(
    leadId: string,
    repId: string,
    at: string,
    rule: AssignmentRule,
    known?: LeadRecord,
  ): Promise<Claim> {
    for (let attempt = 0; attempt < CLAIM_ATTEMPTS; attempt++) {
      const unowned = attempt === 0 && known?.owner === undefined ? known : undefined;
      const current: Record<string, unknown> | undefined = unowned ?? (await this.readLead(leadId));
      const owner = stringOr(current?.owner);
      const status: LeadStatus = isStatus(current?.status) ? current.status : 'new';
      if (owner !== undefined) {
        if (owner === repId && status !== 'closed') {
          return { kind: 'resumed', prior: isStatus(current?.priorStatus) ? current.priorStatus : 'new' };
        }
        return { kind: 'taken', owner, status };
      }
      const entry: LeadHistoryEntry = { at, what: 'assigned', repId, rule };
      try {
        const { Attributes } = await dynamo.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: leadKey(leadId),
            ReturnValues: 'ALL_NEW',
            UpdateExpression:
              'SET #owner = :rep, #rule = :rule, #status = :assigned, priorStatus = :prior, assignedAt = :at, ' +
              'updatedAt = :at, leadId = :leadId, createdAt = if_not_exists(createdAt, :at), ' +
              '#history = list_append(if_not_exists(#history, :empty), :entry)',
            ConditionExpression: 'attribute_not_exists(#owner)',
            ExpressionAttributeNames: { ...NAMES, '#rule': 'rule' },
            ExpressionAttributeValues: {
              ':rep': repId,
              ':rule': rule,
              ':assigned': 'assigned',
              ':prior': status,
              ':at': at,
              ':leadId': leadId,
              ':empty': [],
              ':entry': [entry],
            },
          }),
        );
        return { kind: 'claimed', prior: status, lead: StoredLead.parse({ leadId, ...Attributes }) };
      } catch (error) {
        // Someone claimed it between the read and the write: the next read says who.
        if (!isConditionFailure(error)) throw error;
      }
    }
    throw new Error(`lead ${leadId}: ownership kept changing; retry`);
  }

  /** Step 2: the lead joins the rep's load if there is room; `already` when it was counted before. */
  private async takeCapacity(
    leadId: string,
    repId: string,
    capacity: number,
    at: string,
    passDelta: number,
  ): Promise<'taken' | 'already' | 'full'> {
    const limited = Number.isFinite(capacity);
    const addPass = passDelta !== 0 && Number.isFinite(passDelta);
    try {
      await dynamo.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: loadKey(repId),
          UpdateExpression: `ADD leads :leadSet, #open :one${addPass ? ', #pass :pass' : ''} SET repId = :repId, lastAssignedAt = :at`,
          ConditionExpression: limited
            ? 'attribute_not_exists(leads) OR (NOT contains(leads, :leadId) AND size(leads) < :capacity)'
            : 'NOT contains(leads, :leadId)',
          ExpressionAttributeNames: { '#open': 'open', ...(addPass ? { '#pass': 'pass' } : {}) },
          ExpressionAttributeValues: {
            ':leadSet': new Set([leadId]),
            ':leadId': leadId,
            ':one': 1,
            ':repId': repId,
            ':at': at,
            ...(limited ? { ':capacity': capacity } : {}),
            ...(addPass ? { ':pass': passDelta } : {}),
          },
        }),
      );
      return 'taken';
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
    const { Item } = await dynamo.send(
      new GetCommand({ TableName: this.tableName, Key: loadKey(repId), ConsistentRead: true }),
    );
    return Item?.leads instanceof Set && Item.leads.has(leadId) ? 'already' : 'full';
  }

  /** Undoes step 1 after the rep was found full, restoring the status the lead had before. */
  private async undoClaim(leadId: string, repId: string, prior: LeadStatus, at: string): Promise<void> {
    const entry: LeadHistoryEntry = { at, what: 'skipped', repId, reason: 'capacity_full' };
    try {
      await dynamo.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: leadKey(leadId),
          UpdateExpression:
            'REMOVE #owner, #rule, assignedAt, priorStatus SET #status = :prior, updatedAt = :at, ' +
            '#history = list_append(if_not_exists(#history, :empty), :entry)',
          ConditionExpression: '#owner = :rep',
          ExpressionAttributeNames: { ...NAMES, '#rule': 'rule' },
          ExpressionAttributeValues: {
            ':rep': repId,
            ':prior': prior,
            ':at': at,
            ':entry': [entry],
            ':empty': [],
          },
        }),
      );
    } catch (error) {
      // A concurrent duplicate already undid it.
      if (!isConditionFailure(error)) throw error;
    }
  }

  private async freeCapacity(leadId: string, repId: string, at: string): Promise<void> {
    try {
      await dynamo.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: loadKey(repId),
          UpdateExpression: 'DELETE leads :leadSet ADD #open :minusOne SET releasedAt = :at',
          ConditionExpression: 'contains(leads, :leadId)',
          ExpressionAttributeNames: { '#open': 'open' },
          ExpressionAttributeValues: {
            ':leadSet': new Set([leadId]),
            ':leadId': leadId,
            ':minusOne': -1,
            ':at': at,
          },
        }),
      );
    } catch (error) {
      // Not counted (already freed by a retry): nothing to do.
      if (!isConditionFailure(error)) throw error;
    }
  }
}

function isStatus(value: unknown): value is LeadStatus {
  return LeadStatus.safeParse(value).success;
}

function stringOr(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function toLoad(item: Record<string, unknown>): RepLoad | undefined {
  const repId = stringOr(item.repId) ?? stringOr(item.pk)?.replace(/^REP#/, '');
  if (repId === undefined) return undefined;
  const leads = item.leads instanceof Set ? [...item.leads].map(String).sort() : [];
  return {
    repId,
    open: typeof item.open === 'number' ? item.open : leads.length,
    leads,
    lastAssignedAt: stringOr(item.lastAssignedAt),
    pass: typeof item.pass === 'number' ? item.pass : undefined,
  };
}
