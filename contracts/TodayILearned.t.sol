// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {TodayILearned} from "./TodayILearned.sol";
import {ITodayILearned} from "./ITodayILearned.sol";

/// @dev The few Hardhat/Foundry cheatcodes these tests use, declared here instead of importing forge-std.
interface Cheatcodes {
    function prank(address sender) external;
    function assume(bool condition) external pure;
}

/// @dev A valid ERC-7572 contract URI for the tests' deployments.
string constant TEST_CONTRACT_URI = "data:application/json;base64,eyJuYW1lIjoiVG9kYXkgSSBMZWFybmVkIn0=";

/// @dev An extension of the registry that uses OpenZeppelin's balance hook, as ERC721Enumerable and ERC721Consecutive do.
contract BalanceHookExtension is TodayILearned {
    constructor() TodayILearned(TEST_CONTRACT_URI) {}

    function bumpBalance(address account) external {
        _increaseBalance(account, 1);
    }
}

/// @dev Extending the registry with an OpenZeppelin extension that adjusts balances fails loudly.
contract TodayILearnedExtensionTest {
    function testIncreaseBalanceRevertsWithNamedError() public {
        BalanceHookExtension extension = new BalanceHookExtension();
        try extension.bumpBalance(address(this)) {
            revert("_increaseBalance must revert");
        } catch (bytes memory reason) {
            require(bytes4(reason) == TodayILearned.TILUnsupportedBalanceHook.selector, "reverts with TILUnsupportedBalanceHook");
        }
        require(extension.balanceOf(address(this)) == 0, "no balance was added");
    }
}

/**
 * @dev Property tests of publishing, batches, transfers and revisions. Every `testFuzz_*` function
 * is run with random arguments (1,000 runs each, set in hardhat.config.ts).
 */
