import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { compareBytes, concatBytes, equalBytes, toBase64, toHex } from "#core/bytes.ts";
import { forEachConcurrently } from "#core/concurrency.ts";
import { svgDataUrl } from "#core/entry/image-check.ts";

describe("byte helpers", () => {
  it("toHex writes two lowercase digits per byte", () => {
    assert.equal(toHex(new Uint8Array([0, 1, 0xab, 0xff])), "0001abff");
    assert.equal(toHex(new Uint8Array()), "");
  });
  it("compareBytes orders as unsigned bytes, a prefix first; equalBytes needs the same length", () => {
    assert.ok(compareBytes(new Uint8Array([1, 2]), new Uint8Array([1, 3])) < 0);
    assert.ok(compareBytes(new Uint8Array([0xff]), new Uint8Array([1, 0])) > 0);
    assert.ok(compareBytes(new Uint8Array([1]), new Uint8Array([1, 0])) < 0);
    assert.ok(equalBytes(new Uint8Array([1, 2]), new Uint8Array([1, 2])));
    assert.ok(!equalBytes(new Uint8Array([1]), new Uint8Array([1, 0])));
  });
  it("concatBytes joins chunks in order", () => {
    assert.deepEqual(concatBytes([new Uint8Array([1, 2]), new Uint8Array(), new Uint8Array([3])]), new Uint8Array([1, 2, 3]));
    assert.deepEqual(concatBytes([]), new Uint8Array());
  });
  it("toBase64 matches Buffer's and survives a large image (no call-stack overflow)", () => {
    const big = new Uint8Array(300_000).map((_, i) => i * 7);
    assert.equal(toBase64(big), Buffer.from(big).toString("base64"));
    assert.equal(svgDataUrl(new TextEncoder().encode("<svg/>")), `data:image/svg+xml;base64,${Buffer.from("<svg/>").toString("base64")}`);
  });
});

describe("forEachConcurrently", () => {
  it("visits every item once, never more than the limit at a time", async () => {
    let running = 0;
    let peak = 0;
    const seen: number[] = [];
    await forEachConcurrently([...Array(20).keys()], 3, async (item, index) => {
      assert.equal(item, index);
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, 1));
      seen.push(item);
      running--;
    });
    assert.equal(peak, 3);
    assert.deepEqual(
      seen.sort((a, b) => a - b),
      [...Array(20).keys()],
    );
  });
  it("rejects with the first error and starts no new work after it", async () => {
    const started: number[] = [];
    await assert.rejects(
      forEachConcurrently([...Array(10).keys()], 2, async (item) => {
        started.push(item);
        if (item === 1) throw new Error("boom");
        await new Promise((r) => setTimeout(r, 5));
      }),
      /boom/,
    );
    assert.ok(started.length <= 3, `started ${started}`);
  });
  it("does nothing for no items", async () => {
    await forEachConcurrently([], 4, async () => assert.fail("called"));
  });
});
