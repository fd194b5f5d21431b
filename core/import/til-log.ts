/**
 * Splitting one markdown file that holds a whole TIL log (one entry per `# H1`) into notes.
 * Browser-safe: text in, notes out (images are read by the Node importers).
 *
 * Rules, in order:
 * - Only level-1 ATX headings outside fenced code start entries (`# x` inside ``` is code).
 * - The document title: the first H1 is the log's own title, and it and its intro are skipped,
 *   when it has no date and no tag and either reads like a log title ("TIL", "Today I learned",
 *   "journal", "notes"...) or its section is short prose (no code, no image, at most 5 lines)
 *   while most other headings carry dates. `documentTitle: true/false` overrides the guess; a
 *   warning always says when a heading was taken as the title.
 * - Section headings: an H1 whose text is one of {@link SECTION_HEADINGS} ("Links",
 *   "References", "Resources", "See also", ...; case and punctuation ignored), or an undated,
 *   untagged H1 of at most three words whose section is only a list of links, belongs to the entry
 *   above; it is kept in that entry's body as a `##` heading.
 * - Heading text: leading bracket tags (`[DB]`, `[ Databases ]`, `[ML] -`, `[A, B]`; an unclosed
 *   `[DB Modeling ...` gives the first word as the tag, with a warning), then a date in trailing
 *   parentheses or as the whole heading: "3 of December 2021", "3 December 2021", "December 3,
 *   2021", "3rd of Dec", "2021-12-03". A date without a year gets the year that keeps it in order
 *   between the nearest dated neighbours (the log's direction, newest-first or oldest-first, is
 *   read from its dated headings), else `defaultYear`, else no date (with a warning).
 * - The title is the heading without tags and date; a heading that is only a date keeps the date
 *   as written as its title ("13 of December"). No date leaves `date` undefined (the caller
 *   falls back, e.g. to git history). Text in any script stays as written (NFC).
 * Setext headings (`Title` over `=====`) do not start entries.
 */
import { normalizeNote, normalizeText, type Note } from "../entry/note.ts";
import { atxHeadingText, scanLines, type ScannedLine } from "../entry/markdown-scan.ts";
import type { Warning } from "../entry/warnings.ts";

/** Headings (lower case, punctuation stripped) that are sections of the entry above them. */
const SECTION_HEADINGS: readonly string[] = [
  "links",
  "link",
  "useful links",
  "references",
  "reference",
  "resources",
  "resource",
  "sources",
  "source",
  "see also",
  "further reading",
  "read more",
  "more",
  "notes",
  "bibliography",
  "credits",
  "ссылки",
  "источники",
  "литература",
  "参考",
  "参考资料",
  "链接",
  "リンク",
  "参考文献",
];

/** Words that make a first heading read like the title of the whole log. */
const LOG_TITLE = /\b(til|today i learned|today-i-learned|learning log|journal|notes|diary)\b/i;

export interface SplitTilLogOptions {
  /** Whether the first H1 is the document's title: `"auto"` (default) guesses; see the module comment. */
  documentTitle?: boolean | "auto";
  /** Year for dates written without one when no dated neighbour tells it. */
  defaultYear?: number;
  /** More section headings, added to {@link SECTION_HEADINGS}. */
  sectionHeadings?: string[];
}

/** One entry of a log with where it came from. */
export interface TilLogEntry {
  note: Note;
  /** 1-based line of the entry's heading. */
  line: number;
  /** The heading as written. */
  heading: string;
  /** Each with the `line` it is about. */
  warnings: Warning[];
}

/** What a heading says: tags, date parts and the cleaned title. */
export interface ParsedHeading {
  title: string;
  tags: string[];
  date?: { year?: number; month: number; day: number };
  /** The date as written, e.g. "13 of December". */
  dateText?: string;
  /** Without a line: a heading's text does not know where it is. */
  warnings: Warning[];
}

