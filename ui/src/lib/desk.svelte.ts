/**
 * Keeps the UI's copy of the desk snapshot.
 *
 * Events are the source of truth: the desk publishes every change, the last event always carries
 * the latest state. A command's answer (or the first `snapshot()`) is shown straight away only if
 * no event arrived while it was in flight; otherwise it may be older than what is on screen, and
 * the events already cover it.
 */
import type { Backend, DeskSnapshot } from "./backend";

export class DeskSync {
  /** The latest snapshot; `null` until the first one arrives. */
  snapshot = $state<DeskSnapshot | null>(null);

  /** Counts events, so a command's answer can tell whether one overtook it. */
  #events = 0;

  readonly #backend: Backend;

  constructor(backend: Backend) {
    this.#backend = backend;
  }

  /** Subscribes, then loads the current snapshot; resolves to the unsubscribe function. */
  async connect(): Promise<() => void> {
    const unsubscribe = await this.#backend.onSnapshot((snapshot) => {
      this.#events += 1;
      this.snapshot = snapshot;
    });
    try {
      await this.run(() => this.#backend.snapshot());
    } catch (e) {
      unsubscribe();
      throw e;
    }
    return unsubscribe;
  }

  /** Runs a command that answers with a snapshot; rejects as the command does. */
  async run(command: () => Promise<DeskSnapshot>): Promise<void> {
    const seen = this.#events;
    const snapshot = await command();
    if (this.#events === seen) this.snapshot = snapshot;
  }
}
