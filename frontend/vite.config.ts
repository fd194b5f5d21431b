/**
 * Vite config of the web app. Root is frontend/; the shared core (../core) is imported with `.ts`
 * extensions. `base: "./"` plus hash routes lets the built app run from any sub-path, e.g.
 * `/ipfs/<cid>/` on a gateway.
 */
/// <reference types="vitest/config" />
import { defineConfig, loadEnv, type Plugin } from "vite";
import react from "@vitejs/plugin-react";
import { fileURLToPath } from "node:url";

const folder = (relative: string) => fileURLToPath(new URL(relative, import.meta.url));

/** A Content-Security-Policy for the production build (dev needs Vite's inline preamble). */
function contentSecurityPolicy(): Plugin {
  const policy = [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' blob: data: https: http:",
    "connect-src *",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
  ].join("; ");
  return {
    name: "til-csp",
    apply: "build",
    transformIndexHtml: (html) => html.replace("<head>", `<head>\n    <meta http-equiv="Content-Security-Policy" content="${policy}" />`),
  };
}

/**
 * Everything in a VITE_TIL_* variable ends up in the JavaScript of the build, which anyone who can
 * load the app can read (and which the README suggests hosting on IPFS). An API token is refused
 * here with where it goes instead.
 */
function refuseSecrets(mode: string): void {
  const env = loadEnv(mode, folder("."), "VITE_TIL_");
  if (env.VITE_TIL_IPFS_API_AUTH) {
    throw new Error(
      "VITE_TIL_IPFS_API_AUTH is set: a build would publish that token in its JavaScript. Unset it (also in frontend/.env*); " +
        "enter the IPFS API's Authorization header in the app under Settings instead, where it is kept in that browser for that origin only.",
    );
  }
}

export default defineConfig(({ mode }) => {
  refuseSecrets(mode);
  return {
    root: fileURLToPath(new URL(".", import.meta.url)),
    base: "./",
    envPrefix: "VITE_TIL_",
    plugins: [react(), contentSecurityPolicy()],
    // The dev server (`npm run dev:app`) serves files of these folders only: the app, the shared core and
    // the packages. Never the rest of the repository, nor a local state folder or key placed in it.
    server: {
      fs: {
        strict: true,
        allow: [folder("."), folder("../core"), folder("../node_modules")],
        deny: [".env", ".env.*", "*.{crt,pem,key}", "**/.til/**", "**/.git/**"],
      },
      strictPort: true,
    },
    preview: { strictPort: true },
    build: { outDir: "dist", emptyOutDir: true, target: "es2022", chunkSizeWarningLimit: 800 },
    test: { environment: "jsdom", include: ["../test/frontend/**/*.test.{ts,tsx}"] },
  };
});