const MONTHS: Record<string, number> = {
  january: 1,
  february: 2,
  march: 3,
  april: 4,
  may: 5,
  june: 6,
  july: 7,
  august: 8,
  september: 9,
  october: 10,
  november: 11,
  december: 12,
  jan: 1,
  feb: 2,
  mar: 3,
  apr: 4,
  jun: 6,
  jul: 7,
  aug: 8,
  sep: 9,
  sept: 9,
  oct: 10,
  nov: 11,
  dec: 12,
};
const MONTH = "(january|february|march|april|may|june|july|august|september|october|november|december|jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec)\\.?";
const DAY = "(\\d{1,2})(?:st|nd|rd|th)?";
const DATE_FORMS: RegExp[] = [
  new RegExp(`^${DAY}\\s+(?:of\\s+)?${MONTH}(?:,?\\s+(\\d{4}))?$`, "i"),
  new RegExp(`^${MONTH}\\s+${DAY}(?:,?\\s+(\\d{4}))?$`, "i"),
  /^(\d{4})-(\d{1,2})-(\d{1,2})$/,
];

function parseDateText(text: string): { year?: number; month: number; day: number } | undefined {
  const trimmed = text.trim();
  let match = DATE_FORMS[0].exec(trimmed);
  if (match) return { day: Number(match[1]), month: MONTHS[match[2].toLowerCase()], year: match[3] ? Number(match[3]) : undefined };
  match = DATE_FORMS[1].exec(trimmed);
  if (match) return { month: MONTHS[match[1].toLowerCase()], day: Number(match[2]), year: match[3] ? Number(match[3]) : undefined };
  match = DATE_FORMS[2].exec(trimmed);
  if (match) return { year: Number(match[1]), month: Number(match[2]), day: Number(match[3]) };
  return undefined;
}

function isValidDay(year: number, month: number, day: number): boolean {
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

function iso(year: number, month: number, day: number): string {
  return `${String(year).padStart(4, "0")}-${String(month).padStart(2, "0")}-${String(day).padStart(2, "0")}`;
}

/**
 * Read tags, date and title from an entry heading's text (without the `#`).
 * @example parseEntryHeading("[DB] Aurora features (2 of December 2021)")
 *   // { title: "Aurora features", tags: ["DB"], date: { year: 2021, month: 12, day: 2 }, ... }
 */
export function parseEntryHeading(heading: string): ParsedHeading {
  const warnings: Warning[] = [];
  const tags: string[] = [];
  let rest = normalizeText(heading).trim();
  for (let match = /^\[([^[\]]*)\]\s*(?:[-–—:|]+\s*)?/.exec(rest); match; match = /^\[([^[\]]*)\]\s*(?:[-–—:|]+\s*)?/.exec(rest)) {
    tags.push(
      ...match[1]
        .split(/[,;]/)
        .map((tag) => tag.trim())
        .filter(Boolean),
    );
    rest = rest.slice(match[0].length);
  }
  if (rest.startsWith("[") && !rest.includes("]")) {
    const words = rest.slice(1).trim().split(/\s+/);
    const tag = words.shift() ?? "";
    if (tag !== "") tags.push(tag);
    rest = words.join(" ");
    warnings.push({ code: "tag-guessed", message: `unclosed tag bracket in "${heading.trim()}"; took "${tag}" as the tag` });
  }
  let date: ParsedHeading["date"];
  let dateText: string | undefined;
  const trailing = /\s*[(（]\s*([^()（）]+?)\s*[)）]\s*$/.exec(rest);
  const dashed = /\s+[-–—]\s+([^-–—]+?)\s*$/.exec(rest);
  for (const [candidate, cut] of [
    [trailing?.[1], trailing?.index],
    [rest, 0],
    [dashed?.[1], dashed?.index],
  ] as Array<[string | undefined, number | undefined]>) {
    if (candidate === undefined || cut === undefined) continue;
    const parsed = parseDateText(candidate);
    if (!parsed) continue;
    if (!parsed.month || !isValidDay(parsed.year ?? 2000, parsed.month, parsed.day)) {
      warnings.push({ code: "date-invalid", message: `"${candidate}" is not a calendar date; the entry has no date` });
    } else {
      date = parsed;
    }
    dateText = candidate.trim();
    rest = rest.slice(0, cut);
    break;
  }
  let title = rest.replace(/^[\s\-–—:|]+|[\s\-–—:|]+$/g, "").replace(/\s+/g, " ");
  if (title === "") title = dateText ?? heading.trim();
  return { title, tags, ...(date ? { date } : {}), ...(dateText !== undefined ? { dateText } : {}), warnings };
}

function sectionKey(text: string): string {
  return normalizeText(text)
    .toLowerCase()
    .replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu, "")
    .replace(/\s+/g, " ");
}

