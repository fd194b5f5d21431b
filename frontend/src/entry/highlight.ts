/** Syntax highlighting of code blocks (loaded on demand: highlight.js core and common languages). */
import hljs from "highlight.js/lib/core";
import bash from "highlight.js/lib/languages/bash";
import css from "highlight.js/lib/languages/css";
import go from "highlight.js/lib/languages/go";
import javascript from "highlight.js/lib/languages/javascript";
import json from "highlight.js/lib/languages/json";
import python from "highlight.js/lib/languages/python";
import rust from "highlight.js/lib/languages/rust";
import solidity from "highlight.js/lib/languages/cpp";
import sql from "highlight.js/lib/languages/sql";
import typescript from "highlight.js/lib/languages/typescript";
import xml from "highlight.js/lib/languages/xml";
import yaml from "highlight.js/lib/languages/yaml";
import "highlight.js/styles/github.css";
import "./highlight-dark.css";

for (const [name, language] of Object.entries({ bash, css, go, javascript, json, python, rust, sql, typescript, xml, yaml }))
  hljs.registerLanguage(name, language);
hljs.registerLanguage("cpp", solidity);
hljs.registerAliases(["sh", "shell", "console"], { languageName: "bash" });
hljs.registerAliases(["js", "jsx", "mjs"], { languageName: "javascript" });
hljs.registerAliases(["ts", "tsx"], { languageName: "typescript" });
hljs.registerAliases(["html", "svg"], { languageName: "xml" });
hljs.registerAliases(["yml"], { languageName: "yaml" });
hljs.registerAliases(["py"], { languageName: "python" });
hljs.registerAliases(["sol", "solidity", "c", "c++"], { languageName: "cpp" });
hljs.configure({ ignoreUnescapedHTML: true });

/** Highlights code blocks in place. highlight.js works on the text content and escapes it, so untrusted code stays text. */
export function highlightBlocks(blocks: Iterable<HTMLElement>): void {
  for (const block of blocks) {
    if (block.dataset.highlighted) continue;
    const language = /\blanguage-([\w+#-]+)/.exec(block.className)?.[1];
    if (language && hljs.getLanguage(language)) {
      const { value } = hljs.highlight(block.textContent ?? "", { language, ignoreIllegals: true });
      block.innerHTML = value;
      block.classList.add("hljs");
    } else if (!language) {
      const { value, language: detected } = hljs.highlightAuto(block.textContent ?? "");
      if (detected) {
        block.innerHTML = value;
        block.classList.add("hljs");
      }
    }
    block.dataset.highlighted = "yes";
  }
}
