/**
 * The static site's HTML pages: script-free, relative links only (every page knows its depth and
 * prefixes `../` as many times), `index.html` per folder, so the site works from `file://`, under
 * `https://<gateway>/ipfs/<cid>/` and on any domain. Every string from an entry is escaped; notes
 * are rendered from their index.md by the project's renderer (core/entry/render.ts).
 */
import { entryMetaHtml, htmlDocument, READING_CSS } from "../entry/page.ts";
import { renderMarkdown, markdownToPlainText } from "../entry/render.ts";
import { subdomainLabel } from "../gateway-url.ts";
import { authorDir, authorName, entryDir, entryUrn, type SiteConfig, type SiteEntry } from "./model.ts";
import { escapeHtml, rootPrefix, tagKey, tagSlug, xmlChars } from "./text.ts";

/**
 * The pages' Content-Security-Policy: the one script is the site's own search.js, styles from the
 * site's style.css (inline style attributes only for the renderer's table alignment), images from
 * the site and, as in an entry's own index.html, remote ones a note links.
 */
const SITE_CSP = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' https: http:; base-uri 'none'; form-action 'none'";

interface FeedLinks {
  /** Folder of the feeds relative to the root ("" for the site-wide ones), with a trailing slash. */
  dir: string;
  title: string;
}

interface Layout {
  depth: number;
  title: string;
  body: string;
  feeds?: FeedLinks;
  /** Load search.js (the search page only). */
  search?: boolean;
}

function layout(config: SiteConfig, page: Layout): string {
  const p = rootPrefix(page.depth);
  const home = p || "./";
  const feedLinks = page.feeds
    ? [
        `<link rel="alternate" type="application/atom+xml" title="${escapeHtml(page.feeds.title)} (Atom)" href="${p}${page.feeds.dir}atom.xml">`,
        `<link rel="alternate" type="application/feed+json" title="${escapeHtml(page.feeds.title)} (JSON Feed)" href="${p}${page.feeds.dir}feed.json">`,
        `<link rel="alternate" type="application/rss+xml" title="${escapeHtml(page.feeds.title)} (RSS)" href="${p}${page.feeds.dir}rss.xml">`,
      ].join("\n")
    : "";
  const feedFooter = page.feeds
    ? `<p class="feeds">Follow: <a href="${p}${page.feeds.dir}atom.xml">Atom</a> · <a href="${p}${page.feeds.dir}feed.json">JSON Feed</a> · <a href="${p}${page.feeds.dir}rss.xml">RSS</a></p>`
    : "";
  return htmlDocument({
    title: xmlChars(page.title),
    csp: SITE_CSP,
    head: [`<link rel="stylesheet" href="${p}style.css">`, feedLinks, page.search ? `<script src="${p}search.js" defer></script>` : ""],
    body: [
      `<nav class="site"><a class="brand" href="${home}index.html">${escapeHtml(config.title)}</a> <a href="${p}tags/index.html">Tags</a> <a href="${p}authors/index.html">Authors</a> <a href="${p}search/index.html">Search</a> <a href="${p}about/index.html">About</a></nav>`,
      "<main>",
      page.body,
      "</main>",
      `<footer>${feedFooter}<p>Every entry is an IPFS content address recorded on-chain: <a href="${p}about/index.html">how to verify</a>.</p></footer>`,
    ].join("\n"),
  });
}

/** A title in a list or heading: isolated, so a right-to-left override in it cannot reorder the text around it. */
function titleHtml(entry: SiteEntry): string {
  return `<bdi>${escapeHtml(entry.note.title || "(untitled)")}</bdi>`;
}

function tagLinks(entry: SiteEntry, p: string): string {
  if (entry.note.tags.length === 0) return "";
  return `<ul class="tags">${entry.note.tags.map((tag) => `<li><a href="${p}tags/${tagSlug(tag)}/index.html"><bdi>${escapeHtml(tag)}</bdi></a></li>`).join("")}</ul>`;
}

