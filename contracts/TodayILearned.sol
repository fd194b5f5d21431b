// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";
import {ITodayILearned} from "./ITodayILearned.sol";
import {EntryCID} from "./EntryCID.sol";

/**
 * @title TodayILearned
 * @notice ERC-721 registry of published "Today I Learned" notes, open to every author. No owner,
 * no admin, no upgrade path: once published, an entry's author and content address never change.
 *
 * @dev Storage is laid out so that publishing writes one new storage slot per entry.
 *
 * - Token id: the first author to publish a digest gets `tokenId == uint256(digest)`, so the
 *   digest needs no storage. Any later author of the same digest gets the next free id of the
 *   sequence `keccak256(author, digest, i)`, i = 1, 2, ..., and that digest is stored. Nobody can
 *   take or block another author's entry: every author has their own token for a digest.
 * - Record: owner (160 bits), publishing timestamp (40), sequence number (48) and two flags
 *   share one slot. This contract replaces OpenZeppelin's owner mapping by overriding
 *   {_ownerOf}, {balanceOf} and {_update}, the extension points OpenZeppelin provides for that.
 * - Author: equal to the owner until the token first leaves its author; that transfer saves the
 *   author in {_movedAuthors} (the transfer pays, not the publish).
 *
 * Extending this contract: minting writes the packed records directly and does not go through
 * {_update}, and {_update} does not call `super._update`, so the hooks of OpenZeppelin extensions
 * (Enumerable, Pausable, Votes, URIStorage, ...) are never reached, and OpenZeppelin's own balance
 * and owner mappings stay empty. {_increaseBalance}, which such extensions use, reverts with
 * {TILUnsupportedBalanceHook} so that combining them fails loudly instead of silently.
 */
