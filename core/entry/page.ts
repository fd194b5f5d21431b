/**
 * The HTML page shell shared by the entry's static `index.html` and the static site's pages (one
 * document skeleton, one reading style), and the entry's own page: the note rendered by
 * {@link renderMarkdown}, styles inline (the app's reading design: a serif column of about 70
 * characters, a clear heading rhythm, code blocks that scroll, light and dark schemes), and no
 * script, so an entry opened directly on any IPFS gateway reads well without the app.
 */
import type { Note } from "./note.ts";
import { renderMarkdown } from "./render.ts";

/** Escape text for HTML element content and double-quoted attributes. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

/**
 * The entry page's Content-Security-Policy: no script, no frames, no requests but images (its own
 * and remote ones) and inline styles. The page carries it in a meta tag, so it holds on any
 * gateway, and the project's gateway sends it as a header with the page too.
 */
export const ENTRY_PAGE_CSP = "default-src 'none'; img-src 'self' https: http:; style-src 'unsafe-inline'";

/**
 * The reading style of entries, in the app's design (frontend/src/styles.css): its palette, a
 * serif text face in a centred column of about 70 characters, sans-serif headings and metadata.
 * Inlined in each entry's index.html and the first part of the static site's style.css.
 */
export const READING_CSS = `:root { color-scheme: light dark; --bg: #fbfaf7; --fg: #1d1c1a; --muted: #6a665f; --border: #e4e0d8; --rule: #ece9e2; --accent: #2f5fb3; --surface: #f3f1ec; --code-bg: #f3f1ec;
  --sans: system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "Helvetica Neue", Arial, sans-serif;
  --serif: "Iowan Old Style", Charter, "Bitstream Charter", "Sitka Text", Cambria, Georgia, "Noto Serif", "DejaVu Serif", serif;
  --mono: ui-monospace, SFMono-Regular, "SF Mono", Menlo, Consolas, "Liberation Mono", monospace; --measure: 42rem; }
@media (prefers-color-scheme: dark) { :root { --bg: #15161a; --fg: #e6e3dc; --muted: #a29d94; --border: #2e3036; --rule: #25272c; --accent: #8fb4ff; --surface: #1d1f24; --code-bg: #1d1f24; } }
* { box-sizing: border-box; }
html { background: var(--bg); color: var(--fg); -webkit-text-size-adjust: 100%; }
body { margin: 0 auto; max-width: calc(var(--measure) + 2.5rem); padding: 2.5rem 1.25rem 4rem; font: 1rem/1.5 var(--sans); overflow-wrap: break-word; }
a { color: var(--accent); text-decoration-thickness: 1px; text-underline-offset: .15em; }
.kicker { font-size: .75rem; letter-spacing: .12em; text-transform: uppercase; color: var(--muted); margin: 0 0 .75rem; }
.entry-header { margin-bottom: 2rem; }
.entry-header h1 { font-family: var(--serif); font-size: clamp(1.9rem, 6vw, 2.6rem); line-height: 1.15; letter-spacing: -.015em; margin: 0 0 .8rem; overflow-wrap: anywhere; unicode-bidi: isolate; }
.entry-meta { display: flex; flex-wrap: wrap; align-items: center; gap: .4rem 1rem; color: var(--muted); font-size: .9rem; margin: 0; }
.tags { display: inline-flex; flex-wrap: wrap; gap: .3rem .7rem; list-style: none; margin: 0; padding: 0; }
.author code { font-family: var(--mono); font-size: .85em; overflow-wrap: anywhere; }
.entry-body { font-family: var(--serif); font-size: 1.125rem; line-height: 1.7; overflow-wrap: break-word; }
.entry-body > :first-child { margin-top: 0; }
.entry-body p, .entry-body ul, .entry-body ol, .entry-body blockquote, .entry-body pre, .entry-body table, .entry-body details { margin: 0 0 1.2em; }
.entry-body h1, .entry-body h2, .entry-body h3, .entry-body h4 { font-family: var(--sans); line-height: 1.3; margin: 2em 0 .6em; overflow-wrap: anywhere; }
.entry-body h1 { font-size: 1.6rem; } .entry-body h2 { font-size: 1.35rem; } .entry-body h3 { font-size: 1.15rem; } .entry-body h4 { font-size: 1rem; }
.entry-body a { overflow-wrap: anywhere; }
.entry-body li + li { margin-top: .25em; }
.entry-body img { max-width: 100%; height: auto; border-radius: 4px; }
.entry-body img[align="right"] { float: right; margin: 0 0 .75rem 1rem; max-width: 50%; }
.entry-body img[align="left"] { float: left; margin: 0 1rem .75rem 0; max-width: 50%; }
.entry-body pre { background: var(--code-bg); border: 1px solid var(--border); border-radius: 8px; padding: .9rem 1rem; overflow-x: auto; line-height: 1.5; font-size: .95rem; max-width: 100%; }
.entry-body code { font-family: var(--mono); font-size: .85em; }
.entry-body pre code { white-space: pre; overflow-wrap: normal; }
.entry-body :not(pre) > code { background: var(--code-bg); padding: .08rem .3rem; border-radius: 4px; overflow-wrap: anywhere; }
.entry-body table { border-collapse: collapse; display: block; overflow-x: auto; font-family: var(--sans); font-size: .95rem; max-width: 100%; }
.entry-body th, .entry-body td { border: 1px solid var(--border); padding: .35rem .7rem; }
.entry-body th { background: var(--surface); }
.entry-body blockquote { border-left: 3px solid var(--border); margin-left: 0; padding-left: 1.1rem; color: var(--muted); font-style: italic; }
.entry-body hr { border: 0; border-top: 1px solid var(--rule); margin: 2.5em auto; width: 40%; }
.entry-body kbd { font-family: var(--mono); font-size: .8em; border: 1px solid var(--border); border-bottom-width: 2px; border-radius: 4px; padding: .05rem .35rem; background: var(--surface); }
.entry-body details { border: 1px solid var(--border); border-radius: 8px; padding: .5rem .9rem; }
.entry-body summary { cursor: pointer; font-family: var(--sans); font-weight: 600; }
.entry-body sup, .entry-body sub { line-height: 0; }
.entry-body::after { content: ""; display: block; clear: both; }
footer { margin-top: 3rem; padding-top: 1rem; border-top: 1px solid var(--rule); color: var(--muted); font-size: .85rem; }
`;

