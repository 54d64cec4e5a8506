/**
 * An in-memory {@link Backend} for unit tests and for running the UI in a plain browser.
 *
 * Tests set the desk with `emit(snapshot)`, read what the UI asked for in `calls`, and make a
 * method reject with `fail(method, error)`. Call control and state changes act on the snapshot as
 * the desk would, refusing what the current `actions` / `canChangeState` do not allow; snapshots
 * the fake publishes itself carry those derived fields as the desk computes them. Like the desk,
 * it keeps a password "in the keychain" when a sign-in asks to `remember` it (only the fact, never
 * the password), accepts an empty password only for that agent and gateway, and forgets it on
 * request. With
 * `scripted: true` (what `index.ts` uses outside Tauri) it starts in a demo session and plays
 * calls on a timer, so `npm run dev` shows a living window rather than an empty one.
 */
import type { Backend } from "./backend";
import type {
  AgentState,
  CallActions,
  CallState,
  CallView,
  DeskSnapshot,
  Direction,
  IpcError,
  Language,
  SessionView,
  SettingsView,
  SignInForm,
  StateChoice,
} from "./generated";

/** A `Backend` method the fake records and can make fail. */
export type Method = Exclude<keyof Backend, "onSnapshot">;

export interface RecordedCall {
  method: Method;
  args: unknown[];
}

let lastRevision = 0;

/**
 * A snapshot with a signed-out, offline session, overridden by `session`. Each one gets a higher
 * revision than the one made before it, as the desk's do. `canChangeState` defaults to `false`;
 * see {@link withDerived} for the values the desk would compute.
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
      canChangeState: false,
      lastContactMs: null,
      busyReasons: [],
      ...session,
    },
    call,
  };
}

/** What the desk allows with a call in `state` (mirrors `actions_for` in crates/desk/src/call.rs). */
export function callActions(state: CallState, direction: Direction): CallActions {
  return {
    answer: state === "ringing" && direction === "inbound",
    hold: state === "talking",
    unhold: state === "held",
    hangUp: state === "talking" || state === "held",
  };
}

/**
 * `snapshot` with the fields the desk derives (`call.actions`, `session.canChangeState`) computed
 * the way the desk computes them: a state change needs a signed-in session and no live call.
 */
export function withDerived(snapshot: DeskSnapshot): DeskSnapshot {
  const call = snapshot.call && { ...snapshot.call, actions: callActions(snapshot.call.state, snapshot.call.direction) };
  const canChangeState = snapshot.session.phase === "signedIn" && (call === null || call.state === "ended");
  return { ...snapshot, session: { ...snapshot.session, canChangeState }, call };
}

/** The agent state the gateway reports once it has accepted `choice`. */
const CHOSEN_STATE: Record<StateChoice["kind"], AgentState> = {
  ready: "ready",
  notReady: "notReady",
  rest: "rest",
  wrapUp: "wrapUp",
};

const NO_ACTIONS: CallActions = { answer: false, hold: false, unhold: false, hangUp: false };

/** How the desk refuses an intent it does not allow now. */
function refusal(message: string): IpcError {
  return { code: "invalidInput", message };
}

const DEFAULT_SETTINGS: SettingsView = {
  gatewayUrl: null,
  agentId: null,
  phoneNumber: null,
  language: "auto",
  passwordSaved: false,
  systemLanguage: null,
};

/**
 * The keychain account a password is saved under: agent id and gateway host, as the desk keys it
 * (`null` when the form names no valid gateway or agent).
 */
function keychainAccount(gatewayUrl: string | null, agentId: string | number | null): string | null {
  if (gatewayUrl === null || agentId === null) return null;
  const id = Number.parseInt(String(agentId).trim(), 10);
  if (Number.isNaN(id)) return null;
  try {
    return `${id}@${new URL(gatewayUrl.trim()).host}`;
  } catch {
    return null;
  }
}

