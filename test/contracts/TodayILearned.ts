import { expect } from "chai";
import { network } from "hardhat";
import { CID } from "multiformats/cid";
import * as Digest from "multiformats/hashes/digest";
import type { TodayILearned } from "../../types/ethers-contracts/index.js";
import TodayILearnedModule from "../../ignition/modules/TodayILearned.ts";

const { ethers, ignition, networkHelpers } = await network.create();
const { AbiCoder, ZeroAddress, ZeroHash, getBytes, hexlify, keccak256, randomBytes, toBeHex } = ethers;

const DAG_PB = 0x70;
const SHA2_256 = 0x12;

/** The CIDv1 text of a dag-pb + sha2-256 digest, computed with multiformats, independently of the contract. */
function cidTextOf(digest: string): string {
  return CID.createV1(DAG_PB, Digest.create(SHA2_256, getBytes(digest))).toString();
}

function randomDigest(): string {
  return hexlify(randomBytes(32));
}

/** The token id a later author of an already-published digest gets: keccak256(author, digest, i). */
function derivedTokenId(author: string, digest: string, i: number): bigint {
  return BigInt(keccak256(AbiCoder.defaultAbiCoder().encode(["address", "bytes32", "uint256"], [author, digest, i])));
}

async function deployFixture() {
  const [author, bob, carol] = await ethers.getSigners();
  // The same Ignition module that `npm start` and real deployments use.
  const { registry } = await ignition.deploy(TodayILearnedModule);
  return { registry: registry as unknown as TodayILearned, author, bob, carol };
}

