/**
 * A note: the markdown a person writes, with optional YAML front matter (title, date, tags).
 *
 * Canonical form (what {@link normalizeNote} gives, and what gets packed): text in Unicode NFC,
 * LF line endings; title with runs of whitespace collapsed; tags trimmed, empty ones dropped,
 * duplicates (case-insensitive) dropped keeping the first; body without leading blank lines and
 * with exactly one trailing newline (or empty); `id` as normalizeNoteId gives it; `author` in
 * lower case. Front matter keys other than title, date, tags, id and author are ignored (an
 * `author:` that is not an Ethereum address, e.g. a person's name, is ignored too). {@link serializeNote} writes the canonical form, so
 * `parseNote(serializeNote(note))` equals `normalizeNote(note)`.
 */
import { parse as parseYaml } from "yaml";
import { InvalidFrontMatterError } from "./errors.ts";
import { firstH1 } from "./markdown-scan.ts";
import { normalizeNoteId } from "./note-identity.ts";

export interface Note {
  /** Plain-text title; from front matter, else the body's first `# H1`, else "". */
  title: string;
  /** Calendar date `YYYY-MM-DD`, or undefined when the note has none. */
  date?: string;
  tags: string[];
  /** Markdown body without front matter. */
  body: string;
  /** The note's identity as recorded in front matter `id` (note-identity.ts), when it has one. */
  id?: string;
  /** The author's Ethereum address (`0x` + 40 hex digits, lower case), named by entries of format v2. */
  author?: string;
}

