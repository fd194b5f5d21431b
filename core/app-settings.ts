/**
 * Settings a server hands to the web app at serve time, so one production build runs against any
 * stack: `npm start` builds the app once, without stack-specific values, and writes these into the
 * `index.html` it serves as a JSON data block (`<script type="application/json">`: data, never
 * executed, allowed by the app's `script-src 'self'`). The app reads them before its build-time
 * defaults and after nothing else: what the user saved under Settings still wins.
 *
 * Nothing secret belongs here (the page is readable by anyone who can load it): no API tokens.
 * Browser-safe.
 */

/** The fields a server may set; each one is validated again by the app like any other setting. */
export interface ServedAppSettings {
  chainId?: number;
  rpcUrl?: string;
  contractAddress?: string;
  deployBlock?: number;
  ipfsApiUrl?: string;
  gateways?: string[];
}

/** Id of the JSON data element in index.html. */
export const SERVED_SETTINGS_ELEMENT_ID = "til-served-settings";

/** The `<script type="application/json">` element carrying `settings`, safe to put in HTML. */
export function servedSettingsElement(settings: ServedAppSettings): string {
  // JSON.stringify escapes quotes and controls; `<` is escaped too so no `</script>` can end the element early.
  const json = JSON.stringify(settings)
    .replace(/</g, "\\u003c")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
  return `<script type="application/json" id="${SERVED_SETTINGS_ELEMENT_ID}">${json}</script>`;
}

/** `index.html` with the settings element placed first in its head. */
export function withServedSettings(indexHtml: string, settings: ServedAppSettings): string {
  const head = /<head(\s[^>]*)?>/i.exec(indexHtml);
  if (!head) throw new Error("index.html has no <head>: cannot hand the app its settings.");
  const at = head.index + head[0].length;
  return `${indexHtml.slice(0, at)}\n    ${servedSettingsElement(settings)}${indexHtml.slice(at)}`;
}

/**
 * Reads the element's text: only known fields of the right type are kept, anything else is
 * dropped (a page served by someone else may carry anything).
 */
export function parseServedSettings(text: string | null | undefined): ServedAppSettings {
  if (!text) return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return {};
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return {};
  const v = value as Record<string, unknown>;
  const out: ServedAppSettings = {};
  if (Number.isSafeInteger(v.chainId)) out.chainId = v.chainId as number;
  if (Number.isSafeInteger(v.deployBlock)) out.deployBlock = v.deployBlock as number;
  for (const key of ["rpcUrl", "contractAddress", "ipfsApiUrl"] as const) if (typeof v[key] === "string") out[key] = v[key] as string;
  if (Array.isArray(v.gateways) && v.gateways.every((g) => typeof g === "string")) out.gateways = v.gateways as string[];
  return out;
}
