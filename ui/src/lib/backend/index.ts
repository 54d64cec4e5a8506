/**
 * Entry point of the backend boundary: the rest of the UI imports from here and receives a
 * {@link Backend}, never a concrete implementation.
 */
import type { Backend } from "./backend";
import { TauriBackend } from "./tauri";

export { isIpcError, toIpcError, type Backend } from "./backend";
export type * from "./generated";

/**
 * The Tauri backend inside the app's webview (Tauri injects `__TAURI_INTERNALS__` before any
 * script runs); otherwise a scripted fake, so the UI can be worked on in a plain browser. There,
 * `?refuse-recording` in the address makes the fake's platform refuse every recording. The fake
 * is a chunk of its own, loaded only in a browser: the app never parses it.
 */
export async function createBackend(win: object = window): Promise<Backend> {
  if ("__TAURI_INTERNALS__" in win) return new TauriBackend();
  const { FakeBackend } = await import("./fake");
  const search = (win as { location?: { search?: string } }).location?.search ?? "";
  return new FakeBackend({ scripted: true, refuseRecording: new URLSearchParams(search).has("refuse-recording") });
}
