import { describe, expect, it } from "vitest";
import { render } from "@testing-library/react";
import { TagLinks } from "../../frontend/src/ui/TagLinks.tsx";

describe("TagLinks", () => {
  it("links each tag to its tag page, isolated for bidirectional text, in the caller's class", () => {
    const { container } = render(<TagLinks tags={["shell", "עברית"]} className="entry-tags" />);
    const links = Array.from(container.querySelectorAll(".entry-tags > a.tag"));
    expect(links.map((a) => a.getAttribute("href"))).toEqual(["#/tag/shell", `#/tag/${encodeURIComponent("עברית")}`]);
    expect(links.map((a) => a.querySelector("bdi")?.textContent)).toEqual(["#shell", "#עברית"]);
  });

  it("renders nothing without tags", () => {
    const { container } = render(<TagLinks tags={[]} className="feed-tags" />);
    expect(container.innerHTML).toBe("");
  });
});