function isLinkList(lines: ScannedLine[]): boolean {
  const content = lines.filter((line) => line.text.trim() !== "");
  return content.length > 0 && content.every((line) => !line.inCode && /^\s*(?:[-*+]|\d+[.)])\s+.*(?:https?:\/\/|\]\()/.test(line.text));
}

interface Heading {
  index: number;
  text: string;
  parsed: ParsedHeading;
}

/**
 * Split a TIL log into entries with their source lines and warnings.
 * @returns entries in document order and document-level warnings
 */
export function splitTilLogDetailed(markdown: string, options: SplitTilLogOptions = {}): { entries: TilLogEntry[]; warnings: Warning[] } {
  const warnings: Warning[] = [];
  const lines = scanLines(normalizeText(markdown));
  const sections = new Set([...SECTION_HEADINGS, ...(options.sectionHeadings ?? []).map(sectionKey)]);

  const h1s: Heading[] = [];
  for (const line of lines) {
    if (line.inCode) continue;
    const text = atxHeadingText(line.text, 1);
    if (text !== undefined && text !== "") h1s.push({ index: line.index, text, parsed: parseEntryHeading(text) });
  }
  const sectionLines = (i: number, list: Heading[]) => lines.slice(list[i].index + 1, i + 1 < list.length ? list[i + 1].index : lines.length);

  // 1. The document's own title.
  let first = 0;
  if (h1s.length > 0) {
    const head = h1s[0];
    const undecorated = head.parsed.tags.length === 0 && head.parsed.date === undefined && head.parsed.dateText === undefined;
    let isTitle = options.documentTitle === true;
    if (options.documentTitle === undefined || options.documentTitle === "auto") {
      const intro = sectionLines(0, h1s).filter((line) => line.text.trim() !== "");
      const shortProse = intro.length <= 5 && intro.every((line) => !line.inCode && !/!\[/.test(line.text));
      const dated = h1s.slice(1).filter((h) => h.parsed.dateText !== undefined).length;
      isTitle = undecorated && h1s.length > 1 && (LOG_TITLE.test(head.text) || (shortProse && dated * 2 > h1s.length - 1));
    }
    if (isTitle) {
      first = 1;
      warnings.push({
        code: "log-title-guessed",
        line: head.index + 1,
        message: `"# ${head.text}" taken as the log's title; it and its intro are not an entry (a date or a [tag] in that heading makes it one)`,
      });
    }
  }

  // 2. Entry headings vs. sections of the entry above.
  const candidates = h1s.slice(first);
  const entryHeadings: Heading[] = [];
  const demoted = new Set<number>();
  for (let i = 0; i < candidates.length; i++) {
    const heading = candidates[i];
    const plain = heading.parsed.tags.length === 0 && heading.parsed.dateText === undefined;
    const listed = plain && sections.has(sectionKey(heading.text));
    const linkList = plain && heading.text.split(/\s+/).length <= 3 && isLinkList(sectionLines(i, candidates));
    if (entryHeadings.length > 0 && (listed || linkList)) {
      demoted.add(heading.index);
      continue;
    }
    entryHeadings.push(heading);
  }

  // 3. Years of dates written without one.
  const years = inferYears(entryHeadings, options.defaultYear);

  const entries: TilLogEntry[] = [];
  for (let i = 0; i < entryHeadings.length; i++) {
    const heading = entryHeadings[i];
    const end = i + 1 < entryHeadings.length ? entryHeadings[i + 1].index : lines.length;
    const body = lines
      .slice(heading.index + 1, end)
      .map((line) => (demoted.has(line.index) ? `## ${atxHeadingText(line.text, 1)}` : line.text))
      .join("\n");
    const line = heading.index + 1;
    const entryWarnings: Warning[] = heading.parsed.warnings.map((warning) => ({ ...warning, line }));
    let date: string | undefined;
    const parts = heading.parsed.date;
    if (parts) {
      const year = parts.year ?? years.get(heading.index);
      if (year === undefined) {
        entryWarnings.push({
          code: "date-undetermined",
          line,
          message: `no year for "${heading.parsed.dateText}" and no dated neighbour; the entry has no date`,
        });
      } else if (!isValidDay(year, parts.month, parts.day)) {
        entryWarnings.push({ code: "date-invalid", line, message: `"${heading.parsed.dateText}" does not exist in ${year}; the entry has no date` });
      } else {
        date = iso(year, parts.month, parts.day);
        if (parts.year === undefined)
          entryWarnings.push({ code: "date-guessed", line, message: `year ${year} of "${heading.parsed.dateText}" inferred from neighbouring entries` });
      }
    }
    if (body.trim() === "") entryWarnings.push({ code: "entry-empty", line, message: `entry "${heading.parsed.title}" has no text` });
    const note = normalizeNote({ title: heading.parsed.title, ...(date ? { date } : {}), tags: heading.parsed.tags, body });
    entries.push({ note, line, heading: heading.text, warnings: entryWarnings });
  }
  return { entries, warnings };
}

/**
 * Split a TIL log (one markdown file, one entry per `# H1`) into notes, in document order.
 * @returns the notes and every warning (document-level first, then per entry, with line numbers)
 * @example const { entries, warnings } = splitTilLog(readme)
 */
export function splitTilLog(markdown: string, options: SplitTilLogOptions = {}): { entries: Note[]; warnings: Warning[] } {
  const { entries, warnings } = splitTilLogDetailed(markdown, options);
  return { entries: entries.map((entry) => entry.note), warnings: [...warnings, ...entries.flatMap((entry) => entry.warnings)] };
}

/** Years for headings whose date has none, keyed by the heading's line index. */
function inferYears(headings: Heading[], defaultYear: number | undefined): Map<number, number> {
  const full = headings
    .map((heading, position) => ({ position, date: heading.parsed.date }))
    .filter((item): item is { position: number; date: { year: number; month: number; day: number } } => item.date?.year !== undefined)
    .map((item) => ({ position: item.position, day: Date.UTC(item.date.year, item.date.month - 1, item.date.day) }));
  let descending = 0;
  let ascending = 0;
  for (let i = 1; i < full.length; i++) {
    if (full[i].day < full[i - 1].day) descending++;
    else if (full[i].day > full[i - 1].day) ascending++;
  }
  const direction = descending > ascending ? -1 : ascending > descending ? 1 : 0;
  const out = new Map<number, number>();
  headings.forEach((heading, position) => {
    const parts = heading.parsed.date;
    if (!parts || parts.year !== undefined) return;
    const before = [...full].reverse().find((item) => item.position < position);
    const after = full.find((item) => item.position > position);
    const neighbours = [before, after].filter((item) => item !== undefined);
    if (neighbours.length === 0) {
      if (defaultYear !== undefined) out.set(heading.index, defaultYear);
      return;
    }
    const candidates = new Set<number>();
    for (const item of neighbours) {
      const year = new Date(item.day).getUTCFullYear();
      candidates
        .add(year - 1)
        .add(year)
        .add(year + 1);
    }
    let best: { year: number; distance: number; fits: boolean } | undefined;
    for (const year of [...candidates].sort((a, b) => a - b)) {
      if (!isValidDay(year, parts.month, parts.day)) continue;
      const day = Date.UTC(year, parts.month - 1, parts.day);
      // In document order dates move in `direction`: before → this → after.
      const fits =
        direction === 0 ||
        ((before === undefined || Math.sign(day - before.day) !== -direction) && (after === undefined || Math.sign(after.day - day) !== -direction));
      const distance = Math.min(...neighbours.map((item) => Math.abs(item.day - day)));
      if (!best || (fits && !best.fits) || (fits === best.fits && distance < best.distance)) best = { year, distance, fits };
    }
    if (best) out.set(heading.index, best.year);
  });
  return out;
}
