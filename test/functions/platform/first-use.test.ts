// Loaded on first use: one load for every caller, kept; a failed load is tried again by the next call.
import { describe, expect, it } from 'vitest';
import { onFirstUse } from '../../../functions/platform/first-use.ts';

describe('onFirstUse', () => {
  it('loads once for callers at the same time and after, and keeps what it loaded', async () => {
    // Prepare
    let loads = 0;
    const loaded = onFirstUse(async () => ({ load: ++loads }));

    // Act
    const [first, second] = await Promise.all([loaded(), loaded()]);
    const later = await loaded();

    // Assess
    expect(loads).toBe(1);
    expect(second).toBe(first);
    expect(later).toBe(first);
  });

  it('does not keep a failed load: the next call loads again', async () => {
    // Prepare
    let loads = 0;
    const loaded = onFirstUse(async () => {
      loads++;
      if (loads === 1) throw new Error('module not found');
      return 'engine';
    });

    // Act
    const failed = loaded();

    // Assess
    await expect(failed).rejects.toThrow('module not found');
    await expect(loaded()).resolves.toBe('engine');
    expect(loads).toBe(2);
  });
});
