/**
 * The fake's IVR platform for takeover: sessions offered (by tests, or every so often in the
 * scripted demo), taken, components run with plausible results, digits pressed, handed back, as
 * the desk and the Era simulator do. The fake backend publishes its panel in every snapshot.
 */
import type {
  ComponentForm,
  FileLinkView,
  IpcError,
  TakeoverPanel,
  TakeoverSession,
  TakeoverSettings,
  TakeoverView,
  UploadForm,
} from "./generated";

/** Sessions shown (the newest), as on the desk. */
const SESSIONS_SHOWN = 20;
/** How long the platform waits for a taker. */
export const ACCEPT_MS = 30_000;
/** The storage prefixes the platform knows, long form and short alias (ivr-protocols.md, part A). */
const PREFIXES = [
  ":SYNC_COMMON", ":SYN_MEDIA", ":SYNC_DOMAIN_DATA", ":SYN_DOM", ":SYNC_DOMAIN_COMMON", ":SYN_DOM_MEDIA", ":SITESHARE_PUBLIC",
  ":SS_PUB", ":SITESHARE_DOMAIN_DATA", ":SS_DOM", ":GLOBALSHARE_PUBLIC", ":GS_PUB", ":GLOBALSHARE_DOMAIN_DATA", ":GS_DOM",
];

function refusal(message: string): IpcError {
  return { code: "invalidInput", message };
}

/** The takeover part of settings on a fresh install. */
export function takeoverView(over: Partial<TakeoverView> = {}): TakeoverView {
  return { settings: { url: null, tokenInPath: false, agentsAllowed: false }, tokenSaved: false, allowed: false, demo: false, ...over };
}

/** What the desk says about an address, or `null` when it will do. */
export function checkTakeoverUrl(text: string): string | null {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return `The IVR platform's address is not a URL: use wss://host/ws/token/v1`;
  }
  const local = ["127.0.0.1", "localhost", "[::1]"].includes(url.hostname);
  if (url.protocol === "ws:" && !local) return "The IVR platform's address must use wss:// (ws:// only to this computer)";
  if (url.protocol !== "wss:" && url.protocol !== "ws:") {
    return `The IVR platform's address must start with wss://, not ${url.protocol}//`;
  }
  if (url.search !== "" || url.hash !== "") return "The IVR platform's address takes no query or fragment: the token goes in the keychain";
  return null;
}

export class FakeTakeover {
  view: TakeoverView;
  #sessions: TakeoverSession[] = [];
  #seq = 0;
  readonly #changed: () => void;
  readonly #at: (ms: number, step: () => void) => void;
  /** How long a play, a recording or a wait for digits runs; 0 ends it before the command resolves. */
  readonly #runMs: number;
  /** Presses `42#` when digits are asked for (the scripted demo's caller). */
  readonly #presses: boolean;

  constructor(init: { view: TakeoverView; changed: () => void; at: (ms: number, step: () => void) => void; runMs: number; presses: boolean }) {
    this.view = init.view;
    this.#changed = init.changed;
    this.#at = init.at;
    this.#runMs = init.runMs;
    this.#presses = init.presses;
  }

