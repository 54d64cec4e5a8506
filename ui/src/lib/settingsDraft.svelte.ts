/**
 * A settings form edited in a draft and sent on Save: a refused save keeps every edit with the
 * backend's sentence; the draft follows the saved settings when they change (after a save, or from
 * elsewhere), not when something else in the view does. Create it while a component initialises
 * (it registers an effect).
 */
import { untrack } from "svelte";
import { toIpcError, type IpcError } from "./backend";

export class SettingsDraft<S, D> {
  draft: D = $state() as D;
  dirty = $state(false);
  saved = $state(false);
  saving = $state(false);
  error = $state<IpcError | null>(null);
  /** The saved settings the draft was last made from. */
  #synced: string;

  constructor(
    current: () => S,
    private readonly toDraft: (s: S) => D,
    private readonly fromDraft: (d: D) => S,
    private readonly onsave: (s: S) => Promise<void>,
  ) {
    const first = untrack(current);
    this.draft = toDraft(first);
    this.#synced = JSON.stringify(first);
    $effect(() => {
      const settings = current();
      const now = JSON.stringify(settings);
      if (now === this.#synced) return;
      this.#synced = now;
      this.draft = this.toDraft(settings);
      this.dirty = false;
    });
  }

  /** The form's input or change handler. */
  edited = () => {
    this.dirty = true;
    this.saved = false;
  };

  /** The form's submit handler. */
  save = async (event: SubmitEvent) => {
    event.preventDefault();
    if (this.saving) return;
    this.saving = true;
    this.error = null;
    this.saved = false;
    try {
      await this.onsave(this.fromDraft($state.snapshot(this.draft) as D));
      this.dirty = false;
      this.saved = true;
    } catch (e) {
      // Every edit stays, for fixing.
      this.error = toIpcError(e);
    } finally {
      this.saving = false;
    }
  };
}
