// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {TodayILearned} from "./TodayILearned.sol";
import {ITodayILearned} from "./ITodayILearned.sol";

/// @dev The few Hardhat/Foundry cheatcodes these tests use, declared here instead of importing forge-std.
interface Cheatcodes {
    function prank(address sender) external;
    function assume(bool condition) external pure;
}

/// @dev An extension of the registry that uses OpenZeppelin's balance hook, as ERC721Enumerable and ERC721Consecutive do.
contract BalanceHookExtension is TodayILearned {
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
 * @dev Property tests of publishing, batches and transfers. Every `testFuzz_*` function is run
 * with random arguments (1,000 runs each, set in hardhat.config.ts).
 */
contract TodayILearnedFuzzTest {
    Cheatcodes private constant vm = Cheatcodes(address(uint160(uint256(keccak256("hevm cheat code")))));

    TodayILearned private registry;

    function setUp() public {
        registry = new TodayILearned();
    }

    function _publishAs(address author, bytes32 digest) private returns (uint256) {
        vm.prank(author);
        return registry.publish(digest);
    }

    function _assumeAccount(address account) private view {
        vm.assume(account != address(0) && account != address(vm) && account != address(this));
    }

    function testFuzz_PublishMakesTheCallerAuthorAndOwner(address author, bytes32 digest) public {
        _assumeAccount(author);
        vm.assume(digest != 0);
        uint256 id = _publishAs(author, digest);
        require(id == uint256(digest), "first author's token id is the digest");
        require(registry.ownerOf(id) == author, "owner");
        require(registry.authorOf(id) == author, "author");
        require(registry.digestOf(id) == digest, "digest");
        require(registry.tokenOf(author, digest) == id, "tokenOf");
        require(registry.totalEntries() == 1 && registry.balanceOf(author) == 1, "counts");
        ITodayILearned.Entry memory e = registry.entry(id);
        require(e.publishedAt == block.timestamp && e.sequence == 1, "time and sequence");
    }

    function testFuzz_PublishingTheSameDigestTwiceRevertsNamingTheToken(address author, bytes32 digest) public {
        _assumeAccount(author);
        vm.assume(digest != 0);
        uint256 id = _publishAs(author, digest);
        vm.prank(author);
        try registry.publish(digest) {
            revert("second publish of the same digest must revert");
        } catch (bytes memory reason) {
            bytes memory expected =
                abi.encodeWithSelector(ITodayILearned.TILEntryAlreadyPublished.selector, author, digest, id);
            require(keccak256(reason) == keccak256(expected), "wrong revert reason");
        }
        require(registry.totalEntries() == 1, "no second token");
    }

    function testFuzz_TwoAuthorsOfOneDigestEachGetTheirOwnToken(address first, address second, bytes32 digest)
        public
    {
        _assumeAccount(first);
        _assumeAccount(second);
        vm.assume(first != second && digest != 0);
        uint256 a = _publishAs(first, digest);
        uint256 b = _publishAs(second, digest);
        require(a != b, "distinct tokens");
        require(registry.authorOf(a) == first && registry.authorOf(b) == second, "authors");
        require(registry.digestOf(a) == digest && registry.digestOf(b) == digest, "digests");
        require(registry.tokenOf(first, digest) == a && registry.tokenOf(second, digest) == b, "tokenOf");
        require(keccak256(bytes(registry.tokenURI(a))) == keccak256(bytes(registry.tokenURI(b))), "same URI");
    }

    function testFuzz_BatchEqualsPublishingOneByOne(address author, bytes32 seed, uint8 size) public {
        _assumeAccount(author);
        uint256 count = 1 + (uint256(size) % 40);
        bytes32[] memory digests = new bytes32[](count);
        for (uint256 i = 0; i < count; ++i) {
            digests[i] = keccak256(abi.encode(seed, i));
        }
        TodayILearned oneByOne = new TodayILearned();
        vm.prank(author);
        uint256[] memory ids = registry.publishBatch(digests);
        for (uint256 i = 0; i < count; ++i) {
            vm.prank(author);
            uint256 single = oneByOne.publish(digests[i]);
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
        try registry.publish(digest) {
            revert("author republished a digest after transferring its token");
        } catch (bytes memory reason) {
            require(bytes4(reason) == ITodayILearned.TILEntryAlreadyPublished.selector, "wrong revert reason");
        }
    }
}
