// The local stand-ins' write-ahead journal (here the bus's): what was accepted and not marked done
// is pending after a crash, a torn last line (a process killed mid-write) is ignored, and a
// compaction keeps the open entries.
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { type BusEventEnvelope, busJournal } from '../../../local/aws/eventbridge/bus.ts';

const event = (id: string): BusEventEnvelope => ({
  version: '0',
  id,
  'detail-type': 'contact.signed_up',
  source: 'shop.test',
  account: '000000000000',
  time: '2026-03-02T10:00:00Z',
  region: 'us-east-1',
  resources: [],
  detail: { eventId: id },
});

describe('the bus journal', () => {
  const folder = mkdtempSync(join(tmpdir(), 'relance-journal-'));
  const path = join(folder, 'bus-journal.jsonl');
  afterEach(() => rmSync(path, { force: true }));
  afterAll(() => rmSync(folder, { recursive: true, force: true }));

  it('lists what was accepted and not delivered, in order, across a torn last line', () => {
    const journal = busJournal(path);
    journal.opened({ busName: 'relance', event: event('a') });
    journal.opened({ busName: 'relance', event: event('b') });
    journal.opened({ busName: 'default', event: event('c') });
    journal.done('b');
    appendFileSync(path, '{"open":{"busName":"rel');

    const pending = busJournal(path).pending();

    expect(pending.map((p) => `${p.busName}:${p.event.id}`)).toEqual(['relance:a', 'default:c']);
  });

  it('writes nothing once closed, as a dead process would not', () => {
    const journal = busJournal(path);
    journal.opened({ busName: 'relance', event: event('a') });
    journal.close();
    journal.done('a');
    expect(
      busJournal(path)
        .pending()
        .map((p) => p.event.id),
    ).toEqual(['a']);
  });

  it('starts empty after a reset, and keeps only open events when it compacts', () => {
    const journal = busJournal(path);
    journal.opened({ busName: 'relance', event: event('old') });
    journal.reset();
    expect(journal.pending()).toEqual([]);
    for (let i = 0; i < 5_001; i++) {
      journal.opened({ busName: 'relance', event: event(`e${i}`) });
      if (i > 0) journal.done(`e${i}`);
    }
    // 10,001 lines were written: the journal was rewritten with the one open event.
    expect(readFileSync(path, 'utf8').trim().split('\n').length).toBeLessThan(10);
    expect(
      busJournal(path)
        .pending()
        .map((p) => p.event.id),
    ).toEqual(['e0']);
  });
});
