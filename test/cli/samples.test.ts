/** `npm start -- --with-samples`: a new user's first run shows a populated app. */
import assert from "node:assert/strict";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { PROJECT_ROOT, runTil, startStack } from "../support/local-stack.ts";

test("the first run offers the samples, --with-samples publishes each of them once", async () => {
  const work = await mkdtemp(path.join(tmpdir(), "til-samples-test-"));
  const home = path.join(work, "home");
  let stack = await startStack(home);
  try {
    assert.match(stack.output(), /First run: `npm start -- --with-samples`/);
    await stack.stop();
    stack = await startStack(home, { ports: stack.ports, args: ["--with-samples"] });
    const samples = (await readdir(path.join(PROJECT_ROOT, "samples"))).filter((f) => f.endsWith(".md"));
    assert.match(stack.output(), new RegExp(`Samples: ${samples.length} published, 0 already there`));
    const listed = (await runTil(["ls", "--json"], stack.env)).stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { title: string });
    assert.equal(listed.length, samples.length);
    assert.ok(listed.every((e) => typeof e.title === "string" && e.title.length > 0));
  } finally {
    await stack.stop();
    await rm(work, { recursive: true, force: true });
  }
});
