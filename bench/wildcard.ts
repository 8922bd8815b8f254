/**
 * Wildcard matching in the local EventBridge: the worst case issue 17 measured for the backtracking
 * regular expression it replaced (`*a*a*a*b` against 400 `a`: 21 s, event loop blocked), and a
 * long star-heavy wildcard, timed over many matches.
 */
import { matchWildcard } from '../local/aws/eventbridge/event-pattern.ts';
import { count, type Table, verdict } from './report.ts';

/** Target: one worst-case match well under a millisecond, so no event can stall the bus. */
const TARGET_MS = 1;
const MATCHES = 10_000;

function perMatch(wildcard: string, value: string): { ms: number; matched: boolean } {
  let matched = false;
  const start = performance.now();
  for (let i = 0; i < MATCHES; i++) matched = matchWildcard(wildcard, value);
  return { ms: (performance.now() - start) / MATCHES, matched };
}

export async function benchWildcard(): Promise<Table[]> {
  const cases = [
    { name: '*a*a*a*b, 400 × a (no match)', wildcard: '*a*a*a*b', value: 'a'.repeat(400) },
    { name: '*a*a*a*b, 10,000 × a (no match)', wildcard: '*a*a*a*b', value: 'a'.repeat(10_000) },
    { name: '(*a) × 200 then *b, 400 × a', wildcard: `${'*a'.repeat(200)}*b`, value: 'a'.repeat(400) },
    { name: 'dir/*.png, a 60-character path', wildcard: 'dir/*.png', value: `dir/${'x'.repeat(52)}.png` },
  ];
  const rows = cases.map((c) => {
    const { ms, matched } = perMatch(c.wildcard, c.value);
    return [
      c.name,
      matched ? 'yes' : 'no',
      `${(ms * 1000).toFixed(1)} µs`,
      `< ${TARGET_MS} ms`,
      verdict(ms < TARGET_MS),
    ];
  });
  return [
    {
      title: 'Local EventBridge wildcard matching (one match, mean of many)',
      columns: ['wildcard and value', 'matches', 'time', 'target', 'verdict'],
      rows,
      notes: [
        `mean over ${count(MATCHES)} matches each; the regular expression it replaced took 21 s for the first row`,
      ],
    },
  ];
}
