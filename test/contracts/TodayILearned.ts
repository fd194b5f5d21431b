import { expect } from "chai";
import { network } from "hardhat";
import { CID } from "multiformats/cid";
import * as Digest from "multiformats/hashes/digest";
import type { Address, Hex } from "viem";
import type { TodayILearned } from "../../types/ethers-contracts/index.js";
import TodayILearnedModule from "../../ignition/modules/TodayILearned.ts";
import { collectionMetadata, collectionMetadataDataUri } from "#core/entry/metadata.ts";
import { entryTokenId } from "#core/contract/token-id.ts";
import { EntryEventReader, type LogSource } from "#core/contract/registry-events.ts";

const { ethers, ignition, networkHelpers } = await network.create();
const { AbiCoder, ZeroAddress, ZeroHash, getBytes, hexlify, keccak256, randomBytes, toBeHex, toUtf8Bytes } = ethers;

const DAG_PB = 0x70;
const SHA2_256 = 0x12;

/** The CIDv1 text of a dag-pb + sha2-256 digest, computed with multiformats, independently of the contract. */
function cidTextOf(digest: string): string {
  return CID.createV1(DAG_PB, Digest.create(SHA2_256, getBytes(digest))).toString();
}

function randomDigest(): string {
  return hexlify(randomBytes(32));
}

/** A note key as core/entry/note-identity.ts makes them: keccak256 of an identity string. */
function keyOf(identity: string): string {
  return keccak256(toUtf8Bytes(identity));
}

/** The v1 registry's fallback ids, keccak256(author, digest, i): what the v1 blocking attack precomputed. */
function v1DerivedTokenId(author: string, digest: string, i: number): bigint {
  return BigInt(keccak256(AbiCoder.defaultAbiCoder().encode(["address", "bytes32", "uint256"], [author, digest, i])));
}

async function deployFixture() {
  const [author, bob, carol] = await ethers.getSigners();
  // The same Ignition module that `npm start` and real deployments use.
  const { registry } = await ignition.deploy(TodayILearnedModule);
  return { registry: registry as unknown as TodayILearned, author, bob, carol };
}

/** Publishes `digest` as `signer` with a note key and returns the new token id. */
async function publishAs(registry: TodayILearned, signer: { address: string }, digest: string, noteKey = ZeroHash): Promise<bigint> {
  await registry.connect(signer as never).publish(digest, noteKey);
  return entryTokenId(signer.address, digest);
}

async function gasOf(sent: Promise<{ wait(): Promise<{ gasUsed: bigint } | null> }>): Promise<bigint> {
  return (await (await sent).wait())!.gasUsed;
}

