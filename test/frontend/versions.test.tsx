import { afterEach, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { diffVersions } from "../../frontend/src/entry/version-diff.ts";
import type { EntryFacts } from "../../frontend/src/chain/registry.ts";

// The chain and IPFS reads of the versions (covered end to end in test/e2e/edit.e2e.test.ts); the UI here.
const TEXTS: Record<string, string> = {
  bafyv0: "---\ntitle: T\n---\n\nLine one.\nTypo hre.\n<img src=x onerror=alert(1)>\n",
  bafyv1: "---\ntitle: T\n---\n\nLine one.\nTypo here.\n<img src=x onerror=alert(1)>\n",
  bafyv2: "---\ntitle: T\n---\n\nLine one.\nTypo here.\n<img src=x onerror=alert(1)>\nA new paragraph.\n",
};
vi.mock("../../frontend/src/entry/versions.ts", () => ({
  readVersions: async () => [
    { revision: 0, cid: "bafyv0", digest: "0x00", timestamp: 1_700_000_000 },
    { revision: 1, cid: "bafyv1", digest: "0x01", timestamp: 1_700_000_100 },
    { revision: 2, cid: "bafyv2", digest: "0x02", timestamp: 1_700_000_200 },
  ],
  checkVersion: async (version: { revision: number }) =>
    version.revision === 1
      ? { status: "mismatch", reason: "it links bafyother, not version 0", metadata: {} }
      : version.revision === 0
        ? { status: "unlinked", metadata: {} }
        : { status: "verified", metadata: {} },
  readVersionMarkdown: async (cid: string) => TEXTS[cid],
}));
const { VersionHistory, DiffView } = await import("../../frontend/src/entry/VersionHistory.tsx");

const facts = { tokenId: 7n, author: "0x70997970c51812dc3a010c7d01b50e0d17dc79c8", revisionCount: 2 } as unknown as EntryFacts;

describe("diffVersions", () => {
  it("gives removed and added lines with their counts, unchanged runs folded to three lines of context", () => {
    const older = `${Array.from({ length: 20 }, (_, i) => `line ${i}`).join("\n")}\n`;
    const newer = older.replace("line 10\n", "line ten\n");
    const diff = diffVersions(older, newer);
    if ("tooLarge" in diff) throw new Error("diffed");
    expect([diff.added, diff.removed]).toEqual([1, 1]);
    expect(diff.rows).toEqual([
      { kind: "fold", count: 7 },
      { kind: "same", lines: ["line 7", "line 8", "line 9"] },
      { kind: "removed", lines: ["line 10"] },
      { kind: "added", lines: ["line ten"] },
      { kind: "same", lines: ["line 11", "line 12", "line 13"] },
      { kind: "fold", count: 6 },
    ]);
  });

  it("says when there is nothing to show, and refuses versions too different to diff", () => {
    const same = diffVersions("a\nb\n", "a\nb\n");
    expect("tooLarge" in same ? -1 : same.added + same.removed).toBe(0);
    const a = Array.from({ length: 5_000 }, (_, i) => `a${i}`).join("\n");
    const b = Array.from({ length: 5_000 }, (_, i) => `b${i}`).join("\n");
    expect(diffVersions(a, b)).toEqual({ tooLarge: true });
  });
});

describe("VersionHistory", () => {
  afterEach(cleanup);
  it("lists every version newest first with what checking it found, and diffs the last two", async () => {
    render(<VersionHistory facts={facts} shownCid="bafyv2" />);
    const items = await screen.findAllByTestId("version");
    expect(items.map((item) => item.dataset.revision)).toEqual(["2", "1", "0"]);
    expect(within(items[0]).getByText("latest")).toBeTruthy();
    expect(within(items[0]).getByText("shown")).toBeTruthy();
    expect(within(items[2]).getByText(/First published/)).toBeTruthy();
    await waitFor(() => expect(within(items[0]).getByTestId("version-check").dataset.status).toBe("verified"));
    await waitFor(() => expect(within(items[1]).getByTestId("version-check").textContent).toContain("it links bafyother, not version 0"));
    expect(within(items[2]).getByTestId("version-check").dataset.status).toBe("unlinked");
    const diff = await screen.findByTestId("diff");
    expect(diff.querySelector("ins")?.textContent).toBe("+ A new paragraph.\n");
    expect(diff.querySelector("del")).toBeNull();
  });

  it("diffs any two versions chosen, showing hostile lines as text", async () => {
    render(<VersionHistory facts={facts} />);
    fireEvent.change(await screen.findByTestId("diff-from"), { target: { value: "0" } });
    await waitFor(() => expect(screen.getByTestId("diff").querySelector("del")?.textContent).toBe("− Typo hre.\n"));
    const diff = screen.getByTestId("diff");
    expect(Array.from(diff.querySelectorAll("ins")).map((el) => el.textContent)).toEqual(["+ Typo here.\n", "+ A new paragraph.\n"]);
    expect(diff.textContent).toContain("<img src=x onerror=alert(1)>");
    expect(diff.querySelector("img")).toBeNull();
    expect(screen.getByTestId("diff-summary").textContent).toBe("+2 −1 lines");
  });
});

describe("DiffView", () => {
  it("says when two versions have the same text or differ too much", () => {
    const { container, rerender } = render(<DiffView diff={{ rows: [], added: 0, removed: 0 }} />);
    expect(container.textContent).toBe("These versions have the same text.");
    rerender(<DiffView diff={{ tooLarge: true }} />);
    expect(container.textContent).toMatch(/differ too much/);
  });
});
