/**
 * Line-level scanning of markdown shared by the note parser and the importers: which lines sit
 * inside fenced or indented code, which are ATX headings, and which image references the text
 * holds (with the destination exactly as written, so it can be rewritten in place).
 */

/** One line of markdown with its code-block state. */
export interface ScannedLine {
  /** 0-based line number. */
  index: number;
  text: string;
  /** Inside a fenced code block, or its opening/closing fence. */
  inCode: boolean;
}

const FENCE_OPEN = /^ {0,3}(`{3,}|~{3,})(.*)$/;

/** Split markdown (LF line endings) into lines, marking fenced code (its fences included). */
export function scanLines(markdown: string): ScannedLine[] {
  const lines = markdown.split("\n");
  const out: ScannedLine[] = [];
  let fence: { char: string; length: number } | undefined;
  for (let index = 0; index < lines.length; index++) {
    const text = lines[index];
    if (fence) {
      const close = /^ {0,3}(`{3,}|~{3,})[ \t]*$/.exec(text);
      if (close && close[1][0] === fence.char && close[1].length >= fence.length) fence = undefined;
      out.push({ index, text, inCode: true });
      continue;
    }
    const open = FENCE_OPEN.exec(text);
    if (open && !(open[1][0] === "`" && open[2].includes("`"))) {
      fence = { char: open[1][0], length: open[1].length };
      out.push({ index, text, inCode: true });
      continue;
    }
    out.push({ index, text, inCode: false });
  }
  return out;
}

/**
 * The text of an ATX heading of the given level (`# Title #` gives "Title"), or undefined.
 * Call it only on lines outside code.
 */