describe("TodayILearned (registry v2)", () => {
  describe("deployment", () => {
    it("is an ERC-721 named Today I Learned (TIL) with no entries, answering ERC-165 for ERC-721, its metadata and ERC-4906", async () => {
      const { registry } = await networkHelpers.loadFixture(deployFixture);
      expect(await registry.name()).to.equal("Today I Learned");
      expect(await registry.symbol()).to.equal("TIL");
      expect(await registry.totalEntries()).to.equal(0n);
      expect(await registry.supportsInterface("0x01ffc9a7")).to.equal(true); // ERC-165
      expect(await registry.supportsInterface("0x80ac58cd")).to.equal(true); // ERC-721
      expect(await registry.supportsInterface("0x5b5e139f")).to.equal(true); // ERC-721 metadata
      expect(await registry.supportsInterface("0x49064906")).to.equal(true); // ERC-4906
      expect(await registry.supportsInterface("0xffffffff")).to.equal(false);
    });

    it("answers ERC-7572 contractURI with the collection metadata given at deployment, and says so with ContractURIUpdated", async () => {
      const { registry } = await networkHelpers.loadFixture(deployFixture);
      expect(await registry.contractURI()).to.equal(collectionMetadataDataUri(collectionMetadata()));
      const deployed = await ethers.deployContract("TodayILearned", ["ipfs://bafybeiczsscdsbs7ffqz55asqdf3smv6klcw3gofszvwlyarci47bgf354/collection.json"]);
      await expect(deployed.deploymentTransaction()).to.emit(deployed, "ContractURIUpdated");
      expect(await deployed.getFunction("contractURI")()).to.equal("ipfs://bafybeiczsscdsbs7ffqz55asqdf3smv6klcw3gofszvwlyarci47bgf354/collection.json");
    });

    it("refuses an empty contract URI", async () => {
      const factory = await ethers.getContractFactory("TodayILearned");
      await expect(factory.deploy("")).to.be.revertedWithCustomError(factory, "TILEmptyContractURI");
    });
  });

  describe("publish", () => {
    it("mints to the caller under the author's own id and emits Transfer and EntryPublished with the note key", async () => {
      const { registry, author } = await networkHelpers.loadFixture(deployFixture);
      const digest = randomDigest();
      const tokenId = entryTokenId(author.address, digest);
      expect(await registry.tokenIdFor(author.address, digest)).to.equal(tokenId);
      expect(tokenId >> 96n).to.equal(BigInt(author.address));
      const tx = registry.connect(author).publish(digest, keyOf("path:rust/closures.md"));
      await expect(tx).to.emit(registry, "Transfer").withArgs(ZeroAddress, author.address, tokenId);
      await expect(tx).to.emit(registry, "EntryPublished").withArgs(tokenId, author.address, digest, keyOf("path:rust/closures.md"));
      expect(await registry.ownerOf(tokenId)).to.equal(author.address);
      expect(await registry.balanceOf(author.address)).to.equal(1n);
      expect(await registry.totalEntries()).to.equal(1n);
    });

    it("records author, owner, time, sequence, digest and revision count, readable without logs", async () => {
      const { registry, author } = await networkHelpers.loadFixture(deployFixture);
      const first = randomDigest();
      const second = randomDigest();
      await publishAs(registry, author, first);
      await networkHelpers.time.increase(3600);
      const receipt = await (await registry.connect(author).publish(second, ZeroHash)).wait();
      const id = entryTokenId(author.address, second);
      const block = await ethers.provider.getBlock(receipt!.blockNumber);
      const entry = await registry.entry(id);
      expect(entry.author).to.equal(author.address);
      expect(entry.owner).to.equal(author.address);
      expect(entry.publishedAt).to.equal(BigInt(block!.timestamp));
      expect(entry.sequence).to.equal(2n);
      expect(entry.digest).to.equal(second);
      expect(entry.revisionCount).to.equal(0n);
      expect(await registry.publishedAt(id)).to.equal(BigInt(block!.timestamp));
      expect(await registry.authorOf(id)).to.equal(author.address);
      expect(await registry.digestOf(id)).to.equal(second);
      expect(await registry.digestAt(id, 0)).to.equal(second);
      expect(await registry.revisionCount(id)).to.equal(0n);
      expect(await registry.cidOf(id)).to.equal(`0x01701220${second.slice(2)}`);
      expect(await registry.totalEntries()).to.equal(2n);
    });

    it("reverts with TILZeroDigest for a zero digest", async () => {
      const { registry, author } = await networkHelpers.loadFixture(deployFixture);
      await expect(registry.connect(author).publish(ZeroHash, ZeroHash)).to.be.revertedWithCustomError(registry, "TILZeroDigest").withArgs(0n);
    });

    describe("when the same author publishes the same CID again", () => {
      it("reverts with TILEntryAlreadyPublished naming the existing token, and mints nothing", async () => {
        const { registry, author } = await networkHelpers.loadFixture(deployFixture);
        const digest = randomDigest();
        const id = await publishAs(registry, author, digest);
        await expect(registry.connect(author).publish(digest, keyOf("another note")))
          .to.be.revertedWithCustomError(registry, "TILEntryAlreadyPublished")
          .withArgs(author.address, digest, id);
        expect(await registry.totalEntries()).to.equal(1n);
        expect(await registry.balanceOf(author.address)).to.equal(1n);
      });

      it("lets the client recover the token with tokenOf and tokensOf", async () => {
        const { registry, author, bob } = await networkHelpers.loadFixture(deployFixture);
        const [published, fresh, shared] = [randomDigest(), randomDigest(), randomDigest()];
        expect(await registry.tokenOf(author.address, published)).to.equal(0n);
        await registry.connect(author).publishBatch([published, shared], [ZeroHash, ZeroHash]);
        await registry.connect(bob).publish(shared, ZeroHash);
        expect(await registry.tokenOf(author.address, published)).to.equal(entryTokenId(author.address, published));
        expect(await registry.tokenOf(bob.address, published)).to.equal(0n);
        expect(await registry.tokenOf(author.address, ZeroHash)).to.equal(0n);
        expect(await registry.tokensOf(author.address, [published, fresh, ZeroHash, shared])).to.deep.equal([
          entryTokenId(author.address, published),
          0n,
          0n,
          entryTokenId(author.address, shared),
        ]);
        expect(await registry.tokensOf(bob.address, [published, shared])).to.deep.equal([0n, entryTokenId(bob.address, shared)]);
        expect(await registry.tokensOf(bob.address, [])).to.deep.equal([]);
      });
    });

    describe("when another account publishes the same CID (a copy)", () => {
      it("gives each author their own token of that CID", async () => {
        const { registry, author, bob } = await networkHelpers.loadFixture(deployFixture);
        const digest = randomDigest();
        const authorToken = await publishAs(registry, author, digest);
        const bobToken = entryTokenId(bob.address, digest);
        await expect(registry.connect(bob).publish(digest, ZeroHash)).to.emit(registry, "EntryPublished").withArgs(bobToken, bob.address, digest, ZeroHash);
        expect(await registry.authorOf(authorToken)).to.equal(author.address);
        expect(await registry.authorOf(bobToken)).to.equal(bob.address);
        expect(await registry.digestOf(bobToken)).to.equal(digest);
        expect(await registry.tokenURI(bobToken)).to.equal(await registry.tokenURI(authorToken));
        await expect(registry.connect(bob).publish(digest, ZeroHash))
          .to.be.revertedWithCustomError(registry, "TILEntryAlreadyPublished")
          .withArgs(bob.address, digest, bobToken);
      });

      it("gains a copier of a pending transaction nothing: the author's transaction still mints the author's own id", async () => {
        const { registry, author, bob } = await networkHelpers.loadFixture(deployFixture);
        const digest = randomDigest();
        // bob sees the author's pending publish and sends the same call first.
        const copied = (await registry.connect(author).publish.populateTransaction(digest, keyOf("path:a.md"))).data;
        await bob.sendTransaction({ to: await registry.getAddress(), data: copied });
        await registry.connect(author).publish(digest, keyOf("path:a.md"));
        const authorToken = entryTokenId(author.address, digest);
        expect(await registry.tokenOf(author.address, digest)).to.equal(authorToken);
        expect(await registry.authorOf(authorToken)).to.equal(author.address);
        expect(await registry.ownerOf(authorToken)).to.equal(author.address);
        expect(await registry.authorOf(entryTokenId(bob.address, digest))).to.equal(bob.address);
      });
    });

    describe("the blocking attack (v1: precomputed fallback ids made the victim's publish cost ~2.7k more each)", () => {
      it("costs the victim nothing: after 400 attacking entries, publish and revise use exactly the gas they use without them", async () => {
        const { registry, author, bob } = await networkHelpers.loadFixture(deployFixture);
        const [digest, next] = [randomDigest(), randomDigest()];
        await publishAs(registry, author, randomDigest()); // the victim has published before
        await publishAs(registry, bob, randomDigest());
        const baseline = await networkHelpers.takeSnapshot();
        const cleanPublish = await gasOf(registry.connect(author).publish(digest, ZeroHash));
        const cleanRevise = await gasOf(registry.connect(author).revise(entryTokenId(author.address, digest), next));
        await baseline.restore();

        // bob publishes everything the victim's ids could be made of: the digests themselves, the
        // victim's v2 id as a digest, and 397 of the v1 fallback ids.
        const victimId = entryTokenId(author.address, digest);
        const attack = [
          digest,
          next,
          toBeHex(victimId, 32),
          ...Array.from({ length: 397 }, (_, i) => toBeHex(v1DerivedTokenId(author.address, digest, i + 1), 32)),
        ];
        for (let i = 0; i < attack.length; i += 100) {
          const chunk = attack.slice(i, i + 100);
          await registry.connect(bob).publishBatch(
            chunk,
            chunk.map(() => ZeroHash),
          );
        }
        const attackedPublish = await gasOf(registry.connect(author).publish(digest, ZeroHash));
        const attackedRevise = await gasOf(registry.connect(author).revise(victimId, next));
        // The stated bound: others' transactions add 0 gas to an author's publish or revise.
        expect(attackedPublish).to.equal(cleanPublish);
        expect(attackedRevise).to.equal(cleanRevise);
        expect(await registry.authorOf(victimId)).to.equal(author.address);
        expect(await registry.digestOf(victimId)).to.equal(next);
      });
    });
  });

  describe("publishBatch", () => {
    it("reverts with TILEmptyBatch for no digests and TILBatchLengthMismatch when note keys do not match", async () => {
      const { registry, author } = await networkHelpers.loadFixture(deployFixture);
      await expect(registry.connect(author).publishBatch([], [])).to.be.revertedWithCustomError(registry, "TILEmptyBatch");
      await expect(registry.connect(author).publishBatch([randomDigest(), randomDigest()], [ZeroHash]))
        .to.be.revertedWithCustomError(registry, "TILBatchLengthMismatch")
        .withArgs(2n, 1n);
    });

    it("publishes every digest in order, as many publish calls would", async () => {
      const { registry, author, bob } = await networkHelpers.loadFixture(deployFixture);
      await publishAs(registry, bob, randomDigest());
      const digests = Array.from({ length: 5 }, randomDigest);
      const keys = digests.map((_, i) => keyOf(`path:note-${i}.md`));
      const ids = await registry.connect(author).publishBatch.staticCall(digests, keys);
      expect(ids).to.deep.equal(digests.map((d) => entryTokenId(author.address, d)));
      const tx = registry.connect(author).publishBatch(digests, keys);
      for (const [i, d] of digests.entries()) {
        await expect(tx).to.emit(registry, "EntryPublished").withArgs(ids[i], author.address, d, keys[i]);
        await expect(tx).to.emit(registry, "Transfer").withArgs(ZeroAddress, author.address, ids[i]);
      }
      for (const [i, id] of ids.entries()) {
        const entry = await registry.entry(id);
        expect(entry.sequence).to.equal(BigInt(i + 2));
        expect(entry.author).to.equal(author.address);
      }
      expect(await registry.totalEntries()).to.equal(6n);
      expect(await registry.balanceOf(author.address)).to.equal(5n);
    });

    it("reverts with TILDuplicateInBatch when a digest appears twice, publishing none", async () => {
      const { registry, author } = await networkHelpers.loadFixture(deployFixture);
      const [a, b] = [randomDigest(), randomDigest()];
      await expect(registry.connect(author).publishBatch([a, b, a], [ZeroHash, ZeroHash, ZeroHash]))
        .to.be.revertedWithCustomError(registry, "TILDuplicateInBatch")
        .withArgs(a, 0n, 2n);
      expect(await registry.totalEntries()).to.equal(0n);
    });

    it("reverts with TILEntryAlreadyPublished when one digest was published before, publishing none", async () => {
      const { registry, author } = await networkHelpers.loadFixture(deployFixture);
      const old = randomDigest();
      const id = await publishAs(registry, author, old);
      await expect(registry.connect(author).publishBatch([randomDigest(), old], [ZeroHash, ZeroHash]))
        .to.be.revertedWithCustomError(registry, "TILEntryAlreadyPublished")
        .withArgs(author.address, old, id);
      expect(await registry.totalEntries()).to.equal(1n);
    });

    it("reverts with TILZeroDigest naming the position of a zero digest", async () => {
      const { registry, author } = await networkHelpers.loadFixture(deployFixture);
      await expect(registry.connect(author).publishBatch([randomDigest(), randomDigest(), ZeroHash], [ZeroHash, ZeroHash, ZeroHash]))
        .to.be.revertedWithCustomError(registry, "TILZeroDigest")
        .withArgs(2n);
    });

    it("reverts with TILTokenIdCollision for two digests of one author sharing their top 96 bits (only the author can cause it)", async () => {
      const { registry, author } = await networkHelpers.loadFixture(deployFixture);
      const a = `0x${"11".repeat(12)}${"22".repeat(20)}`;
      const b = `0x${"11".repeat(12)}${"33".repeat(20)}`;
      const id = await publishAs(registry, author, a);
      await expect(registry.connect(author).publish(b, ZeroHash))
        .to.be.revertedWithCustomError(registry, "TILTokenIdCollision")
        .withArgs(author.address, b, id);
      expect(await registry.tokenOf(author.address, b)).to.equal(0n);
    });

    it("publishes a very large batch (500 entries) in one transaction", async () => {
      const { registry, author } = await networkHelpers.loadFixture(deployFixture);
      const digests = Array.from({ length: 500 }, randomDigest);
      const receipt = await (
        await registry.connect(author).publishBatch(
          digests,
          digests.map(() => ZeroHash),
        )
      ).wait();
      expect(receipt!.status).to.equal(1);
      expect(await registry.totalEntries()).to.equal(500n);
      expect(await registry.balanceOf(author.address)).to.equal(500n);
      expect((await registry.entry(entryTokenId(author.address, digests[499]))).sequence).to.equal(500n);
    });
  });

  describe("revise", () => {
    it("adds a version: EntryRevised and ERC-4906 MetadataUpdate, tokenURI and entry() follow the latest, every version stays readable", async () => {
      const { registry, author } = await networkHelpers.loadFixture(deployFixture);
      const versions = [randomDigest(), randomDigest(), randomDigest()];
      const id = await publishAs(registry, author, versions[0], keyOf("path:a.md"));
      for (const [i, digest] of versions.slice(1).entries()) {
        const revision = BigInt(i + 1);
        expect(await registry.connect(author).revise.staticCall(id, digest)).to.equal(revision);
        const tx = registry.connect(author).revise(id, digest);
        await expect(tx).to.emit(registry, "EntryRevised").withArgs(id, revision, digest);
        await expect(tx).to.emit(registry, "MetadataUpdate").withArgs(id);
        await expect(tx).to.not.emit(registry, "Transfer");
        expect(await registry.tokenURI(id)).to.equal(`ipfs://${cidTextOf(digest)}/metadata.json`);
        expect(await registry.digestOf(id)).to.equal(digest);
        expect(await registry.revisionCount(id)).to.equal(revision);
      }
      for (const [n, digest] of versions.entries()) expect(await registry.digestAt(id, n)).to.equal(digest);
      const entry = await registry.entry(id);
      expect([entry.digest, entry.revisionCount, entry.sequence]).to.deep.equal([versions[2], 2n, 1n]);
      expect(await registry.cidOf(id)).to.equal(`0x01701220${versions[2].slice(2)}`);
      expect(await registry.tokenOf(author.address, versions[0])).to.equal(id, "the first version still finds the token");
      expect(await registry.totalEntries()).to.equal(1n);
      await expect(registry.digestAt(id, 3)).to.be.revertedWithCustomError(registry, "TILNoSuchRevision").withArgs(id, 3n, 2n);
    });

    it("is for the author only: not another account, not a later owner; the author still revises after a transfer", async () => {
      const { registry, author, bob, carol } = await networkHelpers.loadFixture(deployFixture);
      const id = await publishAs(registry, author, randomDigest());
      const next = randomDigest();
      await expect(registry.connect(bob).revise(id, next)).to.be.revertedWithCustomError(registry, "TILNotAuthor").withArgs(id, bob.address, author.address);
      await registry.connect(author).transferFrom(author.address, carol.address, id);
      await expect(registry.connect(carol).revise(id, next))
        .to.be.revertedWithCustomError(registry, "TILNotAuthor")
        .withArgs(id, carol.address, author.address);
      await expect(registry.connect(author).revise(id, next)).to.emit(registry, "EntryRevised").withArgs(id, 1n, next);
      expect(await registry.ownerOf(id)).to.equal(carol.address);
    });

    it("refuses the latest digest (TILUnchangedDigest), another entry's digest (TILDigestIsAnotherEntry), zero, and a token that does not exist", async () => {
      const { registry, author } = await networkHelpers.loadFixture(deployFixture);
      const [a, b, c] = [randomDigest(), randomDigest(), randomDigest()];
      const first = await publishAs(registry, author, a);
      const second = await publishAs(registry, author, b);
      await expect(registry.connect(author).revise(first, a)).to.be.revertedWithCustomError(registry, "TILUnchangedDigest").withArgs(first, a);
      await expect(registry.connect(author).revise(first, b)).to.be.revertedWithCustomError(registry, "TILDigestIsAnotherEntry").withArgs(first, b, second);
      await expect(registry.connect(author).revise(first, ZeroHash)).to.be.revertedWithCustomError(registry, "TILZeroDigest").withArgs(0n);
      const missing = entryTokenId(author.address, c);
      await expect(registry.connect(author).revise(missing, a)).to.be.revertedWithCustomError(registry, "ERC721NonexistentToken").withArgs(missing);
      await registry.connect(author).revise(first, c);
      await expect(registry.connect(author).revise(first, c)).to.be.revertedWithCustomError(registry, "TILUnchangedDigest").withArgs(first, c);
    });

    it("tells a new digest from the latest when they share the lowest byte the record keeps (only then is the latest read)", async () => {
      const { registry, author } = await networkHelpers.loadFixture(deployFixture);
      const id = await publishAs(registry, author, randomDigest());
      const latest = `0x${"11".repeat(31)}ab`;
      const sameByte = `0x${"22".repeat(31)}ab`;
      await registry.connect(author).revise(id, latest);
      await expect(registry.connect(author).revise(id, latest)).to.be.revertedWithCustomError(registry, "TILUnchangedDigest").withArgs(id, latest);
      await expect(registry.connect(author).revise(id, sameByte)).to.emit(registry, "EntryRevised").withArgs(id, 2n, sameByte);
      await expect(registry.connect(author).revise(id, sameByte)).to.be.revertedWithCustomError(registry, "TILUnchangedDigest").withArgs(id, sameByte);
      await expect(registry.connect(author).revise(id, latest)).to.emit(registry, "EntryRevised").withArgs(id, 3n, latest);
      expect(await registry.digestOf(id)).to.equal(latest);
    });

    it("may go back to an earlier version, which becomes a new revision", async () => {
      const { registry, author } = await networkHelpers.loadFixture(deployFixture);
      const [a, b] = [randomDigest(), randomDigest()];
      const id = await publishAs(registry, author, a);
      await registry.connect(author).revise(id, b);
      await expect(registry.connect(author).revise(id, a)).to.emit(registry, "EntryRevised").withArgs(id, 2n, a);
      expect([await registry.digestAt(id, 0), await registry.digestAt(id, 1), await registry.digestAt(id, 2)]).to.deep.equal([a, b, a]);
    });
  });

  describe("transfers", () => {
    it("change the owner but keep the author, through any number of transfers", async () => {
      const { registry, author, bob, carol } = await networkHelpers.loadFixture(deployFixture);
      const digest = randomDigest();
      const id = await publishAs(registry, author, digest);
      await expect(registry.connect(author).transferFrom(author.address, bob.address, id))
        .to.emit(registry, "Transfer")
        .withArgs(author.address, bob.address, id);
      await registry.connect(bob)["safeTransferFrom(address,address,uint256)"](bob.address, carol.address, id);
      expect(await registry.ownerOf(id)).to.equal(carol.address);
      expect(await registry.authorOf(id)).to.equal(author.address);
      const entry = await registry.entry(id);
      expect([entry.author, entry.owner, entry.digest]).to.deep.equal([author.address, carol.address, digest]);
      expect(await registry.balanceOf(author.address)).to.equal(0n);
      expect(await registry.balanceOf(bob.address)).to.equal(0n);
      expect(await registry.balanceOf(carol.address)).to.equal(1n);
      await registry.connect(carol).transferFrom(carol.address, author.address, id);
      expect(await registry.authorOf(id)).to.equal(author.address);
      expect(await registry.ownerOf(id)).to.equal(author.address);
    });

    it("keep the author's claim: the author still cannot publish the CID twice, the new owner gets their own token", async () => {
      const { registry, author, bob } = await networkHelpers.loadFixture(deployFixture);
      const digest = randomDigest();
      const id = await publishAs(registry, author, digest);
      await registry.connect(author).transferFrom(author.address, bob.address, id);
      await expect(registry.connect(author).publish(digest, ZeroHash))
        .to.be.revertedWithCustomError(registry, "TILEntryAlreadyPublished")
        .withArgs(author.address, digest, id);
      await registry.connect(bob).publish(digest, ZeroHash);
      expect(await registry.authorOf(await registry.tokenOf(bob.address, digest))).to.equal(bob.address);
      expect(await registry.balanceOf(bob.address)).to.equal(2n);
    });

    it("clear the approval and need authorisation", async () => {
      const { registry, author, bob, carol } = await networkHelpers.loadFixture(deployFixture);
      const id = await publishAs(registry, author, randomDigest());
      await expect(registry.connect(bob).transferFrom(author.address, bob.address, id))
        .to.be.revertedWithCustomError(registry, "ERC721InsufficientApproval")
        .withArgs(bob.address, id);
      await registry.connect(author).approve(carol.address, id);
      await registry.connect(carol).transferFrom(author.address, bob.address, id);
      expect(await registry.getApproved(id)).to.equal(ZeroAddress);
      await expect(registry.connect(bob).transferFrom(author.address, carol.address, id))
        .to.be.revertedWithCustomError(registry, "ERC721IncorrectOwner")
        .withArgs(author.address, id, bob.address);
      await expect(registry.connect(bob).transferFrom(bob.address, ZeroAddress, id))
        .to.be.revertedWithCustomError(registry, "ERC721InvalidReceiver")
        .withArgs(ZeroAddress);
    });
  });

  describe("views of a token that does not exist", () => {
    it("revert with ERC721NonexistentToken", async () => {
      const { registry, author } = await networkHelpers.loadFixture(deployFixture);
      const id = entryTokenId(author.address, randomDigest());
      for (const call of [
        () => registry.ownerOf(id),
        () => registry.entry(id),
        () => registry.authorOf(id),
        () => registry.digestOf(id),
        () => registry.digestAt(id, 0),
        () => registry.revisionCount(id),
        () => registry.cidOf(id),
        () => registry.publishedAt(id),
        () => registry.tokenURI(id),
      ]) {
        await expect(call()).to.be.revertedWithCustomError(registry, "ERC721NonexistentToken").withArgs(id);
      }
      await expect(registry.balanceOf(ZeroAddress)).to.be.revertedWithCustomError(registry, "ERC721InvalidOwner").withArgs(ZeroAddress);
    });
  });

  describe("tokenURI", () => {
    it("is ipfs://<CIDv1 base32>/metadata.json, equal to multiformats' CID for 300 random digests, for every copy", async () => {
      const { registry, author, bob } = await networkHelpers.loadFixture(deployFixture);
      const digests = Array.from({ length: 300 }, randomDigest);
      // Edge patterns for the base32 bit packing and the id / record split of the digest.
      digests.push(`0x${"ff".repeat(32)}`, `0x${"00".repeat(31)}01`, `0x80${"00".repeat(31)}`, `0x${"a5".repeat(32)}`);
      await registry.connect(author).publishBatch(
        digests,
        digests.map(() => ZeroHash),
      );
      await registry.connect(bob).publishBatch(
        digests.slice(0, 20),
        digests.slice(0, 20).map(() => ZeroHash),
      );
      for (const digest of digests) {
        const id = entryTokenId(author.address, digest);
        expect(await registry.tokenURI(id)).to.equal(`ipfs://${cidTextOf(digest)}/metadata.json`);
        expect(await registry.cidOf(id)).to.equal(hexlify(CID.parse(cidTextOf(digest)).bytes));
      }
      for (const digest of digests.slice(0, 20)) {
        expect(await registry.tokenURI(entryTokenId(bob.address, digest))).to.equal(`ipfs://${cidTextOf(digest)}/metadata.json`);
      }
    });
  });

  describe("events, read through the shared reader (core/contract/registry-events.ts)", () => {
    /** The reader's LogSource over the in-process chain. */
    async function readerOf(registry: TodayILearned): Promise<EntryEventReader> {
      const source: LogSource = {
        getLogs: async ({ address, fromBlock, toBlock, topics }) =>
          (await ethers.provider.getLogs({ address, fromBlock, toBlock, topics })).map((log) => ({
            topics: log.topics as Hex[],
            data: log.data as Hex,
            blockNumber: BigInt(log.blockNumber),
            logIndex: log.index,
            transactionHash: log.transactionHash as Hex,
          })),
        blockNumber: async () => BigInt(await ethers.provider.getBlockNumber()),
      };
      return new EntryEventReader(source, (await registry.getAddress()) as Address);
    }

    it("answer with one query: all entries, one author's, the tokens of one CID (published or revised to it), one author's note", async () => {
      const { registry, author, bob } = await networkHelpers.loadFixture(deployFixture);
      const shared = randomDigest();
      const mine = [randomDigest(), randomDigest(), shared];
      const keys = [keyOf("path:a.md"), keyOf("path:b.md"), keyOf("path:c.md")];
      await registry.connect(author).publishBatch(mine, keys);
      await registry.connect(bob).publish(shared, keyOf("path:a.md"));
      const [revisedTo, bobs] = [randomDigest(), randomDigest()];
      await registry.connect(bob).publish(bobs, ZeroHash);
      const first = entryTokenId(author.address, mine[0]);
      await registry.connect(author).revise(first, revisedTo);
      await registry.connect(author).revise(first, bobs); // a revision may be anyone's content, just not another entry of the author
      const reader = await readerOf(registry);
      const all = await reader.read(0n);
      expect(all.map((e) => e.tokenId)).to.deep.equal([
        ...mine.map((d) => entryTokenId(author.address, d)),
        entryTokenId(bob.address, shared),
        entryTokenId(bob.address, bobs),
      ]);
      expect(all.map((e) => e.noteKey)).to.deep.equal([...keys, keyOf("path:a.md"), ZeroHash]);
      expect((await reader.read(0n, undefined, { author: author.address as Address })).map((e) => e.digest)).to.deep.equal(mine);
      const ofNote = await reader.entriesOfNote(author.address as Address, keyOf("path:a.md") as Hex, 0n);
      expect(ofNote.map((e) => e.tokenId)).to.deep.equal([first]);
      expect(await reader.tokensOfDigest(shared as Hex, 0n)).to.deep.equal([entryTokenId(author.address, shared), entryTokenId(bob.address, shared)]);
      expect(await reader.tokensOfDigest(bobs as Hex, 0n)).to.deep.equal([entryTokenId(bob.address, bobs), first]);
      const history = await reader.readRevisions(0n, undefined, { tokenId: first });
      expect(history.map((e) => [e.revision, e.digest, e.cid])).to.deep.equal([
        [1n, revisedTo, cidTextOf(revisedTo)],
        [2n, bobs, cidTextOf(bobs)],
      ]);
      expect(await reader.readRevisions(0n, undefined, { tokenId: entryTokenId(bob.address, shared) })).to.deep.equal([]);
    });
  });
});
