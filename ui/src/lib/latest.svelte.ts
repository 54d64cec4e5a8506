import { toIpcError, type IpcError } from "./backend";

/**
 * A list read from the desk, again whenever the panel asks. Only the latest read is shown: an
 * earlier one answering late must not replace it. `value` is `null` until the first answer.
 */
export class LatestRead<T> {
  value = $state.raw<T | null>(null);
  error = $state<IpcError | null>(null);
  #reads = 0;
  readonly #load: () => Promise<T>;

  constructor(load: () => Promise<T>) {
    this.#load = load;
  }

  async read(): Promise<void> {
    const mine = ++this.#reads;
    try {
      const answer = await this.#load();
      if (mine !== this.#reads) return;
      this.value = answer;
      this.error = null;
    } catch (e) {
      if (mine === this.#reads) this.error = toIpcError(e);
    }
  }
}
