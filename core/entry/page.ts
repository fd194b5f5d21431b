/**
 * The entry's static `index.html`: a complete page with the note rendered by {@link renderMarkdown},
 * styles inline (readable type, code blocks, light and dark schemes), and no script, so an entry
 * opened directly on any IPFS gateway reads well without the app.
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

const STYLE = `
:root { color-scheme: light dark; --fg: #1f2328; --muted: #59636e; --bg: #ffffff; --code-bg: #f6f8fa; --border: #d1d9e0; --link: #0969da; --tag-bg: #ddf4ff; }
@media (prefers-color-scheme: dark) {
  :root { --fg: #e6edf3; --muted: #9198a1; --bg: #0d1117; --code-bg: #151b23; --border: #3d444d; --link: #4493f8; --tag-bg: #1b2a3f; }
}
* { box-sizing: border-box; }
html { background: var(--bg); color: var(--fg); }
body { margin: 0 auto; max-width: 46rem; padding: 2.5rem 1.25rem 4rem; font: 1.0625rem/1.65 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "Helvetica Neue", Arial, sans-serif; overflow-wrap: break-word; }
header { margin-bottom: 2rem; border-bottom: 1px solid var(--border); padding-bottom: 1rem; }
header h1 { margin: 0 0 .5rem; font-size: 2rem; line-height: 1.25; }
.meta { color: var(--muted); font-size: .9375rem; display: flex; flex-wrap: wrap; gap: .5rem; align-items: center; }
.tags { display: inline-flex; flex-wrap: wrap; gap: .375rem; list-style: none; margin: 0; padding: 0; }
.tags li { background: var(--tag-bg); border-radius: 999px; padding: 0 .625rem; font-size: .8125rem; }
h1, h2, h3, h4 { line-height: 1.3; margin: 2rem 0 .75rem; }
a { color: var(--link); }
img { max-width: 100%; height: auto; }
pre, code { font-family: ui-monospace, SFMono-Regular, "SF Mono", Menlo, Consolas, "Liberation Mono", monospace; font-size: .875em; }
code { background: var(--code-bg); border-radius: 4px; padding: .125em .3em; }
pre { background: var(--code-bg); border: 1px solid var(--border); border-radius: 6px; padding: 1rem; overflow-x: auto; line-height: 1.45; }
pre code { background: none; padding: 0; white-space: pre; }
blockquote { margin: 1rem 0; padding: 0 1rem; color: var(--muted); border-left: .25rem solid var(--border); }
table { border-collapse: collapse; display: block; overflow-x: auto; }
th, td { border: 1px solid var(--border); padding: .375rem .75rem; }
hr { border: 0; border-top: 1px solid var(--border); }
footer { margin-top: 3rem; color: var(--muted); font-size: .8125rem; }
`.trim();

/**
 * The standalone HTML page of a note (canonical note expected; see normalizeNote).
 * @param links relative paths of the entry's other files, shown in the footer
 */
export function renderEntryPage(note: Note, links: { markdown: string; metadata: string }): string {
  const body = renderMarkdown(note.body, { omitLeadingTitle: note.title });
  const meta: string[] = [];
  if (note.date !== undefined) meta.push(`<time datetime="${escapeHtml(note.date)}">${escapeHtml(note.date)}</time>`);
  if (note.tags.length > 0) {
    meta.push(`<ul class="tags">${note.tags.map((tag) => `<li>${escapeHtml(tag)}</li>`).join("")}</ul>`);
  }
  return [
    "<!doctype html>",
    '<html lang="und">',
    "<head>",
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<meta http-equiv="Content-Security-Policy" content="${ENTRY_PAGE_CSP}">`,
    '<meta name="referrer" content="no-referrer">',
    `<title>${escapeHtml(note.title)}</title>`,
    `<style>\n${STYLE}\n</style>`,
    "</head>",
    "<body>",
    "<header>",
    `<h1>${escapeHtml(note.title)}</h1>`,
    meta.length > 0 ? `<div class="meta">${meta.join(" ")}</div>` : "",
    "</header>",
    "<article>",
    body.trimEnd(),
    "</article>",
    `<footer><a href="${escapeHtml(links.markdown)}">Markdown source</a> · <a href="${escapeHtml(links.metadata)}">Token metadata</a></footer>`,
    "</body>",
    "</html>",
    "",
  ]
    .filter((line) => line !== "")
    .join("\n")
    .concat("\n");
}
