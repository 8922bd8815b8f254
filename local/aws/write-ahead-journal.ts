/**
 * A write-ahead journal for the local stand-ins: a unit of work (an event accepted by the bus, an
 * execution started) is appended, synchronously, before the call that accepted it answers, and
 * marked done once it has ended. A process that dies in between (kill -9) leaves it open, and the
 * next start takes up what is still open. Taking it up again is at-least-once, as AWS's own
 * deliveries are: relance's ingest drops a repeated eventId, runs are taken once per execution and
 * the ledger sends each message once.
 */
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { writeFileAtomically } from './atomic-file.ts';

type Line<T> = { open: T } | { done: string };

/** Lines written before the journal is rewritten with its open entries only (or twice those, when more are open). */
const COMPACT_AFTER_LINES = 10_000;

export class WriteAheadJournal<T> {
  private closed = false;
  /** The entries written and not yet marked done, by id. */
  private readonly open = new Map<string, T>();
  private lines = 0;

  constructor(
    private readonly path: string,
    private readonly idOf: (entry: T) => string,
  ) {}

  /** Whether a journal was ever written here (an empty one still says: nothing is open). */
  exists(): boolean {
    return existsSync(this.path);
  }

  /** The entries a previous process opened and never marked done, in the order they were opened. */
  pending(): T[] {
    if (!existsSync(this.path)) return [];
    const open = new Map<string, T>();
    for (const text of readFileSync(this.path, 'utf8').split('\n')) {
      if (text.trim() === '') continue;
      let line: Line<T>;
      try {
        line = JSON.parse(text) as Line<T>;
      } catch {
        continue; // The last line of a process killed mid-write.
      }
      if ('open' in line) open.set(this.idOf(line.open), line.open);
      else open.delete(line.done);
    }
    return [...open.values()];
  }

  /** Starts the journal afresh (after its pending entries were taken up again), with `open` entries open. */
  reset(open: readonly T[] = []): void {
    this.open.clear();
    for (const entry of open) this.open.set(this.idOf(entry), entry);
    this.rewrite();
  }

  opened(entry: T): void {
    this.open.set(this.idOf(entry), entry);
    this.write({ open: entry });
  }

  done(id: string): void {
    if (!this.open.delete(id)) return;
    this.write({ done: id });
  }

  /** The file rewritten with the open entries only: a new file renamed over the old, so a crash midway leaves one whole journal. */
  private rewrite(): void {
    if (this.closed) return;
    writeFileAtomically(
      this.path,
      [...this.open.values()].map((open) => `${JSON.stringify({ open })}\n`).join(''),
    );
    this.lines = this.open.size;
  }

  /** Writes nothing more: what a process that dies leaves behind. */
  close(): void {
    this.closed = true;
  }

  private write(line: Line<T>): void {
    if (this.closed) return;
    appendFileSync(this.path, `${JSON.stringify(line)}\n`);
    this.lines++;
    // Rewritten with what is still open once the lines outgrow it (an entry opened again, as a
    // schedule's new state, replaces its earlier line).
    if (this.lines >= Math.max(COMPACT_AFTER_LINES, 2 * this.open.size)) this.rewrite();
  }
}
