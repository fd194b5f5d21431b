/**
 * Atom 1.0 (RFC 4287), JSON Feed 1.1 and RSS 2.0 of a list of entries, full content as HTML.
 * Ids are stable: `urn:til:<chainId>:<registry>:<tokenId>`, the CID named beside it. Entries are
 * never revised yet (the registry has no revisions), so an entry's updated / date_modified is its
 * publishing time; when revisions come, it becomes the latest revision's.
 * Without a base URL, links are relative to the feed's own location (Atom and JSON Feed resolve
 * them against the feed's URL; RSS 2.0 expects absolute URLs, so give --base-url for RSS readers).
 */
import { renderMarkdown } from "../entry/render.ts";
import { authorDir, authorName, ENTRIES_PER_FEED, entryDir, entryUrn, type SiteConfig, type SiteEntry } from "./model.ts";
import { escapeXml, rootPrefix } from "./text.ts";

export interface FeedSpec {
  /** The feed's folder relative to the root ("" or e.g. `tags/sql-…/`), with a trailing slash. */
  dir: string;
  title: string;
  /** The site page the feed follows, relative to the root (e.g. `index.html`, `tags/sql-…/index.html`). */
  page: string;
  /** Newest first; the newest ENTRIES_PER_FEED are written. */
  entries: readonly SiteEntry[];
}

const PLACEHOLDER_BASE = "https://til-site.invalid/";

/** `path` (relative to the root) as seen from the feed: absolute with a base URL, else relative to the feed's folder. */
function linkFrom(config: SiteConfig, spec: FeedSpec, path: string): string {
  if (config.baseUrl) return new URL(path, config.baseUrl).href;
  return `${rootPrefix(spec.dir.split("/").filter(Boolean).length)}${path}` || "./";
}

/** The note as HTML, its relative images and links pointing at the entry's folder as seen from the feed. */
function contentHtml(config: SiteConfig, spec: FeedSpec, entry: SiteEntry): string {
  const base = config.baseUrl ? new URL(entryDir(entry), config.baseUrl).href : PLACEHOLDER_BASE + entryDir(entry);
  let html = renderMarkdown(entry.note.body, { omitLeadingTitle: entry.note.title, baseUrl: base });
  if (!config.baseUrl) html = html.split(`"${PLACEHOLDER_BASE}`).join(`"${rootPrefix(spec.dir.split("/").filter(Boolean).length)}`);
  return html.trimEnd();
}

function newest(spec: FeedSpec): readonly SiteEntry[] {
  return spec.entries.slice(0, ENTRIES_PER_FEED);
}

/** The feed's updated time: the latest publishing time among its entries (a fixed epoch when empty, never the build time). */
function feedUpdated(spec: FeedSpec): string {
  let latest = "1970-01-01T00:00:00.000Z";
  // ISO 8601 UTC times order as text; Math.max would turn them into NaN
  for (const entry of spec.entries) if (entry.publishedAt > latest) latest = entry.publishedAt;
  return latest;
}

function feedId(config: SiteConfig, spec: FeedSpec): string {
  return `urn:til:${config.chainId}:${config.registry.toLowerCase()}:feed:${spec.dir || "/"}`;
}

export function atomFeed(config: SiteConfig, spec: FeedSpec): string {
  const lines = [
    '<?xml version="1.0" encoding="utf-8"?>',
    '<feed xmlns="http://www.w3.org/2005/Atom">',
    `<id>${escapeXml(feedId(config, spec))}</id>`,
    `<title>${escapeXml(spec.title)}</title>`,
    config.description ? `<subtitle>${escapeXml(config.description)}</subtitle>` : "",
    `<updated>${feedUpdated(spec)}</updated>`,
    `<link rel="self" type="application/atom+xml" href="${escapeXml(linkFrom(config, spec, `${spec.dir}atom.xml`))}"/>`,
    `<link rel="alternate" type="text/html" href="${escapeXml(linkFrom(config, spec, spec.page))}"/>`,
    `<generator>til site</generator>`,
  ];
  for (const entry of newest(spec)) {
    lines.push(
      "<entry>",
      `<id>${escapeXml(entryUrn(config, entry))}</id>`,
      `<title type="text">${escapeXml(entry.note.title || "(untitled)")}</title>`,
      `<published>${entry.publishedAt}</published>`,
      // No revisions exist yet: updated is the publishing time.
      `<updated>${entry.publishedAt}</updated>`,
      `<author><name>${escapeXml(authorName(config, entry.author))}</name><uri>${escapeXml(linkFrom(config, spec, `${authorDir(entry.author)}index.html`))}</uri></author>`,
      `<link rel="alternate" type="text/html" href="${escapeXml(linkFrom(config, spec, `${entryDir(entry)}index.html`))}"/>`,
      `<link rel="related" href="ipfs://${escapeXml(entry.cid)}/" title="CID ${escapeXml(entry.cid)}"/>`,
      ...entry.note.tags.map((tag) => `<category term="${escapeXml(tag)}"/>`),
      `<content type="html">${escapeXml(contentHtml(config, spec, entry))}</content>`,
      "</entry>",
    );
  }
  lines.push("</feed>", "");
  return lines.filter((line, i, all) => line !== "" || i === all.length - 1).join("\n");
}

