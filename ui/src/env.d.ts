/** The app version from package.json, injected by Vite's `define` (see vite.config.ts). */
declare const __APP_VERSION__: string;
