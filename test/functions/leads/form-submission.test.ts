// The per-client limit of the lead form is a quota on real time: a minute is a real minute, even
// when relance dev runs journey time 720 times faster.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type LeadFormDeps, submitLeadForm } from '../../../functions/leads/form-submission.ts';
import type { SubmissionRepository } from '../../../functions/leads/submission-repository.ts';
import { useClock } from '../../../functions/platform/clock.ts';

const NOW = Date.parse('2026-03-02T10:00:30Z');

function depsRefusing(retryAfterSeconds: number) {
  const takeRateToken = vi.fn(async () => ({ allowed: false, retryAfterSeconds }));
  const deps: LeadFormDeps = {
    submissions: { takeRateToken } as unknown as SubmissionRepository,
    publish: async () => undefined,
    honeypotField: 'website',
    perClientPerMinute: 10,
    nowMs: () => NOW,
  };
  return { deps, takeRateToken };
}

const post = {
  clientIp: '203.0.113.9',
  body: 'email=a%40b.example',
  contentType: 'application/x-www-form-urlencoded',
};

let restore: (() => void) | undefined;
afterEach(() => restore?.());

describe('the per-client limit of the lead form', () => {
  it('counts in a window of 60 s in Lambda, and says when to retry in seconds', async () => {
    const { deps, takeRateToken } = depsRefusing(30);

    const answer = await submitLeadForm(deps, post);

    expect(takeRateToken).toHaveBeenCalledWith('203.0.113.9', 10, 60, NOW);
    expect(answer.statusCode).toBe(429);
    expect(answer.headers?.['retry-after']).toBe('30');
  });

  it('counts a real minute under --time-scale 720 (it was 83 ms), and answers Retry-After in real seconds', async () => {
    restore = useClock({ now: () => NOW, scale: 720 });
    const { deps, takeRateToken } = depsRefusing(21_600);

    const answer = await submitLeadForm(deps, post);

    expect(takeRateToken).toHaveBeenCalledWith('203.0.113.9', 10, 43_200, NOW);
    expect(answer.headers?.['retry-after']).toBe('30');
  });
});