export function atxHeadingText(line: string, level = 1): string | undefined {
  const match = /^ {0,3}(#{1,6})(?:[ \t]+(.*?))?[ \t]*$/.exec(line);
  if (!match || match[1].length !== level) return undefined;
  const text = (match[2] ?? "").replace(/(?:^|[ \t]+)#+$/, "");
  return text.trim();
}

/** The first level-1 heading outside code, as text, or undefined. */
export function firstH1(markdown: string): string | undefined {
  for (const line of scanLines(markdown)) {
    if (line.inCode) continue;
    const text = atxHeadingText(line.text, 1);
    if (text !== undefined && text !== "") return text;
  }
  return undefined;
}

/** An image reference found in markdown. */
export interface ImageReference {
  /** The destination exactly as written (without `<` `>`). */
  destination: string;
  /** True when it points at a file beside the note (no scheme, not absolute, not a fragment). */
  local: boolean;
}

/** `![alt](dest "title")` or `![alt](<dest with spaces>)`; alt text may hold one level of brackets. */
const INLINE_IMAGE =
  /!\[(?:[^[\]\\]|\\.|\[[^[\]]*\])*\]\(\s*(?:<([^<>\n]*)>|([^\s()<>]+(?:\([^\s()]*\)[^\s()<>]*)*))(?=[ \t]*(?:[ \t]"[^"]*"|[ \t]'[^']*'|[ \t]\([^)]*\))?[ \t]*\))/g;
/** `[label]: dest` reference definitions (used by `![alt][label]`, `![label][]`, `![label]`). */
const REFERENCE_DEFINITION = /^ {0,3}\[((?:[^[\]\\]|\\.)+)\]:[ \t]*(?:<([^<>\n]*)>|(\S+))/;
/** Reference-style images: `![alt][label]`, `![alt][]`, `![alt]` (not followed by `(`). */
const REFERENCE_IMAGE = /!\[((?:[^[\]\\]|\\.)*)\](?:\[((?:[^[\]\\]|\\.)*)\])?(?![([])/g;

function labelKey(label: string): string {
  return label.trim().replace(/\s+/g, " ").toLowerCase();
}
const INLINE_CODE = /(`+)[\s\S]*?\1/g;

/** Whether an image destination names a file beside the note rather than a URL. */
function isLocalDestination(destination: string): boolean {
  return destination !== "" && !/^[a-z][a-z0-9+.-]*:/i.test(destination) && !destination.startsWith("/") && !destination.startsWith("#");
}

/**
 * Every image destination in the markdown outside code, in order of first appearance, without
 * duplicates. Reference definitions count only when some `![..][label]` / `![label]` may use them.
 */
export function findImageReferences(markdown: string): ImageReference[] {
  const seen = new Set<string>();
  const out: ImageReference[] = [];
  const add = (destination: string) => {
    if (seen.has(destination)) return;
    seen.add(destination);
    out.push({ destination, local: isLocalDestination(destination) });
  };
  forEachImageDestination(markdown, (destination) => {
    add(destination);
    return undefined;
  });
  return out;
}

/**
 * Replace image destinations outside code. `replace` gets each destination as written and returns
 * the new one, or undefined to keep it.
 */
export function rewriteImageDestinations(markdown: string, replace: (destination: string) => string | undefined): string {
  return forEachImageDestination(markdown, replace);
}

function forEachImageDestination(markdown: string, visit: (destination: string) => string | undefined): string {
  const lines = scanLines(markdown);
  const imageLabels = new Set<string>();
  for (const line of lines) {
    if (line.inCode) continue;
    for (const match of line.text.replace(INLINE_CODE, (span) => " ".repeat(span.length)).matchAll(REFERENCE_IMAGE)) {
      imageLabels.add(labelKey(match[2] ? match[2] : match[1]));
    }
  }
  const out: string[] = [];
  for (const line of lines) {
    if (line.inCode || /^(?: {4}|\t)/.test(line.text)) {
      out.push(line.text);
      continue;
    }
    let text = line.text;
    const definition = REFERENCE_DEFINITION.exec(text);
    if (definition) {
      if (imageLabels.has(labelKey(definition[1]))) {
        const angled = definition[2] !== undefined;
        const destination = definition[2] ?? definition[3];
        const replacement = visit(destination);
        if (replacement !== undefined && replacement !== destination) {
          const at = definition.index + definition[0].length - destination.length - (angled ? 1 : 0);
          text = text.slice(0, at) + (angled ? replacement : wrapIfNeeded(replacement)) + text.slice(at + destination.length);
        }
      }
      out.push(text);
      continue;
    }
    // Mask inline code spans so images inside them are left alone; keep offsets.
    const masked = text.replace(INLINE_CODE, (span) => " ".repeat(span.length));
    let result = "";
    let last = 0;
    for (const match of masked.matchAll(INLINE_IMAGE)) {
      const angled = match[1] !== undefined;
      const destination = match[1] ?? match[2];
      const replacement = visit(destination);
      if (replacement === undefined || replacement === destination) continue;
      const end = (match.index ?? 0) + match[0].length - (angled ? 1 : 0);
      const start = end - destination.length;
      result += text.slice(last, start) + (angled ? replacement : wrapIfNeeded(replacement));
      last = end;
    }
    out.push(forEachHtmlImageSource(result + text.slice(last), visit));
  }
  return out.join("\n");
}

/**
 * The `src` of raw HTML `<img>` tags on one line outside inline code (GitHub renders them, and so
 * does the project's renderer, size attributes included): visited like markdown images, so they
 * are packed, fetched at import and rewritten alike. A tag spanning several lines is left alone.
 */
function forEachHtmlImageSource(text: string, visit: (destination: string) => string | undefined): string {
  if (!/<img\b/i.test(text)) return text;
  const masked = text.replace(INLINE_CODE, (span) => " ".repeat(span.length));
  let result = "";
  let last = 0;
  for (const match of masked.matchAll(HTML_IMAGE)) {
    const tag = text.slice(match.index, match.index + match[0].length);
    const src = /\ssrc\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))/i.exec(tag);
    if (!src) continue;
    const destination = decodeHtmlEntities((src[1] ?? src[2] ?? src[3]).trim());
    if (destination === "") continue;
    const replacement = visit(destination);
    if (replacement === undefined || replacement === destination) continue;
    const start = match.index + src.index;
    result += `${text.slice(last, start)} src="${replacement.replace(/&/g, "&amp;").replace(/"/g, "&quot;")}"`;
    last = start + src[0].length;
  }
  return result + text.slice(last);
}

function wrapIfNeeded(destination: string): string {
  return /[\s()<>]/.test(destination) ? `<${destination}>` : destination;
}

/** An `<img ...>` tag of at most ~2,000 characters (bounded, so a line of unclosed tags stays linear). */
const HTML_IMAGE = /<img\b(?:[^>"']|"[^"<>]{0,1000}"|'[^'<>]{0,1000}'){0,1000}>/gi;

function decodeHtmlEntities(text: string): string {
  return text.replace(/&(?:#(\d+)|#x([0-9a-f]+)|(amp|lt|gt|quot|apos));/gi, (whole, dec, hex, name) => {
    if (dec) return String.fromCodePoint(Number(dec));
    if (hex) return String.fromCodePoint(parseInt(hex, 16));
    return ({ amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" } as Record<string, string>)[name.toLowerCase()] ?? whole;
  });
}
