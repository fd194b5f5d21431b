// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";
import {ITodayILearned} from "./ITodayILearned.sol";
import {EntryCID} from "./EntryCID.sol";

/**
 * @title TodayILearned (registry v2)
 * @notice ERC-721 registry of published "Today I Learned" notes, open to every author. No owner,
 * no admin, no upgrade path: an entry's author never changes, and only the author can add a
 * version (a revision) to it; no version is ever changed or removed.
 *
 * @dev Storage is laid out so that publishing writes one new storage slot per entry and revising
 * one new slot per revision.
 *
 * - Token id: `uint160(author) << 96 | digest >> 160` (the author, then the top 96 bits of the
 *   first version's digest). Ids are partitioned by author: no other account can mint an id that
 *   starts with your address, so nobody can occupy, front-run or block yours, and no transaction
 *   of anyone else changes what your publish or revise costs (the v1 "blocking" attack, which
 *   precomputed an author's fallback ids, has nothing to aim at; see test/contracts). Two digests
 *   of one author that share their top 96 bits would share an id: {TILTokenIdCollision}, which
 *   only the author can cause, by a ~2^48 search for such contents.
 * - Record (one slot per token): the low 160 bits of the first version's digest (the top 96 are in
 *   the id), publishing timestamp (36 bits), sequence number (36), the latest revision's digest's
 *   lowest byte (8: a revision reads the latest digest, to refuse an unchanged one, only when
 *   that byte matches), revision count (15) and a flag saying the owner is no longer the author. Until the first transfer the owner is the author,
 *   read from the id; that transfer saves the owner in {_heldBy} (the transfer pays, not the
 *   publish). OpenZeppelin's owner and balance mappings are replaced by overriding {_ownerOf},
 *   {balanceOf} and {_update}, the extension points OpenZeppelin provides for that.
 * - Revisions: version n >= 1 of a token lives in {_revisions}; the count in the record says which
 *   is the latest, which {tokenURI} follows. A revision's digest is not reserved for the author
 *   (reserving it would cost a second new slot per revision): the author can later publish that
 *   content as a new entry; the reverse, revising to the first version of another of the author's
 *   entries, reverts ({TILDigestIsAnotherEntry}).
 * - Limits: 2^36 - 1 entries in all (each costs >= 22,100 gas: 1.5 * 10^15 gas, decades of full
 *   blocks), timestamps up to the year 4147, 2^15 - 1 revisions per token ({TILTooManyRevisions}).
 * - `noteKey` (keccak256 of the note's identity, core/entry/note-identity.ts) is an indexed topic of
 *   {EntryPublished} and is not stored: a client finds an author's token for a note with one log query.
 * - ERC-4906 (`MetadataUpdate` per revision) and ERC-7572 (`contractURI`, fixed at deployment by
 *   the deployer, since there is no admin to change it later).
 *
 * Extending this contract: minting writes the packed records directly and does not go through
 * {_update}, and {_update} does not call `super._update`, so the hooks of OpenZeppelin extensions
 * (Enumerable, Pausable, Votes, URIStorage, ...) are never reached, and OpenZeppelin's own balance
 * and owner mappings stay empty. {_increaseBalance}, which such extensions use, reverts with
 * {TILUnsupportedBalanceHook} so that combining them fails loudly instead of silently. Token ids are
 * not sequential and carry the author: an extension must not mint ids of its own.
 */
