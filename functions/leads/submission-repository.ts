/**
 * Lead form submissions and per-client rate limits, in a table with `pk`/`sk` string keys and a TTL
 * attribute `expiresAt` (epoch seconds):
 *
 * | item       | key                                      | holds                                                        |
 * | ---------- | ---------------------------------------- | ------------------------------------------------------------ |
 * | submission | `SUBMISSION#<submissionId>` / `SUBMISSION` | `digest`, `leadId`, `state` (`pending`, `completed`), `claimedAt`; kept 7 days |
 * | rate       | `RATE#<sha256(clientKey)>#<windowStart>` / `RATE` | `hits` in that fixed window; kept until the window ends |
 *
 * **Idempotent submissions.** The handler claims the `submissionId` first, then publishes
 * `lead.submitted`, then marks the claim completed. A retry with the same id and the same content
 * (`digestOf`) gets the original lead back; different content under the same id is a conflict (409).
 *
 * **Crash window.** Between the claim and the publish, a crash leaves a `pending` claim and no event.
 * A retry then gets `repeat` with `completed: false` and must publish again, with the original
 * `leadId` and `claimedAt` and an event id derived from the lead id: two copies of the event (a
 * crash after the publish but before `complete`, or two requests in flight at once) then carry one
 * event id, and ingest drops the duplicate.
 *
 * **Rate limits** count requests per client in fixed windows with one conditional `ADD`, so any
 * number of concurrent requests never get more than `limit` through. The client key (the source IP)
 * is hashed with SHA-256 before it becomes part of a key, so no raw address is stored. An unsalted
 * hash of an IPv4 address can be reversed by trying them all: it keeps addresses out of sight, and
 * the items disappear shortly after their window, but it is not anonymization.
 */
import { createHash } from 'node:crypto';
import * as z from '#catalogue/zod.ts';
import { dynamo, GetCommand, PutCommand, UpdateCommand } from '#platform/clients/dynamo.ts';
import { isConditionFailure } from '#platform/dynamo-errors.ts';
import type { LeadForm } from './lead-form.ts';

/** How long a submission id is remembered: retries come within minutes, a week is plenty. */
export const SUBMISSION_TTL_SECONDS = 7 * 24 * 60 * 60;
/** Rate items outlive their window a little, for clock differences between containers. */
const RATE_SLACK_SECONDS = 60;
const CLAIM_ATTEMPTS = 3;

export type ClaimResult =
  | { readonly kind: 'new' }
  | {
      readonly kind: 'repeat';
      readonly leadId: string;
      /** When the first attempt claimed it: the `occurredAt` to publish again with. */
      readonly claimedAt: string;
      /** False when the first attempt may have stopped before publishing: publish again. */
      readonly completed: boolean;
    }
  | { readonly kind: 'conflict' };

export interface RateDecision {
  readonly allowed: boolean;
  /** 0 when allowed; otherwise the seconds until the window ends (for `Retry-After`). */
  readonly retryAfterSeconds: number;
}

const StoredSubmission = z.object({
  digest: z.string(),
  leadId: z.string(),
  claimedAt: z.string(),
  state: z.enum(['pending', 'completed']),
});

const submissionKey = (submissionId: string) => ({ pk: `SUBMISSION#${submissionId}`, sk: 'SUBMISSION' });

export class SubmissionRepository {
  constructor(private readonly tableName: string) {}

  /**
   * Claims `submissionId` for a new lead, or says what the earlier claim was: `repeat` (same
   * content: the original lead) or `conflict` (other content under the same id). A claim past its
   * `expiresAt` counts as gone even before DynamoDB deletes it.
   */
  async claim(submissionId: string, digest: string, leadId: string, at: string): Promise<ClaimResult> {
    const nowSeconds = epochSeconds(Date.parse(at));
    if (Number.isNaN(nowSeconds)) throw new Error(`claim time "${at}" is not an ISO-8601 date-time`);
    for (let attempt = 0; attempt < CLAIM_ATTEMPTS; attempt++) {
      try {
        await dynamo.send(
          new PutCommand({
            TableName: this.tableName,
            Item: {
              ...submissionKey(submissionId),
              submissionId,
              digest,
              leadId,
              state: 'pending',
              claimedAt: at,
              expiresAt: nowSeconds + SUBMISSION_TTL_SECONDS,
            },
            ConditionExpression: 'attribute_not_exists(pk) OR expiresAt <= :now',
            ExpressionAttributeValues: { ':now': nowSeconds },
          }),
        );
        return { kind: 'new' };
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
      }
      const { Item } = await dynamo.send(
        new GetCommand({ TableName: this.tableName, Key: submissionKey(submissionId), ConsistentRead: true }),
      );
      // Gone between the put and the read (expired and deleted): claim again.
      if (Item === undefined) continue;
      const earlier = StoredSubmission.parse(Item);
      if (earlier.digest !== digest) return { kind: 'conflict' };
      return {
        kind: 'repeat',
        leadId: earlier.leadId,
        claimedAt: earlier.claimedAt,
        completed: earlier.state === 'completed',
      };
    }
    throw new Error(`submission ${submissionId}: claim kept disappearing; retry`);
  }

  /** Marks a claimed submission as published. Idempotent; throws if there is no claim to complete. */
  async complete(submissionId: string, at: string): Promise<void> {
    try {
      await dynamo.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: submissionKey(submissionId),
          UpdateExpression: 'SET #state = :completed, completedAt = if_not_exists(completedAt, :at)',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: { ':completed': 'completed', ':at': at },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      throw new Error(`submission ${submissionId} was never claimed (or expired); claim it first`);
    }
  }

  /**
   * Takes one request from `clientKey`'s allowance of `limit` per `windowSeconds` (fixed windows
   * aligned on the epoch). `clientKey` is hashed before it is stored.
   */
  async takeRateToken(
    clientKey: string,
    limit: number,
    windowSeconds: number,
    nowMs: number,
  ): Promise<RateDecision> {
    const now = nowMs / 1000;
    const windowStart = Math.floor(now / windowSeconds) * windowSeconds;
    const windowEnd = windowStart + windowSeconds;
    const refused = { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(windowEnd - now)) };
    if (limit < 1) return refused;
    try {
      await dynamo.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: `RATE#${sha256(clientKey)}#${windowStart}`, sk: 'RATE' },
          UpdateExpression: 'ADD hits :one SET expiresAt = :expiresAt',
          ConditionExpression: 'attribute_not_exists(hits) OR hits < :limit',
          ExpressionAttributeValues: {
            ':one': 1,
            ':limit': limit,
            ':expiresAt': windowEnd + RATE_SLACK_SECONDS,
          },
        }),
      );
      return { allowed: true, retryAfterSeconds: 0 };
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      return refused;
    }
  }
}

/**
 * SHA-256 (hex) of the form's content, whatever the order of its keys: what decides whether a
 * retry under the same `submissionId` is the same submission.
 */
export function digestOf(form: LeadForm): string {
  return sha256(canonicalJson(form));
}

/** JSON with object keys sorted at every level and undefined properties left out. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function epochSeconds(ms: number): number {
  return Math.floor(ms / 1000);
}
