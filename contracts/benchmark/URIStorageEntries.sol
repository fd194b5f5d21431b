// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";
import {ERC721URIStorage} from "@openzeppelin/contracts/token/ERC721/extensions/ERC721URIStorage.sol";

/**
 * @title URIStorageEntries
 * @notice Benchmark baseline only (bench/gas.ts): the plain OpenZeppelin way to record an entry,
 * minting sequential ids and storing `ipfs://<CIDv1>/metadata.json` as a string.
 */
contract URIStorageEntries is ERC721URIStorage {
    uint256 private _nextId = 1;

    constructor() ERC721("URIStorage baseline", "URI") {}

    function mint(string calldata uri) external returns (uint256 tokenId) {
        tokenId = _nextId++;
        _mint(msg.sender, tokenId);
        _setTokenURI(tokenId, uri);
    }
}
