/**
 * Checks a built static site the way a reader's tools would: every feed parsed by a feed reader
 * library (@rowanmanning/feed-parser for Atom and RSS), JSON Feed validated against a JSON Schema
 * of version 1.1 (written here from the spec, https://www.jsonfeed.org/version/1.1/) with ajv,
 * Atom checked for the elements RFC 4287 requires with an XML parser, and every page's links
 * crawled to files on disk. Also the fixtures the site tests share: authors, CIDs and the files one
 * new entry rewrites.
 */
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { parseFeed } from "@rowanmanning/feed-parser";
import { Ajv } from "ajv";
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { tagSlug } from "#core/site/index.ts";

/** Authors of the site tests' entries in memory (addresses only: nothing signs as them). */
export const SITE_ALICE = "0x70997970C51812dc3A04C810ca0aD2D6E1EB61b1";
export const SITE_BOB = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";
/** CIDs the site tests' entries in memory claim (the site only prints and links them). */
export const SITE_CIDS = [
  "bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi",
  "bafybeihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku",
  "bafybeie5gq4jxvzmsym6hjlwxej4rwdoxt7wadqvmmwbqi7r27fclha2va",
  "bafybeibml5uieyxa5tufngvg7fgwbkwvlsuntwbxgtskoqynbt7wlchmfm",
] as const;

/**
 * The files a new entry by `author` tagged `tag` rewrites besides its own page, sorted: the index,
 * author and tag pages and feeds that list it, the author and tag indexes, about and search.
 */
export function filesListingNewEntry(author: string, tag: string): string[] {
  const listings = ["", `authors/${author.toLowerCase()}/`, `tags/${tagSlug(tag)}/`];
  const perListing = ["atom.xml", "feed.json", "index.html", "rss.xml"];
  return [
    ...listings.flatMap((dir) => perListing.map((name) => `${dir}${name}`)),
    "about/index.html",
    "authors/index.html",
    "search-index.json",
    "search/index.html",
    "tags/index.html",
  ].sort();
}

/** JSON Feed 1.1: the top-level object, items, authors and attachments as the spec describes them. */
export const JSON_FEED_1_1_SCHEMA = {
  $id: "urn:til:test:json-feed-1.1",
  type: "object",
  required: ["version", "title", "items"],
  properties: {
    version: { const: "https://jsonfeed.org/version/1.1" },
    title: { type: "string" },
    home_page_url: { type: "string" },
    feed_url: { type: "string" },
    description: { type: "string" },
    user_comment: { type: "string" },
    next_url: { type: "string" },
    icon: { type: "string" },
    favicon: { type: "string" },
    language: { type: "string" },
    expired: { type: "boolean" },
    authors: { type: "array", items: { $ref: "#/$defs/author" } },
    hubs: { type: "array", items: { type: "object", required: ["type", "url"], properties: { type: { type: "string" }, url: { type: "string" } } } },
    items: { type: "array", items: { $ref: "#/$defs/item" } },
  },
  patternProperties: { "^_": {} },
  additionalProperties: false,
  $defs: {
    author: {
      type: "object",
      minProperties: 1,
      properties: { name: { type: "string" }, url: { type: "string" }, avatar: { type: "string" } },
      patternProperties: { "^_": {} },
      additionalProperties: false,
    },
    item: {
      type: "object",
      required: ["id"],
      anyOf: [{ required: ["content_html"] }, { required: ["content_text"] }],
      properties: {
        id: { type: "string", minLength: 1 },
        url: { type: "string" },
        external_url: { type: "string" },
        title: { type: "string" },
        content_html: { type: "string" },
        content_text: { type: "string" },
        summary: { type: "string" },
        image: { type: "string" },
        banner_image: { type: "string" },
        date_published: { type: "string", format: "date-time" },
        date_modified: { type: "string", format: "date-time" },
        authors: { type: "array", items: { $ref: "#/$defs/author" } },
        tags: { type: "array", items: { type: "string" } },
        language: { type: "string" },
        attachments: {
          type: "array",
          items: {
            type: "object",
            required: ["url", "mime_type"],
            properties: {
              url: { type: "string" },
              mime_type: { type: "string" },
              title: { type: "string" },
              size_in_bytes: { type: "number" },
              duration_in_seconds: { type: "number" },
            },
          },
        },
      },
      patternProperties: { "^_": {} },
      additionalProperties: false,
    },
  },
} as const;

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const ajv = new Ajv({ allErrors: true, formats: { "date-time": RFC3339 } });
const validateJsonFeed = ajv.compile(JSON_FEED_1_1_SCHEMA);