function authorLink(config: SiteConfig, author: string, p: string): string {
  return `<a class="author" href="${p}${authorDir(author)}index.html"><bdi>${escapeHtml(authorName(config, author))}</bdi></a>`;
}

/** One entry as a list item: date, title (to its page), tags, author, excerpt. */
function entryItem(config: SiteConfig, entry: SiteEntry, p: string): string {
  const date = entry.note.date ? `<time datetime="${escapeHtml(entry.note.date)}">${escapeHtml(entry.note.date)}</time> ` : "";
  return [
    '<li class="entry">',
    `<h2>${date}<a href="${p}${entryDir(entry)}index.html">${titleHtml(entry)}</a></h2>`,
    `<div class="meta">${tagLinks(entry, p)} by ${authorLink(config, entry.author, p)}</div>`,
    `<p class="excerpt">${escapeHtml(excerpt(entry))}</p>`,
    "</li>",
  ].join("");
}

/** The note's first words as plain text (at most 280 characters). */
export function excerpt(entry: SiteEntry): string {
  const text = markdownToPlainText(entry.note.body, { omitLeadingTitle: entry.note.title }).trim();
  const chars = Array.from(text);
  return chars.length > 280 ? `${chars.slice(0, 279).join("").trimEnd()}…` : text;
}

function entryList(config: SiteConfig, entries: readonly SiteEntry[], p: string): string {
  if (entries.length === 0) return '<p class="empty">No entries.</p>';
  return `<ol class="entries">\n${entries.map((e) => entryItem(config, e, p)).join("\n")}\n</ol>`;
}

/** The index's page `page` (1-based) of `pages`; page 1 is `index.html`, page N is `page/N/index.html`. */
export function indexPage(config: SiteConfig, entries: readonly SiteEntry[], page: number, pages: number): string {
  const depth = page === 1 ? 0 : 2;
  const p = rootPrefix(depth);
  const pageHref = (n: number) => (n === 1 ? `${p}index.html` : `${p}page/${n}/index.html`);
  const nav: string[] = [];
  if (page > 1) nav.push(`<a rel="prev" href="${pageHref(page - 1)}">Newer</a>`);
  if (pages > 1) nav.push(`<span>Page ${page} of ${pages}</span>`);
  if (page < pages) nav.push(`<a rel="next" href="${pageHref(page + 1)}">Older</a>`);
  const body = [
    `<header><h1>${escapeHtml(config.title)}</h1>${config.description ? `<p class="description">${escapeHtml(config.description)}</p>` : ""}</header>`,
    entryList(config, entries, p),
    nav.length > 0 ? `<nav class="pages">${nav.join(" ")}</nav>` : "",
  ].join("\n");
  return layout(config, { depth, title: page === 1 ? config.title : `${config.title}: page ${page}`, body, feeds: { dir: "", title: config.title } });
}

export function tagPage(config: SiteConfig, tag: string, entries: readonly SiteEntry[]): string {
  const p = rootPrefix(2);
  const body = `<header><h1>Tag: <bdi>${escapeHtml(tag)}</bdi></h1><p>${entries.length} entr${entries.length === 1 ? "y" : "ies"}</p></header>\n${entryList(config, entries, p)}`;
  return layout(config, { depth: 2, title: `${tag}: ${config.title}`, body, feeds: { dir: `tags/${tagSlug(tag)}/`, title: `${config.title}: ${tag}` } });
}

export function authorPage(config: SiteConfig, author: string, entries: readonly SiteEntry[]): string {
  const p = rootPrefix(2);
  const name = authorName(config, author);
  const body = `<header><h1><bdi>${escapeHtml(name)}</bdi></h1><p class="address">${escapeHtml(author)}</p><p>${entries.length} entr${entries.length === 1 ? "y" : "ies"}</p></header>\n${entryList(config, entries, p)}`;
  return layout(config, { depth: 2, title: `${name}: ${config.title}`, body, feeds: { dir: authorDir(author), title: `${config.title}: ${name}` } });
}

