import { fireEvent, render, screen } from "@testing-library/svelte";
import { tick } from "svelte";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { CallState, RecordingView } from "../backend";
import { locale } from "../i18n";
import RecordControl from "./RecordControl.svelte";

/** A recording of call `c-1` through ODFS that may be started, overridden by `over`. */
function view(over: Partial<RecordingView> = {}): RecordingView {
  return { callId: "c-1", path: "odfs", state: "off", startedAtMs: null, reason: null, canStart: true, canStop: false, ...over };
}

function renderControl(
  recording: RecordingView,
  opts: { callState?: CallState; keyboard?: boolean; onrecord?: (action: "start" | "stop") => Promise<void> } = {},
) {
  const onrecord = vi.fn(opts.onrecord ?? (async () => {}));
  const result = render(RecordControl, {
    props: { recording, callState: opts.callState ?? "talking", keyboard: opts.keyboard ?? true, onrecord },
  });
  return { onrecord, ...result };
}

const start = () => document.querySelector<HTMLButtonElement>("#record-start");
const stop = () => document.querySelector<HTMLButtonElement>("#record-stop");
const strip = () => screen.getByTestId("recording");
const shortcut = () => fireEvent.keyDown(window, { key: "R", code: "KeyR", ctrlKey: true, shiftKey: true });

afterEach(() => {
  vi.useRealTimers();
  locale.set("en");
});

describe("the record control shows the desk's recording state", () => {
  it("off: Record is enabled exactly when the desk allows a start, with the shortcut in its title", async () => {
    const { rerender } = renderControl(view());
    expect(strip().dataset.state).toBe("off");
    expect(strip().textContent).toContain("Not recording");
    expect(start()?.textContent?.trim()).toBe("Record");
    expect(start()?.disabled).toBe(false);
    expect(start()?.title).toBe("Start recording (Ctrl+Shift+R)");
    expect(start()?.getAttribute("aria-keyshortcuts")).toBe("Control+Shift+R");
    expect(stop(), "ODFS has no stop").toBeNull();

    await rerender({ recording: view({ canStart: false }) });
    expect(start()?.disabled).toBe(true);
  });

  it("requesting: a spinner and 'Starting recording…', never REC", () => {
    renderControl(view({ state: "requesting", canStart: false }));
    expect(strip().dataset.state).toBe("requesting");
    expect(strip().querySelector(".spinner")).not.toBeNull();
    expect(strip().textContent).toContain("Starting recording…");
    expect(strip().textContent).not.toContain("REC");
    expect(screen.queryByTestId("recording-elapsed")).toBeNull();
    expect(start()?.disabled, "no second request while one is running").toBe(true);
  });

  it("recording: a red dot, REC and the time since the platform confirmed it, ticking each second", async () => {
    vi.useFakeTimers();
    const startedAtMs = Date.now() - 65_000;
    renderControl(view({ state: "recording", startedAtMs, canStart: false }));
    expect(strip().querySelector(".rec-dot")).not.toBeNull();
    expect(strip().textContent).toContain("REC");
    expect(screen.getByTestId("recording-elapsed").textContent).toBe("01:05");

    vi.advanceTimersByTime(1_000);
    await tick();
    expect(screen.getByTestId("recording-elapsed").textContent).toBe("01:06");
    expect(screen.getByTestId("recording-elapsed").title).toBe("Recording for 01:06");
  });

  it("recording through ODFS: no Record and no Stop, only that it ends with the call", () => {
    renderControl(view({ state: "recording", startedAtMs: Date.now(), canStart: false }));
    expect(start()).toBeNull();
    expect(stop()).toBeNull();
    expect(screen.getByTestId("recording-no-stop").textContent?.trim()).toBe("Ends with the call");
  });

  it("recording through the gateway: Stop, which asks the desk to stop", async () => {
    const { onrecord } = renderControl(view({ path: "gateway", state: "recording", startedAtMs: Date.now(), canStart: false, canStop: true }));
    expect(start()).toBeNull();
    expect(stop()?.textContent?.trim()).toBe("Stop");
    expect(stop()?.title).toBe("Stop recording (Ctrl+Shift+R)");
    await fireEvent.click(stop() as HTMLButtonElement);
    expect(onrecord).toHaveBeenCalledWith("stop");
  });

  it("stopping: a spinner and 'Stopping…', Stop disabled", () => {
    renderControl(view({ path: "gateway", state: "stopping", startedAtMs: Date.now(), canStart: false }));
    expect(strip().querySelector(".spinner")).not.toBeNull();
    expect(strip().textContent).toContain("Stopping…");
    expect(stop()?.disabled).toBe(true);
  });

  it("failed: the platform's reason in one line, and Record stays available to retry", async () => {
    const reason = "ODFS did not start the recording (10000002): The recording service refused (10000002): a parameter was rejected";
    const { onrecord } = renderControl(view({ state: "failed", reason }));
    expect(strip().textContent).toContain("Recording failed");
    const line = screen.getByTestId("recording-reason");
    expect(line.textContent).toBe(reason);
    expect(line.getAttribute("role")).toBe("alert");
    expect(line.title, "the whole reason, however narrow the window").toBe(reason);
    expect(start()?.disabled).toBe(false);
    await fireEvent.click(start() as HTMLButtonElement);
    expect(onrecord).toHaveBeenCalledWith("start");
  });

  it("unavailable: Record is disabled with the desk's reason as its tooltip and a muted hint", () => {
    const reason = "The ODFS app secret is not set; an administrator enters it in Settings";
    renderControl(view({ reason, canStart: false }));
    expect(start()?.disabled).toBe(true);
    expect(start()?.title).toBe(reason);
    expect(screen.getByTestId("recording-hint").textContent).toBe(reason);
    expect(screen.queryByTestId("recording-reason"), "not an error, just how it is").toBeNull();
  });

  it("shows nothing before the call is answered or after it ended, unless there is something to say", async () => {
    const { rerender } = renderControl(view({ canStart: false }), { callState: "ringing" });
    expect(screen.queryByTestId("recording")).toBeNull();
    await rerender({ recording: view({ canStart: false }), callState: "ended" });
    expect(screen.queryByTestId("recording")).toBeNull();
    await rerender({ recording: view({ state: "failed", reason: "ODFS did not start the recording (network): …", canStart: false }), callState: "ended" });
    expect(screen.getByTestId("recording-reason").textContent).toContain("(network)");
  });
});

