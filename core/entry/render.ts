/**
 * The ONE markdown renderer of the project: the entry's static index.html and the web app both use
 * it, so a note reads the same everywhere. Safe for untrusted markdown:
 * - raw HTML is limited to what GitHub renders in a README (images with width/height/align,
 *   details/summary, kbd, sup/sub, br, tables, links, ...): a note that holds raw HTML is rendered,
 *   then passed through an allowlist sanitizer (sanitize-html, no DOM needed) that drops every
 *   other tag and attribute: script, style and style attributes (but a table cell's text-align),
 *   event handlers, forms, frames, objects, SVG, meta, base; a note without raw HTML is rendered
 *   by markdown-it alone, so its HTML does not change;
 * - link URLs must be http(s), mailto, ipfs, ipns, a fragment or a relative path;
 * - image URLs must be http(s), ipfs, or a relative path inside the entry directory (no `..`,
 *   not absolute); `javascript:`, `data:`, `vbscript:`, `file:` and the like are refused, and the
 *   markdown is then shown as plain text;
 * - every link gets `rel="noopener noreferrer"`;
 * - raw HTML's links and images follow the same URL rules as markdown's.
 */
import MarkdownIt, { type MarkdownIt as Markdown, type Token } from "markdown-it";
import sanitizeHtml from "sanitize-html";

export interface RenderOptions {
  /**
   * Absolute URL that relative links and images are resolved against (the web app passes
   * `https://<gateway>/ipfs/<cid>/`); relative URLs are kept as written when absent.
   */
  baseUrl?: string;
  /** Leave out a leading `# H1` whose text equals this title (the page shows the title itself). */
  omitLeadingTitle?: string;
}

const LINK_SCHEMES = new Set(["http", "https", "mailto", "ipfs", "ipns"]);
const IMAGE_SCHEMES = new Set(["http", "https", "ipfs"]);

/** The URL's scheme in lower case ("" for a relative URL), ignoring the control characters and spaces browsers ignore. */
function schemeOf(url: string): string {
  const compact = url.replace(/[\u0000-\u0020\u007f-\u009f]/g, "");
  const match = /^([a-z][a-z0-9+.-]*):/i.exec(compact);
  return match ? match[1].toLowerCase() : "";
}

/** Whether `url` may be the target of a link in rendered notes. */
export function isSafeLinkUrl(url: string): boolean {
  const scheme = schemeOf(url);
  return scheme === "" ? !/^[\u0000-\u0020]*\\/.test(url) : LINK_SCHEMES.has(scheme);
}

/** Whether `url` may be the source of an image in rendered notes. */
export function isSafeImageUrl(url: string): boolean {
  const scheme = schemeOf(url);
  if (scheme !== "") return IMAGE_SCHEMES.has(scheme);
  const path = url.trim();
  if (path === "" || path.startsWith("/") || path.startsWith("\\")) return false;
  return !path.split(/[/\\]/).some((segment) => segment === ".." || /^%2e%2e$/i.test(segment) || /^\.%2e$|^%2e\.$/i.test(segment));
}

function createRenderer(): Markdown {
  const md = new MarkdownIt({ html: true, linkify: true, typographer: false, breaks: false, xhtmlOut: false });
  // Both links and images pass here; images are checked again, more strictly, below.
  md.validateLink = (url: string) => isSafeLinkUrl(url) || isSafeImageUrl(url);
  md.core.ruler.push("til_safe_urls", (state) => {
    const env = state.env as { baseUrl?: string };
    const visit = (tokens: Token[]) => {
      for (const token of tokens) {
        if (token.type === "link_open") {
          const href = String(token.attrGet("href") ?? "");
          if (!isSafeLinkUrl(href)) token.attrSet("href", "#");
          else if (env.baseUrl) token.attrSet("href", resolveUrl(href, env.baseUrl));
          token.attrSet("rel", "noopener noreferrer");
        } else if (token.type === "image") {
          const src = String(token.attrGet("src") ?? "");
          if (!isSafeImageUrl(src)) {
            // Keep the alt text visible instead of a broken or dangerous image.
            token.type = "text";
            token.tag = "";
            token.content = `[image: ${token.children?.map((child) => child.content).join("") ?? ""}]`;
            token.attrs = null;
            token.children = null;
          } else {
            if (env.baseUrl) token.attrSet("src", resolveUrl(src, env.baseUrl));
            token.attrSet("loading", "lazy");
          }
        }
        if (token.children) visit(token.children);
      }
    };
    visit(state.tokens);
    return true;
  });
  return md;
}

const ALIGN = ["left", "right", "center"];
const TEXT_ALIGN = { "text-align": [/^(?:left|right|center)$/] };

