import { fireEvent, render, screen, waitFor, within } from "@testing-library/svelte";
import { afterEach, describe, expect, it } from "vitest";
import App from "../../App.svelte";
import { deskSnapshot, exportView, FakeBackend, policyView, settingsView, withDerived } from "../backend/fake";
import { takeoverView } from "../backend/fakeTakeover";
import { locale } from "../i18n";

const ERA = "wss://era.example.com/ws/token/v1";
const GATEWAY = "https://cc.example.com:8043";
const PROBLEMS = [
  'policy.json: "odfsFlowAccessCode" is 24 characters; at most 20 — ignored',
  'policy.json: unknown field "colour" — ignored',
];

/** Settings under a policy that locks the gateway, the Era address and the CC-FS callback address. */
const managed = settingsView({
  gatewayUrl: GATEWAY,
  agentId: 291,
  role: "supervisor",
  takeover: takeoverView({ settings: { url: ERA, tokenInPath: false, agentsAllowed: false }, allowed: true }),
  export: exportView({ ccfsUrl: "https://ccfs.example.com:28443/", callbackUrl: "https://sidekick.example.com:8443/ccfs/callback" }),
  policy: policyView({ found: true, locked: ["gatewayUrl", "callbackUrl", "eraUrl"], problems: PROBLEMS }),
});

const agent = { phase: "signedIn", agentId: 291, agentState: "ready", health: "connected" } as const;
const input = (testId: string) => screen.getByTestId<HTMLInputElement>(testId);

async function openSettings(settings = managed) {
  render(App, { props: { backend: new FakeBackend({ snapshot: withDerived(deskSnapshot(agent)), settings }) } });
  await fireEvent.click(await screen.findByRole("button", { name: "Settings" }));
  return screen.findByTestId("settings");
}

afterEach(() => locale.set("en"));

describe("the administrator's policy", () => {
  it("shows the box with the locked settings in words and each problem in red", async () => {
    await openSettings();
    const box = screen.getByTestId("policy");
    expect(box.textContent).toContain("Managed by your administrator (/etc/sidekick/policy.json)");
    const items = within(screen.getByTestId("policy-locked")).getAllByRole("listitem").map((li) => li.textContent?.trim());
    expect(items).toEqual(["Gateway address", "CC-FS callback address", "IVR platform address"]);

    const problems = screen.getByTestId("policy-problems");
    expect(problems.getAttribute("role")).toBe("alert");
    expect(within(problems).getAllByTestId("policy-problem").map((p) => p.textContent)).toEqual(PROBLEMS);
  });

  it("makes the locked fields read-only with a hint, and leaves the others editable", async () => {
    await openSettings();
    const era = input("takeover-url");
    expect(era.readOnly).toBe(true);
    expect(era.value).toBe(ERA);
    expect(document.querySelector("#takeover-url-hint")?.textContent).toBe("Set by your administrator's policy");

    expect(input("export-callback-url").readOnly).toBe(true);
    expect(input("export-ccfs-url").readOnly, "the CC-FS address is not locked here").toBe(false);
    expect(input("export-callback-listen").readOnly).toBe(false);
  });

  it("shows the hint in Russian too", async () => {
    await openSettings();
    locale.set("ru");
    await waitFor(() => expect(screen.getByTestId("policy").textContent).toContain("Управляется администратором (/etc/sidekick/policy.json)"));
    expect(document.querySelector("#takeover-url-hint")?.textContent).toBe("Задано политикой администратора");
    expect(within(screen.getByTestId("policy-locked")).getAllByRole("listitem")[0].textContent?.trim()).toBe("Адрес шлюза");
  });

  it("prefills a locked gateway on the sign-in form, read-only", async () => {
    render(App, { props: { backend: new FakeBackend({ settings: managed }) } });
    await screen.findByTestId("signin-form");
    const gateway = document.querySelector<HTMLInputElement>("#gateway-url") as HTMLInputElement;
    expect(gateway.readOnly).toBe(true);
    expect(gateway.value).toBe(GATEWAY);
    expect(screen.getByTestId("gateway-url-locked").textContent).toBe("Set by your administrator's policy");
  });

  it("shows nothing and locks nothing without a policy file", async () => {
    await openSettings(settingsView({ takeover: takeoverView({ settings: { url: ERA, tokenInPath: false, agentsAllowed: false } }) }));
    expect(screen.queryByTestId("policy")).toBeNull();
    expect(screen.queryByTestId("policy-problems")).toBeNull();
    expect(input("takeover-url").readOnly).toBe(false);
  });
});
