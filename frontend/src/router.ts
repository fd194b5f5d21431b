/**
 * Hash routes (`#/`, `#/entry/<cid or token id>`, `#/write`, `#/settings`), so the built app works
 * from any sub-path, including `/ipfs/<cid>/` on a gateway.
 */
import { useSyncExternalStore } from "react";

export type Route =
  | { page: "feed"; tag?: string; author?: string; q?: string }
  | { page: "entry"; ref: string }
  | { page: "write" }
  | { page: "settings" }
  | { page: "not-found"; path: string };

export function parseRoute(hash: string): Route {
  const raw = hash.replace(/^#/, "") || "/";
  const [path, query = ""] = raw.split("?", 2);
  const params = new URLSearchParams(query);
  const parts = path.split("/").filter(Boolean).map(decodeURIComponent);
  if (parts.length === 0) {
    return { page: "feed", tag: params.get("tag") ?? undefined, author: params.get("author") ?? undefined, q: params.get("q") ?? undefined };
  }
  if (parts[0] === "entry" && parts.length === 2) return { page: "entry", ref: parts[1] };
  if (parts[0] === "write" && parts.length === 1) return { page: "write" };
  if (parts[0] === "settings" && parts.length === 1) return { page: "settings" };
  return { page: "not-found", path };
}

export function feedHref(filters: { tag?: string; author?: string; q?: string } = {}): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(filters)) if (value) params.set(key, value);
  const query = params.toString();
  return query ? `#/?${query}` : "#/";
}

export const entryHref = (ref: string): string => `#/entry/${encodeURIComponent(ref)}`;

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