/** The HTML GitHub renders in markdown, and what markdown-it itself produces; nothing else. */
function sanitizerOptions(baseUrl: string | undefined): sanitizeHtml.IOptions {
  return {
    allowedTags: [
      "h1",
      "h2",
      "h3",
      "h4",
      "h5",
      "h6",
      "p",
      "br",
      "hr",
      "div",
      "span",
      "a",
      "img",
      "picture",
      "em",
      "strong",
      "b",
      "i",
      "u",
      "s",
      "del",
      "ins",
      "strike",
      "mark",
      "small",
      "abbr",
      "cite",
      "dfn",
      "code",
      "pre",
      "kbd",
      "samp",
      "var",
      "sup",
      "sub",
      "q",
      "blockquote",
      "ruby",
      "rt",
      "rp",
      "ul",
      "ol",
      "li",
      "dl",
      "dt",
      "dd",
      "table",
      "caption",
      "thead",
      "tbody",
      "tfoot",
      "tr",
      "th",
      "td",
      "details",
      "summary",
      "figure",
      "figcaption",
    ],
    allowedAttributes: {
      "*": [{ name: "dir", multiple: false, values: ["ltr", "rtl", "auto"] }, "title", "lang"],
      a: ["href", "rel"],
      img: ["src", "alt", "width", "height", "loading", { name: "align", multiple: false, values: [...ALIGN, "top", "middle", "bottom"] }],
      code: ["class"],
      ol: ["start", "type"],
      li: ["value"],
      details: ["open"],
      th: ["colspan", "rowspan", "style", { name: "align", multiple: false, values: ALIGN }],
      td: ["colspan", "rowspan", "style", { name: "align", multiple: false, values: ALIGN }],
      ...Object.fromEntries(["p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "table"].map((tag) => [tag, [{ name: "align", multiple: false, values: ALIGN }]])),
    },
    allowedClasses: { code: ["language-*"] },
    allowedStyles: { th: TEXT_ALIGN, td: TEXT_ALIGN },
    allowedSchemes: [...LINK_SCHEMES],
    allowedSchemesByTag: { img: [...IMAGE_SCHEMES] },
    allowedSchemesAppliedToAttributes: ["href", "src", "cite"],
    allowProtocolRelative: false,
    // The content of these is not text to show: drop it with the tag.
    nonTextTags: [
      "script",
      "style",
      "textarea",
      "option",
      "xmp",
      "noscript",
      "title",
      "template",
      "iframe",
      "noembed",
      "noframes",
      "object",
      "svg",
      "math",
      "select",
    ],
    disallowedTagsMode: "discard",
    transformTags: {
      a: (tagName, attribs) => {
        const href = attribs.href ?? "";
        const safe = href !== "" && isSafeLinkUrl(href);
        return {
          tagName,
          attribs: { ...attribs, href: !safe ? "#" : baseUrl ? resolveUrl(href, baseUrl) : href, rel: "noopener noreferrer" },
        };
      },
      img: (tagName, attribs) => {
        const src = attribs.src ?? "";
        // The same rule as a markdown image: refused, it shows its alt text instead.
        if (!isSafeImageUrl(src)) return { tagName: "span", attribs: {}, text: `[image: ${attribs.alt ?? ""}]` };
        return { tagName, attribs: { ...attribs, src: baseUrl ? resolveUrl(src, baseUrl) : src, loading: "lazy" } };
      },
    },
  };
}

function hasRawHtml(tokens: Token[]): boolean {
  return tokens.some((token) => token.type === "html_block" || token.type === "html_inline" || (token.children !== null && hasRawHtml(token.children)));
}

function resolveUrl(url: string, base: string): string {
  if (url.startsWith("#") || schemeOf(url) !== "") return url;
  try {
    return new URL(url, base).href;
  } catch {
    return url;
  }
}

let renderer: Markdown | undefined;

/**
 * Render untrusted markdown to safe HTML (a fragment, no `<html>` wrapper).
 * @param markdown the note body (front matter already removed)
 * @returns HTML; the same markdown always gives the same HTML
 * @example renderMarkdown("# Hi <script>") // '<h1>Hi &lt;script&gt;</h1>\n'
 */
export function renderMarkdown(markdown: string, options: RenderOptions = {}): string {
  renderer ??= createRenderer();
  const env = { baseUrl: options.baseUrl };
  const tokens = renderer.parse(markdown, env);
  if (options.omitLeadingTitle !== undefined && tokens.length >= 3) {
    const [open, inline, close] = tokens;
    if (open.type === "heading_open" && open.tag === "h1" && close.type === "heading_close" && inline.content.trim() === options.omitLeadingTitle.trim()) {
      tokens.splice(0, 3);
    }
  }
  const html = renderer.renderer.render(tokens, renderer.options, env);
  return hasRawHtml(tokens) ? sanitizeHtml(html, sanitizerOptions(options.baseUrl)) : html;
}

/**
 * Plain text of markdown for excerpts: paragraphs, list items, quotes and tables, without headings,
 * code blocks, markup, bare URLs, or the URLs of links and images; whitespace collapsed.
 */
export function markdownToPlainText(markdown: string, options: { omitLeadingTitle?: string } = {}): string {
  renderer ??= createRenderer();
  const tokens = renderer.parse(markdown, {});
  const parts: string[] = [];
  let start = 0;
  if (
    options.omitLeadingTitle !== undefined &&
    tokens[0]?.type === "heading_open" &&
    tokens[0].tag === "h1" &&
    tokens[1]?.content.trim() === options.omitLeadingTitle.trim()
  ) {
    start = 3;
  }
  for (let i = start; i < tokens.length; i++) {
    const token = tokens[i];
    if (token.type !== "inline" || !token.children || tokens[i - 1]?.type === "heading_open") continue;
    for (const child of token.children) {
      if (child.type === "text" || child.type === "code_inline") parts.push(child.content);
      else if (child.type === "softbreak" || child.type === "hardbreak" || child.type === "html_inline") parts.push(" ");
    }
    parts.push(" ");
  }
  return parts
    .join("")
    .replace(/\b(?:https?|ipfs|ipns):\/\/\S+/g, " ")
    .replace(/\s+/g, " ")
    .trim();
}
