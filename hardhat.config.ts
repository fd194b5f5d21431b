import { createRequire } from "node:module";
import hardhatToolboxMochaEthers from "@nomicfoundation/hardhat-toolbox-mocha-ethers";
import { configVariable, defineConfig } from "hardhat/config";

// Solidity compiles offline: the `solc` npm package ships the official compiler as soljson.js,
// and giving Hardhat its path stops it from downloading one. The version must match that package.
const require = createRequire(import.meta.url);
const SOLC_VERSION = "0.8.30";
const solcPackage = require("solc/package.json") as { version: string };
if (solcPackage.version !== SOLC_VERSION) {
  throw new Error(`hardhat.config.ts pins solc ${SOLC_VERSION} but the installed solc package is ${solcPackage.version}; run npm ci.`);
}

export default defineConfig({
  plugins: [hardhatToolboxMochaEthers],
  solidity: {
    version: SOLC_VERSION,
    path: require.resolve("solc/soljson.js"),
    settings: {
      evmVersion: "cancun",
      optimizer: { enabled: true, runs: 10_000 },
    },
  },
  paths: {
    tests: { mocha: "test/contracts", solidity: "contracts" },
  },
  test: {
    solidity: { fuzz: { runs: 1_000 } },
  },
  networks: {
    // `localhost`: the Hardhat node that `npm start` (or `npx hardhat node`) runs on 127.0.0.1:8545.
    localhost: {
      type: "http",
      chainType: "l1",
      url: "http://127.0.0.1:8545",
    },
    // `remote`: any EVM chain by RPC URL. Both values are configuration variables, read from the
    // environment (TIL_RPC_URL, TIL_DEPLOYER_KEY) or from the encrypted Hardhat keystore
    // (`npx hardhat keystore set TIL_DEPLOYER_KEY`); nothing secret lives in this repository.
    remote: {
      type: "http",
      chainType: "l1",
      url: configVariable("TIL_RPC_URL"),
      accounts: [configVariable("TIL_DEPLOYER_KEY")],
    },
  },
});