export function tagsIndexPage(config: SiteConfig, tags: readonly { tag: string; count: number }[]): string {
  const items = tags.map(({ tag, count }) => `<li><a href="${tagSlug(tag)}/index.html"><bdi>${escapeHtml(tag)}</bdi></a> (${count})</li>`).join("\n");
  return layout(config, { depth: 1, title: `Tags: ${config.title}`, body: `<h1>Tags</h1>\n<ul class="index">\n${items}\n</ul>` });
}

export function authorsIndexPage(config: SiteConfig, authors: readonly { author: string; count: number }[]): string {
  const items = authors
    .map(
      ({ author, count }) =>
        `<li><a href="../${authorDir(author)}index.html"><bdi>${escapeHtml(authorName(config, author))}</bdi></a> <span class="address">${escapeHtml(author)}</span> (${count})</li>`,
    )
    .join("\n");
  return layout(config, { depth: 1, title: `Authors: ${config.title}`, body: `<h1>Authors</h1>\n<ul class="index">\n${items}\n</ul>` });
}

/** A public gateway's URL of a CID, each content root on its own origin (subdomain form). */
function publicGatewayUrl(config: SiteConfig, cid: string): string {
  const url = new URL(config.publicGateway);
  return `${url.protocol}//${subdomainLabel(cid)}.ipfs.${url.host}/`;
}

/** An entry's page: the note rendered from its index.md, then what it is on-chain and on IPFS. */
export function entryPage(config: SiteConfig, entry: SiteEntry): string {
  const p = rootPrefix(2);
  const note = entry.note;
  const tagLink = (tag: string) => `<a href="${p}tags/${tagSlug(tag)}/index.html"><bdi>#${escapeHtml(tag)}</bdi></a>`;
  const body = [
    "<article>",
    `<header class="entry-header"><h1>${titleHtml(entry)}</h1>${entryMetaHtml(note, tagLink, authorLink(config, entry.author, p))}</header>`,
    '<div class="entry-body">',
    xmlChars(withoutDanglingUrls(renderMarkdown(note.body, { omitLeadingTitle: note.title }), new Set(entry.images.map((i) => i.path)))).trimEnd(),
    "</div>",
    "</article>",
    '<aside class="provenance"><h2>On-chain and on IPFS</h2><dl>',
    `<dt>Token id</dt><dd><code>${entry.tokenId}</code></dd>`,
    `<dt>Author</dt><dd><code>${escapeHtml(entry.author)}</code></dd>`,
    `<dt>Published</dt><dd><time datetime="${escapeHtml(entry.publishedAt)}">${escapeHtml(entry.publishedAt)}</time></dd>`,
    `<dt>CID</dt><dd><code>${escapeHtml(entry.cid)}</code> (<a href="${escapeHtml(publicGatewayUrl(config, entry.cid))}" rel="noopener noreferrer">on a public gateway</a>)</dd>`,
    `<dt>Feed id</dt><dd><code>${escapeHtml(entryUrn(config, entry))}</code></dd>`,
    "</dl></aside>",
  ].join("\n");
  return layout(config, { depth: 2, title: `${note.title || "(untitled)"}: ${config.title}`, body });
}

/**
 * The rendered note with relative images and links that name no file copied beside the page
 * (a file the entry lacks, or one that is not an image) taken out: the image is dropped, the link
 * keeps its text without a target. Reads the renderer's output, whose attributes are always
 * double-quoted and escaped.
 */