contract TodayILearnedFuzzTest {
    Cheatcodes private constant vm = Cheatcodes(address(uint160(uint256(keccak256("hevm cheat code")))));

    TodayILearned private registry;

    function setUp() public {
        registry = new TodayILearned(TEST_CONTRACT_URI);
    }

    function _publishAs(address author, bytes32 digest) private returns (uint256) {
        vm.prank(author);
        return registry.publish(digest, keccak256(abi.encode("note", digest)));
    }

    function _reviseAs(address author, uint256 tokenId, bytes32 digest) private returns (uint256) {
        vm.prank(author);
        return registry.revise(tokenId, digest);
    }

    function _assumeAccount(address account) private view {
        vm.assume(account != address(0) && account != address(vm) && account != address(this));
    }

    function _expectedId(address author, bytes32 digest) private pure returns (uint256) {
        return (uint256(uint160(author)) << 96) | (uint256(digest) >> 160);
    }

    function testFuzz_PublishMakesTheCallerAuthorAndOwner(address author, bytes32 digest) public {
        _assumeAccount(author);
        vm.assume(digest != 0);
        uint256 id = _publishAs(author, digest);
        require(id == _expectedId(author, digest) && id == registry.tokenIdFor(author, digest), "id is the author's");
        require(registry.ownerOf(id) == author, "owner");
        require(registry.authorOf(id) == author, "author");
        require(registry.digestOf(id) == digest && registry.digestAt(id, 0) == digest, "digest");
        require(registry.revisionCount(id) == 0, "no revisions");
        require(registry.tokenOf(author, digest) == id, "tokenOf");
        require(registry.totalEntries() == 1 && registry.balanceOf(author) == 1, "counts");
        ITodayILearned.Entry memory e = registry.entry(id);
        require(e.publishedAt == block.timestamp && e.sequence == 1 && e.revisionCount == 0, "time and sequence");
    }

    function testFuzz_PublishingTheSameDigestTwiceRevertsNamingTheToken(address author, bytes32 digest) public {
        _assumeAccount(author);
        vm.assume(digest != 0);
        uint256 id = _publishAs(author, digest);
        vm.prank(author);
        try registry.publish(digest, 0) {
            revert("second publish of the same digest must revert");
        } catch (bytes memory reason) {
            bytes memory expected =
                abi.encodeWithSelector(ITodayILearned.TILEntryAlreadyPublished.selector, author, digest, id);
            require(keccak256(reason) == keccak256(expected), "wrong revert reason");
        }
        require(registry.totalEntries() == 1, "no second token");
    }

    /// @dev Copies: another author of the same CID gets a token of their own, never the first author's.
    function testFuzz_TwoAuthorsOfOneDigestEachGetTheirOwnToken(address first, address second, bytes32 digest)
        public
    {
        _assumeAccount(first);
        _assumeAccount(second);
        vm.assume(first != second && digest != 0);
        uint256 b = _publishAs(second, digest); // the copier goes first
        uint256 a = _publishAs(first, digest);
        require(a != b, "distinct tokens");
        require(a == _expectedId(first, digest) && b == _expectedId(second, digest), "each author's own id");
        require(registry.authorOf(a) == first && registry.authorOf(b) == second, "authors");
        require(registry.digestOf(a) == digest && registry.digestOf(b) == digest, "digests");
        require(registry.tokenOf(first, digest) == a && registry.tokenOf(second, digest) == b, "tokenOf");
        require(keccak256(bytes(registry.tokenURI(a))) == keccak256(bytes(registry.tokenURI(b))), "same URI");
    }

    /**
     * @dev The v1 blocking attack and any other: whatever digests an attacker publishes first
     * (the victim's digest, the victim's id as a digest, digests sharing the id's low bits), the
     * victim's publish and revise succeed with the victim's own id.
     */
    function testFuzz_NobodyCanBlockAnAuthorsPublishOrRevise(address victim, address attacker, bytes32 digest, bytes32 next, bytes32 noise)
        public
    {
        _assumeAccount(victim);
        _assumeAccount(attacker);
        vm.assume(victim != attacker && digest != 0 && next != 0 && next != digest);
        vm.assume(_expectedId(victim, next) != _expectedId(victim, digest));
        uint256 victimId = _expectedId(victim, digest);
        bytes32[] memory attack = new bytes32[](5);
        attack[0] = digest;
        attack[1] = bytes32(victimId);
        attack[2] = next;
        attack[3] = bytes32(_expectedId(victim, next));
        attack[4] = noise == 0 ? bytes32(uint256(1)) : noise;
        for (uint256 i = 0; i < attack.length; ++i) {
            // The attacker's own digests may collide with each other (their ids share the
            // attacker's prefix): that fails the attacker's call, never the victim's.
            vm.prank(attacker);
            try registry.publish(attack[i], 0) {} catch {}
        }
        require(_publishAs(victim, digest) == victimId, "victim gets their own id");
        require(_reviseAs(victim, victimId, next) == 1, "victim revises");
        require(registry.digestOf(victimId) == next && registry.authorOf(victimId) == victim, "victim's entry");
    }

    function testFuzz_BatchEqualsPublishingOneByOne(address author, bytes32 seed, uint8 size) public {
        _assumeAccount(author);
        uint256 count = 1 + (uint256(size) % 40);
        bytes32[] memory digests = new bytes32[](count);
        bytes32[] memory keys = new bytes32[](count);
        for (uint256 i = 0; i < count; ++i) {
            digests[i] = keccak256(abi.encode(seed, i));
            keys[i] = keccak256(abi.encode("note", digests[i]));
        }
        TodayILearned oneByOne = new TodayILearned(TEST_CONTRACT_URI);
        vm.prank(author);
        uint256[] memory ids = registry.publishBatch(digests, keys);
        for (uint256 i = 0; i < count; ++i) {
            vm.prank(author);
            uint256 single = oneByOne.publish(digests[i], keys[i]);
            require(ids[i] == single, "same token ids");
            ITodayILearned.Entry memory batched = registry.entry(ids[i]);
            ITodayILearned.Entry memory alone = oneByOne.entry(single);
            require(batched.sequence == alone.sequence && batched.sequence == i + 1, "same sequence");
            require(batched.author == author && batched.digest == digests[i], "same record");
        }
        require(registry.totalEntries() == count && registry.balanceOf(author) == count, "counts");
    }

    function testFuzz_TransfersChangeTheOwnerButNeverTheAuthor(address author, address to, address next, bytes32 digest)
        public
    {
        _assumeAccount(author);
        _assumeAccount(to);
        _assumeAccount(next);
        vm.assume(author != to && to != next && author != next && digest != 0);
        uint256 id = _publishAs(author, digest);
        vm.prank(author);
        registry.transferFrom(author, to, id);
        vm.prank(to);
        registry.transferFrom(to, next, id);
        require(registry.ownerOf(id) == next, "owner");
        require(registry.authorOf(id) == author, "author kept");
        require(registry.balanceOf(author) == 0 && registry.balanceOf(to) == 0 && registry.balanceOf(next) == 1, "balances");
        require(registry.tokenOf(author, digest) == id, "author still finds the token");
        vm.prank(author);
        try registry.publish(digest, 0) {
            revert("author republished a digest after transferring its token");
        } catch (bytes memory reason) {
            require(bytes4(reason) == ITodayILearned.TILEntryAlreadyPublished.selector, "wrong revert reason");
        }
    }

    /// @dev Only the author revises: not another account, not the owner after a transfer; the author still can.
    function testFuzz_OnlyTheAuthorRevisesBeforeAndAfterATransfer(address author, address other, bytes32 digest, bytes32 next)
        public
    {
        _assumeAccount(author);
        _assumeAccount(other);
        vm.assume(author != other && digest != 0 && next != 0 && next != digest);
        vm.assume(_expectedId(author, next) != _expectedId(author, digest));
        uint256 id = _publishAs(author, digest);
        _expectNotAuthor(other, id, next, author);
        vm.prank(author);
        registry.transferFrom(author, other, id);
        _expectNotAuthor(other, id, next, author);
        require(registry.revisionCount(id) == 0, "nothing revised");
        require(_reviseAs(author, id, next) == 1, "the author revises a token they no longer own");
        require(registry.digestOf(id) == next && registry.ownerOf(id) == other, "revised, owner unchanged");
    }

    function _expectNotAuthor(address caller, uint256 id, bytes32 digest, address author) private {
        vm.prank(caller);
        try registry.revise(id, digest) {
            revert("a non-author revised");
        } catch (bytes memory reason) {
            bytes memory expected = abi.encodeWithSelector(ITodayILearned.TILNotAuthor.selector, id, caller, author);
            require(keccak256(reason) == keccak256(expected), "wrong revert reason");
        }
    }

    /**
     * @dev History never changes: after each of up to 20 revisions, every earlier version reads the
     * same digest, the latest is the last revised, and tokenURI follows it.
     */
    function testFuzz_HistoryNeverChanges(address author, bytes32 seed, uint8 rounds) public {
        _assumeAccount(author);
        uint256 n = 1 + (uint256(rounds) % 20);
        bytes32[] memory versions = new bytes32[](n + 1);
        versions[0] = keccak256(abi.encode(seed, "first"));
        uint256 id = _publishAs(author, versions[0]);
        for (uint256 r = 1; r <= n; ++r) {
            // Every third revision goes back to an earlier version: allowed, history still grows.
            versions[r] = r % 3 == 0 && versions[r - 2] != versions[r - 1] ? versions[r - 2] : keccak256(abi.encode(seed, r));
            require(_reviseAs(author, id, versions[r]) == r, "revision number");
            require(registry.revisionCount(id) == r && registry.entry(id).revisionCount == r, "count");
            for (uint256 k = 0; k <= r; ++k) {
                require(registry.digestAt(id, k) == versions[k], "an earlier version changed");
            }
            require(registry.digestOf(id) == versions[r], "latest");
        }
        try registry.digestAt(id, n + 1) {
            revert("a version past the latest exists");
        } catch (bytes memory reason) {
            require(bytes4(reason) == ITodayILearned.TILNoSuchRevision.selector, "wrong revert reason");
        }
        require(registry.totalEntries() == 1 && registry.balanceOf(author) == 1, "revisions are not entries");
    }

    /**
     * @dev The record keeps the latest digest's lowest byte to skip reading it: a digest that shares
     * that byte but differs elsewhere is a new version; the latest itself is still refused.
     */
    function testFuzz_SameLowestByteIsStillANewVersion(address author, bytes32 seed, bytes32 high) public {
        _assumeAccount(author);
        bytes32 latest = keccak256(abi.encode(seed, "latest"));
        bytes32 sameByte = (high & ~bytes32(uint256(0xff))) | (latest & bytes32(uint256(0xff)));
        vm.assume(sameByte != latest && sameByte != 0);
        uint256 id = _publishAs(author, keccak256(abi.encode(seed, "first")));
        vm.assume(_expectedId(author, sameByte) != id && _expectedId(author, latest) != id);
        _reviseAs(author, id, latest);
        vm.prank(author);
        try registry.revise(id, latest) {
            revert("revised to the latest digest");
        } catch (bytes memory reason) {
            require(bytes4(reason) == ITodayILearned.TILUnchangedDigest.selector, "unchanged");
        }
        require(_reviseAs(author, id, sameByte) == 2, "a digest sharing the lowest byte is a new version");
        require(registry.digestAt(id, 1) == latest && registry.digestOf(id) == sameByte, "history");
    }

    /// @dev Revising to the latest digest, or to another entry's first digest of the same author, reverts.
    function testFuzz_RevisionsMustChangeTheContentAndNotDuplicateAnotherEntry(address author, bytes32 a, bytes32 b)
        public
    {
        _assumeAccount(author);
        vm.assume(a != 0 && b != 0 && _expectedId(author, a) != _expectedId(author, b));
        uint256 first = _publishAs(author, a);
        uint256 second = _publishAs(author, b);
        vm.prank(author);
        try registry.revise(first, a) {
            revert("revised to the latest digest");
        } catch (bytes memory reason) {
            require(keccak256(reason) == keccak256(abi.encodeWithSelector(ITodayILearned.TILUnchangedDigest.selector, first, a)), "unchanged");
        }
        vm.prank(author);
        try registry.revise(first, b) {
            revert("revised to another entry's digest");
        } catch (bytes memory reason) {
            bytes memory expected = abi.encodeWithSelector(ITodayILearned.TILDigestIsAnotherEntry.selector, first, b, second);
            require(keccak256(reason) == keccak256(expected), "another entry");
        }
        require(registry.revisionCount(first) == 0 && registry.revisionCount(second) == 0, "nothing revised");
    }
}