export interface ExpectedItem {
  id: string;
  title: string;
  published: string;
  /** Text the content must contain (HTML as a reader decodes it). */
  contentIncludes?: string;
}

function asArray<T>(value: T | T[] | undefined): T[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

/** JSON Feed: valid per the schema, and every expected item with its id, dates and content. */
export function checkJsonFeed(text: string, expected: readonly ExpectedItem[]): void {
  const data: unknown = JSON.parse(text);
  assert.ok(validateJsonFeed(data), `JSON Feed 1.1 schema: ${ajv.errorsText(validateJsonFeed.errors)}`);
  const feed = data as { items: { id: string; title: string; date_published: string; date_modified: string; content_html: string }[] };
  assert.deepEqual(
    feed.items.map((i) => i.id),
    expected.map((e) => e.id),
  );
  for (const [i, item] of feed.items.entries()) {
    assert.equal(item.title, expected[i].title);
    assert.equal(item.date_published, expected[i].published);
    assert.equal(item.date_modified, expected[i].published);
    if (expected[i].contentIncludes) assert.ok(item.content_html.includes(expected[i].contentIncludes!), `content of ${item.id}`);
  }
}

/** A parsed XML element as fast-xml-parser gives it: its shape is what the checks assert. */
// biome-ignore lint/suspicious/noExplicitAny: parsed XML has no static shape; the assertions below are its type check
type Xml = any;

/** Atom: well-formed XML, RFC 4287's required elements (feed id/title/updated, an author for each entry, entry id/title/updated, one alternate link or content), parsed by a feed reader library with the expected entries. */
export function checkAtomFeed(text: string, expected: readonly ExpectedItem[]): void {
  assert.equal(XMLValidator.validate(text), true, "Atom is well-formed XML");
  const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "@" }).parse(text) as Record<string, Xml>;
  const feed = doc.feed;
  assert.equal(feed["@xmlns"], "http://www.w3.org/2005/Atom");
  for (const name of ["id", "title", "updated"]) assert.ok(feed[name] !== undefined, `atom:feed has atom:${name}`);
  assert.match(String(feed.updated), RFC3339);
  assert.ok(
    asArray(feed.link).some((l: Xml) => l["@rel"] === "self"),
    "atom:feed has a self link",
  );
  const entries = asArray(feed.entry);
  for (const entry of entries) {
    for (const name of ["id", "title", "updated", "published", "author", "content"]) assert.ok(entry[name] !== undefined, `atom:entry has atom:${name}`);
    assert.match(String(entry.updated), RFC3339);
    assert.ok(entry.author.name !== undefined, "atom:author has atom:name");
    assert.equal(asArray(entry.link).filter((l: Xml) => l["@rel"] === "alternate").length, 1, "one alternate link per entry");
    assert.equal(entry.content["@type"], "html");
  }
  for (const [item, want] of parsedItems(text, expected)) {
    assert.equal(item.published?.toISOString(), want.published);
    assert.equal(item.updated?.toISOString(), want.published);
    if (want.contentIncludes) assert.ok(item.content?.includes(want.contentIncludes), `content of ${item.id}: ${item.content}`);
  }
}

