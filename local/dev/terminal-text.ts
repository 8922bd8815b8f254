/**
 * Text from outside (a subject, an SMS body, an address) printed to the terminal: each control
 * character is shown as its `\uXXXX` escape, so an escape sequence in a lead's name cannot retitle
 * the window, clear the screen or move the cursor, and a line break cannot forge a line.
 */
const CONTROL_CHARACTERS = /\p{Cc}/gu;

export function printable(value: string): string {
  return value.replace(CONTROL_CHARACTERS, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