contract TodayILearned is ERC721, ITodayILearned {
    /*//////////////////////////////////////////////////////////////
                               RECORD LAYOUT
    //////////////////////////////////////////////////////////////*/

    uint256 private constant _LOW_DIGEST_MASK = (1 << 160) - 1;
    uint256 private constant _ID_DIGEST_MASK = (1 << 96) - 1;
    uint256 private constant _TIME_SHIFT = 160;
    uint256 private constant _TIME_MASK = (1 << 36) - 1;
    uint256 private constant _SEQUENCE_SHIFT = 196;
    uint256 private constant _SEQUENCE_MASK = (1 << 36) - 1;
    /// @dev The latest revision's digest's lowest byte: most revisions skip reading the latest digest.
    uint256 private constant _FINGERPRINT_SHIFT = 232;
    uint256 private constant _FINGERPRINT_MASK = (1 << 8) - 1;
    uint256 private constant _REVISIONS_SHIFT = 240;
    uint256 private constant _REVISIONS_MASK = (1 << 15) - 1;
    /// @dev Set once the token has left its author, so the owner is in {_heldBy}.
    uint256 private constant _OWNER_STORED = 1 << 255;
    /// @dev ERC-4906's interface id (its two events; no functions).
    bytes4 private constant _ERC4906_INTERFACE_ID = 0x49064906;

    /*//////////////////////////////////////////////////////////////
                                  STORAGE
    //////////////////////////////////////////////////////////////*/

    mapping(uint256 tokenId => uint256 record) private _records;
    mapping(uint256 tokenId => mapping(uint256 revision => bytes32 digest)) private _revisions;
    mapping(uint256 tokenId => address owner) private _heldBy;
    /// @dev Tokens held per owner (OpenZeppelin's own balance mapping is not used; see {balanceOf}).
    mapping(address owner => uint256 count) private _tokenCounts;
    uint256 private _entryCount;
    string private _contractURI;

    /// @dev An OpenZeppelin extension called {_increaseBalance}, which this contract's storage doesn't support.
    error TILUnsupportedBalanceHook();

    /// @dev The deployment was given an empty contract URI (ERC-7572 collection metadata).
    error TILEmptyContractURI();

    /**
     * @param contractURI_ ERC-7572 collection metadata: a `data:application/json;base64,...` or
     * `ipfs://...` URI of the collection's JSON (name, description, image, external_link, ...). It
     * is fixed for the life of the deployment (there is no admin to change it).
     */
    constructor(string memory contractURI_) ERC721("Today I Learned", "TIL") {
        if (bytes(contractURI_).length == 0) revert TILEmptyContractURI();
        _contractURI = contractURI_;
        emit ContractURIUpdated();
    }

    /*//////////////////////////////////////////////////////////////
                                PUBLISHING
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc ITodayILearned
    function publish(bytes32 digest, bytes32 noteKey) external returns (uint256 tokenId) {
        uint256 sequence = _entryCount + 1;
        tokenId = _publish(msg.sender, digest, noteKey, sequence, sequence);
        _entryCount = sequence;
        unchecked {
            _tokenCounts[msg.sender] += 1;
        }
    }

    /// @inheritdoc ITodayILearned
    function publishBatch(bytes32[] calldata digests, bytes32[] calldata noteKeys) external returns (uint256[] memory tokenIds) {
        uint256 count = digests.length;
        if (count == 0) revert TILEmptyBatch();
        if (noteKeys.length != count) revert TILBatchLengthMismatch(count, noteKeys.length);
        uint256 firstSequence = _entryCount + 1;
        tokenIds = new uint256[](count);
        for (uint256 i = 0; i < count; ++i) {
            tokenIds[i] = _publish(msg.sender, digests[i], noteKeys[i], firstSequence + i, firstSequence);
        }
        _entryCount = firstSequence + count - 1;
        unchecked {
            _tokenCounts[msg.sender] += count;
        }
    }

    /**
     * @dev Reverts if the author already has an entry at the digest's id, and writes the new record.
     * `firstSequence` is the sequence number of the call's first entry, which tells a duplicate
     * inside the current batch from one published before.
     */
    function _publish(address author, bytes32 digest, bytes32 noteKey, uint256 sequence, uint256 firstSequence)
        private
        returns (uint256 id)
    {
        if (digest == 0) revert TILZeroDigest(sequence - firstSequence);
        id = _idFor(author, digest);
        uint256 existing = _records[id];
        if (existing != 0) {
            if ((existing ^ uint256(digest)) & _LOW_DIGEST_MASK != 0) revert TILTokenIdCollision(author, digest, id);
            uint256 existingSequence = (existing >> _SEQUENCE_SHIFT) & _SEQUENCE_MASK;
            if (existingSequence >= firstSequence) {
                revert TILDuplicateInBatch(digest, existingSequence - firstSequence, sequence - firstSequence);
            }
            revert TILEntryAlreadyPublished(author, digest, id);
        }
        _records[id] = (uint256(digest) & _LOW_DIGEST_MASK) | (block.timestamp << _TIME_SHIFT) | (sequence << _SEQUENCE_SHIFT);
        emit Transfer(address(0), author, id);
        emit EntryPublished(id, author, digest, noteKey);
    }

    /// @inheritdoc ITodayILearned
    function revise(uint256 tokenId, bytes32 digest) external returns (uint256 revision) {
        uint256 record = _recordOf(tokenId);
        address author = _authorOf(tokenId);
        if (msg.sender != author) revert TILNotAuthor(tokenId, msg.sender, author);
        if (digest == 0) revert TILZeroDigest(0);
        uint256 count = (record >> _REVISIONS_SHIFT) & _REVISIONS_MASK;
        // The latest digest is read only when it can be equal: always for the first version (it is
        // in the record), else when its lowest byte, kept in the record, matches (1 in 256).
        uint256 fingerprint = uint256(digest) & _FINGERPRINT_MASK;
        if (
            count == 0
                ? digest == _firstDigest(tokenId, record)
                : fingerprint == (record >> _FINGERPRINT_SHIFT) & _FINGERPRINT_MASK && digest == _revisions[tokenId][count]
        ) revert TILUnchangedDigest(tokenId, digest);
        uint256 other = _idFor(author, digest);
        if (other != tokenId) {
            uint256 otherRecord = _records[other];
            if (otherRecord != 0 && (otherRecord ^ uint256(digest)) & _LOW_DIGEST_MASK == 0) revert TILDigestIsAnotherEntry(tokenId, digest, other);
        }
        if (count == _REVISIONS_MASK) revert TILTooManyRevisions(tokenId);
        unchecked {
            revision = count + 1;
            _records[tokenId] =
                ((record & ~(_FINGERPRINT_MASK << _FINGERPRINT_SHIFT)) | (fingerprint << _FINGERPRINT_SHIFT)) + (1 << _REVISIONS_SHIFT);
        }
        _revisions[tokenId][revision] = digest;
        emit EntryRevised(tokenId, revision, digest);
        emit MetadataUpdate(tokenId);
    }

    /*//////////////////////////////////////////////////////////////
                                   VIEWS
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc ITodayILearned
    function tokenIdFor(address author, bytes32 digest) external pure returns (uint256) {
        return _idFor(author, digest);
    }

    /// @inheritdoc ITodayILearned
    function tokenOf(address author, bytes32 digest) public view returns (uint256 tokenId) {
        if (digest == 0) return 0;
        uint256 id = _idFor(author, digest);
        uint256 record = _records[id];
        return record != 0 && (record ^ uint256(digest)) & _LOW_DIGEST_MASK == 0 ? id : 0;
    }

    /// @inheritdoc ITodayILearned
    function tokensOf(address author, bytes32[] calldata digests) external view returns (uint256[] memory tokenIds) {
        tokenIds = new uint256[](digests.length);
        for (uint256 i = 0; i < digests.length; ++i) {
            tokenIds[i] = tokenOf(author, digests[i]);
        }
    }

    /// @inheritdoc ITodayILearned
    function entry(uint256 tokenId) external view returns (Entry memory) {
        uint256 record = _recordOf(tokenId);
        uint256 count = (record >> _REVISIONS_SHIFT) & _REVISIONS_MASK;
        return Entry({
            author: _authorOf(tokenId),
            owner: _ownerOf(tokenId),
            publishedAt: uint64((record >> _TIME_SHIFT) & _TIME_MASK),
            sequence: uint64((record >> _SEQUENCE_SHIFT) & _SEQUENCE_MASK),
            digest: _latestDigest(tokenId, record, count),
            revisionCount: uint64(count)
        });
    }

    /// @inheritdoc ITodayILearned
    function authorOf(uint256 tokenId) external view returns (address) {
        _recordOf(tokenId);
        return _authorOf(tokenId);
    }

    /// @inheritdoc ITodayILearned
    function digestOf(uint256 tokenId) public view returns (bytes32) {
        uint256 record = _recordOf(tokenId);
        return _latestDigest(tokenId, record, (record >> _REVISIONS_SHIFT) & _REVISIONS_MASK);
    }

    /// @inheritdoc ITodayILearned
    function revisionCount(uint256 tokenId) external view returns (uint256) {
        return (_recordOf(tokenId) >> _REVISIONS_SHIFT) & _REVISIONS_MASK;
    }

    /// @inheritdoc ITodayILearned
    function digestAt(uint256 tokenId, uint256 revision) external view returns (bytes32) {
        uint256 record = _recordOf(tokenId);
        uint256 count = (record >> _REVISIONS_SHIFT) & _REVISIONS_MASK;
        if (revision > count) revert TILNoSuchRevision(tokenId, revision, count);
        return revision == 0 ? _firstDigest(tokenId, record) : _revisions[tokenId][revision];
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

    /// @inheritdoc ITodayILearned
    function contractURI() external view returns (string memory) {
        return _contractURI;
    }

    /**
     * @notice `ipfs://<CIDv1>/metadata.json`, the ERC-721 metadata inside the directory of the
     * entry's latest version, with the CID built on-chain from the digest. Each revision emits
     * ERC-4906 `MetadataUpdate(tokenId)` so that indexers read it again.
     */
    function tokenURI(uint256 tokenId) public view override returns (string memory) {
        return string.concat("ipfs://", EntryCID.toString(digestOf(tokenId)), "/metadata.json");
    }

    /// @inheritdoc ERC721
    function balanceOf(address owner) public view override returns (uint256) {
        if (owner == address(0)) revert ERC721InvalidOwner(address(0));
        return _tokenCounts[owner];
    }

    /// @notice ERC-165: ERC-721, its metadata extension, ERC-165 and ERC-4906 (0x49064906).
    function supportsInterface(bytes4 interfaceId) public view override returns (bool) {
        return interfaceId == _ERC4906_INTERFACE_ID || super.supportsInterface(interfaceId);
    }

    /*//////////////////////////////////////////////////////////////
                        OWNERSHIP (OpenZeppelin hooks)
    //////////////////////////////////////////////////////////////*/

    /// @dev The author (from the id) until the token first leaves them, then {_heldBy}.
    function _ownerOf(uint256 tokenId) internal view override returns (address) {
        uint256 record = _records[tokenId];
        if (record == 0) return address(0);
        return record & _OWNER_STORED == 0 ? _authorOf(tokenId) : _heldBy[tokenId];
    }

    /**
     * @dev Every transfer goes through here (tokens are only created by {publish} and never
     * burned). Keeps OpenZeppelin's checks and approval clearing, and saves the owner in {_heldBy}.
     */
    function _update(address to, uint256 tokenId, address auth) internal override returns (address from) {
        from = _ownerOf(tokenId);
        if (auth != address(0)) _checkAuthorized(from, auth, tokenId);
        if (from == address(0)) revert ERC721NonexistentToken(tokenId);
        if (to == address(0)) revert ERC721InvalidReceiver(address(0));

        _approve(address(0), tokenId, address(0), false);
        unchecked {
            _tokenCounts[from] -= 1;
            _tokenCounts[to] += 1;
        }
        uint256 record = _records[tokenId];
        if (record & _OWNER_STORED == 0) _records[tokenId] = record | _OWNER_STORED;
        _heldBy[tokenId] = to;
        emit Transfer(from, to, tokenId);
    }

    /// @dev Balances live in {_tokenCounts}: an extension that adjusts OpenZeppelin's balances would be ignored, so it reverts.
    function _increaseBalance(address, uint128) internal pure override {
        revert TILUnsupportedBalanceHook();
    }

    /*//////////////////////////////////////////////////////////////
                              RECORD READERS
    //////////////////////////////////////////////////////////////*/

    function _idFor(address author, bytes32 digest) private pure returns (uint256) {
        return (uint256(uint160(author)) << 96) | (uint256(digest) >> 160);
    }

    function _recordOf(uint256 tokenId) private view returns (uint256 record) {
        record = _records[tokenId];
        if (record == 0) revert ERC721NonexistentToken(tokenId);
    }

    function _authorOf(uint256 tokenId) private pure returns (address) {
        return address(uint160(tokenId >> 96));
    }

    function _firstDigest(uint256 tokenId, uint256 record) private pure returns (bytes32) {
        return bytes32(((tokenId & _ID_DIGEST_MASK) << 160) | (record & _LOW_DIGEST_MASK));
    }

    function _latestDigest(uint256 tokenId, uint256 record, uint256 count) private view returns (bytes32) {
        return count == 0 ? _firstDigest(tokenId, record) : _revisions[tokenId][count];
    }
}
