/**
 * Text that goes into a mail header (a subject): one line, no control characters. A line break in
 * a header value would start a new header (`Bcc:`), and an escape sequence retitles or clears the
 * terminal of whoever prints it. Input fields refuse CR and LF already; a subject is rendered from
 * a template and data of any age, so the sender makes sure of it again.
 */
const LINE_BREAKS = /\s*[\r\n]+\s*/g;
const CONTROL_CHARACTERS = /[^\P{Cc}\t]/gu;

/** `value` on one line (each run of line breaks becomes one space), without control characters but tab. */
export function headerText(value: string): string {
  return value.replace(LINE_BREAKS, ' ').replace(CONTROL_CHARACTERS, '').trim();
}
