import { describe, expect, it, vi } from "vitest";
import { render, waitFor } from "@testing-library/react";
import { EntryBody, prepareBodyHtml } from "../../frontend/src/entry/EntryBody.tsx";
import type { Note } from "#core/entry/note.ts";

const note = (body: string): Note => ({ title: "T", tags: [], body });

describe("EntryBody", () => {
  it("detaches entry-local images from the network and makes links open safely", () => {
    const html = prepareBodyHtml(
      note("![a](images/a.png) ![b](https://x.org/b.png)\n\n[ext](https://example.org) [rel](other.md) [frag](#top)\n"),
      "https://gw.example/ipfs/bafy/",
    );
    const doc = new DOMParser().parseFromString(html, "text/html");
    const [local, remote] = Array.from(doc.querySelectorAll("img"));
    expect(local.getAttribute("src")).toBeNull();
    expect(local.getAttribute("data-local-src")).toBe("images/a.png");
    expect(remote.getAttribute("src")).toBe("https://x.org/b.png");
    const links = Array.from(doc.querySelectorAll("a"));
    expect(links.map((a) => a.getAttribute("href"))).toEqual(["https://example.org", "https://gw.example/ipfs/bafy/other.md", "#top"]);
    expect(links[0].getAttribute("target")).toBe("_blank");
    expect(links[0].getAttribute("rel")).toContain("noopener");
  });

  it("keeps untrusted HTML and URLs inert", () => {
    const html = prepareBodyHtml(note('<script>alert(1)</script>\n\n<img src=x onerror="alert(2)">\n\n[x](javascript:alert(3)) ![y](javascript:alert(4))\n'));
    const doc = new DOMParser().parseFromString(html, "text/html");
    expect(doc.querySelectorAll("script, [onerror], iframe").length).toBe(0);
    expect(Array.from(doc.querySelectorAll("a")).every((a) => !/^javascript:/i.test(a.getAttribute("href") ?? ""))).toBe(true);
    expect(doc.body.textContent).not.toContain("alert(1)");
  });

  it("detaches raw HTML images inside the entry like markdown ones, keeping their size", () => {
    const html = prepareBodyHtml(note('<img src="images/a.png" width="120" align="right" alt="a"> <img src="https://x.org/b.png" height="10">\n'));
    const doc = new DOMParser().parseFromString(html, "text/html");
    const [local, remote] = Array.from(doc.querySelectorAll("img"));
    expect(local.getAttribute("src")).toBeNull();
    expect(local.getAttribute("data-local-src")).toBe("images/a.png");
    expect(local.getAttribute("width")).toBe("120");
    expect(remote.getAttribute("src")).toBe("https://x.org/b.png");
  });

  it("drops the leading title heading and fills local images from the resolver", async () => {
    const resolveImage = vi.fn(async (path: string) => (path === "images/a.png" ? "blob:fake" : undefined));
    const { container } = render(
      <EntryBody note={{ title: "Hello", tags: [], body: "# Hello\n\n![a](images/a.png)\n\n![m](images/missing.png)\n" }} resolveImage={resolveImage} />,
    );
    expect(container.querySelector("h1")).toBeNull();
    await waitFor(() => expect(container.querySelector("img")?.getAttribute("src")).toBe("blob:fake"));
    await waitFor(() => expect(container.querySelector('img[alt="m"]')?.getAttribute("title")).toBe("Image not in this entry: images/missing.png"));
    expect(container.querySelector('img[alt="m"]')?.classList.contains("missing-image")).toBe(true);
  });

  it("says why an image the resolver refused is not shown", async () => {
    const resolveImage = async () => {
      throw new Error("not shown: not a PNG, JPEG, GIF, WebP, AVIF or SVG image");
    };
    const { container } = render(<EntryBody note={note("![x](images/x.png)\n")} resolveImage={resolveImage} />);
    await waitFor(() =>
      expect(container.querySelector("img")?.getAttribute("title")).toBe(
        "Image unavailable (not shown: not a PNG, JPEG, GIF, WebP, AVIF or SVG image): images/x.png",
      ),
    );
    expect(container.querySelector("img")?.hasAttribute("src")).toBe(false);
  });

  it("shows the new note when the note changes (the body is replaced, not appended to)", () => {
    const resolveImage = async () => undefined;
    const { container, rerender } = render(<EntryBody note={note("first *note*\n")} resolveImage={resolveImage} />);
    expect(container.querySelector(".entry-body")?.textContent?.trim()).toBe("first note");
    rerender(<EntryBody note={note("second **note**\n")} resolveImage={resolveImage} />);
    expect(container.querySelector(".entry-body")?.textContent?.trim()).toBe("second note");
    expect(container.querySelector(".entry-body strong")?.textContent).toBe("note");
  });
});
