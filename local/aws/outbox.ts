/**
 * What a messaging stand-in (SES, SNS, End User Messaging) keeps of the messages it accepted: the
 * most recent ones, at most `limit`. A runtime left running under load (`npm start` behind a load
 * test) would otherwise hold every message it ever sent, bodies included, until it ran out of
 * memory. The page and the terminal show recent messages; the ledger keeps every send's record.
 */

/** Messages each outbox keeps: as many as the local page lists. */
export const OUTBOX_LIMIT = 500;

export class Outbox<T> {
  private items: T[] = [];
  /** Messages accepted by this process, kept or not (restored ones are not counted). */
  accepted = 0;

  constructor(readonly limit: number = OUTBOX_LIMIT) {
    if (!Number.isInteger(limit) || limit < 1)
      throw new RangeError(`an outbox keeps at least 1 message, not ${limit}`);
  }

  add(item: T): void {
    this.items.push(item);
    this.accepted++;
    if (this.items.length > this.limit) this.items.splice(0, this.items.length - this.limit);
  }

  /** The kept messages, oldest first (the array itself: callers do not change it). */
  kept(): readonly T[] {
    return this.items;
  }

  /** Messages a previous process kept: the most recent `limit` of them. */
  restore(items: readonly T[]): void {
    this.items = items.slice(-this.limit);
  }

  /**
   * The kept messages accepted after `accepted` was `count`, oldest first. Messages accepted since
   * but already dropped (more than `limit` of them) are counted in `dropped`.
   */
  since(count: number): { messages: T[]; dropped: number } {
    const fresh = Math.max(0, this.accepted - count);
    const messages = fresh === 0 ? [] : this.items.slice(Math.max(0, this.items.length - fresh));
    return { messages, dropped: fresh - messages.length };
  }
}