contract TodayILearned is ERC721, ITodayILearned {
    /*//////////////////////////////////////////////////////////////
                               RECORD LAYOUT
    //////////////////////////////////////////////////////////////*/

    uint256 private constant _OWNER_MASK = (1 << 160) - 1;
    uint256 private constant _TIME_SHIFT = 160;
    uint256 private constant _TIME_MASK = (1 << 40) - 1;
    uint256 private constant _SEQUENCE_SHIFT = 200;
    uint256 private constant _SEQUENCE_MASK = (1 << 48) - 1;
    /// @dev Set when the token id is not the digest, so the digest is in {_storedDigests}.
    uint256 private constant _DIGEST_STORED = 1 << 248;
    /// @dev Set once the token has left its author, so the author is in {_movedAuthors}.
    uint256 private constant _AUTHOR_STORED = 1 << 249;

    /*//////////////////////////////////////////////////////////////
                                  STORAGE
    //////////////////////////////////////////////////////////////*/

    mapping(uint256 tokenId => uint256 record) private _records;
    mapping(uint256 tokenId => bytes32 digest) private _storedDigests;
    mapping(uint256 tokenId => address author) private _movedAuthors;
    /// @dev Tokens held per owner (OpenZeppelin's own balance mapping is not used; see {balanceOf}).
    mapping(address owner => uint256 count) private _tokenCounts;
    uint256 private _entryCount;

    /// @dev An OpenZeppelin extension called {_increaseBalance}, which this contract's storage doesn't support.
    error TILUnsupportedBalanceHook();

    constructor() ERC721("Today I Learned", "TIL") {}

    /*//////////////////////////////////////////////////////////////
                                PUBLISHING
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc ITodayILearned
    function publish(bytes32 digest) external returns (uint256 tokenId) {
        uint256 sequence = _entryCount + 1;
        tokenId = _publish(msg.sender, digest, sequence, sequence);
        _entryCount = sequence;
        unchecked {
            _tokenCounts[msg.sender] += 1;
        }
    }

    /// @inheritdoc ITodayILearned
    function publishBatch(bytes32[] calldata digests) external returns (uint256[] memory tokenIds) {
        uint256 count = digests.length;
        if (count == 0) revert TILEmptyBatch();
        uint256 firstSequence = _entryCount + 1;
        tokenIds = new uint256[](count);
        for (uint256 i = 0; i < count; ++i) {
            tokenIds[i] = _publish(msg.sender, digests[i], firstSequence + i, firstSequence);
        }
        _entryCount = firstSequence + count - 1;
        unchecked {
            _tokenCounts[msg.sender] += count;
        }
    }

    /**
     * @dev Finds the token id for (`author`, `digest`), reverts if the author already has one,
     * and writes the new record. `firstSequence` is the sequence number of the call's first entry,
     * which tells a duplicate inside the current batch from one published before.
     */
    function _publish(address author, bytes32 digest, uint256 sequence, uint256 firstSequence)
        private
        returns (uint256 tokenId)
    {
        if (digest == 0) revert TILZeroDigest(sequence - firstSequence);
        (uint256 id, uint256 existing, bool derived) = _slotFor(author, digest);
        if (existing != 0) {
            uint256 existingSequence = (existing >> _SEQUENCE_SHIFT) & _SEQUENCE_MASK;
            if (existingSequence >= firstSequence) {
                revert TILDuplicateInBatch(digest, existingSequence - firstSequence, sequence - firstSequence);
            }
            revert TILEntryAlreadyPublished(author, digest, id);
        }
        uint256 record = uint256(uint160(author)) | (block.timestamp << _TIME_SHIFT) | (sequence << _SEQUENCE_SHIFT);
        if (derived) {
            _storedDigests[id] = digest;
            record |= _DIGEST_STORED;
        }
        _records[id] = record;
        emit Transfer(address(0), author, id);
        emit EntryPublished(id, author, digest);
        return id;
    }

    /**
     * @dev Walks the candidate ids of (`author`, `digest`): the digest itself, then
     * keccak256(author, digest, i). Returns the first id that is free (`existing == 0`) or that
     * already holds this author's entry for this digest (`existing` is its record).
     */
    function _slotFor(address author, bytes32 digest) private view returns (uint256 id, uint256 existing, bool derived) {
        id = uint256(digest);
        for (uint256 i = 1;; ++i) {
            existing = _records[id];
            if (existing == 0) return (id, 0, derived);
            if (_authorOf(id, existing) == author && _digestOf(id, existing) == digest) return (id, existing, derived);
            id = uint256(keccak256(abi.encode(author, digest, i)));
            derived = true;
        }
    }

    /*//////////////////////////////////////////////////////////////
                                   VIEWS
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc ITodayILearned
    function tokenOf(address author, bytes32 digest) external view returns (uint256 tokenId) {
        if (digest == 0) return 0;
        (uint256 id, uint256 existing,) = _slotFor(author, digest);
        return existing == 0 ? 0 : id;
    }

    /// @inheritdoc ITodayILearned
    function tokensOf(address author, bytes32[] calldata digests) external view returns (uint256[] memory tokenIds) {
        tokenIds = new uint256[](digests.length);
        for (uint256 i = 0; i < digests.length; ++i) {
            if (digests[i] == 0) continue;
            (uint256 id, uint256 existing,) = _slotFor(author, digests[i]);
            if (existing != 0) tokenIds[i] = id;
        }
    }

    /// @inheritdoc ITodayILearned
    function entry(uint256 tokenId) external view returns (Entry memory) {
        uint256 record = _recordOf(tokenId);
        return Entry({
            author: _authorOf(tokenId, record),
            owner: address(uint160(record)),
            publishedAt: uint64((record >> _TIME_SHIFT) & _TIME_MASK),
            sequence: uint64((record >> _SEQUENCE_SHIFT) & _SEQUENCE_MASK),
            digest: _digestOf(tokenId, record)
        });
    }

    /// @inheritdoc ITodayILearned
    function authorOf(uint256 tokenId) external view returns (address) {
        return _authorOf(tokenId, _recordOf(tokenId));
    }

    /// @inheritdoc ITodayILearned
    function digestOf(uint256 tokenId) public view returns (bytes32) {
        return _digestOf(tokenId, _recordOf(tokenId));
    }

    /// @inheritdoc ITodayILearned
    function cidOf(uint256 tokenId) external view returns (bytes memory) {
        return EntryCID.toBytes(digestOf(tokenId));
    }

    /// @inheritdoc ITodayILearned
    function publishedAt(uint256 tokenId) external view returns (uint256) {
        return (_recordOf(tokenId) >> _TIME_SHIFT) & _TIME_MASK;
    }

    /// @inheritdoc ITodayILearned
    function totalEntries() external view returns (uint256) {
        return _entryCount;
    }

    /**
     * @notice `ipfs://<CIDv1>/metadata.json`, the entry's ERC-721 metadata inside its directory,
     * with the CID built on-chain from the stored digest.
     */
    function tokenURI(uint256 tokenId) public view override returns (string memory) {
        return string.concat("ipfs://", EntryCID.toString(digestOf(tokenId)), "/metadata.json");
    }

    /// @inheritdoc ERC721
    function balanceOf(address owner) public view override returns (uint256) {
        if (owner == address(0)) revert ERC721InvalidOwner(address(0));
        return _tokenCounts[owner];
    }

    /*//////////////////////////////////////////////////////////////
                        OWNERSHIP (OpenZeppelin hooks)
    //////////////////////////////////////////////////////////////*/

    /// @dev Owners live in the packed records instead of OpenZeppelin's own mapping.
    function _ownerOf(uint256 tokenId) internal view override returns (address) {
        return address(uint160(_records[tokenId]));
    }

    /**
     * @dev Every transfer goes through here (tokens are only created by {publish} and never
     * burned). Keeps OpenZeppelin's checks and approval clearing, and saves the author the first
     * time the token leaves them.
     */
    function _update(address to, uint256 tokenId, address auth) internal override returns (address from) {
        uint256 record = _records[tokenId];
        from = address(uint160(record));
        if (auth != address(0)) _checkAuthorized(from, auth, tokenId);
        if (from == address(0)) revert ERC721NonexistentToken(tokenId);
        if (to == address(0)) revert ERC721InvalidReceiver(address(0));

        _approve(address(0), tokenId, address(0), false);
        unchecked {
            _tokenCounts[from] -= 1;
            _tokenCounts[to] += 1;
        }
        if (record & _AUTHOR_STORED == 0 && to != from) {
            _movedAuthors[tokenId] = from;
            record |= _AUTHOR_STORED;
        }
        _records[tokenId] = (record & ~_OWNER_MASK) | uint256(uint160(to));
        emit Transfer(from, to, tokenId);
    }

    /// @dev Balances live in {_tokenCounts}: an extension that adjusts OpenZeppelin's balances would be ignored, so it reverts.
    function _increaseBalance(address, uint128) internal pure override {
        revert TILUnsupportedBalanceHook();
    }

    /*//////////////////////////////////////////////////////////////
                              RECORD READERS
    //////////////////////////////////////////////////////////////*/

    function _recordOf(uint256 tokenId) private view returns (uint256 record) {
        record = _records[tokenId];
        if (record == 0) revert ERC721NonexistentToken(tokenId);
    }

    function _authorOf(uint256 tokenId, uint256 record) private view returns (address) {
        return record & _AUTHOR_STORED == 0 ? address(uint160(record)) : _movedAuthors[tokenId];
    }

    function _digestOf(uint256 tokenId, uint256 record) private view returns (bytes32) {
        return record & _DIGEST_STORED == 0 ? bytes32(tokenId) : _storedDigests[tokenId];
    }
}
