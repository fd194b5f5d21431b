import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

/** Deploys the entry registry. Used by the tests, `npm start` and deployments to real chains alike. */
export default buildModule("TodayILearned", (m) => {
  const registry = m.contract("TodayILearned");
  return { registry };
});
