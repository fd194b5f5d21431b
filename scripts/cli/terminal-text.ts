/**
 * Entry text made safe to print on a terminal. Every entry was written by a stranger, so a title,
 * tag, date, body, file name, or an error message quoting one, may hold characters a terminal
 * obeys instead of showing: C0 and C1 controls and the sequences they start (CSI such as `ESC[2J`
 * that clears the screen, OSC 8 hyperlinks, OSC 52 clipboard writes, DCS/APC/PM/SOS strings, the
 * 8-bit CSI U+009B and OSC U+009D), a bare CR or backspaces that overwrite what was printed, and
 * bidi overrides and isolates that reorder the rest of the line.
 *
 * One rendering for all of them: the character is shown as `<U+XXXX>` (its code point, four
 * uppercase hex digits), never applied and never silently dropped, so the reader sees that
 * something was there and what. `ESC[2J` prints as `<U+001B>[2J`, an RLO as `<U+202E>`. Showing
 * the character that introduces a sequence disarms the whole sequence: what follows it is
 * printable text.
 *
 * Shown this way: U+0000-U+001F (newline and tab stay in multi-line text), U+007F, U+0080-U+009F,
 * the bidi marks, embeddings, overrides and isolates (U+061C, U+200E, U+200F, U+202A-U+202E,
 * U+2066-U+2069) and the line and paragraph separators U+2028 and U+2029.
 *
 * Every command prints entry-derived text through these functions only:
 * - {@link terminalLine}: one line (titles, tags, dates, file names, messages);
 * - {@link terminalText}: several lines (a note's body): newline and tab are kept;
 * - {@link terminalJson}: `--json` output, exact: it parses back to the original strings.
 */

/** Everything a terminal may act on, newline and tab included. */
const UNSAFE_IN_LINE = /[\u0000-\u001F\u007F-\u009F\u061C\u200E\u200F\u2028\u2029\u202A-\u202E\u2066-\u2069]/g;
/** The same, but newline and tab, which multi-line text keeps. */
const UNSAFE_IN_TEXT = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u061C\u200E\u200F\u2028\u2029\u202A-\u202E\u2066-\u2069]/g;
/** What JSON.stringify leaves raw but a terminal may act on (it escapes U+0000-U+001F itself). */
const RAW_IN_JSON = /[\u007F-\u009F\u061C\u200E\u200F\u2028\u2029\u202A-\u202E\u2066-\u2069]/g;

const codePoint = (char: string): string => char.charCodeAt(0).toString(16).toUpperCase().padStart(4, "0");

/**
 * One line of terminal-safe text: every control, newline and tab included, and every bidi
 * control shown as `<U+XXXX>`.
 * @example terminalLine("a\u001b[2Jb\n") // "a<U+001B>[2Jb<U+000A>"
 */
export function terminalLine(text: string): string {
  return text.replace(UNSAFE_IN_LINE, (char) => `<U+${codePoint(char)}>`);
}

/**
 * Terminal-safe text of several lines: like {@link terminalLine}, but newline and tab are kept.
 * @example terminalText("line 1\nover\rwrite") // "line 1\nover<U+000D>write"
 */
export function terminalText(text: string): string {
  return text.replace(UNSAFE_IN_TEXT, (char) => `<U+${codePoint(char)}>`);
}

/**
 * `JSON.stringify(value)` on one line that is also terminal-safe: the characters JSON leaves raw
 * (U+007F-U+009F, bidi controls, U+2028/U+2029) are written as `\uXXXX` escapes, so `JSON.parse`
 * gives back exactly the original strings.
 */
export function terminalJson(value: unknown): string {
  return JSON.stringify(value).replace(RAW_IN_JSON, (char) => `\\u${codePoint(char).toLowerCase()}`);
}
