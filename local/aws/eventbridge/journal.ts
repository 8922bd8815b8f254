/**
 * The local bus's write-ahead journal: an event is written (appended, synchronously) before
 * PutEvents answers, and marked delivered once every target it matched has it (a Lambda target
 * once its asynchronous invocation has run or reached its on-failure destination). A process that
 * dies in between (kill -9) leaves the event unmarked, and the next start delivers it again. A
 * target can then see an event twice, as EventBridge's at-least-once delivery allows: relance's
 * ingest drops a repeated eventId and the ledger sends each message once.
 */
import { appendFileSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { BusEventEnvelope } from './bus.ts';

interface Accepted {
  readonly busName: string;
  readonly event: BusEventEnvelope;
}

type Line = { accepted: Accepted } | { delivered: string };

/** Lines written before the journal is rewritten with its open events only. */
const COMPACT_AFTER_LINES = 10_000;

export class BusJournal {
  private closed = false;
  /** The events written and not yet marked delivered, by id. */
  private readonly open = new Map<string, Accepted>();
  private lines = 0;

  constructor(private readonly path: string) {}

  /** The events accepted and never marked delivered, in the order they were accepted. */
  pending(): Accepted[] {
    if (!existsSync(this.path)) return [];
    const open = new Map<string, Accepted>();
    for (const text of readFileSync(this.path, 'utf8').split('\n')) {
      if (text.trim() === '') continue;
      let line: Line;
      try {
        line = JSON.parse(text) as Line;
      } catch {
        continue; // The last line of a process killed mid-write.
      }
      if ('accepted' in line) open.set(line.accepted.event.id, line.accepted);
      else open.delete(line.delivered);
    }
    return [...open.values()];
  }

  /** Starts the journal afresh (after its pending events were taken to be delivered again). */
  reset(): void {
    writeFileSync(this.path, '');
    this.open.clear();
    this.lines = 0;
  }

  accepted(busName: string, event: BusEventEnvelope): void {
    this.open.set(event.id, { busName, event });
    this.write({ accepted: { busName, event } });
  }

  delivered(eventId: string): void {
    this.open.delete(eventId);
    this.write({ delivered: eventId });
    // Rewritten with what is still open: a new file renamed over the old, so a crash midway leaves one whole journal.
    if (this.lines >= COMPACT_AFTER_LINES && !this.closed) {
      const next = `${this.path}.next`;
      writeFileSync(
        next,
        [...this.open.values()].map((accepted) => `${JSON.stringify({ accepted })}\n`).join(''),
      );
      renameSync(next, this.path);
      this.lines = this.open.size;
    }
  }

  /** Writes nothing more: what a process that dies leaves behind. */
  close(): void {
    this.closed = true;
  }

  private write(line: Line): void {
    if (this.closed) return;
    appendFileSync(this.path, `${JSON.stringify(line)}\n`);
    this.lines++;
  }
}
