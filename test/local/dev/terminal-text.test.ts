// What `relance dev` prints of a message (subject, SMS body, address) cannot drive the terminal.
import { describe, expect, it } from 'vitest';
import { printable } from '../../../local/dev/terminal-text.ts';

describe('printable', () => {
  it('shows escape sequences, bells and line breaks as \\u escapes, and leaves other text alone', () => {
    // Act: ESC ] 0 ; … BEL retitles the window, ESC [ 2 J clears the screen, CSI (U+009B) is a one-byte ESC [.
    const shown = printable('Hi\u001b]0;owned\u0007 \u001b[2J\r\nFake line \u009b2J “Grâce” 🎉');

    // Assess
    expect(shown).toBe('Hi\\u001b]0;owned\\u0007 \\u001b[2J\\u000d\\u000aFake line \\u009b2J “Grâce” 🎉');
    expect(shown).not.toMatch(/\p{Cc}/u);
  });
});