describe("requests", () => {
  it("shows the desk's refusal in the reason line, and Record stays available", async () => {
    const onrecord = async () => {
      throw { code: "invalidInput", message: "A recording request is already running" };
    };
    renderControl(view(), { onrecord });
    await fireEvent.click(start() as HTMLButtonElement);
    const line = await screen.findByTestId("recording-reason");
    expect(line.textContent).toBe("A recording request is already running");
    expect(line.dataset.code).toBe("invalidInput");
    expect(start()?.disabled).toBe(false);
  });

  it("forgets a refusal once the recording moves on", async () => {
    const { rerender } = renderControl(view(), {
      onrecord: () => Promise.reject({ code: "invalidInput", message: "Refused" }),
    });
    await fireEvent.click(start() as HTMLButtonElement);
    await screen.findByTestId("recording-reason");
    await rerender({ recording: view({ state: "requesting", canStart: false }) });
    expect(screen.queryByTestId("recording-reason")).toBeNull();
  });

  it("Ctrl+Shift+R starts, or stops when the desk allows a stop", async () => {
    const { onrecord, rerender } = renderControl(view());
    await shortcut();
    expect(onrecord).toHaveBeenLastCalledWith("start");

    await rerender({ recording: view({ path: "gateway", state: "recording", startedAtMs: Date.now(), canStart: false, canStop: true }) });
    await shortcut();
    expect(onrecord).toHaveBeenLastCalledWith("stop");
    expect(onrecord).toHaveBeenCalledTimes(2);
  });

  it("Ctrl+Shift+R does nothing when neither is allowed, or while the card is hidden", async () => {
    const { onrecord, rerender } = renderControl(view({ state: "requesting", canStart: false }));
    await shortcut();
    await rerender({ recording: view(), keyboard: false });
    await shortcut();
    await fireEvent.keyDown(window, { key: "r", code: "KeyR", ctrlKey: true });
    expect(onrecord, "Ctrl+R alone is not the shortcut").not.toHaveBeenCalled();
  });

  it("stands down when the system-wide hotkey holds Ctrl+Shift+R, so one press sends one request", async () => {
    const onrecord = vi.fn(async () => {});
    render(RecordControl, { props: { recording: view(), callState: "talking", globalHotkey: true, onrecord } });
    const event = new KeyboardEvent("keydown", { key: "R", code: "KeyR", ctrlKey: true, shiftKey: true, cancelable: true });
    window.dispatchEvent(event);
    await tick();
    expect(onrecord).not.toHaveBeenCalled();
    expect(event.defaultPrevented, "still no reload").toBe(true);
  });

  it("keeps the webview from reloading on Ctrl+Shift+R", async () => {
    renderControl(view({ canStart: false }));
    const event = new KeyboardEvent("keydown", { key: "R", code: "KeyR", ctrlKey: true, shiftKey: true, cancelable: true });
    window.dispatchEvent(event);
    expect(event.defaultPrevented).toBe(true);
  });
});

describe("in Russian", () => {
  it("says it all in Russian", async () => {
    locale.set("ru");
    const { rerender } = renderControl(view());
    expect(start()?.textContent?.trim()).toBe("Записать");
    expect(strip().textContent).toContain("Запись не ведётся");
    await rerender({ recording: view({ state: "requesting", canStart: false }) });
    expect(strip().textContent).toContain("Запускаем запись…");
  });
});
