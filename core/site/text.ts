/**
 * Escaping and naming for the static site: everything here comes from strangers' entries, so text
 * is escaped for HTML and for XML (feeds), and tags become file names that cannot climb out of
 * their folder or collide.
 */
import { escapeHtml as escapeMarkup } from "../entry/page.ts";

/** Text as HTML element content or a double-quoted attribute, control characters (NUL included) as U+FFFD. */
export function escapeHtml(text: string): string {
  return escapeMarkup(xmlChars(text));
}

/**
 * Text as XML 1.0 character data or a double-quoted attribute value: markup characters as
 * references (so `]]>` and `<script>` stay text) and the characters XML 1.0 forbids even as
 * references (C0 controls but tab/newline/return, lone surrogates, U+FFFE/U+FFFF) as U+FFFD.
 */
export function escapeXml(text: string): string {
  return xmlChars(text).replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

/** `text` with every character XML 1.0 cannot carry replaced by U+FFFD. */
export function xmlChars(text: string): string {
  return text.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, "\ufffd");
}

/** 64-bit FNV-1a of the UTF-8 bytes of `text`, as 16 hex digits: a stable, browser-safe name suffix (not a security hash). */
function fnv1a64(text: string): string {
  let hash = 0xcbf29ce484222325n;
  for (const byte of new TextEncoder().encode(text)) {
    hash ^= BigInt(byte);
    hash = (hash * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return hash.toString(16).padStart(16, "0");
}

/** The key tags are grouped by: tags match in any case (as `til ls --tag`). */
export function tagKey(tag: string): string {
  return tag.normalize("NFC").toLowerCase();
}

/**
 * A tag's folder name: ASCII letters and digits of the tag (at most 40, else "tag") and a hash of
 * the whole tag, so `c++` and `c#` differ, and `..`, `/`, NUL or a 10,000-character tag give a
 * plain name. @example tagSlug("Databases") // "databases-<16 hex digits>"
 */
export function tagSlug(tag: string): string {
  const key = tagKey(tag);
  const base = key
    .normalize("NFKD")
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 40)
    .replace(/-+$/, "");
  return `${base || "tag"}-${fnv1a64(key)}`;
}

/** `../` repeated for a page `depth` folders below the site's root ("" at the root). */
export function rootPrefix(depth: number): string {
  return "../".repeat(depth);
}

/** Whether `path` (from an entry's file list) is a plain relative path safe to write under a folder. */
export function isSafeRelativePath(path: string): boolean {
  if (path.length === 0 || path.length > 255 || path.startsWith("/")) return false;
  return path
    .split("/")
    .every((segment) => segment !== "" && segment !== "." && segment !== ".." && /^[A-Za-z0-9._-]+$/.test(segment) && !segment.startsWith("."));
}
