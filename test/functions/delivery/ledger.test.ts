// Ledger keys identify one send per (run, step, channel), and per recipient for broadcasts.
import { describe, expect, it } from 'vitest';
import { ledgerKey, ledgerTag } from '../../../functions/delivery/ledger.ts';

const send = {
  journeyId: 'welcome',
  runKey: 'contact:c-42',
  gen: 1,
  stepId: 'welcome-email',
  channel: 'email',
} as const;

describe('ledgerKey', () => {
  it('joins the run, step and channel', () => {
    // Assess
    expect(ledgerKey(send)).toBe('welcome#contact:c-42#1#welcome-email#email');
  });

  it('adds the recipient for a broadcast, so each contact of the audience has its own entry', () => {
    // Act
    const keys = [ledgerKey({ ...send, recipient: 'c-1' }), ledgerKey({ ...send, recipient: 'c-2' })];

    // Assess
    expect(keys).toEqual([
      'welcome#contact:c-42#1#welcome-email#email#c-1',
      'welcome#contact:c-42#1#welcome-email#email#c-2',
    ]);
  });

  it('differs between generations of the same run, so a re-entered run sends again', () => {
    // Assess
    expect(ledgerKey(send)).not.toBe(ledgerKey({ ...send, gen: 2 }));
  });
});

describe('ledgerTag', () => {
  it('is a stable 22-character tag using only characters SES tag values allow', () => {
    // Act
    const tags = [ledgerTag(ledgerKey(send)), ledgerTag(ledgerKey(send))];

    // Assess
    expect(tags[0]).toBe(tags[1]);
    expect(tags[0]).toMatch(/^[A-Za-z0-9_\-.@]{22}$/);
  });

  it('differs for different keys', () => {
    // Assess
    expect(ledgerTag(ledgerKey(send))).not.toBe(ledgerTag(ledgerKey({ ...send, gen: 2 })));
  });
});
