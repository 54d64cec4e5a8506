import { vitePreprocess } from "@sveltejs/vite-plugin-svelte";

/** Read by vite-plugin-svelte and svelte-check alike, so `<script lang="ts">` means the same to both. */
export default {
  preprocess: vitePreprocess(),
  compilerOptions: {
    runes: true,
  },
};
