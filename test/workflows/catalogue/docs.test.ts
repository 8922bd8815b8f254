import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type EventType, eventFieldPaths, eventTypes, parseEventDetail } from '#catalogue/catalogue.ts';

const doc = readFileSync(new URL('../../../docs/events.md', import.meta.url), 'utf8');

// Text from a "## heading" line to the next "## " heading.
function section(heading: string): string {
  const start = doc.indexOf(`\n## ${heading}\n`);
  if (start === -1) throw new Error(`docs/events.md has no "## ${heading}" section`);
  const end = doc.indexOf('\n## ', start + 1);
  return doc.slice(start, end === -1 ? undefined : end);
}

// First-column paths of the field tables in a text.
function tablePaths(text: string): string[] {
  return [...text.matchAll(/^\| `([^`]+)`\s*\|/gm)].flatMap((match) =>
    match[1] === undefined ? [] : [match[1]],
  );
}

// Paths a producer table lists: no `[]` element entries and no `.*` record values.
function documentablePaths(type: EventType): string[] {
  return [...eventFieldPaths(type).keys()].filter((path) => !path.endsWith('[]') && !path.endsWith('.*'));
}

const common = new Set(tablePaths(section('Rules for every event')));

describe('docs/events.md', () => {
  it('documents the common fields', () => {
    const contactFields = documentablePaths('cart.updated').filter(
      (path) => path === 'contact' || path.startsWith('contact.'),
    );
    expect([...common].sort()).toEqual(['eventId', 'occurredAt', 'source', ...contactFields].sort());
  });

  it.each(eventTypes)('documents every field of %s and nothing else', (type) => {
    const own = documentablePaths(type).filter((path) => !common.has(path));
    expect(tablePaths(section(`\`${type}\``)).sort()).toEqual(own.sort());
  });

  it.each(eventTypes)('has a valid JSON example for %s', (type) => {
    const json = /```json\n([\s\S]*?)```/.exec(section(`\`${type}\``))?.[1];
    if (json === undefined) throw new Error(`no JSON example for ${type}`);
    const result = parseEventDetail(type, JSON.parse(json));
    expect(result.ok ? [] : result.errors).toEqual([]);
  });
});
