import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const NODE_BUILTINS = /^(node:|fs$|fs\/|path$|os$|child_process$|url$|crypto$|stream$|buffer$|util$|process$)/;

/** Every module reachable through relative imports from `entry`, with its bare imports. */
function importGraph(entry: string): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  const visit = (file: string) => {
    if (graph.has(file)) return;
    const source = readFileSync(file, "utf8");
    const specifiers = [...source.matchAll(/^\s*(?:import|export)\s[^'"]*?from\s+["']([^"']+)["']|^\s*import\s+["']([^"']+)["']/gm)].map(
      (match) => match[1] ?? match[2],
    );
    graph.set(
      file,
      specifiers.filter((specifier) => !specifier.startsWith(".")),
    );
    for (const specifier of specifiers) if (specifier.startsWith(".")) visit(resolve(dirname(file), specifier));
  };
  visit(resolve(ROOT, entry));
  return graph;
}

describe("browser safety", () => {
  /** Modules that may import nothing relative (the others must, or the graph walk found nothing). */
  const leaves = ["core/cid.ts", "core/bytes.ts", "core/concurrency.ts", "core/contract/local-chain.ts"];
  const entries = [
    "core/entry/index.ts",
    "core/import/index.ts",
    "core/site/index.ts",
    "core/entry/pin.ts",
    "core/contract/registry-events.ts",
    "core/contract/entry-ref.ts",
    "core/contract/contract-errors.ts",
    ...leaves,
  ];
  for (const entry of entries) {
    it(`${entry} reaches no Node-only module`, () => {
      const graph = importGraph(entry);
      assert.ok(graph.size > 1 || leaves.includes(entry));
      for (const [file, specifiers] of graph) {
        assert.ok(!file.endsWith(".node.ts"), `${file} is Node-only`);
        for (const specifier of specifiers) assert.doesNotMatch(specifier, NODE_BUILTINS, `${file} imports ${specifier}`);
      }
    });
  }
});