  /** The panel the snapshot shows: `null` unless this user may take over and the link is set up. */
  panel(): TakeoverPanel | null {
    const { view } = this;
    const setUp = view.demo || (view.settings.url !== null && view.tokenSaved);
    if (!view.allowed || !setUp) return null;
    return { link: { state: "connected" }, sessions: [...this.#sessions].reverse().slice(0, SESSIONS_SHOWN), malformedFrames: 0 };
  }

  saveSettings(settings: TakeoverSettings): void {
    const url = settings.url?.trim() || null;
    if (url !== null) {
      const problem = checkTakeoverUrl(url);
      if (problem) throw refusal(problem);
    }
    this.view = { ...this.view, settings: { ...settings, url }, demo: this.view.demo && url === null };
    this.#changed();
  }

  setToken(token: string): void {
    const t = token.trim();
    if (t.length < 8 || /[\s/]/.test(t)) throw refusal("The token has at least 8 characters, with no spaces or slashes");
    this.view = { ...this.view, tokenSaved: true };
    this.#changed();
  }

  forgetToken(): void {
    this.view = { ...this.view, tokenSaved: false };
    this.#changed();
  }

  /** A caller reaches the script's takeover component; it waits 30 s for a taker. */
  offer(over: Partial<TakeoverSession> = {}): TakeoverSession {
    const now = Date.now();
    const session: TakeoverSession = {
      ivrid: `rDlg-006-Fk${String(++this.#seq).padStart(4, "0")}`,
      params: "{}",
      callid: null,
      componentName: "External management via API",
      sipState: "dialog",
      offeredMs: now,
      acceptDeadlineMs: now + ACCEPT_MS,
      phase: "offered",
      oType: null,
      reason: null,
      dtmf: "",
      lastComponent: null,
      ...over,
    };
    this.#sessions.push(session);
    this.#changed();
    const ivrid = session.ivrid;
    this.#at(session.acceptDeadlineMs - now, () => {
      if (this.#get(ivrid)?.phase === "offered") this.#set(ivrid, { phase: "stopped", reason: "timeout" });
    });
    return session;
  }

  /** The caller presses `digits`. */
  press(ivrid: string, digits: string): void {
    const s = this.#get(ivrid);
    if (!s || s.phase === "stopped") return;
    this.#set(ivrid, { dtmf: s.dtmf + digits });
  }

  takeControl(ivrid: string): void {
    const s = this.#session(ivrid);
    if (s.phase !== "offered") throw refusal("Not now: it is not on offer");
    this.#set(ivrid, { phase: "controlled" });
  }

  handBack(ivrid: string): void {
    const s = this.#session(ivrid);
    if (!["controlled", "running"].includes(s.phase)) throw refusal("Not now: this app does not control it");
    this.#set(ivrid, { phase: "released", oType: null, reason: "handed back to the script" });
  }

  run(ivrid: string, form: ComponentForm): void {
    const s = this.#session(ivrid);
    if (s.phase === "running") throw refusal("A component is running: wait until it stops, or stop it first");
    if (s.phase !== "controlled") throw refusal("Take control of the session first");
    const oType = checkedType(form);
    this.#set(ivrid, { phase: "running", oType });
    const ends = (transferKey: string, results: Record<string, unknown>, stop: boolean) => {
      if (this.#get(ivrid)?.phase !== "running") return;
      this.#set(ivrid, {
        phase: stop ? "stopped" : "controlled",
        oType: null,
        reason: stop ? "script" : null,
        lastComponent: { oType, transferKey, results: JSON.stringify(results) },
      });
    };
    if (form.kind === "collectDigits") {
      const before = s.dtmf.length;
      if (this.#presses) {
        ["4", "2", "#"].forEach((d, i) => this.#at(600 * (i + 1), () => this.press(ivrid, d)));
      }
      const wait = this.#presses ? 2_000 : this.#runMs;
      const done = () => ends("transfer", { dtmfBuffer: (this.#get(ivrid)?.dtmf ?? "").slice(before) }, false);
      if (wait === 0) done();
      else this.#at(wait, done);
      return;
    }
    const stop = form.kind === "hangUp" || form.kind === "transfer";
    const results: Record<string, unknown> = form.kind === "record" ? { recordPath: `:TEMP/rec-${this.#seq}.wav` } : {};
    if (this.#runMs === 0) ends("transfer", results, stop);
    else this.#at(this.#runMs, () => ends("transfer", results, stop));
  }

  stop(ivrid: string): void {
    const s = this.#session(ivrid);
    if (s.phase !== "running") throw refusal("Not now: no component is running");
    this.#set(ivrid, { phase: "controlled", lastComponent: { oType: s.oType ?? 0, transferKey: "terminated", results: "{}" }, oType: null });
  }

  fileLink(ivrid: string, path: string): FileLinkView {
    this.#session(ivrid);
    if (!path.startsWith(":")) throw refusal("A script file starts with a storage prefix, like :TEMP/x.wav");
    return { url: `https://era.example.com/temp/${Math.random().toString(36).slice(2, 10)}.wav`, expiresMs: Date.now() + 5 * 60_000 };
  }

  upload(form: UploadForm): string {
    if (!/^https?:\/\//.test(form.url.trim())) throw refusal("The platform downloads from an http:// or https:// address");
    const name = form.url.trim().split("/").pop() || "file";
    if (form.target === "temp") return `:TEMP/${name}`;
    const dest = form.dest?.trim() || ":SYNC_DOMAIN_DATA";
    if (!PREFIXES.some((p) => dest === p || dest.startsWith(`${p}/`))) {
      throw refusal(`Static storage starts with one of ${PREFIXES.join(", ")}`);
    }
    return `${dest}/${name}`;
  }

  #get(ivrid: string): TakeoverSession | undefined {
    return this.#sessions.find((s) => s.ivrid === ivrid);
  }

  #session(ivrid: string): TakeoverSession {
    const s = this.#get(ivrid);
    if (!s) throw refusal(`No IVR session ${ivrid} is known`);
    if (s.phase === "stopped") throw refusal(`The IVR session ${ivrid} has ended (${s.reason ?? "stopped"})`);
    return s;
  }

  #set(ivrid: string, change: Partial<TakeoverSession>): void {
    this.#sessions = this.#sessions.map((s) => (s.ivrid === ivrid ? { ...s, ...change } : s));
    this.#changed();
  }
}

/** The component's `oType`, after the desk's checks. */
function checkedType(form: ComponentForm): number {
  switch (form.kind) {
    case "hangUp":
      return 201;
    case "answer":
      if (form.sipCode < 100 || form.sipCode > 699) throw refusal("A SIP code is between 100 and 699");
      return 202;
    case "transfer":
      if (form.number.trim() === "") throw refusal("Enter the number to transfer to");
      return 203;
    case "play":
      if (form.file.trim() === "") throw refusal("Enter the file to play");
      return 204;
    case "collectDigits":
      if (form.timeoutSec < 1 || form.timeoutSec > 3600) throw refusal("The wait for digits is 1 to 3600 seconds");
      return 206;
    case "record":
      if (form.recTimeSec < 1 || form.recTimeSec > 3600) throw refusal("A recording lasts 1 to 3600 seconds");
      return 208;
    case "raw": {
      let value: unknown;
      try {
        value = JSON.parse(form.json);
      } catch (e) {
        throw refusal(`The raw component is not valid JSON: ${(e as Error).message}`);
      }
      if (typeof value !== "object" || value === null || Array.isArray(value)) {
        throw refusal('The raw component must be a JSON object, like {"oType": 205, …}');
      }
      const oType = (value as Record<string, unknown>).oType;
      if (typeof oType !== "number" || oType <= 0) {
        throw refusal('The raw component needs a numeric "oType" (the component\'s type in the script)');
      }
      return oType;
    }
  }
}
