/**
 * Links that open IPFS content in a browser on an origin of its own: the local gateway's
 * subdomain form (`<cidv1-base32>.ipfs.localhost`), the path form elsewhere.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isLocalGatewayHostname, isolatedGatewayUrl, subdomainLabel } from "#core/gateway-url.ts";

// Kubo's "hello world" file (CIDv0) and the same content as CIDv1 in base32
const V0 = "QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o";
const V1 = "bafybeicg2rebjoofv4kbyovkw7af3rpiitvnl6i7ckcywaq6xjcxnc2mby";

describe("isolated gateway URLs", () => {
  it("writes a CID as the subdomain gateway does: CIDv1, base32", () => {
    assert.equal(subdomainLabel(V0), V1);
    assert.equal(subdomainLabel(V1), V1);
  });
  it("opens content on a local gateway (localhost or a loopback IP) on its own subdomain origin, port and path kept", () => {
    assert.equal(isolatedGatewayUrl("http://127.0.0.1:8080", V0), `http://${V1}.ipfs.localhost:8080/`);
    assert.equal(isolatedGatewayUrl("http://localhost:8080/", V1, "/images/a.png"), `http://${V1}.ipfs.localhost:8080/images/a.png`);
    assert.equal(isolatedGatewayUrl("http://[::1]:9090", V1, "metadata.json"), `http://${V1}.ipfs.localhost:9090/metadata.json`);
  });
  it("keeps the path form on any other gateway", () => {
    assert.equal(isolatedGatewayUrl("https://ipfs.io", V0, "index.md"), `https://ipfs.io/ipfs/${V0}/index.md`);
    assert.equal(isolatedGatewayUrl("https://gateway.example/", V1), `https://gateway.example/ipfs/${V1}/`);
  });
  it("knows the local hosts", () => {
    for (const host of ["localhost", "LOCALHOST", "127.0.0.1", "127.1.2.3", "::1", "[::1]", "::ffff:127.0.0.1"]) assert.ok(isLocalGatewayHostname(host), host);
    for (const host of ["ipfs.io", "192.168.1.2", "localhost.example", "128.0.0.1", "::2"]) assert.ok(!isLocalGatewayHostname(host), host);
  });
});
