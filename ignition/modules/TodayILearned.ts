import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import { collectionMetadata, collectionMetadataDataUri } from "#core/entry/metadata.ts";

/**
 * Deploys the entry registry (v2). Used by the tests, `npm start` and deployments to real chains alike.
 * Parameter `contractURI`: the ERC-7572 collection metadata, fixed for the deployment's life (the
 * registry has no admin); by default a `data:` URI of the project's collection metadata
 * (core/entry/metadata.ts). Pass another (e.g. with the app's public URL as `external_link`, or an
 * `ipfs://` URI) with `--parameters`.
 */
export default buildModule("TodayILearned", (m) => {
  const contractURI = m.getParameter("contractURI", collectionMetadataDataUri(collectionMetadata()));
  const registry = m.contract("TodayILearned", [contractURI]);
  return { registry };
});
