/**
 * The shared EntryPublished reader (core/contract/registry-events.ts) against a fake RPC that
 * refuses log queries over a span of blocks, like public RPCs do (10,000 or 2,000 blocks): the
 * span shrinks until the RPC answers, every event comes back once and in order, and the span grows
 * again after answers in a row. Also: topics for author and digest filters, decoding that skips
 * other events, and entry #N by its position.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { encodeAbiParameters, encodeEventTopics, type Address, type Hex } from "viem";
import { todayILearnedAbi } from "#core/contract/abi.generated.ts";
import { digestToCid } from "#core/cid.ts";
import {
  decodeEntryPublished,
  EntryEventReader,
  entryPublishedTopics,
  MAX_LOG_SPAN,
  MIN_LOG_SPAN,
  type LogSource,
  type RawLog,
} from "#core/contract/registry-events.ts";

const REGISTRY: Address = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
const ALICE: Address = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";
const BOB: Address = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const digest = (n: number): Hex => `0x${n.toString(16).padStart(64, "0")}`;

const NOTE_KEY: Hex = `0x${"ab".repeat(32)}`;

function entryLog(block: bigint, tokenId: bigint, author: Address, d: Hex): RawLog {
  const topics = encodeEventTopics({ abi: todayILearnedAbi, eventName: "EntryPublished", args: { author, digest: d, noteKey: NOTE_KEY } }) as Hex[];
  const data = encodeAbiParameters([{ type: "uint256" }], [tokenId]);
  return { topics, data, blockNumber: block, logIndex: 0, transactionHash: digest(Number(block)) };
}

/** A chain of `latest` blocks holding `logs`, whose eth_getLogs refuses spans over `limit` blocks. */
function fakeRpc(logs: RawLog[], latest: bigint, limit: bigint) {
  const queries: Array<{ from: bigint; to: bigint; refused: boolean }> = [];
  const source: LogSource = {
    async getLogs({ address, fromBlock, toBlock, topics }) {
      assert.equal(address, REGISTRY);
      const refused = toBlock - fromBlock + 1n > limit;
      queries.push({ from: fromBlock, to: toBlock, refused });
      if (refused) throw Object.assign(new Error(`query exceeds max block range ${limit}`), { code: -32005 });
      return logs.filter(
        (log) => log.blockNumber >= fromBlock && log.blockNumber <= toBlock && topics.every((t, i) => t === null || log.topics[i]?.toLowerCase() === t),
      );
    },
    blockNumber: async () => latest,
  };
  return { source, queries };
}

