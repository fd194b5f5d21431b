/**
 * The static site of a registry's entries, as a list of files: pages, feeds, search index, images.
 * Pure and browser-safe: the same entries and settings give the same files, byte for byte, in the
 * same order (no build time anywhere; sorted lists; JSON keys in a fixed order).
 */
import { atomFeed, jsonFeed, rssFeed, sitemap, stableJson, type FeedSpec } from "./feeds.ts";
import { authorDir, compareNewestFirst, ENTRIES_PER_PAGE, entryDir, type SiteConfig, type SiteEntry, type SiteFile } from "./model.ts";
import {
  aboutPage,
  authorPage,
  authorsIndexPage,
  entryPage,
  excerpt,
  groupByTag,
  indexPage,
  SEARCH_JS,
  searchPage,
  STYLE_CSS,
  tagPage,
  tagsIndexPage,
} from "./pages.ts";
import { isSafeRelativePath, tagSlug } from "./text.ts";

export * from "./model.ts";
export { ensContenthash, cidFromEnsContenthash } from "./contenthash.ts";
export { tagSlug, escapeXml, isSafeRelativePath } from "./text.ts";

/**
 * Builds every file of the site.
 * @returns files sorted by path; without `config.baseUrl` there is no sitemap.xml (it needs absolute URLs)
 */
export function buildSite(input: readonly SiteEntry[], config: SiteConfig): SiteFile[] {
  const entries = [...input].sort(compareNewestFirst);
  const files = new Map<string, string | Uint8Array>();
  const feeds = (spec: FeedSpec) => {
    files.set(`${spec.dir}atom.xml`, atomFeed(config, spec));
    files.set(`${spec.dir}feed.json`, jsonFeed(config, spec));
    files.set(`${spec.dir}rss.xml`, rssFeed(config, spec));
  };

  const pages = Math.max(1, Math.ceil(entries.length / ENTRIES_PER_PAGE));
  for (let page = 1; page <= pages; page++) {
    const slice = entries.slice((page - 1) * ENTRIES_PER_PAGE, page * ENTRIES_PER_PAGE);
    files.set(page === 1 ? "index.html" : `page/${page}/index.html`, indexPage(config, slice, page, pages));
  }
  feeds({ dir: "", title: config.title, page: "index.html", entries });

  const tags = groupByTag(entries);
  for (const { tag, entries: tagged } of tags) {
    const dir = `tags/${tagSlug(tag)}/`;
    files.set(`${dir}index.html`, tagPage(config, tag, tagged));
    feeds({ dir, title: `${config.title}: ${tag}`, page: `${dir}index.html`, entries: tagged });
  }
  files.set(
    "tags/index.html",
    tagsIndexPage(
      config,
      tags.map(({ tag, entries: e }) => ({ tag, count: e.length })),
    ),
  );

  const byAuthor = new Map<string, SiteEntry[]>();
  for (const entry of entries) {
    const key = entry.author.toLowerCase();
    byAuthor.set(key, [...(byAuthor.get(key) ?? []), entry]);
  }
  const authors = [...byAuthor.keys()].sort();
  for (const author of authors) {
    const written = byAuthor.get(author)!;
    const shown = written[0].author;
    files.set(`${authorDir(author)}index.html`, authorPage(config, shown, written));
    feeds({
      dir: authorDir(author),
      title: `${config.title}: ${config.authorNames[author] ?? shown}`,
      page: `${authorDir(author)}index.html`,
      entries: written,
    });
  }
  files.set(
    "authors/index.html",
    authorsIndexPage(
      config,
      authors.map((a) => ({ author: byAuthor.get(a)![0].author, count: byAuthor.get(a)!.length })),
    ),
  );

  for (const entry of entries) {
    files.set(`${entryDir(entry)}index.html`, entryPage(config, entry));
    for (const image of entry.images) {
      if (isSafeRelativePath(image.path) && image.path.startsWith("images/")) files.set(`${entryDir(entry)}${image.path}`, image.bytes);
    }
  }

  files.set("about/index.html", aboutPage(config, entries));
  files.set("search/index.html", searchPage(config, entries));
  files.set("search.js", SEARCH_JS);
  files.set("style.css", STYLE_CSS);
  files.set(
    "search-index.json",
    stableJson({
      entries: entries.map((e) => ({
        url: `${entryDir(e)}index.html`,
        title: e.note.title,
        date: e.note.date ?? null,
        tags: [...e.note.tags],
        excerpt: excerpt(e),
        cid: e.cid,
        token_id: e.tokenId.toString(),
      })),
    }),
  );
  if (config.baseUrl) {
    const htmlPaths = [...files.keys()].filter((p) => p.endsWith(".html")).sort();
    files.set("sitemap.xml", sitemap(config.baseUrl, htmlPaths));
  }

  const encoder = new TextEncoder();
  return [...files.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([path, content]) => ({ path, bytes: typeof content === "string" ? encoder.encode(content) : content }));
}