const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Whether `value` is a real calendar date written `YYYY-MM-DD`. */
function isIsoDate(value: string): boolean {
  const match = DATE_PATTERN.exec(value);
  if (!match) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/** Unicode NFC, LF line endings, no byte order mark. */
export function normalizeText(text: string): string {
  return text
    .replace(/^\uFEFF/, "")
    .replace(/\r\n?/g, "\n")
    .normalize("NFC");
}

/**
 * Split off a front matter block (`---` on the first line up to a line `---` or `...`).
 * @returns the YAML text (undefined when there is none) and the rest of the document
 */
export function splitFrontMatter(markdown: string): { frontMatter?: string; body: string } {
  const text = normalizeText(markdown);
  const match = /^---[ \t]*\n([\s\S]*?\n)?(?:---|\.\.\.)[ \t]*(?:\n|$)/.exec(text);
  if (!match) return { body: text };
  return { frontMatter: match[1] ?? "", body: text.slice(match[0].length) };
}

/**
 * Parse markdown with optional front matter into a canonical {@link Note}.
 * @throws InvalidFrontMatterError if the front matter is not YAML or a field has the wrong shape
 * @example parseNote("---\ntitle: Hello\ndate: 2021-12-03\ntags: [db]\n---\nBody\n")
 */
export function parseNote(markdown: string): Note {
  const { frontMatter, body } = splitFrontMatter(markdown);
  const fields = frontMatter === undefined ? {} : readFrontMatter(frontMatter);
  const title = fields.title !== undefined && fields.title.trim() !== "" ? fields.title : (firstH1(body) ?? "");
  return normalizeNote({
    title,
    date: fields.date,
    tags: fields.tags ?? [],
    body,
    ...(fields.id !== undefined ? { id: fields.id } : {}),
    ...(fields.author !== undefined ? { author: fields.author } : {}),
  });
}

/**
 * Markdown with front matter for a note, in canonical form (JSON-style double-quoted YAML strings,
 * keys in the order title, date, tags, id, author; each but the title omitted when absent).
 */
export function serializeNote(note: Note): string {
  const n = normalizeNote(note);
  const lines = ["---", `title: ${yamlString(n.title)}`];
  if (n.date !== undefined) lines.push(`date: ${n.date}`);
  if (n.tags.length > 0) lines.push(`tags: [${n.tags.map(yamlString).join(", ")}]`);
  if (n.id !== undefined) lines.push(`id: ${yamlString(n.id)}`);
  if (n.author !== undefined) lines.push(`author: ${yamlString(n.author)}`);
  lines.push("---", "");
  return `${lines.join("\n")}\n${n.body}`;
}

/**
 * The canonical form of a note (see the module comment).
 * @throws InvalidFrontMatterError if `date` is not a `YYYY-MM-DD` calendar date
 */
export function normalizeNote(note: Note): Note {
  const title = normalizeText(note.title).replace(/\s+/g, " ").trim();
  const seen = new Set<string>();
  const tags: string[] = [];
  for (const raw of note.tags) {
    const tag = normalizeText(raw).replace(/\s+/g, " ").trim();
    const key = tag.toLowerCase();
    if (tag === "" || seen.has(key)) continue;
    seen.add(key);
    tags.push(tag);
  }
  const date = note.date === undefined || note.date === "" ? undefined : note.date.trim();
  if (date !== undefined && !isIsoDate(date)) {
    throw new InvalidFrontMatterError(`date "${note.date}" is not a calendar date written YYYY-MM-DD.`);
  }
  const body = normalizeText(note.body)
    .replace(/^(?:[ \t]*\n)+/, "")
    .replace(/\s+$/, "");
  const id = note.id === undefined ? "" : normalizeNoteId(note.id);
  const author = note.author === undefined ? undefined : note.author.trim().toLowerCase();
  if (author !== undefined && !ADDRESS.test(author))
    throw new InvalidFrontMatterError(`author "${note.author}" is not an Ethereum address (0x and 40 hex digits).`);
  return {
    title,
    ...(date !== undefined ? { date } : {}),
    tags,
    body: body === "" ? "" : `${body}\n`,
    ...(id !== "" ? { id } : {}),
    ...(author !== undefined ? { author } : {}),
  };
}

const ADDRESS = /^0x[0-9a-f]{40}$/;

interface FrontMatterFields {
  title?: string;
  date?: string;
  tags?: string[];
  id?: string;
  author?: string;
}

function readFrontMatter(yaml: string): FrontMatterFields {
  let data: unknown;
  try {
    data = parseYaml(yaml);
  } catch (cause) {
    throw new InvalidFrontMatterError(`not valid YAML (${(cause as Error).message.split("\n")[0]}).`, { cause });
  }
  if (data === null || data === undefined) return {};
  if (typeof data !== "object" || Array.isArray(data)) throw new InvalidFrontMatterError("expected key: value pairs.");
  const record = data as Record<string, unknown>;
  const out: FrontMatterFields = {};
  if (record.title !== undefined && record.title !== null) {
    if (typeof record.title === "object") throw new InvalidFrontMatterError("title must be text.");
    out.title = String(record.title);
  }
  if (record.date !== undefined && record.date !== null && record.date !== "") {
    const raw = record.date instanceof Date ? record.date.toISOString() : String(record.date);
    const date = /^\d{4}-\d{2}-\d{2}(?:$|[T ])/.test(raw) ? raw.slice(0, 10) : raw;
    if (!isIsoDate(date)) throw new InvalidFrontMatterError(`date "${raw}" is not a calendar date written YYYY-MM-DD.`);
    out.date = date;
  }
  if (record.id !== undefined && record.id !== null && record.id !== "") {
    if (typeof record.id === "object") throw new InvalidFrontMatterError("id must be text.");
    out.id = normalizeNoteId(String(record.id));
  }
  // Only an address: `author: Jane Doe` is a person's name, which the entry format does not record.
  if (typeof record.author === "string" && ADDRESS.test(record.author.trim().toLowerCase())) out.author = record.author.trim().toLowerCase();
  const tags = record.tags ?? record.tag;
  if (tags !== undefined && tags !== null) {
    if (Array.isArray(tags)) {
      if (tags.some((tag) => typeof tag === "object" && tag !== null)) throw new InvalidFrontMatterError("tags must be a list of words.");
      out.tags = tags.filter((tag) => tag !== null).map(String);
    } else if (typeof tags === "string" || typeof tags === "number") {
      out.tags = String(tags).split(",");
    } else {
      throw new InvalidFrontMatterError("tags must be a list (tags: [a, b]) or comma-separated text.");
    }
  }
  return out;
}

function yamlString(value: string): string {
  // A JSON string is a valid YAML double-quoted scalar.
  return JSON.stringify(value);
}
