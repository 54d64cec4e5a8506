import { fireEvent, render, screen, waitFor, within } from "@testing-library/svelte";
import { afterEach, describe, expect, it } from "vitest";
import App from "../../App.svelte";
import { deskSnapshot, FakeBackend, settingsView, withDerived } from "../backend/fake";
import { takeoverView } from "../backend/fakeTakeover";
import { locale } from "../i18n";

const agent = { phase: "signedIn", agentId: 1001, agentState: "ready", health: "connected" } as const;

/** A supervisor whose IVR takeover is set up (address and token saved). */
const supervisor = settingsView({
  role: "supervisor",
  takeover: takeoverView({ settings: { url: "wss://era.example.com/ws/token/v1", tokenInPath: false, agentsAllowed: false }, tokenSaved: true, allowed: true }),
});

const type = (el: HTMLElement, value: string) => fireEvent.input(el, { target: { value } });
const session = () => screen.getByTestId("ivr-session");

async function openWithOffer(params = '{"menu":"billing","attempts":2}') {
  const backend = new FakeBackend({ snapshot: withDerived(deskSnapshot(agent)), settings: supervisor });
  render(App, { props: { backend } });
  await screen.findByTestId("status-bar");
  const offered = backend.takeover.offer({ params });
  // The offer is one click away from the main view, with a count on the button.
  await fireEvent.click(await screen.findByTestId("ivr-offer-open"));
  await screen.findByTestId("ivr-panel");
  return { backend, ivrid: offered.ivrid };
}

afterEach(() => locale.set("en"));

