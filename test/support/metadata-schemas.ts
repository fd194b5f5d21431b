/**
 * JSON Schemas of the metadata wallets and marketplaces read, written here from the standards
 * (facts, not copies): EIP-721's "ERC721 Metadata JSON Schema" (name, description, image), the
 * common marketplace fields of a token (OpenSea's metadata standard: animation_url, external_url,
 * attributes of trait_type/value) and ERC-7572's contract-level metadata (contractURI). Used with
 * ajv by the entry format's tests and the contract's contractURI test.
 */
import { Ajv } from "ajv";

/** EIP-721's metadata schema ("Asset Metadata"): three string properties. */
export const ERC721_METADATA_SCHEMA = {
  $id: "urn:til:test:erc721-metadata",
  title: "Asset Metadata",
  type: "object",
  properties: {
    name: { type: "string", description: "Identifies the asset to which this NFT represents" },
    description: { type: "string", description: "Describes the asset to which this NFT represents" },
    image: { type: "string", description: "A URI pointing to a resource with mime type image/*" },
  },
} as const;

const URI = { type: "string", pattern: "^(ipfs://|https?://)[^\\s]+$" } as const;

/** The marketplace fields on top of EIP-721, as the common metadata standard describes them. */
export const MARKETPLACE_METADATA_SCHEMA = {
  $id: "urn:til:test:marketplace-metadata",
  allOf: [{ $ref: "urn:til:test:erc721-metadata" }],
  type: "object",
  required: ["name", "description", "image"],
  properties: {
    image: URI,
    animation_url: URI,
    external_url: URI,
    attributes: {
      type: "array",
      items: {
        type: "object",
        required: ["trait_type", "value"],
        properties: { trait_type: { type: "string" }, value: { type: ["string", "number"] }, display_type: { type: "string" } },
      },
    },
  },
} as const;

/** ERC-7572 contract-level metadata (the JSON `contractURI()` points to). */
export const ERC7572_CONTRACT_METADATA_SCHEMA = {
  $id: "urn:til:test:erc7572-contract-metadata",
  type: "object",
  required: ["name"],
  properties: {
    name: { type: "string" },
    symbol: { type: "string" },
    description: { type: "string" },
    image: { type: "string" },
    banner_image: { type: "string" },
    featured_image: { type: "string" },
    external_link: { type: "string" },
    collaborators: { type: "array", items: { type: "string", pattern: "^0x[0-9a-fA-F]{40}$" } },
  },
} as const;

const ajv = new Ajv({ allErrors: true, schemas: [ERC721_METADATA_SCHEMA] });
const validators = {
  token: ajv.compile(MARKETPLACE_METADATA_SCHEMA),
  contract: ajv.compile(ERC7572_CONTRACT_METADATA_SCHEMA),
};

/** The schema errors of `value` as token metadata (EIP-721 + marketplace fields) or contract metadata (ERC-7572); [] when valid. */
export function metadataSchemaErrors(kind: "token" | "contract", value: unknown): string[] {
  const validate = validators[kind];
  return validate(value) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || "/"} ${e.message}`);
}
