/// <reference types="vitest/config" />
// One config for the dev server, the production build (embedded by Tauri from ui/dist) and Vitest.
import { svelte } from "@sveltejs/vite-plugin-svelte";
import { svelteTesting } from "@testing-library/svelte/vite";
import { defineConfig } from "vite";
import pkg from "./package.json" with { type: "json" };

export default defineConfig({
  root: "ui",
  // Keep Vite's and Vitest's caches with the one node_modules at the repo root, not in ui/.
  cacheDir: "../node_modules/.vite",
  plugins: [
    // The Svelte config sits at the repo root (where svelte-check looks), not in the Vite root.
    svelte({ configFile: "../svelte.config.js" }),
    // Only active under Vitest: resolves Svelte's browser build and cleans up the DOM after each test.
    svelteTesting(),
  ],
  define: {
    __APP_VERSION__: JSON.stringify(pkg.version),
  },
  // Tauri prints its own output in the same terminal; keep Vite from wiping it.
  clearScreen: false,
  server: { port: 5173, strictPort: true },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    // WebKitGTK/WKWebView baseline Tauri documents for its webviews.
    target: "safari13",
  },
  test: {
    environment: "jsdom",
    include: ["src/**/*.test.ts"],
  },
});