/** JSON with keys in the order written here and no build-dependent values; `\u2028`/`\u2029` escaped for any JS consumer. */
function stableJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2)
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029")}\n`;
}

export function jsonFeed(config: SiteConfig, spec: FeedSpec): string {
  return stableJson({
    version: "https://jsonfeed.org/version/1.1",
    title: spec.title,
    home_page_url: linkFrom(config, spec, spec.page),
    feed_url: linkFrom(config, spec, `${spec.dir}feed.json`),
    ...(config.description ? { description: config.description } : {}),
    items: newest(spec).map((entry) => ({
      id: entryUrn(config, entry),
      url: linkFrom(config, spec, `${entryDir(entry)}index.html`),
      title: entry.note.title || "(untitled)",
      content_html: contentHtml(config, spec, entry),
      date_published: entry.publishedAt,
      // No revisions exist yet: date_modified is the publishing time.
      date_modified: entry.publishedAt,
      authors: [{ name: authorName(config, entry.author), url: linkFrom(config, spec, `${authorDir(entry.author)}index.html`) }],
      tags: [...entry.note.tags],
      _til: { cid: entry.cid, token_id: entry.tokenId.toString(), author: entry.author, chain_id: config.chainId, registry: config.registry },
    })),
  });
}

/** RFC 822 date, as RSS 2.0 wants: `Wed, 25 Nov 2026 20:01:09 GMT`. */
function rfc822(iso: string): string {
  return new Date(iso).toUTCString();
}

export function rssFeed(config: SiteConfig, spec: FeedSpec): string {
  const lines = [
    '<?xml version="1.0" encoding="utf-8"?>',
    '<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom">',
    "<channel>",
    `<title>${escapeXml(spec.title)}</title>`,
    `<link>${escapeXml(linkFrom(config, spec, spec.page))}</link>`,
    `<description>${escapeXml(config.description || spec.title)}</description>`,
    `<atom:link rel="self" type="application/rss+xml" href="${escapeXml(linkFrom(config, spec, `${spec.dir}rss.xml`))}"/>`,
    `<lastBuildDate>${rfc822(feedUpdated(spec))}</lastBuildDate>`,
  ];
  for (const entry of newest(spec)) {
    lines.push(
      "<item>",
      `<title>${escapeXml(entry.note.title || "(untitled)")}</title>`,
      `<link>${escapeXml(linkFrom(config, spec, `${entryDir(entry)}index.html`))}</link>`,
      `<guid isPermaLink="false">${escapeXml(entryUrn(config, entry))}</guid>`,
      `<pubDate>${rfc822(entry.publishedAt)}</pubDate>`,
      ...entry.note.tags.map((tag) => `<category>${escapeXml(tag)}</category>`),
      `<description>${escapeXml(contentHtml(config, spec, entry))}</description>`,
      "</item>",
    );
  }
  lines.push("</channel>", "</rss>", "");
  return lines.join("\n");
}

export function sitemap(baseUrl: string, paths: readonly string[]): string {
  const urls = paths.map((p) => `<url><loc>${escapeXml(new URL(p.replace(/index\.html$/, ""), baseUrl).href)}</loc></url>`);
  return ['<?xml version="1.0" encoding="utf-8"?>', '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">', ...urls, "</urlset>", ""].join("\n");
}

export { stableJson };
