/**
 * What may be packed as an image: the ONE place that decides it, used by packEntry (every entry,
 * from the CLI or the web app's editor) and by the importers when they read or fetch an image.
 * Browser-safe: bytes in, verdict out.
 *
 * - Raster images are recognised by their magic bytes only (the file name and any Content-Type
 *   are not trusted): PNG, JPEG, GIF, WebP, AVIF.
 * - SVG (an `<svg>` root after an optional XML declaration and comments, valid UTF-8) is
 *   REFUSED, not rewritten, when it holds anything that could run script or fetch something when
 *   the image is opened on the gateway's origin: a script element, an event handler attribute
 *   (`onload=`...), `foreignObject`, an HTML-namespace element, a `href`/`xlink:href` to anything
 *   but a local `#fragment` or a base64 `data:` raster image, a `src` attribute, an animation that
 *   sets a link, a stylesheet processing instruction, CSS `@import`, `url(...)` to anything but a
 *   `#fragment`, CSS escapes, or a DOCTYPE / entity declaration. The refusal names the reason.
 * - Everything else (HTML renamed .png, text, `.env`, an empty file) is refused.
 */
import { toBase64 } from "../bytes.ts";

/** Image types an entry may hold. */
export type ImageType = "png" | "jpeg" | "gif" | "webp" | "avif" | "svg";

/** MIME type and file extensions (the first is used when a name needs one) of each image type. */
const IMAGE_TYPES: Record<ImageType, { mime: string; extensions: readonly string[] }> = {
  png: { mime: "image/png", extensions: ["png"] },
  jpeg: { mime: "image/jpeg", extensions: ["jpg", "jpeg", "jpe"] },
  gif: { mime: "image/gif", extensions: ["gif"] },
  webp: { mime: "image/webp", extensions: ["webp"] },
  avif: { mime: "image/avif", extensions: ["avif"] },
  svg: { mime: "image/svg+xml", extensions: ["svg"] },
};

/**
 * An SVG image as a `data:` URL, for an `<img>` only: an image element never runs an SVG's script,
 * while a `blob:` URL shares the page's origin and would run it if opened in a tab.
 */
export function svgDataUrl(bytes: Uint8Array): string {
  return `data:${IMAGE_TYPES.svg.mime};base64,${toBase64(bytes)}`;
}

/** Why bytes are not packed as an image. */
type ImageRefusalCode = "empty" | "not-an-image" | "unsafe-svg";

export type ImageCheck = { ok: true; type: ImageType; mime: string } | { ok: false; code: ImageRefusalCode; reason: string };

const startsWith = (bytes: Uint8Array, signature: number[], offset = 0) => signature.every((byte, i) => bytes[offset + i] === byte);
const ascii = (bytes: Uint8Array, from: number, to: number) => String.fromCharCode(...bytes.subarray(from, to));

/** The raster type of `bytes` from its magic bytes, or undefined. */
function sniffRasterImage(bytes: Uint8Array): Exclude<ImageType, "svg"> | undefined {
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return "png";
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return "jpeg";
  if (bytes.length >= 6 && /^GIF8[79]a$/.test(ascii(bytes, 0, 6))) return "gif";
  if (bytes.length >= 12 && ascii(bytes, 0, 4) === "RIFF" && ascii(bytes, 8, 12) === "WEBP") return "webp";
  // ISO BMFF: [size]"ftyp"<major brand><minor version><compatible brands...>
  if (bytes.length >= 16 && ascii(bytes, 4, 8) === "ftyp") {
    const size = ((bytes[0] << 24) | (bytes[1] << 16) | (bytes[2] << 8) | bytes[3]) >>> 0;
    const end = Math.min(bytes.length, Math.max(16, size));
    const brands = [ascii(bytes, 8, 12)];
    for (let at = 16; at + 4 <= end; at += 4) brands.push(ascii(bytes, at, at + 4));
    if (brands.some((brand) => brand === "avif" || brand === "avis")) return "avif";
  }
  return undefined;
}

/**
 * Whether `bytes` may be packed as an image, and as what.
 * @example checkImage(pngBytes) // { ok: true, type: "png", mime: "image/png" }
 */
export function checkImage(bytes: Uint8Array): ImageCheck {
  if (bytes.byteLength === 0) return { ok: false, code: "empty", reason: "the file is empty" };
  const raster = sniffRasterImage(bytes);
  if (raster) return { ok: true, type: raster, mime: IMAGE_TYPES[raster].mime };
  const text = svgText(bytes);
  if (text === undefined)
    return { ok: false, code: "not-an-image", reason: "not a PNG, JPEG, GIF, WebP, AVIF or SVG image (checked by its content, not its name)" };
  const problem = unsafeSvgConstruct(text);
  if (problem)
    return {
      ok: false,
      code: "unsafe-svg",
      reason: `an SVG with ${problem} (SVGs with script, event handlers, foreignObject or external references are refused)`,
    };
  return { ok: true, type: "svg", mime: IMAGE_TYPES.svg.mime };
}

