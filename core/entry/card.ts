/**
 * The entry's `card.svg`: the image wallets and marketplaces show for the token. A plain card with
 * the title (wrapped to at most five lines), the date and the tags; text only, no script, no
 * external resources, fixed size, deterministic.
 */
import type { Note } from "./note.ts";

export const CARD_WIDTH = 600;
export const CARD_HEIGHT = 600;

function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

/** Wrap text to lines of at most `width` characters (long words are cut), at most `maxLines`. */
function wrap(text: string, width: number, maxLines: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(" ")) {
    let rest = [...word];
    while (rest.length > 0) {
      const room = line === "" ? width : width - line.length - 1;
      if (rest.length <= room) {
        line = line === "" ? rest.join("") : `${line} ${rest.join("")}`;
        rest = [];
      } else if (line !== "") {
        lines.push(line);
        line = "";
      } else {
        lines.push(rest.slice(0, width).join(""));
        rest = rest.slice(width);
      }
    }
  }
  if (line !== "") lines.push(line);
  if (lines.length > maxLines) {
    const kept = lines.slice(0, maxLines);
    kept[maxLines - 1] = `${[...kept[maxLines - 1]].slice(0, width - 1).join("")}…`;
    return kept;
  }
  return lines;
}

/** The SVG card of a canonical note, as text. */
export function renderCardSvg(note: Note): string {
  const titleLines = wrap(note.title, 22, 5);
  const lineHeight = 52;
  const top = 150;
  const title = titleLines
    .map((line, i) => `<tspan x="48" y="${top + i * lineHeight}">${escapeXml(line)}</tspan>`)
    .join("");
  const tags = note.tags.length > 0 ? wrap(note.tags.map((tag) => `#${tag.replace(/\s+/g, "-")}`).join(" "), 40, 2) : [];
  const footer = [
    note.date !== undefined ? `<text x="48" y="500" class="date">${escapeXml(note.date)}</text>` : "",
    ...tags.map((line, i) => `<text x="48" y="${540 + i * 30}" class="tags">${escapeXml(line)}</text>`),
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
