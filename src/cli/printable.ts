// Text from state files, briefs, config, engines and agents reaches the terminal through the CLI's human output.
// A control character in it (ESC, CR, BEL…) could move the cursor, rewrite or hide lines, or set the window
// title, so human output shows such characters escaped (`\x1b`, `\r`); JSON output stays exact.

/** C0 controls but tab and newline, DEL, C1 controls, Unicode line separators and bidirectional overrides. */
const MULTI_LINE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
/** The same and newline: for a line that stands for one record (a task, a lock), which must stay one line. */
const ONE_LINE = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\b': '\\b', '\f': '\\f', '\v': '\\v' };

function escape(c: string): string {
  const code = c.charCodeAt(0);
  return NAMED[c] ?? (code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`);
}

/** `text` safe to print to a terminal: tabs and (unless `oneLine`) newlines kept, every other control escaped. */
export function printable(text: string, options: { oneLine?: boolean } = {}): string {
  return text.replace(options.oneLine ? ONE_LINE : MULTI_LINE, escape);
}
