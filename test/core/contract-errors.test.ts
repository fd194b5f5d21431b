/**
 * The registry's custom errors recognised by their decoded name (core/contract/contract-errors.ts),
 * from ethers' and viem's error shapes, wherever they sit in the cause chain; never by wording.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { encodeErrorResult, type Hex } from "viem";
import { todayILearnedAbi } from "#core/contract/abi.generated.ts";
import { contractRevertOf, isContractError } from "#core/contract/contract-errors.ts";

const AUTHOR = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";
const DIGEST: Hex = `0x${"ab".repeat(32)}`;
const data = encodeErrorResult({ abi: todayILearnedAbi, errorName: "TILEntryAlreadyPublished", args: [AUTHOR, DIGEST, 7n] });

describe("contractRevertOf", () => {
  it("decodes raw revert data (ethers' CallExceptionError) with the generated ABI", () => {
    const error = Object.assign(new Error("execution reverted (unknown custom error)"), { code: "CALL_EXCEPTION", data });
    assert.deepEqual(contractRevertOf(error), { name: "TILEntryAlreadyPublished", args: [AUTHOR, DIGEST, 7n] });
    assert.ok(isContractError(error, "TILEntryAlreadyPublished"));
    assert.ok(!isContractError(error, "TILDuplicateInBatch"));
  });

  it("takes the name ethers or viem already decoded, deep in the cause chain", () => {
    const ethersParsed = Object.assign(new Error("x"), { revert: { name: "TILDuplicateInBatch", signature: "", args: [DIGEST, 0n, 2n] } });
    assert.deepEqual(contractRevertOf(ethersParsed), { name: "TILDuplicateInBatch", args: [DIGEST, 0n, 2n] });
    const viem = new Error("outer", {
      cause: new Error("middle", {
        cause: Object.assign(new Error("reverted"), {
          name: "ContractFunctionRevertedError",
          data: { errorName: "TILEntryAlreadyPublished", args: [AUTHOR, DIGEST, 7n] },
        }),
      }),
    });
    assert.equal(contractRevertOf(viem)?.name, "TILEntryAlreadyPublished");
    const rpc = Object.assign(new Error("could not coalesce"), { info: { error: { code: 3, message: "execution reverted", data } } });
    assert.equal(contractRevertOf(rpc)?.name, "TILEntryAlreadyPublished");
  });

  it("ignores the wording: a message naming an error is not that error, and unknown data is nothing", () => {
    assert.equal(contractRevertOf(new Error("reverted with TILEntryAlreadyPublished")), undefined);
    assert.equal(contractRevertOf(Object.assign(new Error("x"), { data: "0xdeadbeef" })), undefined);
    assert.equal(contractRevertOf("TILEntryAlreadyPublished"), undefined);
  });
});
