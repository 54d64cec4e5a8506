import { fireEvent, render, screen } from "@testing-library/svelte";
import { flushSync } from "svelte";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { SessionView } from "../backend";
import { deskSnapshot } from "../backend/fake";
import { locale } from "../i18n";
import StatusBar from "./StatusBar.svelte";

const NOW = Date.UTC(2025, 0, 15, 9, 30, 0);

function renderBar(session: Partial<SessionView>, readlastcontact?: () => Promise<number | null>) {
  const props = {
    readlastcontact,
    session: deskSnapshot({ phase: "signedIn", agentId: 1001, agentState: "ready", gateway: "cc.example.com", ...session })
      .session,
    settingsOpen: false,
    signingOut: false,
    ontogglesettings: () => {},
    onsignout: () => {},
    onstate: async () => {},
  };
  render(StatusBar, { props });
  return screen.getByTestId("status-health");
}

describe("status bar health", () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(NOW);
  });
  afterEach(() => {
    vi.useRealTimers();
    locale.set("en");
  });

  it("says when the gateway last answered, and counts on every second while the pointer rests on it", async () => {
    const health = renderBar({ health: "connected", lastContactMs: NOW - 4_000 });
    expect(health.dataset.health).toBe("connected");
    expect(health.title).toBe("Connected · last contact 4 s ago");
    expect(screen.getByTestId("status-health-detail").textContent).toBe("Connected · last contact 4 s ago");
    expect(health.textContent, "the host stays what is seen").toContain("cc.example.com");

    // Nobody looking: no clock runs between snapshots.
    await vi.advanceTimersByTimeAsync(3_000);
    flushSync();
    expect(health.title).toBe("Connected · last contact 4 s ago");

    await fireEvent.mouseEnter(health);
    flushSync();
    expect(health.title, "the tooltip is current when it opens").toBe("Connected · last contact 7 s ago");
    await vi.advanceTimersByTimeAsync(1_000);
    flushSync();
    expect(health.title).toBe("Connected · last contact 8 s ago");
    await vi.advanceTimersByTimeAsync(60_000);
    flushSync();
    expect(health.title).toBe("Connected · last contact 1 min ago");

    await fireEvent.mouseLeave(health);
    await vi.advanceTimersByTimeAsync(60_000);
    flushSync();
    expect(health.title, "the clock stopped with the pointer gone").toBe("Connected · last contact 1 min ago");
  });

  it("reads the current last contact from the desk while the tooltip is open (idle polls publish nothing)", async () => {
    let desk: number | null = NOW - 2_000;
    const reads = vi.fn(async () => desk);
    const health = renderBar({ health: "connected", lastContactMs: NOW - 30_000 }, reads);
    expect(health.title).toBe("Connected · last contact 30 s ago");
    expect(reads).not.toHaveBeenCalled();

    await fireEvent.mouseEnter(health);
    await vi.advanceTimersByTimeAsync(0);
    flushSync();
    expect(health.title, "the desk's newer contact wins").toBe("Connected · last contact 2 s ago");
    desk = NOW + 500;
    await vi.advanceTimersByTimeAsync(1_000);
    flushSync();
    expect(health.title).toBe("Connected · last contact 0 s ago");
    expect(reads).toHaveBeenCalledTimes(2);

    await fireEvent.mouseLeave(health);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(reads, "nothing is read with the pointer gone").toHaveBeenCalledTimes(2);
  });

  it("speaks Russian", () => {
    locale.set("ru");
    const health = renderBar({ health: "connected", lastContactMs: NOW - 4_000 });
    expect(health.title).toBe("Подключено · связь 4 с назад");
  });

  it("names only the connection before any contact", () => {
    const health = renderBar({ health: "offline", lastContactMs: null });
    expect(health.dataset.health).toBe("offline");
    expect(health.title).toBe("Connection: Offline");
  });

  it("names the demo's gateway instead of its random local port", () => {
    const health = renderBar({ health: "connected", demo: true, gateway: "127.0.0.1:41631", lastContactMs: NOW });
    expect(health.textContent).toContain("Built-in simulator");
    expect(health.textContent).not.toContain("127.0.0.1");
  });
});
