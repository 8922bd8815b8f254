// The cost report's storage of a run: what it added, item by item, never a credit for what it removed.
import { describe, expect, it } from 'vitest';
import { storageGrowth } from '../../bin/cli/cost-model.ts';

describe('storageGrowth', () => {
  it('counts a new item whole and a grown item by its growth', () => {
    // Prepare
    const before = new Map([['t ["a"]', 100]]);
    const after = new Map([
      ['t ["a"]', 150],
      ['t ["b"]', 40],
    ]);

    // Assess
    expect(storageGrowth(before, after)).toBe(90);
  });

  it('gives no credit for an item deleted or shrunk, and nothing for one unchanged', () => {
    // Prepare: a waitlist entry consumed by the run, a profile trimmed, a product untouched.
    const before = new Map([
      ['t ["waitlist"]', 300],
      ['t ["profile"]', 500],
      ['t ["product"]', 200],
    ]);
    const after = new Map([
      ['t ["profile"]', 450],
      ['t ["product"]', 200],
    ]);

    // Assess
    expect(storageGrowth(before, after)).toBe(0);
  });
});
