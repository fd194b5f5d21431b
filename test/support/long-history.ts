/**
 * A chain whose entries are spread over a long history, as on a public chain: chunks of notes
 * published with `til import`, with empty blocks mined between them (`hardhat_mine` mines any
 * count in one call). Used by the long-history e2e test and bench:frontend.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { tilImport, type Stack } from "../e2e/stack.ts";

/** Mines `count` empty blocks on the Hardhat node at `rpcUrl`. */
export async function mineBlocks(rpcUrl: string, count: number): Promise<void> {
  const response = await fetch(rpcUrl, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "hardhat_mine", params: [`0x${count.toString(16)}`] }),
  });
  const answer = (await response.json()) as { error?: { message: string } };
  if (answer.error) throw new Error(`hardhat_mine: ${answer.error.message}`);
}

/** The latest block number at `rpcUrl`. */
export async function latestBlock(rpcUrl: string): Promise<bigint> {
  const response = await fetch(rpcUrl, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_blockNumber", params: [] }),
  });
  return BigInt(((await response.json()) as { result: string }).result);
}

/** The title of note `i` of chunk `chunk` (both 1-based). */
export const spreadTitle = (chunk: number, i: number) => `Chunk ${chunk} note ${i}`;

/**
 * Publishes `chunks` chunks of `perChunk` notes each, mining `gapBlocks` empty blocks before each
 * chunk after the first (and `tailBlocks` after the last). The notes' dates follow their publishing
 * order, so the feed lists them the same way by date or by block. Returns the number published.
 */
export async function publishSpread(
  stack: Stack,
  options: { chunks: number; perChunk: number; gapBlocks: number; tailBlocks?: number; label?: string },
): Promise<number> {
  let published = 0;
  for (let chunk = 1; chunk <= options.chunks; chunk++) {
    if (chunk > 1) await mineBlocks(stack.rpcUrl, options.gapBlocks);
    const dir = await mkdtemp(path.join(os.tmpdir(), "til-spread-"));
    for (let i = 1; i <= options.perChunk; i++) {
      const title = `${options.label ?? ""}${spreadTitle(chunk, i)}`;
      await writeFile(
        path.join(dir, `c${chunk}-n${i}.md`),
        `---\ntitle: "${title}"\ndate: ${new Date(Date.UTC(2000 + chunk, 0, 1) + i * 86_400_000).toISOString().slice(0, 10)}\ntags: [chunk${chunk}, spread]\n---\n${title}: published after ${chunk - 1} gaps of ${options.gapBlocks} blocks.\n`,
      );
    }
    const summary = tilImport(stack, dir);
    await rm(dir, { recursive: true, force: true });
    published += Number(summary.published);
  }
  if (options.tailBlocks) await mineBlocks(stack.rpcUrl, options.tailBlocks);
  return published;
}
