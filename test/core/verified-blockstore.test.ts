/**
 * Verified reads through untrusted gateways (core/retrieve/verified-blockstore.ts): each failed
 * attempt carries a kind (wrong bytes vs no usable answer), and a session records only the reads
 * made through it, so outcomes are attributed to one read even while others run at the same time.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CID } from "multiformats/cid";
import * as raw from "multiformats/codecs/raw";
import { sha256 } from "multiformats/hashes/sha2";
import { BlockUnavailableError, VerifiedGatewayBlockstore } from "#core/retrieve/verified-blockstore.ts";

const encoder = new TextEncoder();

async function block(text: string): Promise<{ cid: CID; bytes: Uint8Array }> {
  const bytes = encoder.encode(text);
  return { cid: CID.createV1(raw.code, await sha256.digest(bytes)), bytes };
}

/** Gateways by URL: "liar" answers wrong bytes, "broken" HTTP 500, "good" the block asked for. */
function gatewayFetch(blocks: Map<string, Uint8Array>, asked: string[]): typeof fetch {
  return (async (input: string | URL | Request) => {
    const url = new URL(String(input));
    asked.push(url.host);
    if (url.host === "broken") return new Response("oops", { status: 500 });
    if (url.host === "liar") return new Response("not the block");
    const bytes = blocks.get(url.pathname.split("/")[2]);
    return bytes ? new Response(bytes as Uint8Array<ArrayBuffer>) : new Response("no", { status: 404 });
  }) as typeof fetch;
}

describe("VerifiedGatewayBlockstore", () => {
  it("records wrong bytes as a mismatch and an HTTP error as such, then takes the block from the next gateway", async () => {
    const a = await block("a");
    const store = new VerifiedGatewayBlockstore(["http://liar", "http://broken", "http://good/"], {
      fetch: gatewayFetch(new Map([[a.cid.toString(), a.bytes]]), []),
    });
    assert.deepEqual(await store.getBlock(a.cid), a.bytes);
    assert.deepEqual(
      store.failures.map(({ gateway, kind, reason }) => ({ gateway, kind, reason })),
      [
        { gateway: "http://liar", kind: "mismatch", reason: "returned bytes that do not match the CID (rejected)" },
        { gateway: "http://broken", kind: "http-error", reason: "HTTP 500" },
      ],
    );
    assert.deepEqual([...store.served], [["http://good", 1]]);
  });

  it("throws BlockUnavailableError carrying every attempt when no gateway has matching bytes", async () => {
    const a = await block("a");
    const store = new VerifiedGatewayBlockstore(["http://liar", "http://broken"], { fetch: gatewayFetch(new Map(), []) });
    const error = await store.getBlock(a.cid).catch((e: unknown) => e);
    assert.ok(error instanceof BlockUnavailableError);
    assert.deepEqual(
      error.failures.map((f) => f.kind),
      ["mismatch", "http-error"],
    );
  });

  it("a session counts only its own reads, leaves the parent's counters alone, and shares verified blocks", async () => {
    const [a, b] = await Promise.all([block("a"), block("b")]);
    const asked: string[] = [];
    const store = new VerifiedGatewayBlockstore(["http://liar", "http://good"], {
      fetch: gatewayFetch(
        new Map([
          [a.cid.toString(), a.bytes],
          [b.cid.toString(), b.bytes],
        ]),
        asked,
      ),
    });
    const first = store.session();
    const second = store.session();
    await Promise.all([first.getBlock(a.cid), second.getBlock(b.cid)]);
    await second.getBlock(b.cid);
    assert.deepEqual(
      first.failures.map((f) => f.cid),
      [a.cid.toString()],
    );
    assert.deepEqual(
      second.failures.map((f) => f.cid),
      [b.cid.toString()],
      "the second read of b came from the cache",
    );
    assert.deepEqual([...first.served], [["http://good", 1]]);
    assert.deepEqual([store.failures.length, store.served.size], [0, 0]);
    const asksBefore = asked.length;
    assert.deepEqual(await store.session().getBlock(a.cid), a.bytes);
    assert.equal(asked.length, asksBefore, "a block verified by one session is not fetched again by another");
  });
});
