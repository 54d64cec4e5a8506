import { afterEach, describe, expect, it, vi } from "vitest";
import { isIpcError, toIpcError } from "./backend";
import { FakeBackend } from "./fake";
import { createBackend } from "./index";
import { TauriBackend } from "./tauri";

vi.mock("@tauri-apps/api/core", () => ({ invoke: vi.fn() }));
vi.mock("@tauri-apps/api/event", () => ({ listen: vi.fn() }));

describe("createBackend", () => {
  afterEach(() => vi.useRealTimers());

  it("uses Tauri inside the app's webview", async () => {
    expect(await createBackend({ __TAURI_INTERNALS__: {} })).toBeInstanceOf(TauriBackend);
  });

  it("falls back to the scripted fake in a plain browser, already playing a demo call", async () => {
    vi.useFakeTimers();
    const backend = await createBackend({});
    expect(backend).toBeInstanceOf(FakeBackend);
    const first = await backend.snapshot();
    expect(first.session.demo).toBe(true);
    expect(first.call?.state).toBe("ringing");

    vi.advanceTimersByTime(6_000);
    expect((await backend.snapshot()).call?.state, "the demo call is answered after it rang").toBe("talking");
    await backend.signOut();
    vi.advanceTimersByTime(60_000);
    expect((await backend.snapshot()).call, "signing out stops the script").toBeNull();
  });

  it("lets the address make the fake refuse recordings, to show a failure in a browser", async () => {
    vi.useFakeTimers();
    const plain = (await createBackend({ location: { search: "" } })) as FakeBackend;
    const refusing = (await createBackend({ location: { search: "?refuse-recording" } })) as FakeBackend;
    expect(plain.refuseRecording).toBe(false);
    expect(refusing.refuseRecording).toBe(true);
    await plain.signOut();
    await refusing.signOut();
  });
});

describe("IpcError helpers", () => {
  it("recognises the {code, message} shape only", () => {
    expect(isIpcError({ code: "busy", message: "later" })).toBe(true);
    expect(isIpcError({ code: "busy" })).toBe(false);
    expect(isIpcError("busy")).toBe(false);
    expect(isIpcError(null)).toBe(false);
  });

  it("keeps an IpcError and wraps anything else as internal", () => {
    const err = { code: "storage" as const, message: "disk full" };
    expect(toIpcError(err)).toBe(err);
    expect(toIpcError("boom")).toEqual({ code: "internal", message: "boom" });
    expect(toIpcError(new Error("bang"))).toEqual({ code: "internal", message: "bang" });
    expect(toIpcError(42)).toEqual({ code: "internal", message: "42" });
  });
});