function withoutDanglingUrls(html: string, files: ReadonlySet<string>): string {
  const dangling = (url: string) => {
    const decoded = url.replace(/&#(\d+);/g, (_, code) => String.fromCharCode(Number(code))).replace(/&amp;/g, "&");
    if (/^[a-z][a-z0-9+.-]*:/i.test(decoded) || decoded.startsWith("#")) return false;
    let path = decoded.split("#")[0].split("?")[0].replace(/^\.\//, "");
    try {
      path = decodeURIComponent(path);
    } catch {
      return true;
    }
    return !files.has(path);
  };
  return html
    .replace(/<img\b[^>]*>/g, (tag) => {
      const src = /\ssrc="([^"]*)"/.exec(tag);
      return src && dangling(src[1]) ? "" : tag;
    })
    .replace(/<a\b([^>]*)>/g, (tag, attributes: string) => {
      const href = /\shref="([^"]*)"/.exec(attributes);
      return href && dangling(href[1]) ? `<a${attributes.replace(/\shref="[^"]*"/, "")}>` : tag;
    });
}

/** How to check every entry against the chain and IPFS. */
export function aboutPage(config: SiteConfig, entries: readonly SiteEntry[]): string {
  const rows = entries
    .map(
      (e) =>
        `<tr><td><a href="../${entryDir(e)}index.html">${titleHtml(e)}</a></td><td><code>${e.tokenId}</code></td><td><code>${escapeHtml(e.cid)}</code></td><td><a href="${escapeHtml(publicGatewayUrl(config, e.cid))}" rel="noopener noreferrer">gateway</a></td></tr>`,
    )
    .join("\n");
  const body = [
    `<h1>About ${escapeHtml(config.title)}</h1>`,
    config.description ? `<p>${escapeHtml(config.description)}</p>` : "",
    "<h2>How to verify everything here</h2>",
    `<p>Each entry is a folder on IPFS addressed by its content (its CID), recorded by an ERC-721 registry: <code>${escapeHtml(config.registry)}</code> on chain <code>${config.chainId}</code>. The registry's <code>EntryPublished</code> events name each token's author and CID; the pages here were rendered from each entry's <code>index.md</code>, read through gateways and checked block by block against its CID.</p>`,
    "<p>To check them yourself, point the TIL command line at the registry and run its verifier, which reads every token's content, checks it against its CID and reports what does not match:</p>",
    `<pre><code>npm run til -- use-deployment --rpc-url &lt;RPC URL of chain ${config.chainId}&gt; --address ${escapeHtml(config.registry)}\nnpm run til -- verify</code></pre>`,
    "<p>Any IPFS gateway serves an entry by its CID; a trustless gateway (<code>?format=car</code>) lets a client check the bytes itself.</p>",
    '<table class="cids"><thead><tr><th>Entry</th><th>Token id</th><th>CID</th><th>Gateway</th></tr></thead><tbody>',
    rows,
    "</tbody></table>",
  ]
    .filter(Boolean)
    .join("\n");
  return layout(config, { depth: 1, title: `About: ${config.title}`, body, feeds: { dir: "", title: config.title } });
}

/**
 * The search page: the prebuilt index (search-index.json) as a plain list, which reads without
 * script; search.js, when it runs, shows a field that filters that list. (It filters the list in
 * the page rather than fetching search-index.json, because browsers refuse `fetch` on `file://`.)
 */
export function searchPage(config: SiteConfig, entries: readonly SiteEntry[]): string {
  const items = entries
    .map((e) => {
      const haystack = [e.note.title, ...e.note.tags, excerpt(e)].join(" ").toLowerCase();
      return `<li data-search="${escapeHtml(haystack)}"><a href="../${entryDir(e)}index.html">${titleHtml(e)}</a> <span class="tags-inline">${e.note.tags.map((t) => `<bdi>${escapeHtml(t)}</bdi>`).join(", ")}</span></li>`;
    })
    .join("\n");
  const body = [
    "<h1>Search</h1>",
    '<form id="search" class="search" hidden role="search"><label for="q">Search titles, tags and text</label> <input id="q" type="search" autocomplete="off"> <output id="count" for="q"></output></form>',
    '<p class="no-script">Every entry, by title and tags (with script, the field above filters them):</p>',
    `<ul id="results" class="index">\n${items}\n</ul>`,
  ].join("\n");
  return layout(config, { depth: 1, title: `Search: ${config.title}`, body, search: true });
}