/** One HTML document: what every page of an entry and of the static site is made of. */
export interface HtmlDocument {
  title: string;
  /** The page's Content-Security-Policy (also sent as a header where the project serves it). */
  csp: string;
  /** Lines for the head after the title (a `<style>`, stylesheet and feed links, a script). */
  head: string[];
  body: string;
}

/** The page shell: doctype, language, charset, viewport, CSP, no referrer, title, then the caller's head and body. */
export function htmlDocument(page: HtmlDocument): string {
  return [
    "<!doctype html>",
    '<html lang="und">',
    "<head>",
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<meta http-equiv="Content-Security-Policy" content="${page.csp}">`,
    '<meta name="referrer" content="no-referrer">',
    `<title>${escapeHtml(page.title)}</title>`,
    ...page.head,
    "</head>",
    "<body>",
    page.body,
    "</body>",
    "</html>",
  ]
    .filter((line) => line !== "")
    .join("\n")
    .concat("\n");
}

/** The date, tags and author of a note, for a page header (`tagHtml` renders one tag: a link on the site). */
export function entryMetaHtml(note: Note, tagHtml: (tag: string) => string, authorHtml?: string): string {
  const meta: string[] = [];
  if (note.date !== undefined) meta.push(`<time datetime="${escapeHtml(note.date)}">${escapeHtml(note.date)}</time>`);
  if (note.tags.length > 0) meta.push(`<ul class="tags">${note.tags.map((tag) => `<li>${tagHtml(tag)}</li>`).join("")}</ul>`);
  if (authorHtml !== undefined) meta.push(`<span class="author">by ${authorHtml}</span>`);
  return meta.length > 0 ? `<div class="entry-meta">${meta.join(" ")}</div>` : "";
}

/**
 * The standalone HTML page of a note (canonical note expected; see normalizeNote). Names the
 * author when the note does (format v2).
 * @param links relative paths of the entry's other files, shown in the footer
 */
export function renderEntryPage(note: Note, links: { markdown: string; metadata: string }): string {
  const body = renderMarkdown(note.body, { omitLeadingTitle: note.title });
  const author = note.author !== undefined ? `<code>${escapeHtml(note.author)}</code>` : undefined;
  return htmlDocument({
    title: note.title,
    csp: ENTRY_PAGE_CSP,
    head: [`<style>\n${READING_CSS}</style>`],
    body: [
      "<article>",
      '<header class="entry-header">',
      '<p class="kicker">Today I learned</p>',
      `<h1 dir="auto">${escapeHtml(note.title)}</h1>`,
      entryMetaHtml(note, (tag) => `<bdi>#${escapeHtml(tag)}</bdi>`, author),
      "</header>",
      '<div class="entry-body">',
      body.trimEnd(),
      "</div>",
      "</article>",
      `<footer>${author !== undefined ? `Written by ${author}. ` : ""}<a href="${escapeHtml(links.markdown)}">Markdown source</a> · <a href="${escapeHtml(links.metadata)}">Token metadata</a></footer>`,
    ]
      .filter((line) => line !== "")
      .join("\n"),
  });
}
