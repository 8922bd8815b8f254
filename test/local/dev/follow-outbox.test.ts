// The terminal follows the outbox: each message is printed once, when it leaves. A restart restores
// the outbox a previous process saved; those messages were printed by that process and are not
// printed again as if they had just been sent (they were, before this: a restart after kill -9
// reprinted the demo's welcome e-mails and looked like duplicate sends).
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Outbox } from '../../../local/aws/outbox.ts';
import { followOutbox } from '../../../local/dev/dev.ts';

type Runtime = Parameters<typeof followOutbox>[0];

const email = (to: string, subject: string) => ({
  destination: { to: [to] },
  subject,
  tags: { journey: 'welcome', step: 'welcome-email' },
});

function fakeRuntime(restored: ReturnType<typeof email>[], limit?: number) {
  const emails = new Outbox<ReturnType<typeof email>>(limit);
  emails.restore(restored);
  const runtime = {
    ses: { sent: emails },
    sns: { sent: new Outbox() },
    smsVoice: { sent: new Outbox() },
  } as unknown as Runtime;
  return { runtime, send: (to: string, subject: string) => emails.add(email(to, subject)) };
}

describe('following the outbox in the terminal', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('prints what leaves after the start, not what a previous process sent', () => {
    // Arrange: the outbox restored with one e-mail the previous process sent.
    const { runtime, send } = fakeRuntime([email('ada@example.com', 'Welcome, Ada')]);
    const printed: string[] = [];
    const stop = followOutbox(runtime, (line) => printed.push(line));

    // Act
    send('grace@example.com', 'Welcome, Grace');
    vi.advanceTimersByTime(300);
    vi.advanceTimersByTime(300);
    stop();

    // Assert
    expect(printed).toHaveLength(1);
    expect(printed[0]).toContain('grace@example.com');
    expect(printed[0]).toContain('[welcome / welcome-email]');
  });

  it('counts what was sent faster than the outbox keeps, and prints the messages it still has', () => {
    // Arrange: an outbox that keeps two e-mails.
    const { runtime, send } = fakeRuntime([], 2);
    const printed: string[] = [];
    const stop = followOutbox(runtime, (line) => printed.push(line));

    // Act: five e-mails leave between two ticks.
    for (const name of ['ada', 'bea', 'cy', 'dee', 'eve']) send(`${name}@example.com`, `Welcome, ${name}`);
    vi.advanceTimersByTime(300);
    stop();

    // Assert
    expect(printed).toHaveLength(3);
    expect(printed[0]).toContain('3 more e-mails sent (the outbox keeps the last 2)');
    expect(printed[1]).toContain('dee@example.com');
    expect(printed[2]).toContain('eve@example.com');
  });
});
