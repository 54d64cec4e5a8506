import { describe, expect, it } from "vitest";
import type { DeskSnapshot } from "./backend";
import { deskSnapshot, FakeBackend } from "./backend/fake";
import { DeskSync } from "./desk.svelte";

describe("DeskSync", () => {
  it("shows the backend's snapshot after connecting, then every event", async () => {
    const backend = new FakeBackend({ snapshot: deskSnapshot({ phase: "signedIn", agentId: 1001 }) });
    const desk = new DeskSync(backend);
    await desk.connect();
    expect(desk.snapshot?.session.agentId).toBe(1001);

    backend.emit(deskSnapshot({ phase: "signedIn", agentId: 1001, agentState: "rest" }));
    expect(desk.snapshot?.session.agentState).toBe("rest");
  });

  it("does not let an older start-up snapshot overwrite an event that arrived meanwhile", async () => {
    const backend = new FakeBackend();
    let answer: (s: DeskSnapshot) => void = () => {};
    backend.snapshot = () => new Promise((resolve) => (answer = resolve));
    const desk = new DeskSync(backend);

    const connecting = desk.connect();
    await new Promise((r) => setTimeout(r, 0)); // connect() has subscribed and asked for the snapshot
    const older = deskSnapshot({ phase: "signedOut" }); // taken by the desk before the event below
    backend.emit(deskSnapshot({ phase: "signedIn", agentState: "busy" }));
    answer(older);
    await connecting;

    expect(desk.snapshot?.session.agentState, "the event has the higher revision").toBe("busy");
  });

  it("applies a command answer that is newer than the last event, and ignores a stale one", () => {
    const desk = new DeskSync(new FakeBackend());
    const stale = deskSnapshot({ phase: "signingIn" });
    const answer = deskSnapshot({ phase: "signedIn", agentId: 291 });
    desk.apply(answer);
    desk.apply(stale);
    expect(desk.snapshot?.session.phase, "a late, older snapshot never rolls the screen back").toBe("signedIn");
    expect(desk.snapshot?.revision).toBe(answer.revision);
  });

  it("unsubscribes when the first snapshot cannot be loaded", async () => {
    const backend = new FakeBackend();
    backend.fail("snapshot", { code: "internal", message: "no desk" });
    const desk = new DeskSync(backend);
    await expect(desk.connect()).rejects.toEqual({ code: "internal", message: "no desk" });
    backend.emit(deskSnapshot({ phase: "signedIn" }));
    expect(desk.snapshot, "no listener is left behind").toBeNull();
  });
});
