import { describe, expect, it } from "vitest";
import { DRAFT_TEXT_KEY, imagePathFor, loadDraftText, saveDraftText, splitTags } from "../../frontend/src/editor/draft.ts";
import { isInsufficientFunds, isUserRejection, messageOf, revertOf } from "../../frontend/src/errors.ts";

describe("draft", () => {
  it("round-trips through storage and survives garbage", () => {
    const map = new Map<string, string>();
    const storage = { getItem: (k: string) => map.get(k) ?? null, setItem: (k: string, v: string) => void map.set(k, v) };
    saveDraftText({ title: "T", date: "2024-02-03", tags: "a, b", body: "x" }, storage);
    expect(loadDraftText(storage)).toEqual({ title: "T", date: "2024-02-03", tags: "a, b", body: "x" });
    map.set(DRAFT_TEXT_KEY, "not json");
    expect(loadDraftText(storage).title).toBe("");
  });
  it("splits tags and names images safely and uniquely", () => {
    expect(splitTags(" rust, #db ,, sql ")).toEqual(["rust", "db", "sql"]);
    const taken = new Set(["images/My-Pic.png"]);
    expect(imagePathFor("My Pic.PNG", taken)).toBe("images/My-Pic-2.png");
    expect(imagePathFor("../../etc/passwd.svg", new Set())).toBe("images/passwd.svg");
    expect(imagePathFor(".hidden", new Set())).toBe("images/hidden.png");
  });
});

describe("error explanations", () => {
  it("finds causes in viem-style chains", () => {
    const rejected = { shortMessage: "User rejected the request.", cause: { code: 4001 } };
    expect(isUserRejection(rejected)).toBe(true);
    expect(isUserRejection(new Error("boom"))).toBe(false);
    expect(isInsufficientFunds({ cause: { details: "insufficient funds for gas * price + value" } })).toBe(true);
    expect(revertOf({ cause: { name: "ContractFunctionRevertedError", data: { errorName: "TILEntryAlreadyPublished", args: ["0x1", "0x2", 7n] } } })).toEqual({
      errorName: "TILEntryAlreadyPublished",
      args: ["0x1", "0x2", 7n],
    });
    expect(messageOf({ shortMessage: "short", message: "long" })).toBe("short");
  });
});
