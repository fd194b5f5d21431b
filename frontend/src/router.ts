/**
 * Hash routes (`#/`, `#/entry/<cid or token id>`, `#/author/<address>`, `#/tag/<tag>`, `#/write`,
 * `#/edit/<token id>` (a revision of an entry), `#/note/<author>/<noteKey>` (a note's latest
 * version, as entries' metadata `external_url` links it), `#/settings`), so the built app works
 * from any sub-path, including `/ipfs/<cid>/` on a gateway.
 * Lists take `?sort=published` (publishing order; the default is the notes' own dates) and `?q=`.
 */
import { useSyncExternalStore } from "react";

/** How lists are ordered: by the note's own date (default) or by publishing time on chain. */
export type FeedSort = "date" | "published";

export interface ListQuery {
  q?: string;
  sort: FeedSort;
}

export type Route =
  | ({ page: "feed"; tag?: string; author?: string } & ListQuery)
  | ({ page: "author"; author: string } & ListQuery)
  | ({ page: "tag"; tag: string } & ListQuery)
  | { page: "entry"; ref: string }
  | { page: "write" }
  | { page: "edit"; tokenId: string }
  | { page: "note"; author: string; noteKey: string }
  | { page: "settings" }
  | { page: "not-found"; path: string };

export function parseRoute(hash: string): Route {
  const raw = hash.replace(/^#/, "") || "/";
  const [path, query = ""] = raw.split("?", 2);
  const params = new URLSearchParams(query);
  let parts: string[];
  try {
    parts = path.split("/").filter(Boolean).map(decodeURIComponent);
  } catch {
    return { page: "not-found", path };
  }
  const list: ListQuery = { q: params.get("q") ?? undefined, sort: params.get("sort") === "published" ? "published" : "date" };
  if (parts.length === 0) {
    return { page: "feed", tag: params.get("tag") ?? undefined, author: params.get("author") ?? undefined, ...list };
  }
  if (parts[0] === "entry" && parts.length === 2) return { page: "entry", ref: parts[1] };
  if (parts[0] === "author" && parts.length === 2) return { page: "author", author: parts[1], ...list };
  if (parts[0] === "tag" && parts.length === 2) return { page: "tag", tag: parts[1], ...list };
  if (parts[0] === "write" && parts.length === 1) return { page: "write" };
  if (parts[0] === "edit" && parts.length === 2) return { page: "edit", tokenId: parts[1] };
  if (parts[0] === "note" && parts.length === 3) return { page: "note", author: parts[1], noteKey: parts[2] };
  if (parts[0] === "settings" && parts.length === 1) return { page: "settings" };
  return { page: "not-found", path };
}

function withQuery(path: string, filters: Record<string, string | undefined>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(filters)) if (value && !(key === "sort" && value === "date")) params.set(key, value);
  const query = params.toString();
  return query ? `${path}?${query}` : path;
}

export function feedHref(filters: { tag?: string; author?: string; q?: string; sort?: FeedSort } = {}): string {
  return withQuery("#/", filters);
}

/** An author's page: their entries, how many, their tags. */
export const authorHref = (address: string, query: { q?: string; sort?: FeedSort } = {}): string => withQuery(`#/author/${encodeURIComponent(address)}`, query);

/** A tag's page: every entry with that tag. */
export const tagHref = (tag: string, query: { q?: string; sort?: FeedSort } = {}): string => withQuery(`#/tag/${encodeURIComponent(tag)}`, query);

/** The same list page with another query (search text, order). */
export function listHref(route: Route, query: { q?: string; sort?: FeedSort }): string {
  if (route.page === "author") return authorHref(route.author, query);
  if (route.page === "tag") return tagHref(route.tag, query);
  if (route.page === "feed") return feedHref({ tag: route.tag, author: route.author, ...query });
  return feedHref(query);
}

export const entryHref = (ref: string): string => `#/entry/${encodeURIComponent(ref)}`;

/** The editor, opened on the latest version of token `tokenId`, to publish a revision. */
export const editHref = (tokenId: bigint | string): string => `#/edit/${encodeURIComponent(String(tokenId))}`;

const subscribe = (listener: () => void) => {
  window.addEventListener("hashchange", listener);
  return () => window.removeEventListener("hashchange", listener);
};

export function useRoute(): Route {
  const hash = useSyncExternalStore(subscribe, () => window.location.hash);
  return parseRoute(hash);
}

export function navigate(href: string, replace = false): void {
  if (replace) window.history.replaceState(null, "", href);
  else window.location.hash = href.replace(/^#/, "");
  if (replace) window.dispatchEvent(new HashChangeEvent("hashchange"));
}
