/**
 * Content-Type of a gateway file response: from the file's own name in the content path, else
 * sniffed from its first bytes. Only a name can make a file a document that may run script (HTML,
 * SVG, XML): sniffing never answers such a type, and `?filename=` names a download without
 * changing the type (see server.ts).
 */

const BY_EXTENSION: Record<string, string> = {
  html: "text/html; charset=utf-8",
  htm: "text/html; charset=utf-8",
  css: "text/css; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  mjs: "text/javascript; charset=utf-8",
  json: "application/json",
  md: "text/markdown; charset=utf-8",
  markdown: "text/markdown; charset=utf-8",
  txt: "text/plain; charset=utf-8",
  xml: "application/xml",
  svg: "image/svg+xml",
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  gif: "image/gif",
  webp: "image/webp",
  avif: "image/avif",
  ico: "image/vnd.microsoft.icon",
  wasm: "application/wasm",
  pdf: "application/pdf",
  car: "application/vnd.ipld.car",
  mp4: "video/mp4",
  webm: "video/webm",
  mp3: "audio/mpeg",
  woff: "font/woff",
  woff2: "font/woff2",
  zip: "application/zip",
};

export function contentTypeFromName(name: string | undefined): string | undefined {
  const match = /\.([A-Za-z0-9]+)$/.exec(name ?? "");
  return match ? BY_EXTENSION[match[1].toLowerCase()] : undefined;
}

/**
 * Types a browser renders as a document able to run script. A file gets one only from its own
 * name, and `?filename=` with such a name makes the response an attachment.
 */
export function isActiveContentType(contentType: string | undefined): boolean {
  return contentType !== undefined && /^(text\/html|image\/svg\+xml|application\/xml|text\/xml|application\/xhtml\+xml)\b/.test(contentType);
}

/**
 * A small subset of the WHATWG MIME sniffing rules (what Go's http.DetectContentType does), except
 * that markup is plain text here: sniffing never answers a type that runs script (a file of HTML
 * without extension, or named like an image, is shown as text or not at all, never run).
 */
export function sniffContentType(head: Uint8Array): string {
  const startsWith = (...bytes: number[]) => bytes.every((byte, i) => head[i] === byte);
  if (startsWith(0x89, 0x50, 0x4e, 0x47)) return "image/png";
  if (startsWith(0xff, 0xd8, 0xff)) return "image/jpeg";
  if (startsWith(0x47, 0x49, 0x46, 0x38)) return "image/gif";
  if (startsWith(0x25, 0x50, 0x44, 0x46, 0x2d)) return "application/pdf";
  if (startsWith(0x52, 0x49, 0x46, 0x46) && head[8] === 0x57 && head[9] === 0x45) return "image/webp";
  if (startsWith(0x00, 0x61, 0x73, 0x6d)) return "application/wasm";
  if (startsWith(0x1f, 0x8b, 0x08)) return "application/x-gzip";
  const sample = head.subarray(0, 512);
  for (const byte of sample) {
    if (byte <= 0x08 || byte === 0x0b || (byte >= 0x0e && byte <= 0x1a) || (byte >= 0x1c && byte <= 0x1f)) return "application/octet-stream";
  }
  return "text/plain; charset=utf-8";
}
