/**
 * Keeps the UI's copy of the desk snapshot.
 *
 * Snapshots reach the UI two ways: as `desk://snapshot` events, and as the answers of commands.
 * Tauri does not order the two against each other, so every snapshot carries a `revision` that
 * the desk increases with each change, and only a newer snapshot replaces the one shown. An
 * older one arriving late can never roll the screen back.
 */
import type { Backend, DeskSnapshot } from "./backend";

export class DeskSync {
  /** The latest snapshot; `null` until the first one arrives. */
  snapshot = $state<DeskSnapshot | null>(null);

  readonly #backend: Backend;

  constructor(backend: Backend) {
    this.#backend = backend;
  }

  /** Shows `next` if it is newer than what is shown. */
  apply(next: DeskSnapshot): void {
    if (this.snapshot === null || next.revision > this.snapshot.revision) this.snapshot = next;
  }

  /** Subscribes, then loads the current snapshot; resolves to the unsubscribe function. */
  async connect(): Promise<() => void> {
    const unsubscribe = await this.#backend.onSnapshot((s) => this.apply(s));
    try {
      this.apply(await this.#backend.snapshot());
    } catch (e) {
      unsubscribe();
      throw e;
    }
    return unsubscribe;
  }
}
