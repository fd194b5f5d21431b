/**
 * The node's periodic memory returns (ipfs-node/memory.ts) are spaced by their own cost, so that
 * under sustained work, where memory grows back within a second of each return, they take a small
 * share of the time instead of a full collection every second.
 */
import assert from "node:assert/strict";
import { setTimeout as delay } from "node:timers/promises";
import { it } from "node:test";
import { MemoryReturner } from "../../ipfs-node/memory.ts";

/** A return that takes `ms` of CPU, as a full collection of a large heap does. */
const busyFor = (ms: number) => () => {
  const until = performance.now() + ms;
  while (performance.now() < until);
};

it("a return that took 20 ms is not run again within the next second, though memory keeps growing", async () => {
  const at: number[] = [];
  const collect = busyFor(20);
  // growth of -1 byte: memory has always "grown", as under a mirror's sustained allocation
  const returner = new MemoryReturner(-1, 5, () => {
    collect();
    at.push(performance.now());
  });
  try {
    const waitFor = async (count: number) => {
      const deadline = performance.now() + 10_000;
      while (at.length < count) {
        assert.ok(performance.now() < deadline, `${count} returns expected, ${at.length} ran`);
        await delay(5);
      }
    };
    await waitFor(2);
    // checked every 5 ms, a return ran only once 50 times its 20 ms had passed (2% of the time)
    assert.ok(at[1] - at[0] >= 1000, `returns ${Math.round(at[1] - at[0])} ms apart`);
  } finally {
    returner.stop();
  }
});

it("returns asked for explicitly (after gc, a large add) run at once", () => {
  let returns = 0;
  const returner = new MemoryReturner(Number.MAX_SAFE_INTEGER, 1000, () => returns++);
  try {
    returner.returnNow();
    returner.returnNow();
    assert.equal(returns, 2);
  } finally {
    returner.stop();
  }
});
