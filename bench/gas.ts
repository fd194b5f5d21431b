/**
 * Gas benchmark: TodayILearned beside a plain OpenZeppelin ERC721URIStorage that stores
 * `ipfs://<CIDv1>/metadata.json` as a string, both deployed in the same in-process chain.
 * Prints a table, then one JSON line. Run with `npm run bench:gas`.
 *
 * Figures are each transaction's `gasUsed`, which INCLUDES the 21,000 intrinsic cost of a
 * transaction (and its calldata); the `...Execution` figures subtract the 21,000 (calldata stays).
 * Goals: publish <= 61,500 and batch of 100 <= 29,000 per entry (with intrinsic), revise <= 35,000
 * (without: one new storage slot alone is 22,100, so 35,000 with the intrinsic 21,000 is impossible).
 */
import { network } from "hardhat";
import { CID } from "multiformats/cid";
import * as Digest from "multiformats/hashes/digest";
import type { TodayILearned } from "../types/ethers-contracts/index.js";
import TodayILearnedModule from "../ignition/modules/TodayILearned.ts";

const GOALS = { publishGas: 61_500, batchGasPerEntry100: 29_000, reviseGasExecution: 35_000 };
const INTRINSIC = 21_000;

const { ethers, ignition } = await network.create();
const [author, other, newcomer] = await ethers.getSigners();

const { registry: deployed } = await ignition.deploy(TodayILearnedModule);
const registry = deployed as unknown as TodayILearned;
const baseline = await ethers.deployContract("URIStorageEntries");

let counter = 0;
function nextDigest(): string {
  counter += 1;
  return ethers.keccak256(ethers.toUtf8Bytes(`bench entry ${counter}`));
}
function metadataUri(digest: string): string {
  return `ipfs://${CID.createV1(0x70, Digest.create(0x12, ethers.getBytes(digest))).toString()}/metadata.json`;
}
async function gasOf(sent: Promise<{ wait(): Promise<{ gasUsed: bigint } | null> }>): Promise<number> {
  const receipt = await (await sent).wait();
  return Number(receipt!.gasUsed);
}

// Someone else publishes first, so "first" measures the author's first entry, not the chain's.
const noteKey = () => ethers.keccak256(ethers.toUtf8Bytes(`bench note ${counter}`));
await registry.connect(other).publish(nextDigest(), noteKey());
await baseline.connect(other).getFunction("mint")(metadataUri(nextDigest()));
const firstPublishGas = await gasOf(registry.connect(author).publish(nextDigest(), noteKey()));
const publishGas = await gasOf(registry.connect(author).publish(nextDigest(), noteKey()));
const shared = nextDigest();
await registry.connect(author).publish(shared, noteKey());
const sameCidOtherAuthorGas = await gasOf(registry.connect(other).publish(shared, noteKey()));
const sharedToken = await registry.tokenOf(author.address, shared);
const firstReviseGas = await gasOf(registry.connect(author).revise(sharedToken, nextDigest()));
const reviseGas = await gasOf(registry.connect(author).revise(sharedToken, nextDigest()));
const reviseGasExecution = reviseGas - INTRINSIC;
const batch = async (size: number) => {
  const digests = Array.from({ length: size }, nextDigest);
  return (await gasOf(registry.connect(author).publishBatch(digests, digests.map(noteKey)))) / size;
};
const batchGasPerEntry10 = Math.round(await batch(10));
const batchGasPerEntry100 = Math.round(await batch(100));
const firstTransferGas = await gasOf(registry.connect(author).transferFrom(author.address, newcomer.address, sharedToken));

const uriStorageFirstMintGas = await gasOf(baseline.connect(author).getFunction("mint")(metadataUri(nextDigest())));
const uriStorageMintGas = await gasOf(baseline.connect(author).getFunction("mint")(metadataUri(nextDigest())));

const ratioToUriStorage = Number((publishGas / uriStorageMintGas).toFixed(3));

const rows = [
  ["publish, author already holds a token", publishGas, uriStorageMintGas],
  ["publish, author's first entry", firstPublishGas, uriStorageFirstMintGas],
  ["publishBatch(10), per entry", batchGasPerEntry10, "-"],
  ["publishBatch(100), per entry", batchGasPerEntry100, "-"],
  ["publish of a CID another author holds", sameCidOtherAuthorGas, "-"],
  ["revise, first revision", firstReviseGas, "-"],
  ["revise, later revision", reviseGas, "-"],
  ["revise, later, without the 21,000", reviseGasExecution, "-"],
  ["first transfer away from the author", firstTransferGas, "-"],
];
console.log("\nGas used per transaction, including the 21,000 intrinsic gas unless said (in-process Hardhat chain, solc optimizer on)\n");
console.log(`${"operation".padEnd(40)} ${"TodayILearned".padStart(14)} ${"URIStorage".padStart(12)}`);
for (const [name, ours, theirs] of rows) {
  console.log(`${String(name).padEnd(40)} ${String(ours).padStart(14)} ${String(theirs).padStart(12)}`);
}
console.log(`\nratio publish / URIStorage mint: ${ratioToUriStorage}`);
const goals = {
  publishGas: publishGas <= GOALS.publishGas,
  batchGasPerEntry100: batchGasPerEntry100 <= GOALS.batchGasPerEntry100,
  reviseGasExecution: reviseGasExecution <= GOALS.reviseGasExecution,
};
console.log(
  `goals: publishGas <= ${GOALS.publishGas}: ${goals.publishGas ? "met" : "MISSED"}; batch of 100 <= ${GOALS.batchGasPerEntry100}/entry: ${goals.batchGasPerEntry100 ? "met" : "MISSED"}; revise without the 21,000 <= ${GOALS.reviseGasExecution}: ${goals.reviseGasExecution ? "met" : "MISSED"} (with it: ${reviseGas})\n`,
);

console.log(
  JSON.stringify({
    publishGas,
    firstPublishGas,
    batchGasPerEntry10,
    batchGasPerEntry100,
    sameCidOtherAuthorGas,
    firstReviseGas,
    reviseGas,
    reviseGasExecution,
    firstTransferGas,
    uriStorageMintGas,
    uriStorageFirstMintGas,
    ratioToUriStorage,
    intrinsicGasIncluded: true,
    goals,
    goalsMet: Object.values(goals).every(Boolean),
  }),
);
