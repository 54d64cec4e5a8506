/**
 * An in-memory {@link Backend} for unit tests and for running the UI in a plain browser.
 *
 * Tests set the desk with `emit(snapshot)`, read what the UI asked for in `calls`, and make a
 * method reject with `fail(method, error)`. With `scripted: true` (what `index.ts` uses outside
 * Tauri) it starts in a demo session and plays calls on a timer, so `npm run dev` shows a living
 * window rather than an empty one.
 */
import type { Backend } from "./backend";
import type { CallView, DeskSnapshot, IpcError, Language, SessionView, SettingsView, SignInForm } from "./generated";

/** A `Backend` method the fake records and can make fail. */
export type Method = Exclude<keyof Backend, "onSnapshot">;

export interface RecordedCall {
  method: Method;
  args: unknown[];
}

let lastRevision = 0;

/**
 * A snapshot with a signed-out, offline session, overridden by `session`. Each one gets a higher
 * revision than the one made before it, as the desk's do.
 */
export function deskSnapshot(session: Partial<SessionView> = {}, call: CallView | null = null): DeskSnapshot {
  return {
    revision: ++lastRevision,
    session: {
      phase: "signedOut",
      agentId: null,
      agentState: "unknown",
      health: "offline",
      notice: null,
      demo: false,
      gateway: null,
      ...session,
    },
    call,
  };
}

const DEFAULT_SETTINGS: SettingsView = { gatewayUrl: null, agentId: null, phoneNumber: null, language: "auto" };

/** The demo agent the fake signs in, like the embedded demo of the real app. */
const DEMO_SESSION: Partial<SessionView> = {
  phase: "signedIn",
  agentId: 1001,
  agentState: "ready",
  health: "connected",
  demo: true,
  gateway: "demo.sidekick.local",
};

export class FakeBackend implements Backend {
  /** What `snapshot()` returns; `emit` replaces it. */
  current: DeskSnapshot;
  /** What `settings()` returns. */
  currentSettings: SettingsView;
  /** Every method call, in order, with its arguments. */
  readonly calls: RecordedCall[] = [];

  readonly #failures = new Map<Method, IpcError>();
  readonly #listeners = new Set<(snapshot: DeskSnapshot) => void>();
  readonly #scripted: boolean;
  readonly #timers = new Set<ReturnType<typeof setTimeout>>();

  constructor(init: { snapshot?: DeskSnapshot; settings?: SettingsView; scripted?: boolean } = {}) {
    this.current = init.snapshot ?? deskSnapshot();
    this.currentSettings = init.settings ?? DEFAULT_SETTINGS;
    this.#scripted = init.scripted ?? false;
    if (this.#scripted) this.#playDemo();
  }

  /** Publishes `snapshot` to every subscriber, as the desk does on each change. */
  emit(snapshot: DeskSnapshot): void {
    this.current = snapshot;
    for (const cb of this.#listeners) cb(snapshot);
  }

  /** Makes every later call of `method` reject with `error`; `null` makes it succeed again. */
  fail(method: Method, error: IpcError | null): void {
    if (error) this.#failures.set(method, error);
    else this.#failures.delete(method);
  }

  snapshot(): Promise<DeskSnapshot> {
    return this.#invoke("snapshot", [], () => this.current);
  }

  signIn(form: SignInForm): Promise<DeskSnapshot> {
    return this.#invoke("signIn", [form], () => {
      const agentId = Number.parseInt(form.agentId, 10);
      this.currentSettings = {
        ...this.currentSettings,
        gatewayUrl: form.gatewayUrl,
        agentId: Number.isNaN(agentId) ? null : agentId,
        phoneNumber: form.phoneNumber,
      };
      this.emit(
        deskSnapshot({
          phase: "signedIn",
          agentId: this.currentSettings.agentId,
          agentState: "ready",
          health: "connected",
          gateway: form.gatewayUrl,
        }),
      );
      return this.current;
    });
  }

  signOut(): Promise<DeskSnapshot> {
    return this.#invoke("signOut", [], () => {
      this.#stopDemo();
      this.emit(deskSnapshot());
      return this.current;
    });
  }

  startDemo(): Promise<DeskSnapshot> {
    return this.#invoke("startDemo", [], () => {
      if (this.#scripted) this.#playDemo();
      else this.emit(deskSnapshot(DEMO_SESSION));
      return this.current;
    });
  }

  settings(): Promise<SettingsView> {
    return this.#invoke("settings", [], () => this.currentSettings);
  }

  setLanguage(language: Language): Promise<SettingsView> {
    return this.#invoke("setLanguage", [language], () => {
      this.currentSettings = { ...this.currentSettings, language };
      return this.currentSettings;
    });
  }

  onSnapshot(cb: (snapshot: DeskSnapshot) => void): Promise<() => void> {
    this.#listeners.add(cb);
    return Promise.resolve(() => this.#listeners.delete(cb));
  }

  #invoke<T>(method: Method, args: unknown[], effect: () => T): Promise<T> {
    this.calls.push({ method, args });
    const failure = this.#failures.get(method);
    return failure ? Promise.reject(failure) : Promise.resolve(effect());
  }

  /**
   * Signs the demo agent in and plays one call after another: rings for 4 s, talks for 40 s,
   * is hung up by the customer, then 8 s of wrap-up before the next caller.
   */
  #playDemo(): void {
    this.#stopDemo();
    const callers = ["+74951234567", "+78123334455", "+79161112233"];
    let seq = 0;
    const at = (ms: number, step: () => void) => {
      const timer = setTimeout(() => {
        this.#timers.delete(timer);
        step();
      }, ms);
      this.#timers.add(timer);
    };
    const ring = () => {
      const now = Date.now();
      const call: CallView = {
        callId: `${Math.floor(now / 1000)}-${String(++seq).padStart(4, "0")}`,
        caller: callers[seq % callers.length] ?? "",
        callee: "40038",
        direction: "inbound",
        state: "ringing",
        offeredAtMs: now,
        answeredAtMs: null,
        endedAtMs: null,
        endedBy: null,
      };
      this.emit(deskSnapshot(DEMO_SESSION, call));
      at(4_000, () => {
        const talking = { ...call, state: "talking" as const, answeredAtMs: Date.now() };
        this.emit(deskSnapshot({ ...DEMO_SESSION, agentState: "busy" }, talking));
        at(40_000, () => {
          const ended = { ...talking, state: "ended" as const, endedAtMs: Date.now(), endedBy: "customer" as const };
          this.emit(deskSnapshot({ ...DEMO_SESSION, agentState: "wrapUp" }, ended));
          at(8_000, ring);
        });
      });
    };
    ring();
  }

  #stopDemo(): void {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
  }
}
