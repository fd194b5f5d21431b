// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/**
 * @title ITodayILearned
 * @notice Public interface of the "Today I Learned" entry registry: an ERC-721 where every token is
 * one published note, minted to its author, whose content is a UnixFS directory on IPFS.
 * @dev A note's content address is its CIDv1 (dag-pb, sha2-256); only the 32-byte sha2-256 digest
 * is stored and passed around. The author of a token is whoever published it, for good: a
 * transfer changes the owner, never the author.
 */
interface ITodayILearned {
    /// @notice Everything a client needs to show one entry, returned by {entry}.
    struct Entry {
        /// @dev The account that published the entry; never changes.
        address author;
        /// @dev The current owner of the token.
        address owner;
        /// @dev Timestamp of the block in which the entry was published.
        uint64 publishedAt;
        /// @dev 1-based position of the entry among all entries, in publishing order.
        uint64 sequence;
        /// @dev sha2-256 digest of the entry's CIDv1 (dag-pb).
        bytes32 digest;
    }

    /**
     * @dev Emitted once per published entry, beside the ERC-721 {Transfer} from address zero.
     * All three keys are indexed, so one log query lists all entries, one author's entries, or the
     * tokens of one CID.
     */
    event EntryPublished(uint256 indexed tokenId, address indexed author, bytes32 indexed digest);

    /// @dev A digest of zero is not the digest of any content. `index` is its position in the call.
    error TILZeroDigest(uint256 index);

    /// @dev {publishBatch} was called with no digests.
    error TILEmptyBatch();

    /// @dev `author` already published `digest` earlier, as token `tokenId`.
    error TILEntryAlreadyPublished(address author, bytes32 digest, uint256 tokenId);

    /// @dev The same `digest` appears twice in one {publishBatch} call, at `firstIndex` and `duplicateIndex`.
    error TILDuplicateInBatch(bytes32 digest, uint256 firstIndex, uint256 duplicateIndex);

    /**
     * @notice Publishes one entry: mints a token to the caller, who becomes its author, and records
     * the entry's content digest.
     * @dev The token id is the digest itself (`uint256(digest)`) unless another author already
     * holds that id for the same content; then it is derived from the author and the digest
     * (see {tokenOf}). Requirements: `digest` is not zero, and the caller has not published
     * `digest` before.
     * Emits a {Transfer} event from address zero and an {EntryPublished} event.
     * @param digest sha2-256 digest of the entry's CIDv1 (dag-pb).
     * @return tokenId The new token.
     */
    function publish(bytes32 digest) external returns (uint256 tokenId);

    /**
     * @notice Publishes many entries in one transaction, exactly as if {publish} was called for
     * each digest in order; either all are published or none.
     * @dev Requirements: at least one digest, none zero, none published by the caller before, no
     * digest twice in the list.
     * Emits a {Transfer} and an {EntryPublished} event per digest.
     * @return tokenIds The new tokens, in the order of `digests`.
     */
    function publishBatch(bytes32[] calldata digests) external returns (uint256[] memory tokenIds);

    /**
     * @notice The token that `author` published for `digest`, or 0 if there is none.
     * @dev Lets a client recover the token of an entry whose publishing transaction it lost track of.
     */
    function tokenOf(address author, bytes32 digest) external view returns (uint256 tokenId);

    /**
     * @notice {tokenOf} for many digests of one author in one call (0 where there is none).
     * @dev For clients that check a whole batch before publishing it.
     */
    function tokensOf(address author, bytes32[] calldata digests) external view returns (uint256[] memory tokenIds);

    /// @notice Author, owner, publishing time, sequence number and digest of `tokenId`. Reverts if it does not exist.
    function entry(uint256 tokenId) external view returns (Entry memory);

    /// @notice The account that published `tokenId`. Reverts if it does not exist.
    function authorOf(uint256 tokenId) external view returns (address);

    /// @notice The sha2-256 digest of the CIDv1 of `tokenId`'s content. Reverts if it does not exist.
    function digestOf(uint256 tokenId) external view returns (bytes32);

    /// @notice The binary CIDv1 (36 bytes: 0x01701220 followed by the digest) of `tokenId`'s content.
    function cidOf(uint256 tokenId) external view returns (bytes memory);

    /// @notice Timestamp of the block in which `tokenId` was published. Reverts if it does not exist.
    function publishedAt(uint256 tokenId) external view returns (uint256);

    /// @notice How many entries have been published in all.
    function totalEntries() external view returns (uint256);
}
