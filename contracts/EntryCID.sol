// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/**
 * @title EntryCID
 * @notice The on-chain half of the CID <-> digest mapping (the off-chain half is core/cid.ts).
 * @dev An entry is a UnixFS directory, so its CID is always CIDv1, codec dag-pb (0x70), multihash
 * sha2-256 (0x12) of 32 bytes (0x20). Only the 32-byte digest is stored; the binary CID is the
 * 4-byte prefix 0x01701220 followed by the digest, and its text form is multibase base32
 * (RFC 4648, lower case, no padding, prefix "b").
 */
library EntryCID {
    /// @dev CIDv1 header: version 1, dag-pb, sha2-256, digest length 32.
    bytes4 internal constant PREFIX = 0x01701220;

    /// @dev RFC 4648 base32 alphabet, lower case, exactly 32 characters.
    bytes32 private constant _ALPHABET = "abcdefghijklmnopqrstuvwxyz234567";

    /// @dev Multibase "b" followed by the base32 of the first 30 bits of {PREFIX}.
    bytes7 private constant _TEXT_PREFIX = "bafybei";

    /// @notice The binary CIDv1 (36 bytes) of a dag-pb + sha2-256 `digest`.
    function toBytes(bytes32 digest) internal pure returns (bytes memory) {
        return abi.encodePacked(PREFIX, digest);
    }

    /**
     * @notice The CIDv1 text form (59 characters, "bafybei...") of a dag-pb + sha2-256 `digest`.
     * @dev The 36 binary bytes are 288 bits, 58 base32 characters. The prefix's first 30 bits
     * always encode as "afybei"; its last 2 bits are zero and share a character with the top 3
     * bits of the digest; then 50 characters of 5 digest bits each; the digest's last 3 bits are
     * padded with 2 zero bits.
     */
    function toString(bytes32 digest) internal pure returns (string memory) {
        uint256 d = uint256(digest);
        bytes memory out = new bytes(59);
        for (uint256 i = 0; i < 7; ++i) {
            out[i] = _TEXT_PREFIX[i];
        }
        out[7] = _ALPHABET[d >> 253];
        for (uint256 i = 0; i < 50; ++i) {
            out[8 + i] = _ALPHABET[(d >> (248 - 5 * i)) & 31];
        }
        out[58] = _ALPHABET[(d & 7) << 2];
        return string(out);
    }
}
