/**
 * The feed's status line (frontend/src/feed/feed-status.ts): counts while reading, and when the
 * chain can't be read, why and what to do, instead of "0 of 0 (reading older entries…)".
 */
import { describe, expect, it } from "vitest";
import { feedStatusText, type FeedStatusInput } from "../../frontend/src/feed/feed-status.ts";

const chain = { id: 31337, rpcUrl: "http://127.0.0.1:9" };
const base: FeedStatusInput = { status: "ready", shown: 0, total: 0, historyComplete: false, chain };

describe("feed status line", () => {
  it("counts what is shown of what was read, while older entries and the index fill in", () => {
    expect(feedStatusText({ ...base, status: "loading" })).toBe("Reading entries from the chain…");
    expect(feedStatusText({ ...base, shown: 3, total: 2500 })).toBe("3 of 2500 entries (reading older entries…)");
    expect(feedStatusText({ ...base, shown: 1, total: 1, historyComplete: true })).toBe("1 of 1 entry");
    expect(feedStatusText({ ...base, shown: 3, total: 2500, historyComplete: true, indexed: 1234 })).toBe(
      "3 of 2500 entries (indexed 1,234 of 2,500; more matches may appear)",
    );
  });

  it("says the chain does not answer, where, and what to do, not that older entries are being read", () => {
    const text = feedStatusText({ ...base, status: "error", health: { status: "unreachable", error: "fetch failed" } });
    expect(text).toBe("Chain 31337 does not answer at http://127.0.0.1:9. Is the node running? Check the chain RPC URL in Settings, then try again.");
    expect(text).not.toMatch(/reading older|0 of 0/);
    expect(feedStatusText({ ...base, status: "error", shown: 5, total: 40, health: { status: "unreachable", error: "x" } })).toMatch(
      /^5 of 40 entries read so far\. Chain 31337 does not answer/,
    );
  });

  it("names the other failures: no registry at the address, a read that failed on a chain that answers, and while asking why", () => {
    expect(feedStatusText({ ...base, status: "error", health: { status: "no-contract" } })).toBe(
      "No registry at this address on chain 31337. Check the registry address in Settings.",
    );
    expect(feedStatusText({ ...base, status: "error", health: { status: "ok" } })).toMatch(/^Reading the entries failed \(the error is below\)/);
    expect(feedStatusText({ ...base, status: "error" })).toBe("Reading the entries failed; asking chain 31337 why…");
  });
});