describe("the IVR takeover panel", () => {
  it("is not there for an agent, nor before it is set up", async () => {
    const backend = new FakeBackend({ snapshot: withDerived(deskSnapshot(agent)) });
    render(App, { props: { backend } });
    await screen.findByRole("button", { name: "Settings" });
    backend.takeover.offer();
    expect(document.querySelector("#open-ivr")).toBeNull();
    expect(screen.queryByTestId("ivr-offer-banner")).toBeNull();
  });

  it("shows an offer with its parameters and countdown, takes it, plays and collects the caller's digits", async () => {
    const { backend, ivrid } = await openWithOffer();
    expect(screen.getByTestId("ivr-offers").textContent).toBe("1");
    const card = session();
    expect(card.dataset.phase).toBe("offered");
    expect(within(card).getByTestId("ivr-params").textContent).toContain("billing");
    expect(within(card).getByText(/s left/).textContent).toMatch(/^(29|30) s left$/);

    await fireEvent.click(within(card).getByTestId("ivr-take"));
    await waitFor(() => expect(session().dataset.phase).toBe("controlled"));
    expect(backend.calls.some((c) => c.method === "takeControl" && c.args[0] === ivrid)).toBe(true);

    await fireEvent.click(within(session()).getByTestId("ivr-run"));
    await waitFor(() => expect(within(session()).getByTestId("ivr-last").dataset.oType).toBe("204"));
    const play = backend.calls.find((c) => c.method === "runComponent");
    expect(play?.args[1]).toEqual({ kind: "play", file: ":SYNC_DOMAIN_DATA/prompts/hello.wav" });

    await fireEvent.click(within(session()).getByTestId("ivr-tab-collectDigits"));
    await type(within(session()).getByTestId("ivr-digits-max"), "4");
    backend.takeover.press(ivrid, "7");
    await fireEvent.click(within(session()).getByTestId("ivr-run"));
    await waitFor(() => expect(within(session()).getByTestId("ivr-dtmf").textContent).toContain("7"));
    const collect = backend.calls.filter((c) => c.method === "runComponent").at(-1);
    expect(collect?.args[1]).toMatchObject({ kind: "collectDigits", timeoutSec: 15, maxSymbols: 4, interrupt: "#" });
  });

  it("refuses a field that is not a number without asking, and shows the desk's refusal of a raw component", async () => {
    const { backend } = await openWithOffer();
    await fireEvent.click(within(session()).getByTestId("ivr-take"));
    await waitFor(() => expect(session().dataset.phase).toBe("controlled"));
    await fireEvent.click(within(session()).getByTestId("ivr-tab-record"));
    await type(within(session()).getByTestId("ivr-record-seconds"), "half a minute");
    await fireEvent.click(within(session()).getByTestId("ivr-run"));
    expect((await within(session()).findByTestId("ivr-error")).textContent).toContain("whole number");
    expect(backend.calls.some((c) => c.method === "runComponent")).toBe(false);

    await fireEvent.click(within(session()).getByTestId("ivr-tab-raw"));
    await type(within(session()).getByTestId("ivr-raw-json"), '{"name": "x"}');
    await fireEvent.click(within(session()).getByTestId("ivr-run"));
    await waitFor(() => expect(within(session()).getByTestId("ivr-error").textContent).toContain("oType"));
  });

  it("transfers and the card ends with the reason; a handed-back caller says so", async () => {
    const { backend } = await openWithOffer();
    await fireEvent.click(within(session()).getByTestId("ivr-take"));
    await waitFor(() => expect(session().dataset.phase).toBe("controlled"));
    await fireEvent.click(within(session()).getByTestId("ivr-tab-transfer"));
    await type(within(session()).getByTestId("ivr-transfer-number"), "1002");
    await fireEvent.click(within(session()).getByTestId("ivr-run"));
    await waitFor(() => expect(session().dataset.phase).toBe("stopped"));
    expect(within(session()).getByTestId("ivr-reason").textContent).toContain("the script went on");
    expect(within(session()).queryByTestId("ivr-run"), "no actions once it ended").toBeNull();

    const second = backend.takeover.offer();
    await waitFor(() => expect(screen.getAllByTestId("ivr-session")).toHaveLength(2));
    const card = () => screen.getAllByTestId("ivr-session").find((c) => c.dataset.ivrid === second.ivrid)!;
    await fireEvent.click(within(card()).getByTestId("ivr-take"));
    await waitFor(() => expect(card().dataset.phase).toBe("controlled"));
    await fireEvent.click(within(card()).getByTestId("ivr-hand-back"));
    await waitFor(() => expect(card().dataset.phase).toBe("released"));
  });

  it("gets a file link with its expiry and uploads to a storage prefix", async () => {
    await openWithOffer();
    await fireEvent.click(within(session()).getByTestId("ivr-take"));
    await waitFor(() => expect(session().dataset.phase).toBe("controlled"));
    await type(within(session()).getByTestId("ivr-link-path"), ":TEMP/greeting.wav");
    await fireEvent.click(within(session()).getByTestId("ivr-get-link"));
    const link = await within(session()).findByTestId("ivr-link-result");
    expect(link.textContent).toMatch(/works for (4:5\d|5:00) more/);
    await type(within(session()).getByTestId("ivr-upload-url"), "https://files.example.com/prompt.wav");
    await fireEvent.change(within(session()).getByTestId("ivr-upload-target"), { target: { value: "static" } });
    await type(await within(session()).findByTestId("ivr-upload-dest"), ":NOPE/x");
    await fireEvent.click(within(session()).getByTestId("ivr-upload"));
    expect((await within(session()).findByTestId("ivr-error")).textContent).toContain("Static storage starts with");
    await type(within(session()).getByTestId("ivr-upload-dest"), ":GS_PUB/prompts");
    await fireEvent.click(within(session()).getByTestId("ivr-upload"));
    expect((await within(session()).findByTestId("ivr-upload-result")).textContent).toContain(":GS_PUB/prompts/prompt.wav");
  });

  it("saves the takeover settings, refusing a plain ws:// address elsewhere", async () => {
    const backend = new FakeBackend({ snapshot: withDerived(deskSnapshot(agent)), settings: settingsView({ role: "supervisor" }) });
    render(App, { props: { backend } });
    await fireEvent.click(await screen.findByRole("button", { name: "Settings" }));
    const group = await screen.findByTestId("takeover-settings");
    expect(within(group).getByTestId("takeover-link").dataset.state).toBe("off");
    await type(within(group).getByTestId("takeover-url"), "ws://era.example.com/ws/token/v1");
    await fireEvent.click(within(group).getByTestId("takeover-save"));
    expect((await within(group).findByTestId("takeover-settings-error")).textContent).toContain("wss://");
    await type(within(group).getByTestId("takeover-url"), "wss://era.example.com/ws/token/v1");
    await fireEvent.click(within(group).getByTestId("takeover-save"));
    await waitFor(() => expect(within(group).getByTestId("takeover-save-state").dataset.state).toBe("saved"));
    await type(group.querySelector<HTMLInputElement>("#era-token")!, "era-token-1234");
    await fireEvent.click(group.querySelector<HTMLButtonElement>("#save-era-token")!);
    await waitFor(() => expect(within(group).getByTestId("takeover-link").dataset.state).toBe("connected"));
    expect(document.querySelector("#open-ivr")).not.toBeNull();
  });
});
