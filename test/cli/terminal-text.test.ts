/**
 * The CLI's terminal-safe rendering of entry text (scripts/cli/terminal-text.ts): every character a
 * terminal would obey is shown as `<U+XXXX>`, and --json output escapes what JSON leaves raw while
 * parsing back to the exact original. No stack needed.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { terminalJson, terminalLine, terminalText } from "../../scripts/cli/terminal-text.ts";

const ESC = "\u001b";
const BEL = "\u0007";
/** Anything a terminal may act on: C0 (newline and tab aside), DEL, C1, bidi controls, U+2028/9. */
const UNSAFE = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u061C\u200E\u200F\u2028\u2029\u202A-\u202E\u2066-\u2069]/;

const HOSTILE: Record<string, [input: string, shown: string]> = {
  "a CSI that clears the screen": [`a${ESC}[2Jb`, "a<U+001B>[2Jb"],
  "an OSC 52 clipboard write": [`${ESC}]52;c;ZWNobyBod25lZA==${BEL}x`, "<U+001B>]52;c;ZWNobyBod25lZA==<U+0007>x"],
  "an OSC 8 hyperlink": [
    `${ESC}]8;;https://evil.example${ESC}\\click${ESC}]8;;${ESC}\\`,
    "<U+001B>]8;;https://evil.example<U+001B>\\click<U+001B>]8;;<U+001B>\\",
  ],
  "a DCS string": [`${ESC}P1$qm${ESC}\\`, "<U+001B>P1$qm<U+001B>\\"],
  "the 8-bit CSI and OSC": ["\u009b31mred\u009d0;title\u009c", "<U+009B>31mred<U+009D>0;title<U+009C>"],
  "a bare CR that would overwrite the line": ["safe\rEVIL", "safe<U+000D>EVIL"],
  backspaces: ["rm -rf /\b\b\b\b\b\b\b\bls", "rm -rf /<U+0008><U+0008><U+0008><U+0008><U+0008><U+0008><U+0008><U+0008>ls"],
  "NUL and DEL": ["a\u0000b\u007fc", "a<U+0000>b<U+007F>c"],
  "an RLO override": ["invoice\u202Efdp.exe", "invoice<U+202E>fdp.exe"],
  "isolates and marks": ["\u2066x\u2069\u200e\u200f\u061c", "<U+2066>x<U+2069><U+200E><U+200F><U+061C>"],
  "line and paragraph separators": ["a\u2028b\u2029c", "a<U+2028>b<U+2029>c"],
};

describe("terminalLine", () => {
  for (const [name, [input, shown]] of Object.entries(HOSTILE)) {
    it(`shows ${name} as <U+XXXX> markers`, () => {
      const out = terminalLine(input);
      assert.equal(out, shown);
      assert.doesNotMatch(out, UNSAFE);
    });
  }

  it("keeps a title on one line: newline and tab are shown too", () => {
    assert.equal(terminalLine("one\ntwo\tthree\r\n"), "one<U+000A>two<U+0009>three<U+000D><U+000A>");
  });

  it("leaves ordinary text, accents, emoji and right-to-left letters alone", () => {
    const text = "Déjà vu: naïve café, 日本語, שלום, مرحبا 🎉 [DB] <b>&amp;";
    assert.equal(terminalLine(text), text);
  });

  it("shows every code point it must, and none it must not", () => {
    for (let c = 0; c <= 0x2100; c++) {
      const char = String.fromCharCode(c);
      const expected = UNSAFE.test(char) || char === "\n" || char === "\t";
      assert.equal(terminalLine(char) !== char, expected, `U+${c.toString(16)}`);
    }
  });
});

describe("terminalText", () => {
  it("keeps newlines and tabs of a body and shows every other control", () => {
    assert.equal(terminalText(`# Title\n\n\tcode${ESC}[2J\nline\rover`), "# Title\n\n\tcode<U+001B>[2J\nline<U+000D>over");
  });

  for (const [name, [input, shown]] of Object.entries(HOSTILE)) {
    it(`shows ${name}`, () => assert.equal(terminalText(input), shown));
  }
});

describe("terminalJson", () => {
  it("parses back to exactly the original strings, and prints nothing a terminal acts on", () => {
    const all = Object.values(HOSTILE).map(([input]) => input);
    const value = { title: all.join(""), tags: all, nested: { "k\u202e": "\u0085\u009b" } };
    const line = terminalJson(value);
    assert.deepEqual(JSON.parse(line), value);
    assert.doesNotMatch(line, UNSAFE);
    assert.ok(!line.includes("\n"), "one line");
    assert.match(line, /\\u202e/);
    assert.match(line, /\\u009b/);
  });

  it("is JSON.stringify where nothing needs escaping", () => {
    const value = { title: 'Plain "quoted" title — ünïcode 🎉', n: 3, tags: ["a", "b"] };
    assert.equal(terminalJson(value), JSON.stringify(value));
  });
});
