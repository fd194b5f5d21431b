import { expect } from "chai";
import { readFile } from "node:fs/promises";
import { ARTIFACT, GENERATED, renderAbiModule } from "../../scripts/contract/generate-abi.ts";

describe("core/contract/abi.generated.ts", () => {
  it("matches the ABI of the compiled contract (run `npm run compile` when this fails)", async () => {
    const artifact = JSON.parse(await readFile(ARTIFACT, "utf8")) as { abi: unknown };
    expect(await readFile(GENERATED, "utf8")).to.equal(renderAbiModule(artifact.abi));
  });
});