/** The search page's optional script: reveals the field and hides list items that do not match. Reads text only; writes no HTML. */
export const SEARCH_JS = `// Progressive enhancement of search/index.html: the list works without this script.
"use strict";
(function () {
  var form = document.getElementById("search");
  var input = document.getElementById("q");
  var count = document.getElementById("count");
  var items = Array.prototype.slice.call(document.querySelectorAll("#results li[data-search]"));
  if (!form || !input || !count) return;
  form.hidden = false;
  form.addEventListener("submit", function (event) { event.preventDefault(); });
  function update() {
    var words = input.value.toLowerCase().split(/\\s+/).filter(Boolean);
    var shown = 0;
    items.forEach(function (item) {
      var text = item.getAttribute("data-search") || "";
      var match = words.every(function (word) { return text.indexOf(word) !== -1; });
      item.hidden = !match;
      if (match) shown += 1;
    });
    count.textContent = words.length ? shown + " of " + items.length : "";
  }
  input.addEventListener("input", update);
  update();
})();
`;

/** The site's style.css: the entries' reading style (core/entry/page.ts) and the site's lists and navigation. */
export const STYLE_CSS = `${READING_CSS}body { padding-top: 1.5rem; }
nav.site { display: flex; gap: 1rem; flex-wrap: wrap; border-bottom: 1px solid var(--rule); padding-bottom: .75rem; margin-bottom: 1.5rem; font-size: .95rem; }
nav.site .brand { font-family: var(--serif); font-weight: 700; margin-right: auto; }
h1, h2, h3, h4 { line-height: 1.3; margin: 1.5rem 0 .75rem; }
main > header h1, main > h1 { font-family: var(--serif); }
ol.entries { list-style: none; padding: 0; }
li.entry { border-bottom: 1px solid var(--rule); padding: .5rem 0 1rem; }
li.entry h2 { font-family: var(--serif); font-size: 1.25rem; margin: .5rem 0 .25rem; }
li.entry h2 a { color: inherit; text-decoration: none; }
li.entry time { color: var(--muted); font-family: var(--sans); font-size: .9rem; font-weight: 400; margin-right: .5rem; }
.meta, .address, .excerpt { color: var(--muted); font-size: .9375rem; }
.meta { display: flex; flex-wrap: wrap; gap: .5rem; align-items: center; }
.excerpt { font-family: var(--serif); }
img { max-width: 100%; height: auto; }
code { font-family: var(--mono); font-size: .875em; overflow-wrap: anywhere; }
pre { background: var(--code-bg); border: 1px solid var(--border); border-radius: 8px; padding: 1rem; overflow-x: auto; }
pre code { background: none; padding: 0; }
table { border-collapse: collapse; display: block; overflow-x: auto; }
th, td { border: 1px solid var(--border); padding: .375rem .75rem; text-align: left; }
aside.provenance { margin-top: 3rem; border-top: 1px solid var(--rule); font-size: .9375rem; }
aside.provenance dt { font-weight: 600; }
aside.provenance dd { margin: 0 0 .5rem; }
nav.pages { display: flex; gap: 1rem; margin-top: 1.5rem; }
form.search input { font: inherit; padding: .25rem .5rem; width: 60%; }
`;

/** The pages of one tag, grouped in any case; the tag's shown spelling is the first of its spellings in code-point order. */
export function groupByTag(entries: readonly SiteEntry[]): { tag: string; entries: SiteEntry[] }[] {
  const groups = new Map<string, { spellings: Set<string>; entries: SiteEntry[] }>();
  for (const entry of entries) {
    const seen = new Set<string>();
    for (const tag of entry.note.tags) {
      const key = tagKey(tag);
      if (seen.has(key)) continue;
      seen.add(key);
      const group = groups.get(key) ?? { spellings: new Set(), entries: [] };
      group.spellings.add(tag);
      group.entries.push(entry);
      groups.set(key, group);
    }
  }
  return [...groups.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, group]) => ({ tag: [...group.spellings].sort()[0], entries: group.entries }));
}