describe("TodayILearned", () => {
  describe("deployment", () => {
    it("is an ERC-721 named Today I Learned (TIL) with no entries", async () => {
      const { registry } = await networkHelpers.loadFixture(deployFixture);
      expect(await registry.name()).to.equal("Today I Learned");
      expect(await registry.symbol()).to.equal("TIL");
      expect(await registry.totalEntries()).to.equal(0n);
      expect(await registry.supportsInterface("0x80ac58cd")).to.equal(true); // ERC-721
      expect(await registry.supportsInterface("0x5b5e139f")).to.equal(true); // ERC-721 metadata
    });
  });

  describe("publish", () => {
    it("mints the entry to the caller with the digest as token id and emits Transfer and EntryPublished", async () => {
      const { registry, author } = await networkHelpers.loadFixture(deployFixture);
      const digest = randomDigest();
      const tokenId = BigInt(digest);
      const tx = registry.connect(author).publish(digest);
      await expect(tx).to.emit(registry, "Transfer").withArgs(ZeroAddress, author.address, tokenId);
      await expect(tx).to.emit(registry, "EntryPublished").withArgs(tokenId, author.address, digest);
      expect(await registry.ownerOf(tokenId)).to.equal(author.address);
      expect(await registry.balanceOf(author.address)).to.equal(1n);
      expect(await registry.totalEntries()).to.equal(1n);
    });

    it("records author, owner, time, sequence and digest, readable without logs", async () => {
      const { registry, author } = await networkHelpers.loadFixture(deployFixture);
      const first = randomDigest();
      const second = randomDigest();
      await registry.connect(author).publish(first);
      await networkHelpers.time.increase(3600);
      const receipt = await (await registry.connect(author).publish(second)).wait();
      const block = await ethers.provider.getBlock(receipt!.blockNumber);
      const entry = await registry.entry(BigInt(second));
      expect(entry.author).to.equal(author.address);
      expect(entry.owner).to.equal(author.address);
      expect(entry.publishedAt).to.equal(BigInt(block!.timestamp));
      expect(entry.sequence).to.equal(2n);
      expect(entry.digest).to.equal(second);
      expect(await registry.publishedAt(BigInt(second))).to.equal(BigInt(block!.timestamp));
      expect(await registry.authorOf(BigInt(second))).to.equal(author.address);
      expect(await registry.digestOf(BigInt(second))).to.equal(second);
      expect(await registry.cidOf(BigInt(second))).to.equal("0x01701220" + second.slice(2));
      expect(await registry.totalEntries()).to.equal(2n);
    });

    it("reverts with TILZeroDigest for a zero digest", async () => {
      const { registry, author } = await networkHelpers.loadFixture(deployFixture);
      await expect(registry.connect(author).publish(ZeroHash)).to.be.revertedWithCustomError(registry, "TILZeroDigest").withArgs(0n);
    });

    describe("when the same author publishes the same CID again", () => {
      it("reverts with TILEntryAlreadyPublished naming the existing token, and mints nothing", async () => {
        const { registry, author } = await networkHelpers.loadFixture(deployFixture);
        const digest = randomDigest();
        await registry.connect(author).publish(digest);
        await expect(registry.connect(author).publish(digest))
          .to.be.revertedWithCustomError(registry, "TILEntryAlreadyPublished")
          .withArgs(author.address, digest, BigInt(digest));
        expect(await registry.totalEntries()).to.equal(1n);
        expect(await registry.balanceOf(author.address)).to.equal(1n);
      });

      it("lets the client recover the token with tokenOf", async () => {
        const { registry, author, bob } = await networkHelpers.loadFixture(deployFixture);
        const digest = randomDigest();
        expect(await registry.tokenOf(author.address, digest)).to.equal(0n);
        await registry.connect(author).publish(digest);
        expect(await registry.tokenOf(author.address, digest)).to.equal(BigInt(digest));
        expect(await registry.tokenOf(bob.address, digest)).to.equal(0n);
        expect(await registry.tokenOf(author.address, ZeroHash)).to.equal(0n);
      });

      it("lets the client check a whole batch with tokensOf", async () => {
        const { registry, author, bob } = await networkHelpers.loadFixture(deployFixture);
        const [published, fresh, shared] = [randomDigest(), randomDigest(), randomDigest()];
        await registry.connect(author).publishBatch([published, shared]);
        await registry.connect(bob).publish(shared);
        expect(await registry.tokensOf(author.address, [published, fresh, ZeroHash, shared])).to.deep.equal([BigInt(published), 0n, 0n, BigInt(shared)]);
        expect(await registry.tokensOf(bob.address, [published, shared])).to.deep.equal([0n, derivedTokenId(bob.address, shared, 1)]);
        expect(await registry.tokensOf(bob.address, [])).to.deep.equal([]);
      });
    });

    describe("when another author publishes the same CID", () => {
      it("gives each author their own token of that CID", async () => {
        const { registry, author, bob } = await networkHelpers.loadFixture(deployFixture);
        const digest = randomDigest();
        await registry.connect(author).publish(digest);
        const bobToken = derivedTokenId(bob.address, digest, 1);
        await expect(registry.connect(bob).publish(digest)).to.emit(registry, "EntryPublished").withArgs(bobToken, bob.address, digest);
        expect(await registry.authorOf(BigInt(digest))).to.equal(author.address);
        expect(await registry.authorOf(bobToken)).to.equal(bob.address);
        expect(await registry.digestOf(bobToken)).to.equal(digest);
        expect(await registry.tokenURI(bobToken)).to.equal(await registry.tokenURI(BigInt(digest)));
        expect(await registry.tokenOf(bob.address, digest)).to.equal(bobToken);
        await expect(registry.connect(bob).publish(digest))
          .to.be.revertedWithCustomError(registry, "TILEntryAlreadyPublished")
          .withArgs(bob.address, digest, bobToken);
      });

      it("does not make a copier of a pending transaction the author of the original author's entry", async () => {
        const { registry, author, bob } = await networkHelpers.loadFixture(deployFixture);
        const digest = randomDigest();
        // bob sees the author's pending publish(digest) and sends the same call first.
        const copied = (await registry.connect(author).publish.populateTransaction(digest)).data;
        await bob.sendTransaction({ to: await registry.getAddress(), data: copied });
        // The author's own transaction still goes through, and the author's token is theirs.
        await registry.connect(author).publish(digest);
        const authorToken = await registry.tokenOf(author.address, digest);
        expect(authorToken).to.not.equal(0n);
        expect(await registry.authorOf(authorToken)).to.equal(author.address);
        expect(await registry.ownerOf(authorToken)).to.equal(author.address);
        expect(await registry.authorOf(await registry.tokenOf(bob.address, digest))).to.equal(bob.address);
      });

      it("cannot be blocked by someone who takes the author's next candidate id first", async () => {
        const { registry, author, bob, carol } = await networkHelpers.loadFixture(deployFixture);
        const digest = randomDigest();
        await registry.connect(bob).publish(digest);
        // carol publishes a digest equal to the author's first derived id, to occupy it.
        const firstCandidate = derivedTokenId(author.address, digest, 1);
        await registry.connect(carol).publish(toBeHex(firstCandidate, 32));
        await registry.connect(author).publish(digest);
        const authorToken = derivedTokenId(author.address, digest, 2);
        expect(await registry.tokenOf(author.address, digest)).to.equal(authorToken);
        expect(await registry.authorOf(authorToken)).to.equal(author.address);
        expect(await registry.digestOf(authorToken)).to.equal(digest);
      });
    });
  });

  describe("publishBatch", () => {
    it("reverts with TILEmptyBatch for no digests", async () => {
      const { registry, author } = await networkHelpers.loadFixture(deployFixture);
      await expect(registry.connect(author).publishBatch([])).to.be.revertedWithCustomError(registry, "TILEmptyBatch");
    });

    it("publishes every digest in order, as many publish calls would", async () => {
      const { registry, author, bob } = await networkHelpers.loadFixture(deployFixture);
      await registry.connect(bob).publish(randomDigest());
      const digests = Array.from({ length: 5 }, randomDigest);
      const ids = await registry.connect(author).publishBatch.staticCall(digests);
      expect(ids).to.deep.equal(digests.map((d) => BigInt(d)));
      const tx = registry.connect(author).publishBatch(digests);
      for (const d of digests) {
        await expect(tx).to.emit(registry, "EntryPublished").withArgs(BigInt(d), author.address, d);
        await expect(tx).to.emit(registry, "Transfer").withArgs(ZeroAddress, author.address, BigInt(d));
      }
      for (const [i, d] of digests.entries()) {
        const entry = await registry.entry(BigInt(d));
        expect(entry.sequence).to.equal(BigInt(i + 2));
        expect(entry.author).to.equal(author.address);
      }
      expect(await registry.totalEntries()).to.equal(6n);
      expect(await registry.balanceOf(author.address)).to.equal(5n);
    });

    it("reverts with TILDuplicateInBatch when a digest appears twice, publishing none", async () => {
      const { registry, author } = await networkHelpers.loadFixture(deployFixture);
      const [a, b] = [randomDigest(), randomDigest()];
      await expect(registry.connect(author).publishBatch([a, b, a]))
        .to.be.revertedWithCustomError(registry, "TILDuplicateInBatch")
        .withArgs(a, 0n, 2n);
      expect(await registry.totalEntries()).to.equal(0n);
    });

    it("reverts with TILEntryAlreadyPublished when one digest was published before, publishing none", async () => {
      const { registry, author } = await networkHelpers.loadFixture(deployFixture);
      const old = randomDigest();
      await registry.connect(author).publish(old);
      await expect(registry.connect(author).publishBatch([randomDigest(), old]))
        .to.be.revertedWithCustomError(registry, "TILEntryAlreadyPublished")
        .withArgs(author.address, old, BigInt(old));
      expect(await registry.totalEntries()).to.equal(1n);
    });

    it("reverts with TILZeroDigest naming the position of a zero digest", async () => {
      const { registry, author } = await networkHelpers.loadFixture(deployFixture);
      await expect(registry.connect(author).publishBatch([randomDigest(), randomDigest(), ZeroHash]))
        .to.be.revertedWithCustomError(registry, "TILZeroDigest")
        .withArgs(2n);
    });

    it("publishes a very large batch (500 entries) in one transaction", async () => {
      const { registry, author } = await networkHelpers.loadFixture(deployFixture);
      const digests = Array.from({ length: 500 }, randomDigest);
      const receipt = await (await registry.connect(author).publishBatch(digests)).wait();
      expect(receipt!.status).to.equal(1);
      expect(await registry.totalEntries()).to.equal(500n);
      expect(await registry.balanceOf(author.address)).to.equal(500n);
      expect((await registry.entry(BigInt(digests[499]))).sequence).to.equal(500n);
    });
  });

  describe("transfers", () => {
    it("change the owner but keep the author, through any number of transfers", async () => {
      const { registry, author, bob, carol } = await networkHelpers.loadFixture(deployFixture);
      const digest = randomDigest();
      const id = BigInt(digest);
      await registry.connect(author).publish(digest);
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
    });

    it("keep the author's claim: the author still cannot publish the CID twice, the new owner gets their own token", async () => {
      const { registry, author, bob } = await networkHelpers.loadFixture(deployFixture);
      const digest = randomDigest();
      await registry.connect(author).publish(digest);
      await registry.connect(author).transferFrom(author.address, bob.address, BigInt(digest));
      await expect(registry.connect(author).publish(digest))
        .to.be.revertedWithCustomError(registry, "TILEntryAlreadyPublished")
        .withArgs(author.address, digest, BigInt(digest));
      await registry.connect(bob).publish(digest);
      expect(await registry.authorOf(await registry.tokenOf(bob.address, digest))).to.equal(bob.address);
      expect(await registry.balanceOf(bob.address)).to.equal(2n);
    });

    it("clear the approval and need authorisation", async () => {
      const { registry, author, bob, carol } = await networkHelpers.loadFixture(deployFixture);
      const digest = randomDigest();
      const id = BigInt(digest);
      await registry.connect(author).publish(digest);
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
      const { registry } = await networkHelpers.loadFixture(deployFixture);
      const id = BigInt(randomDigest());
      for (const call of [
        () => registry.ownerOf(id),
        () => registry.entry(id),
        () => registry.authorOf(id),
        () => registry.digestOf(id),
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
    it("is ipfs://<CIDv1 base32>/metadata.json, equal to multiformats' CID for 300 random digests", async () => {
      const { registry, author, bob } = await networkHelpers.loadFixture(deployFixture);
      const digests = Array.from({ length: 300 }, randomDigest);
      // Edge patterns for the base32 bit packing.
      digests.push(`0x${"ff".repeat(32)}`, `0x${"00".repeat(31)}01`, `0x80${"00".repeat(31)}`, `0x${"a5".repeat(32)}`);
      await registry.connect(author).publishBatch(digests);
      await registry.connect(bob).publishBatch(digests.slice(0, 20)); // tokens whose digest is stored
      for (const digest of digests) {
        const expected = `ipfs://${cidTextOf(digest)}/metadata.json`;
        expect(await registry.tokenURI(BigInt(digest))).to.equal(expected);
        expect(await registry.cidOf(BigInt(digest))).to.equal(hexlify(CID.parse(cidTextOf(digest)).bytes));
      }
      for (const digest of digests.slice(0, 20)) {
        const id = await registry.tokenOf(bob.address, digest);
        expect(await registry.tokenURI(id)).to.equal(`ipfs://${cidTextOf(digest)}/metadata.json`);
      }
    });
  });

  describe("EntryPublished logs", () => {
    it("answer with one query: all entries, one author's entries, the tokens of one CID", async () => {
      const { registry, author, bob } = await networkHelpers.loadFixture(deployFixture);
      const shared = randomDigest();
      const mine = [randomDigest(), randomDigest(), shared];
      await registry.connect(author).publishBatch(mine);
      await registry.connect(bob).publish(shared);
      const all = await registry.queryFilter(registry.filters.EntryPublished());
      expect(all).to.have.length(4);
      const byAuthor = await registry.queryFilter(registry.filters.EntryPublished(undefined, author.address));
      expect(byAuthor.map((e) => e.args.digest)).to.deep.equal(mine);
      const byCid = await registry.queryFilter(registry.filters.EntryPublished(undefined, undefined, shared));
      expect(byCid.map((e) => [e.args.author, e.args.tokenId])).to.deep.equal([
        [author.address, BigInt(shared)],
        [bob.address, derivedTokenId(bob.address, shared, 1)],
      ]);
    });
  });
});
