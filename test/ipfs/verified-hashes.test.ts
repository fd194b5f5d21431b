/**
 * The verified reader (core/retrieve) checks blocks of every hash function the node stores them
 * with (sha2-256, sha2-512, blake3), against a started daemon's gateway and a gateway that lies
 * about each; a CID of any other hash function is refused by name before anything is fetched.
 */
import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { CID } from "multiformats/cid";
import * as Digest from "multiformats/hashes/digest";
import { UnsupportedMultihashError } from "#core/multihash.ts";
import { VerifiedGatewayBlockstore } from "#core/retrieve/verified-blockstore.ts";
import { daemonForSuite } from "./daemon-suite.ts";

/** A gateway in front of `target` that answers every request with the real bytes, one flipped. */
async function startLyingGateway(target: string): Promise<{ url: string; requests: () => number; stop: () => Promise<void> }> {
  let requests = 0;
  const server = http.createServer(async (req, res) => {
    requests++;
    const answer = await fetch(`${target}${req.url}`, { headers: { accept: req.headers.accept ?? "*/*" } });
    const bytes = new Uint8Array(await answer.arrayBuffer());
    if (bytes.length > 0) bytes[bytes.length - 1] ^= 0xff;
    res.writeHead(answer.status, { "content-type": answer.headers.get("content-type") ?? "application/octet-stream" });
    res.end(bytes);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests: () => requests,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describe("verified reads of every hash the node supports", { timeout: 60_000 }, () => {
  const { daemon, api } = daemonForSuite();
  let liar: Awaited<ReturnType<typeof startLyingGateway>>;

  before(async () => {
    liar = await startLyingGateway(daemon.gatewayUrl);
  });

  after(async () => {
    await liar?.stop();
  });

  for (const mhtype of ["sha2-256", "sha2-512", "blake3"]) {
    it(`checks a ${mhtype} block: the lying gateway's bytes are rejected, the node's accepted`, async () => {
      const bytes = new TextEncoder().encode(`a block hashed with ${mhtype}\n`);
      const cid = CID.parse((await api.block.put(bytes, { mhtype })).toString());
      const reader = new VerifiedGatewayBlockstore([liar.url, daemon.gatewayUrl]);
      assert.deepEqual(await reader.getBlock(cid), bytes);
      assert.deepEqual(
        reader.failures.map((failure) => `${failure.gateway} ${failure.kind}`),
        [`${liar.url} mismatch`],
      );
      // only the liar: nothing matches, nothing is returned
      await assert.rejects(new VerifiedGatewayBlockstore([liar.url]).getBlock(cid), { name: "BlockUnavailableError" });
    });
  }

  it("refuses, by name and before fetching, a CID whose hash it cannot check (sha3-256, a 64-byte blake3)", async () => {
    const before = liar.requests();
    for (const [code, length] of [
      [0x16, 32], // sha3-256
      [0x1e, 64], // blake3 at 64 bytes (the node hashes 32)
    ]) {
      const cid = CID.createV1(0x55, Digest.create(code, new Uint8Array(length).fill(7)));
      const error = await new VerifiedGatewayBlockstore([liar.url]).getBlock(cid).catch((err: Error) => err);
      assert.ok(error instanceof UnsupportedMultihashError, `${cid}: ${error}`);
      assert.equal(error.name, "UnsupportedMultihashError");
      assert.match(error.message, /cannot be verified here .*not trusted/);
    }
    assert.equal(liar.requests(), before, "no gateway was asked");
  });
});
