// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/**
 * @title ITodayILearned (registry v2)
 * @notice Public interface of the "Today I Learned" entry registry: an ERC-721 where every token is
 * one published note, minted to its author, whose content is a UnixFS directory on IPFS. The author
 * can publish revisions of a note; every revision's content address stays readable on-chain.
 * @dev A note's content address is its CIDv1 (dag-pb, sha2-256); only the 32-byte sha2-256 digest
 * is passed around. The author of a token is whoever published it, for good: a transfer changes
 * the owner, never the author, and only the author can revise.
 *
 * Token ids belong to their author: `tokenId = uint256(uint160(author)) << 96 | uint256(digest) >> 160`
 * (the author's address, then the top 96 bits of the first version's digest), see {tokenIdFor}.
 * No other account can mint an id that starts with your address, so nobody can take, front-run or
 * block the id of your entry; the tokens of one CID (an author's own and any copies by others) are
 * found through the indexed `digest` topic of {EntryPublished} and {EntryRevised}.
 */
interface ITodayILearned {
    /// @notice Everything a client needs to show one entry, returned by {entry}.
    struct Entry {
        /// @dev The account that published the entry; never changes (also the top 160 bits of the id).
        address author;
        /// @dev The current owner of the token.
        address owner;
        /// @dev Timestamp of the block in which the entry was first published.
        uint64 publishedAt;
        /// @dev 1-based position of the entry among all entries, in publishing order.
        uint64 sequence;
        /// @dev sha2-256 digest of the CIDv1 (dag-pb) of the entry's latest version.
        bytes32 digest;
        /// @dev How many revisions the author published: versions are numbered 0 (as published) to this.
        uint64 revisionCount;
    }

    /**
     * @dev Emitted once per published entry, beside the ERC-721 {Transfer} from address zero.
     * `author`, `digest` and `noteKey` are indexed, so one log query lists all entries, one
     * author's entries, the entries of one CID, or one author's entry for one note (author and
     * noteKey): how a client finds the token to revise when a note is edited. `noteKey` is
     * keccak256 of the note's identity (core/entry/note-identity.ts), or zero for none; it is not
     * stored. The token id is not a topic: it is `tokenIdFor(author, digest)`.
     */
    event EntryPublished(uint256 tokenId, address indexed author, bytes32 indexed digest, bytes32 indexed noteKey);

    /**
     * @dev Emitted for each revision, beside ERC-4906's `MetadataUpdate(tokenId)`. `revision` is 1
     * for the first revision, 2 for the next, ... `tokenId` and `digest` are indexed: one query
     * gives a token's history, another the tokens whose latest or earlier version is a CID.
     */
    event EntryRevised(uint256 indexed tokenId, uint256 revision, bytes32 indexed digest);

    /// @dev ERC-4906: the metadata of `_tokenId` changed (a revision); marketplaces read {tokenURI} again.
    event MetadataUpdate(uint256 _tokenId);

    /// @dev ERC-7572: the collection metadata (`contractURI`) changed. Emitted once, at deployment.
    event ContractURIUpdated();

    /// @dev A digest of zero is not the digest of any content. `index` is its position in the call.
    error TILZeroDigest(uint256 index);

    /// @dev {publishBatch} was called with no digests.
    error TILEmptyBatch();

    /// @dev {publishBatch} was given `digests` digests but `noteKeys` note keys.
    error TILBatchLengthMismatch(uint256 digests, uint256 noteKeys);

    /// @dev `author` already published `digest` earlier, as token `tokenId`.
    error TILEntryAlreadyPublished(address author, bytes32 digest, uint256 tokenId);

    /// @dev The same `digest` appears twice in one {publishBatch} call, at `firstIndex` and `duplicateIndex`.
    error TILDuplicateInBatch(bytes32 digest, uint256 firstIndex, uint256 duplicateIndex);

    /**
     * @dev `author` already holds token `tokenId` for another digest that starts with the same 96
     * bits as `digest`. Only the author's own entries share their id prefix, so only the author
     * could cause this (by searching ~2^48 contents); nobody else can.
     */
    error TILTokenIdCollision(address author, bytes32 digest, uint256 tokenId);

    /// @dev Only the author of `tokenId` (`author`), not `caller`, may revise it; owning the token is not enough.
    error TILNotAuthor(uint256 tokenId, address caller, address author);

    /// @dev `digest` is already the latest version of `tokenId`: a revision must change the content.
    error TILUnchangedDigest(uint256 tokenId, bytes32 digest);

    /// @dev The author published `digest` as their entry `otherTokenId`: revise that entry, or choose other content.
    error TILDigestIsAnotherEntry(uint256 tokenId, bytes32 digest, uint256 otherTokenId);

    /// @dev `tokenId` has the most revisions one token can hold (2^15 - 1).
    error TILTooManyRevisions(uint256 tokenId);

    /// @dev `tokenId` has no version `revision` (it has versions 0 to `revisionCount`).
    error TILNoSuchRevision(uint256 tokenId, uint256 revision, uint256 revisionCount);

    /**
     * @notice Publishes one entry: mints a token to the caller, who becomes its author, and records
     * the entry's content digest.
     * @dev The token id is {tokenIdFor}(caller, digest): no other account's transactions can take it,
     * make this call fail or make it cost more. Requirements: `digest` is not zero, and the caller
     * has not published `digest` before.
     * Emits a {Transfer} event from address zero and an {EntryPublished} event.
     * @param digest sha2-256 digest of the entry's CIDv1 (dag-pb).
     * @param noteKey keccak256 of the note's identity (emitted, not stored), or zero.
     * @return tokenId The new token.
     */
    function publish(bytes32 digest, bytes32 noteKey) external returns (uint256 tokenId);

    /**
     * @notice Publishes many entries in one transaction, exactly as if {publish} was called for
     * each (digest, noteKey) in order; either all are published or none.
     * @dev Requirements: at least one digest, as many note keys as digests, no digest zero or
     * published by the caller before, no digest twice in the list.
     * Emits a {Transfer} and an {EntryPublished} event per digest.
     * @return tokenIds The new tokens, in the order of `digests`.
     */
    function publishBatch(bytes32[] calldata digests, bytes32[] calldata noteKeys) external returns (uint256[] memory tokenIds);

    /**
     * @notice Publishes a new version of entry `tokenId`: its content becomes `digest`; every
     * earlier version stays readable ({digestAt}).
     * @dev Only the entry's author may revise, whoever owns the token now. Requirements: `digest`
     * is not zero, differs from the latest version, and is not the first version of another entry
     * of the author. A digest used by an earlier version of this token is allowed (going back).
     * Emits {EntryRevised} and ERC-4906 `MetadataUpdate(tokenId)`.
     * @return revision The new version's number (1 for the first revision).
     */
    function revise(uint256 tokenId, bytes32 digest) external returns (uint256 revision);

    /// @notice The token id `author` gets (or got) for publishing `digest`, whether or not it exists.
    function tokenIdFor(address author, bytes32 digest) external pure returns (uint256);

    /**
     * @notice The token that `author` published for `digest` (as its first version), or 0 if there is none.
     * @dev Lets a client recover the token of an entry whose publishing transaction it lost track of.
     */
    function tokenOf(address author, bytes32 digest) external view returns (uint256 tokenId);

    /// @notice {tokenOf} for many digests of one author in one call (0 where there is none).
    function tokensOf(address author, bytes32[] calldata digests) external view returns (uint256[] memory tokenIds);

    /// @notice Author, owner, publishing time, sequence number, latest digest and revision count of `tokenId`. Reverts if it does not exist.
    function entry(uint256 tokenId) external view returns (Entry memory);

    /// @notice The account that published `tokenId`. Reverts if it does not exist.
    function authorOf(uint256 tokenId) external view returns (address);

    /// @notice The sha2-256 digest of the CIDv1 of `tokenId`'s latest version. Reverts if it does not exist.
    function digestOf(uint256 tokenId) external view returns (bytes32);

    /// @notice How many revisions `tokenId` has (0: only the version first published). Reverts if it does not exist.
    function revisionCount(uint256 tokenId) external view returns (uint256);

    /// @notice The digest of version `revision` of `tokenId` (0: as first published). Reverts if there is no such version.
    function digestAt(uint256 tokenId, uint256 revision) external view returns (bytes32);

    /// @notice The binary CIDv1 (36 bytes: 0x01701220 followed by the digest) of `tokenId`'s latest version.
    function cidOf(uint256 tokenId) external view returns (bytes memory);

    /// @notice Timestamp of the block in which `tokenId` was first published. Reverts if it does not exist.
    function publishedAt(uint256 tokenId) external view returns (uint256);

    /// @notice How many entries have been published in all (revisions are not entries).
    function totalEntries() external view returns (uint256);

    /// @notice ERC-7572: a URI to the collection's metadata JSON, fixed at deployment.
    function contractURI() external view returns (string memory);
}