/** RSS 2.0: well-formed, channel title/link/description, and the feed reader library finds the expected items by guid. */
export function checkRssFeed(text: string, expected: readonly ExpectedItem[]): void {
  assert.equal(XMLValidator.validate(text), true, "RSS is well-formed XML");
  const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "@" }).parse(text) as Record<string, Xml>;
  assert.equal(doc.rss["@version"], "2.0");
  for (const name of ["title", "link", "description"]) assert.ok(doc.rss.channel[name] !== undefined, `channel has ${name}`);
  for (const [item, want] of parsedItems(text, expected)) {
    assert.equal(item.published?.getTime(), Math.floor(Date.parse(want.published) / 1000) * 1000);
    if (want.contentIncludes)
      assert.ok(item.description?.includes(want.contentIncludes) || item.content?.includes(want.contentIncludes), `content of ${item.id}`);
  }
}

type ParsedItem = ReturnType<typeof parseFeed>["items"][number];

/** The feed reader library's items of an Atom or RSS feed, checked for the expected ids in order and titles, each paired with what was expected of it. */
function parsedItems(text: string, expected: readonly ExpectedItem[]): [ParsedItem, ExpectedItem][] {
  const items = parseFeed(text).items;
  assert.deepEqual(
    items.map((i) => i.id),
    expected.map((e) => e.id),
  );
  for (const [i, item] of items.entries()) assert.equal(item.title, expected[i].title);
  return items.map((item, i) => [item, expected[i]]);
}

export function siteFiles(root: string, dir = ""): string[] {
  const out: string[] = [];
  for (const name of readdirSync(path.join(root, dir)).sort()) {
    const rel = dir ? `${dir}/${name}` : name;
    if (statSync(path.join(root, rel)).isDirectory()) out.push(...siteFiles(root, rel));
    else out.push(rel);
  }
  return out;
}

/** Links a page may have that leave the site: the gateway and verification links. */
const EXTERNAL_ALLOWED = /^https:\/\/[a-z0-9]+\.ipfs\.dweb\.link\/$/;

/**
 * Crawls every `href` and `src` of every page: each is relative (no `/…`, no scheme but the
 * gateway links) and names a file on disk. Returns the number of links checked.
 */
export function checkLinks(root: string, allowExternal: (url: string) => boolean = (url) => EXTERNAL_ALLOWED.test(url)): number {
  let checked = 0;
  for (const page of siteFiles(root).filter((f) => f.endsWith(".html"))) {
    const html = readFileSync(path.join(root, page), "utf8");
    for (const match of html.matchAll(/\s(?:href|src)="([^"]*)"/g)) {
      const url = match[1].replace(/&#(\d+);/g, (_, code) => String.fromCharCode(Number(code))).replace(/&amp;/g, "&");
      checked += 1;
      if (/^[a-z][a-z0-9+.-]*:/i.test(url) || url.startsWith("//")) {
        assert.ok(allowExternal(url), `${page}: external link ${url}`);
        continue;
      }
      assert.ok(!url.startsWith("/"), `${page}: absolute path ${url}`);
      const target = path.join(root, path.dirname(page), decodeURIComponent(url.split("#")[0].split("?")[0]));
      assert.ok(target.startsWith(root), `${page}: ${url} leaves the site`);
      assert.ok(existsSync(target) && statSync(target).isFile(), `${page}: broken link ${url}`);
    }
  }
  return checked;
}

/** The only script anywhere: `<script src="…search.js">` on the search page. */
export function checkScripts(root: string): void {
  for (const page of siteFiles(root).filter((f) => f.endsWith(".html"))) {
    const html = readFileSync(path.join(root, page), "utf8");
    const scripts = [...html.matchAll(/<script\b[^>]*>/gi)].map((m) => m[0]);
    for (const tag of scripts) assert.match(tag, /^<script src="(\.\.\/)*search\.js" defer>$/, `${page}: ${tag}`);
    assert.doesNotMatch(html, /\son[a-z]+\s*=/i, `${page} has an event handler attribute`);
    assert.doesNotMatch(html, /javascript:/i, `${page} has a javascript: URL`);
  }
}
