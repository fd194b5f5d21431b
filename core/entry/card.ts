/**
 * The entry's `card.svg`: the image wallets and marketplaces show for the token. A plain card with
 * the title (wrapped to at most five lines, each kept inside the card), the date and the tags; text only, no script, no
 * external resources, fixed size, deterministic.
 */
import type { Note } from "./note.ts";

const CARD_WIDTH = 600;
const CARD_HEIGHT = 600;

function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

/** Display width of a character: East Asian wide and fullwidth characters count 2, others 1. */
function charWidth(char: string): number {
  return /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]|[\u{20000}-\u{3fffd}]/u.test(char) ? 2 : 1;
}

function textWidth(chars: string[]): number {
  return chars.reduce((sum, char) => sum + charWidth(char), 0);
}

/**
 * Wrap text to lines at most `width` units wide (see charWidth), breaking at spaces and cutting
 * words longer than a line; at most `maxLines` lines, the last one ending in "…" when cut.
 */
function wrap(text: string, width: number, maxLines: number): string[] {
  const lines: string[][] = [];
  let line: string[] = [];
  for (const word of text.split(" ")) {
    let rest = [...word];
    while (rest.length > 0) {
      const room = line.length === 0 ? width : width - textWidth(line) - 1;
      if (textWidth(rest) <= room) {
        line = line.length === 0 ? rest : [...line, " ", ...rest];
        rest = [];
      } else if (line.length > 0) {
        lines.push(line);
        line = [];
      } else {
        let take = 0;
        while (take < rest.length && textWidth(rest.slice(0, take + 1)) <= width) take++;
        take = Math.max(take, 1);
        lines.push(rest.slice(0, take));
        rest = rest.slice(take);
      }
    }
  }
  if (line.length > 0) lines.push(line);
  if (lines.length > maxLines) {
    const last = lines[maxLines - 1];
    while (last.length > 0 && textWidth(last) > width - 1) last.pop();
    return [...lines.slice(0, maxLines - 1), last].map((chars, i) => chars.join("") + (i === maxLines - 1 ? "…" : ""));
  }
  return lines.map((chars) => chars.join(""));
}

/**
 * A generous estimate of a line's width in em of the card's bold sans-serif: the wrap above counts
 * characters, and a line of capitals or "W"s is far wider than one of average letters.
 */
function emWidth(line: string): number {
  let width = 0;
  for (const char of line) {
    if (charWidth(char) === 2) width += 1;
    else if (/[WMmw@%]/.test(char)) width += 0.95;
    else if (/[A-Z0-9#&]/.test(char)) width += 0.75;
    else if (/[iljtf.,:;'|!\s]/.test(char)) width += 0.3;
    else width += 0.55;
  }
  return width;
}

const BIDI_CONTROLS = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

/**
 * One line of card text as SVG: squeezed to `room` px when it would run past the card's edge, and
 * isolated (FSI … PDI) when it holds bidi controls, so an override can't reorder the lines after it.
 */
function cardLine(line: string, attributes: string, fontSize: number, room: number, tag: "tspan" | "text"): string {
  const fit = emWidth(line) * fontSize > room ? ` textLength="${room}" lengthAdjust="spacingAndGlyphs"` : "";
  const text = BIDI_CONTROLS.test(line) ? `\u2068${line}\u2069` : line;
  return `<${tag} ${attributes}${fit}>${escapeXml(text)}</${tag}>`;
}

const TEXT_ROOM = CARD_WIDTH - 2 * 48;

/** The SVG card of a canonical note, as text. */
export function renderCardSvg(note: Note): string {
  const titleLines = wrap(note.title, 22, 5);
  const lineHeight = 52;
  const top = 150;
  const title = titleLines.map((line, i) => cardLine(line, `x="48" y="${top + i * lineHeight}"`, 42, TEXT_ROOM, "tspan")).join("");
  const tags = note.tags.length > 0 ? wrap(note.tags.map((tag) => `#${tag.replace(/\s+/g, "-")}`).join(" "), 40, 2) : [];
  const footer = [
    note.date !== undefined ? cardLine(note.date, `x="48" y="500" class="date"`, 24, TEXT_ROOM, "text") : "",
    ...tags.map((line, i) => cardLine(line, `x="48" y="${540 + i * 30}" class="tags"`, 22, TEXT_ROOM, "text")),
  ].filter((part) => part !== "");
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${CARD_WIDTH}" height="${CARD_HEIGHT}" viewBox="0 0 ${CARD_WIDTH} ${CARD_HEIGHT}">`,
    "<style>text{font-family:system-ui,-apple-system,'Segoe UI',Roboto,'Noto Sans',Arial,sans-serif}.title{font-size:42px;font-weight:700;fill:#1f2328}.label{font-size:22px;font-weight:600;fill:#0969da;letter-spacing:2px}.date{font-size:24px;fill:#59636e}.tags{font-size:22px;fill:#0969da}</style>",
    `<rect width="${CARD_WIDTH}" height="${CARD_HEIGHT}" fill="#ffffff"/>`,
    `<rect x="0" y="0" width="${CARD_WIDTH}" height="12" fill="#0969da"/>`,
    '<text x="48" y="80" class="label">TODAY I LEARNED</text>',
    `<text class="title">${title}</text>`,
    ...footer,
    "</svg>",
    "",
  ].join("\n");
}