/** The demo agent the fake signs in, like the embedded demo of the real app. */
const DEMO_SESSION: Partial<SessionView> = {
  phase: "signedIn",
  agentId: 1001,
  agentState: "ready",
  health: "connected",
  demo: true,
  gateway: "demo.sidekick.local",
  busyReasons: [
    { code: 201, label: "Training" },
    { code: 202, label: "Coaching" },
  ],
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
  /** How long the "gateway" takes to confirm a state change; 0 confirms before the call resolves. */
  readonly #confirmMs: number;
  /** Numbers the demo calls. */
  #seq = 0;
  /** The account whose password the "keychain" holds; the password itself is never kept. */
  #savedAccount: string | null;

  constructor(
    init: { snapshot?: DeskSnapshot; settings?: SettingsView; scripted?: boolean; confirmMs?: number } = {},
  ) {
    this.current = init.snapshot ?? deskSnapshot();
    this.currentSettings = init.settings ?? DEFAULT_SETTINGS;
    this.#savedAccount = this.currentSettings.passwordSaved
      ? keychainAccount(this.currentSettings.gatewayUrl, this.currentSettings.agentId)
      : null;
    this.#scripted = init.scripted ?? false;
    this.#confirmMs = init.confirmMs ?? (this.#scripted ? 600 : 0);
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
      // Like the desk: an empty password means the one saved for this agent and gateway, if any.
      const account = keychainAccount(form.gatewayUrl, form.agentId);
      const usedSaved = form.password === "" && account !== null && account === this.#savedAccount;
      if (form.password === "" && !usedSaved) throw refusal("Enter your agent password");
      if (form.remember && !usedSaved && account !== null) this.#savedAccount = account;
      const agentId = Number.parseInt(form.agentId, 10);
      const remembered = Number.isNaN(agentId) ? null : agentId;
      this.currentSettings = {
        ...this.currentSettings,
        gatewayUrl: form.gatewayUrl,
        agentId: remembered,
        phoneNumber: form.phoneNumber,
        passwordSaved: this.#savedAccount !== null && this.#savedAccount === keychainAccount(form.gatewayUrl, remembered),
      };
      return this.#publish(
        deskSnapshot({
          phase: "signedIn",
          agentId: this.currentSettings.agentId,
          agentState: "ready",
          health: "connected",
          gateway: form.gatewayUrl,
        }),
      );
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
      else this.#publish(deskSnapshot(DEMO_SESSION));
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

  /** Removes the saved password of the remembered agent and gateway, as the desk does. */
  forgetPassword(): Promise<SettingsView> {
    return this.#invoke("forgetPassword", [], () => {
      if (this.#savedAccount === keychainAccount(this.currentSettings.gatewayUrl, this.currentSettings.agentId)) {
        this.#savedAccount = null;
      }
      this.currentSettings = { ...this.currentSettings, passwordSaved: false };
      return this.currentSettings;
    });
  }

  /** Changes the agent state after `confirmMs`, as the gateway's event would; refused during a call. */
  setAgentState(choice: StateChoice): Promise<DeskSnapshot> {
    return this.#invoke("setAgentState", [choice], () => {
      if (!this.current.session.canChangeState) throw refusal("You can change your state once the call has ended");
      const confirm = () => this.#change({ agentState: CHOSEN_STATE[choice.kind] }, this.current.call);
      if (this.#confirmMs > 0) this.#at(this.#confirmMs, confirm);
      else confirm();
      return this.current;
    });
  }

  answerCall(): Promise<DeskSnapshot> {
    return this.#invoke("answerCall", [], () => {
      const call = this.#callAllowing("answer", "There is no ringing call to answer");
      this.#answered({ ...call, state: "talking", answeredAtMs: Date.now() });
      return this.current;
    });
  }

  holdCall(): Promise<DeskSnapshot> {
    return this.#invoke("holdCall", [], () => {
      const call = this.#callAllowing("hold", "There is no connected call to hold");
      return this.#change({}, { ...call, state: "held" });
    });
  }

  unholdCall(): Promise<DeskSnapshot> {
    return this.#invoke("unholdCall", [], () => {
      const call = this.#callAllowing("unhold", "There is no call on hold");
      return this.#change({}, { ...call, state: "talking" });
    });
  }

  hangUp(): Promise<DeskSnapshot> {
    return this.#invoke("hangUp", [], () => {
      const call = this.#callAllowing("hangUp", "There is no call to hang up");
      this.#ended(call, "agent");
      return this.current;
    });
  }

  onSnapshot(cb: (snapshot: DeskSnapshot) => void): Promise<() => void> {
    this.#listeners.add(cb);
    return Promise.resolve(() => this.#listeners.delete(cb));
  }

  #invoke<T>(method: Method, args: unknown[], effect: () => T): Promise<T> {
    this.calls.push({ method, args });
    const failure = this.#failures.get(method);
    if (failure) return Promise.reject(failure);
    try {
      return Promise.resolve(effect());
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /** Publishes `snapshot` with the derived fields the desk would set. */
  #publish(snapshot: DeskSnapshot): DeskSnapshot {
    this.emit(withDerived(snapshot));
    return this.current;
  }

  /** Publishes the current session changed by `session`, with `call` on the card. */
  #change(session: Partial<SessionView>, call: CallView | null): DeskSnapshot {
    return this.#publish(deskSnapshot({ ...this.current.session, ...session }, call));
  }

  /** The call on the card, if the desk allows `action` on it now; otherwise throws the desk's refusal. */
  #callAllowing(action: keyof CallActions, message: string): CallView {
    const call = this.current.call;
    if (!call?.actions[action]) throw refusal(message);
    return call;
  }

  /** The call connected; in the demo, the customer hangs up 40 s later unless the agent did first. */
  #answered(talking: CallView): void {
    this.#change({ agentState: "busy" }, talking);
    if (!this.#scripted) return;
    this.#at(40_000, () => {
      const call = this.current.call;
      if (call?.callId === talking.callId && (call.state === "talking" || call.state === "held")) this.#ended(call, "customer");
    });
  }

  /** The call ended; in the demo, the next one rings after 8 s of wrap-up. */
  #ended(call: CallView, by: "agent" | "customer"): void {
    this.#change({ agentState: "wrapUp" }, { ...call, state: "ended", endedAtMs: Date.now(), endedBy: by });
    if (this.#scripted) this.#nextCall(8_000);
  }

  /** Runs `step` after `ms`, unless the demo is stopped first. */
  #at(ms: number, step: () => void): void {
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      step();
    }, ms);
    this.#timers.add(timer);
  }

  /**
   * Rings the next demo call after `ms`, once the agent takes calls: wrap-up ends by itself, while
   * an agent who chose Not ready or a break is left alone until they are Ready again.
   */
  #nextCall(ms: number): void {
    this.#at(ms, () => {
      const state = this.current.session.agentState;
      if (state === "ready" || state === "wrapUp") this.#ring();
      else this.#nextCall(2_000);
    });
  }

  /** A demo call rings; unless the agent answers first, it is answered for them after 6 s. */
  #ring(): void {
    const callers = ["+74951234567", "+78123334455", "+79161112233"];
    const now = Date.now();
    const seq = ++this.#seq;
    const call: CallView = {
      callId: `${Math.floor(now / 1000)}-${String(seq).padStart(4, "0")}`,
      caller: callers[seq % callers.length] ?? "",
      callee: "40038",
      direction: "inbound",
      state: "ringing",
      offeredAtMs: now,
      answeredAtMs: null,
      endedAtMs: null,
      endedBy: null,
      actions: NO_ACTIONS,
    };
    this.#publish(deskSnapshot({ ...DEMO_SESSION, agentState: "ready" }, call));
    this.#at(6_000, () => {
      const current = this.current.call;
      if (current?.callId === call.callId && current.state === "ringing") {
        this.#answered({ ...current, state: "talking", answeredAtMs: Date.now() });
      }
    });
  }

  /**
   * Signs the demo agent in and plays one call after another: each rings for 6 s (or until the
   * agent answers), talks for 40 s (or until the agent hangs up), then 8 s of wrap-up before the
   * next caller. Hold, state changes and hang-up work as they do against the desk.
   */
  #playDemo(): void {
    this.#stopDemo();
    this.#ring();
  }

  #stopDemo(): void {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
  }
}