describe("EntryEventReader", () => {
  const logs = Array.from({ length: 300 }, (_, i) => entryLog(BigInt(1 + i * 1000), BigInt(1000 + i), i % 3 === 0 ? BOB : ALICE, digest(i + 1)));
  const latest = 300_000n;

  it("reads a local node's whole history in one query", async () => {
    const rpc = fakeRpc(logs, latest, 10n ** 9n);
    const events = await new EntryEventReader(rpc.source, REGISTRY).read(0n);
    assert.equal(events.length, 300);
    assert.equal(rpc.queries.length, Math.ceil(Number(latest + 1n) / Number(MAX_LOG_SPAN)));
    assert.ok(rpc.queries.every((q) => !q.refused));
  });

  for (const limit of [10_000n, 2_000n]) {
    it(`shrinks its span under an RPC that refuses more than ${limit} blocks, and returns every event once, in order`, async () => {
      const rpc = fakeRpc(logs, latest, limit);
      const reader = new EntryEventReader(rpc.source, REGISTRY);
      const events = await reader.read(0n);
      assert.deepEqual(
        events.map((e) => e.tokenId),
        logs.map((_, i) => BigInt(1000 + i)),
      );
      // The answered ranges tile [0, latest] without gaps or overlaps.
      let next = 0n;
      for (const q of rpc.queries.filter((q) => !q.refused)) {
        assert.equal(q.from, next);
        next = q.to + 1n;
      }
      assert.equal(next, latest + 1n);
      // It settles just under the limit: few refusals, and queries of nearly the largest span allowed.
      const refused = rpc.queries.filter((q) => q.refused).length;
      const answered = rpc.queries.length - refused;
      assert.ok(refused <= 8 + answered / 16, `${refused} of ${rpc.queries.length} refused`);
      assert.ok(answered <= Number(latest / limit) * 1.5 + 8, `${answered} answered queries`);
    });
  }

  it("reads backwards from the head, newest window first, under a 10,000-block limit: the newest events come with the first answered query, every event once", async () => {
    const rpc = fakeRpc(logs, latest, 10_000n);
    const reader = new EntryEventReader(rpc.source, REGISTRY);
    const windows: Array<{ from: bigint; to: bigint; ids: bigint[] }> = [];
    for await (const w of reader.readBackwards(0n, latest)) windows.push({ from: w.from, to: w.to, ids: w.events.map((e) => e.tokenId) });
    // The first window answered ends at the head and holds the newest events, newest first.
    assert.equal(windows[0].to, latest);
    assert.equal(windows[0].ids[0], 1299n);
    assert.ok(rpc.queries.findIndex((q) => !q.refused) <= 5, "few refusals before the first answer");
    // Windows tile [0, latest] downwards without gaps or overlaps; all events, newest first.
    let next = latest;
    for (const w of windows) {
      assert.equal(w.to, next);
      next = w.from - 1n;
    }
    assert.equal(next, -1n);
    assert.deepEqual(
      windows.flatMap((w) => w.ids),
      logs.map((_, i) => BigInt(1000 + i)).reverse(),
    );
  });

  it("asks for at most `firstSpan` blocks first, then for its adaptive span", async () => {
    const rpc = fakeRpc(logs, latest, 10_000n);
    const reader = new EntryEventReader(rpc.source, REGISTRY);
    const ids: bigint[] = [];
    for await (const w of reader.readBackwards(0n, latest, {}, 2_000n)) ids.push(...w.events.map((e) => e.tokenId));
    assert.deepEqual(rpc.queries[0], { from: latest - 1_999n, to: latest, refused: false });
    assert.equal(rpc.queries[1].to, latest - 2_000n);
    assert.deepEqual(ids, logs.map((_, i) => BigInt(1000 + i)).reverse());
  });

  it("stops reading backwards when the caller stops iterating", async () => {
    const rpc = fakeRpc(logs, latest, 10_000n);
    const reader = new EntryEventReader(rpc.source, REGISTRY);
    for await (const w of reader.readBackwards(0n, latest)) if (w.events.length > 0) break;
    assert.ok(rpc.queries.filter((q) => !q.refused).length === 1);
  });

  it("grows its span back after the RPC answers larger ranges again", async () => {
    let limit = 1_000n;
    const source: LogSource = {
      getLogs: async ({ fromBlock, toBlock }) => {
        if (toBlock - fromBlock + 1n > limit) throw new Error("range too large");
        return [];
      },
      blockNumber: async () => 50_000n,
    };
    const reader = new EntryEventReader(source, REGISTRY);
    await reader.read(0n);
    assert.ok(reader.span <= 1_000n, `span ${reader.span}`);
    limit = 10n ** 9n;
    await reader.read(0n, 10_000_000n);
    assert.equal(reader.span, MAX_LOG_SPAN);
  });

  it(`throws the RPC's error when it refuses even ${MIN_LOG_SPAN} blocks`, async () => {
    const failing: LogSource = { getLogs: async () => Promise.reject(new Error("connection refused")), blockNumber: async () => 1_000_000n };
    await assert.rejects(new EntryEventReader(failing, REGISTRY).read(0n), /connection refused/);
  });

  it("narrows by author and digest through the indexed topics", async () => {
    const rpc = fakeRpc(logs, latest, 10n ** 9n);
    const reader = new EntryEventReader(rpc.source, REGISTRY);
    const bobs = await reader.read(0n, undefined, { author: BOB });
    assert.equal(bobs.length, 100);
    assert.ok(bobs.every((e) => e.author === BOB));
    assert.deepEqual(await reader.tokensOfDigest(digest(5), 0n), [1004n]);
    assert.equal((await reader.read(0n, undefined, { noteKey: NOTE_KEY })).length, 300);
    assert.equal((await reader.read(0n, undefined, { noteKey: digest(1) })).length, 0);
  });

  it("finds entry #N as the N-th event, and nothing past the last", async () => {
    const rpc = fakeRpc(logs, latest, 10n ** 9n);
    const reader = new EntryEventReader(rpc.source, REGISTRY);
    assert.equal((await reader.eventAtSequence(1n, 0n))?.tokenId, 1000n);
    assert.equal((await reader.eventAtSequence(300n, 0n))?.tokenId, 1299n);
    assert.equal(await reader.eventAtSequence(301n, 0n), undefined);
    assert.equal(await reader.eventAtSequence(0n, 0n), undefined);
  });
});

describe("EntryPublished decoding and topics", () => {
  it("decodes with the generated ABI, maps the digest to its CID, and skips other events", () => {
    const transfer: RawLog = {
      topics: encodeEventTopics({
        abi: todayILearnedAbi,
        eventName: "Transfer",
        args: { from: "0x0000000000000000000000000000000000000000", to: ALICE, tokenId: 7n },
      }) as Hex[],
      data: "0x",
      blockNumber: 3n,
      logIndex: 0,
      transactionHash: digest(3),
    };
    const published = { ...entryLog(3n, 7n, ALICE, digest(9)), logIndex: 1 };
    assert.deepEqual(decodeEntryPublished([transfer, published]), [
      { tokenId: 7n, author: ALICE, digest: digest(9), cid: digestToCid(digest(9)), noteKey: NOTE_KEY, txHash: digest(3), blockNumber: 3n, logIndex: 1 },
    ]);
  });

  it("puts the author, digest and note key filters in topics 1, 2 and 3, dropping trailing wildcards", () => {
    const [event] = entryPublishedTopics();
    assert.deepEqual(entryPublishedTopics(), [event]);
    assert.deepEqual(entryPublishedTopics({ author: ALICE }), [event, encodeAbiParameters([{ type: "address" }], [ALICE])]);
    assert.deepEqual(entryPublishedTopics({ digest: digest(1) }), [event, null, digest(1)]);
    assert.deepEqual(entryPublishedTopics({ noteKey: NOTE_KEY }), [event, null, null, NOTE_KEY]);
  });
});