/** The SVG document's text when `bytes` is UTF-8 text whose root element is `<svg>`, else undefined. */
function svgText(bytes: Uint8Array): string | undefined {
  if (bytes.includes(0)) return undefined;
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
  let rest = text.replace(/^\uFEFF/, "");
  // Prolog: whitespace, the XML declaration and processing instructions, comments, a DOCTYPE
  // (the last two kinds are refused later, but the file is still an SVG).
  for (;;) {
    rest = rest.replace(/^\s+/, "");
    const prolog = /^(?:<\?[\s\S]*?\?>|<!--[\s\S]*?-->|<!DOCTYPE[^>[]*(?:\[[^\]]*\])?[^>]*>)/i.exec(rest);
    if (!prolog) break;
    rest = rest.slice(prolog[0].length);
  }
  return /^<svg[\s>/]/.test(rest) ? text : undefined;
}

const PREFIX = "(?:[\\w.-]+:)?";

/** The first construct that makes an SVG unsafe to serve, described, or undefined. */
export function unsafeSvgConstruct(svg: string): string | undefined {
  if (/<!DOCTYPE|<!ENTITY/i.test(svg)) return "a DOCTYPE or entity declaration";
  if (/<\?xml-stylesheet/i.test(svg)) return "an external stylesheet";
  if (new RegExp(`<${PREFIX}script[\\s>/]`, "i").test(svg)) return "a script element";
  if (new RegExp(`<${PREFIX}foreignObject[\\s>/]`, "i").test(svg)) return "a foreignObject element";
  if (/http:\/\/www\.w3\.org\/1999\/xhtml/i.test(svg)) return "HTML elements";
  const handler = new RegExp(`[\\s"'/]${PREFIX}(on[a-z]+)\\s*=`, "i").exec(svg);
  if (handler) return `an event handler attribute (${handler[1]})`;
  if (new RegExp(`attributeName\\s*=\\s*["']\\s*${PREFIX}href`, "i").test(svg)) return "an animation that changes a link";
  if (new RegExp(`[\\s"'/]${PREFIX}src\\s*=`, "i").test(svg)) return "a src attribute";
  for (const match of svg.matchAll(new RegExp(`[\\s"'/]${PREFIX}href\\s*=\\s*(?:"([^"]*)"|'([^']*)'|([^\\s>]*))`, "gi"))) {
    const value = (match[1] ?? match[2] ?? match[3] ?? "").trim();
    if (!value.startsWith("#") && !/^data:image\/(?:png|jpeg|gif|webp|avif);base64,[A-Za-z0-9+/=\s]*$/i.test(value))
      return `an external reference (href="${value.slice(0, 60)}")`;
  }
  // CSS, anywhere: no @import, no url() but url(#id); in <style> elements and style="" attributes
  // no escapes (which could spell either). Every scan here is linear in the size of the SVG.
  if (/@import/i.test(svg)) return "a CSS @import";
  for (const match of svg.matchAll(/url\s*\(\s*["']?\s*(.?)/gi)) {
    if (match[1] !== "#") return `an external reference (${svg.slice(match.index, match.index + 60)})`;
  }
  if (styleTexts(svg).some((css) => css.includes("\\"))) return "CSS escapes";
  return undefined;
}

/** The text of every `<style>` element and `style="..."` attribute, in one pass each (linear). */
function styleTexts(svg: string): string[] {
  const out: string[] = [];
  const open = /<(?:[\w.-]+:)?style[\s>]/gi;
  const close = /<\/(?:[\w.-]+:)?style\s*>/gi;
  for (let match = open.exec(svg); match; match = open.exec(svg)) {
    close.lastIndex = open.lastIndex;
    const end = close.exec(svg);
    out.push(svg.slice(open.lastIndex, end ? end.index : svg.length));
    if (!end) break;
    open.lastIndex = close.lastIndex;
  }
  for (const match of svg.matchAll(/style\s*=\s*(?:"([^"]*)"|'([^']*)')/gi)) out.push(match[1] ?? match[2] ?? "");
  return out;
}

/**
 * A file name whose extension matches the image's type: kept when it already does, the wrong
 * image extension replaced, any other extension kept and the right one appended.
 * @example nameForImageType("photo.gif", "png") // "photo.png"
 */
export function nameForImageType(name: string, type: ImageType): string {
  const dot = name.lastIndexOf(".");
  const extension = dot > 0 ? name.slice(dot + 1).toLowerCase() : "";
  if (IMAGE_TYPES[type].extensions.includes(extension)) return name;
  const isImageExtension = Object.values(IMAGE_TYPES).some((info) => info.extensions.includes(extension));
  return `${isImageExtension ? name.slice(0, dot) : name}.${IMAGE_TYPES[type].extensions[0]}`;
}
