import { fireEvent, render, screen, waitFor, within } from "@testing-library/svelte";
import { afterEach, describe, expect, it } from "vitest";
import App from "../../App.svelte";
import type { ExportForm, ExportJobView, RowQuery } from "../backend";
import { deskSnapshot, EXPORT_REFUSED, exportView, FakeBackend, settingsView, withDerived } from "../backend/fake";
import { locale } from "../i18n";

const agent = { phase: "signedIn", agentId: 1001, agentState: "ready", health: "connected" } as const;

/** A supervisor whose CC-FS, AK, SK and callback receiver are set up. */
const supervisor = settingsView({
  role: "supervisor",
  export: exportView(
    { ccfsUrl: "https://ccfs.example.com:28443/", ak: "ak-1", tenantZone: "Europe/Moscow", callbackListen: "127.0.0.1:8443" },
    { skSaved: true, receiver: { state: "listening", url: "http://127.0.0.1:8443/ccfs/callback" } },
  ),
});

/** The window with the export open, over a fake desk whose jobs take `exportMs` a step. */
async function openExport(init: ConstructorParameters<typeof FakeBackend>[0] = {}) {
  const backend = new FakeBackend({ snapshot: withDerived(deskSnapshot(agent)), settings: supervisor, ...init });
  render(App, { props: { backend } });
  await fireEvent.click(await screen.findByRole("button", { name: "Supervisor export" }));
  await screen.findByTestId("export");
  return backend;
}

const byTestId = <T extends HTMLElement = HTMLInputElement>(id: string, inside: HTMLElement = document.body) => within(inside).getByTestId<T>(id);
const type = (el: HTMLElement, value: string) => fireEvent.input(el, { target: { value } });
const jobs = () => screen.queryAllByTestId("export-job");
const rows = () => screen.queryAllByTestId("export-row");
const header = (column: string) => {
  const th = screen.getAllByTestId("export-sort").find((h) => h.dataset.column === column);
  if (!th) throw new Error(`no column ${column}`);
  return th;
};
const queries = (backend: FakeBackend) => backend.calls.filter((c) => c.method === "exportRows").map((c) => c.args[0] as RowQuery);
const lastQuery = (backend: FakeBackend) => queries(backend).at(-1);

async function request(begin: string, end: string) {
  await type(byTestId("export-begin"), begin);
  await type(byTestId("export-end"), end);
  await fireEvent.click(byTestId("export-request"));
}

afterEach(() => locale.set("en"));

describe("the export page", () => {
  it("is there for a supervisor only", async () => {
    const backend = new FakeBackend({ snapshot: withDerived(deskSnapshot(agent)) });
    render(App, { props: { backend } });
    await screen.findByTestId("status-bar");
    await screen.findByRole("button", { name: "Settings" });
    expect(document.querySelector("#open-export"), "an agent has no export").toBeNull();

    // Turning the role on in the settings brings the button.
    await fireEvent.click(screen.getByRole("button", { name: "Settings" }));
    await fireEvent.click(await screen.findByTestId("export-role"));
    const open = await waitFor(() => {
      const button = document.querySelector<HTMLButtonElement>("#open-export");
      if (!button) throw new Error("no export button");
      return button;
    });
    await fireEvent.click(open);
    expect(await screen.findByTestId("export")).toBeTruthy();
    expect(open.getAttribute("aria-pressed")).toBe("true");
    expect(screen.getByTestId("export-no-jobs")).toBeTruthy();
    expect((await screen.findByTestId("export-table-empty")).dataset.reason).toBe("noJobs");

    await fireEvent.click(document.querySelector("#close-export") as HTMLButtonElement);
    expect(screen.queryByTestId("export")).toBeNull();
    expect(screen.getByTestId("no-call"), "back to the main view").toBeTruthy();
  });

  it("requests a period as jobs of three days at most, which turn ready and fill the table", async () => {
    const backend = await openExport({ exportMs: 20 });
    expect(byTestId("export-tenant-zone").textContent).toContain("Europe/Moscow");
    await type(byTestId("export-begin"), "2026-11-01");
    await type(byTestId("export-end"), "2026-11-10");
    expect(byTestId("export-windows").textContent?.trim()).toBe("3 days max per request: 4 jobs");
    await type(byTestId("export-agent"), " 1001 ");
    await type(byTestId("export-end-time"), "18:30");
    await fireEvent.change(byTestId<HTMLSelectElement>("export-data-type"), { target: { value: "call" } });

    await fireEvent.click(byTestId("export-request"));

    const sent = backend.calls.find((c) => c.method === "requestExport")?.args[0] as ExportForm;
    expect(sent).toEqual({
      begin: "2026-11-01",
      end: "2026-11-10 18:30",
      filters: { accountId: null, agentId: "1001", callId: null, callerNo: null, calleeNo: null, calleeNo2: null },
      dataType: "call",
    });
    await waitFor(() => expect(jobs()).toHaveLength(4));
    expect(jobs().map((j) => byTestId("export-job-window", j).textContent), "newest first").toEqual([
      "2026-11-10 00:00:00 – 2026-11-10 18:30:00",
      "2026-11-07 00:00:00 – 2026-11-09 23:59:59",
      "2026-11-04 00:00:00 – 2026-11-06 23:59:59",
      "2026-11-01 00:00:00 – 2026-11-03 23:59:59",
    ]);
    expect(byTestId("export-requested").textContent).toContain("Requested: 4");
    expect(jobs()[0]?.textContent).toContain("Job 4 · part 4 of 4");

    await waitFor(() => expect(jobs().map((j) => j.dataset.state)).toEqual(["ready", "ready", "ready", "ready"]), { timeout: 2_000 });
    const total = backend.current.exports.reduce((n, j) => n + j.calls, 0);
    await waitFor(() => expect(rows()).toHaveLength(total));
    expect(byTestId("export-total").textContent).toBe(`1–${total} of ${total}`);
    expect(byTestId("export-table").dataset.kind).toBe("calls");
    expect(screen.getAllByTestId("export-sort").map((h) => h.dataset.column), "a readable set of columns").toEqual([
      "call_begin",
      "agent_id",
      "caller_no",
      "callee_no",
      "call_end",
      "call_id",
      "wait_begin",
      "wait_end",
      "ack_begin",
      "ack_end",
    ]);
    expect(rows().every((r) => r.textContent?.includes("1001")), "the filter went to CC-FS").toBe(true);

    // One job's rows, then all again.
    const first = jobs()[3] as HTMLElement;
    const only = backend.current.exports.find((j) => j.id === Number(first.dataset.id)) as ExportJobView;
    await fireEvent.click(byTestId("export-job-select", first));
    await waitFor(() => expect(rows()).toHaveLength(only.calls));
    expect(lastQuery(backend)).toMatchObject({ job: only.id, offset: 0 });
    expect(first.dataset.selected).toBe("true");
    expect(byTestId("export-showing").textContent?.trim()).toBe(`Rows of job ${only.id} (part 1 of 4)`);
    await fireEvent.click(byTestId("export-all-jobs"));
    await waitFor(() => expect(rows()).toHaveLength(total));
    expect(lastQuery(backend)?.job).toBeNull();
  });

  it("sorts by a column, toggling the order, and says so", async () => {
    const backend = await openExport();
    await request("2026-11-20", "2026-11-20");
    await waitFor(() => expect(rows().length).toBeGreaterThan(0));
    expect(header("call_begin").getAttribute("aria-sort"), "the desk's order").toBe("ascending");
    expect(header("agent_id").getAttribute("aria-sort")).toBe("none");

    await fireEvent.click(within(header("agent_id")).getByRole("button"));
    await waitFor(() => expect(lastQuery(backend)).toMatchObject({ sort: "agent_id", descending: false }));
    expect(header("agent_id").getAttribute("aria-sort")).toBe("ascending");
    expect(header("call_begin").getAttribute("aria-sort")).toBe("none");

    await fireEvent.click(within(header("agent_id")).getByRole("button"));
    await waitFor(() => expect(lastQuery(backend)).toMatchObject({ sort: "agent_id", descending: true }));
    expect(header("agent_id").getAttribute("aria-sort")).toBe("descending");
    const agents = rows().map((r) => r.querySelectorAll("td")[1]?.textContent ?? "");
    await waitFor(() => expect(rows().map((r) => r.querySelectorAll("td")[1]?.textContent ?? "")).toEqual([...agents].sort().reverse()));
  });

  it("searches once typing pauses, and says when nothing matches", async () => {
    const backend = await openExport();
    await request("2026-11-20", "2026-11-20");
    await waitFor(() => expect(rows().length).toBeGreaterThan(0));
    const before = queries(backend).length;

    await type(byTestId("export-search"), "10");
    await type(byTestId("export-search"), "1003");
    await waitFor(() => expect(lastQuery(backend)?.search).toBe("1003"));
    expect(queries(backend).slice(before).map((q) => q.search), "one read for what was typed in one go").toEqual(["1003"]);
    await waitFor(() => expect(rows().length).toBeGreaterThan(0));
    expect(rows().every((r) => r.textContent?.includes("1003"))).toBe(true);

    await type(byTestId("export-search"), "nobody");
    const empty = await screen.findByTestId("export-table-empty");
    expect(empty.dataset.reason).toBe("noMatch");
    expect(empty.textContent).toContain("No rows match “nobody”");
  });

  it("shows a refused request's sentence and keeps the form", async () => {
    const backend = await openExport();
    await type(byTestId("export-begin"), "2026-11-10");
    await type(byTestId("export-begin-time"), "12:00");
    await type(byTestId("export-end"), "2026-11-10");
    await type(byTestId("export-end-time"), "09:00");
    expect(byTestId("export-windows").textContent?.trim()).toBe("The end comes before the start");
    await fireEvent.click(byTestId("export-request"));

    const error = await screen.findByTestId("export-error");
    expect(error.textContent?.trim()).toBe("The period ends (2026-11-10 09:00:00) before it begins (2026-11-10 12:00:00)");
    expect(error.dataset.code).toBe("invalidInput");
    expect(byTestId("export-begin").value).toBe("2026-11-10");
    expect(byTestId("export-begin-time").value).toBe("12:00");
    expect(byTestId("export-end-time").value).toBe("09:00");

    await type(byTestId("export-end-time"), "");
    await type(byTestId("export-agent"), "1".repeat(21));
    await fireEvent.click(byTestId("export-request"));
    await waitFor(() => expect(byTestId("export-error").textContent?.trim()).toBe("The agent id may be at most 20 characters (it has 21)"));
    expect(byTestId("export-agent").value).toBe("1".repeat(21));
    expect(backend.current.exports, "nothing was asked").toEqual([]);

    backend.fail("requestExport", { code: "storage", message: "the export store failed: disk full" });
    await type(byTestId("export-agent"), "");
    await fireEvent.click(byTestId("export-request"));
    await waitFor(() => expect(byTestId("export-error").textContent).toContain("Local storage error: the export store failed: disk full"));
  });

  it("retries a job CC-FS refused", async () => {
    const backend = await openExport({ refuseExports: EXPORT_REFUSED });
    await request("2026-11-20", "2026-11-20");
    const job = await waitFor(() => {
      const failed = jobs().find((j) => j.dataset.state === "failed");
      if (!failed) throw new Error("not failed yet");
      return failed;
    });
    expect(byTestId("export-job-reason", job).textContent).toBe(EXPORT_REFUSED);
    expect(within(job).queryByTestId("export-job-select"), "a failed job has no rows to show").toBeNull();

    backend.refuseExports = null;
    await fireEvent.click(byTestId("export-retry", job));
    await waitFor(() => expect(jobs()[0]?.dataset.state).toBe("ready"));
    expect(backend.calls.filter((c) => c.method === "retryExport").map((c) => c.args)).toEqual([[Number(job.dataset.id)]]);
    await waitFor(() => expect(rows().length).toBeGreaterThan(0));
  });

  it("pages through many rows, shows every column on request, and writes CSV", async () => {
    const backend = await openExport();
    await request("2026-11-20", "2026-11-20");
    const [job] = backend.current.exports;
    if (!job) throw new Error("no job");
    backend.emit({ ...backend.current, revision: backend.current.revision + 1, exports: [{ ...job, calls: 1_234 }] });
    await waitFor(() => expect(byTestId("export-total").textContent).toBe("1–500 of 1,234"));
    expect(rows()).toHaveLength(500);
    expect(byTestId<HTMLButtonElement>("export-prev").disabled).toBe(true);

    await fireEvent.click(byTestId("export-next"));
    await waitFor(() => expect(byTestId("export-total").textContent).toBe("501–1,000 of 1,234"));
    expect(lastQuery(backend)?.offset).toBe(500);
    await fireEvent.click(byTestId("export-next"));
    await waitFor(() => expect(byTestId("export-total").textContent).toBe("1,001–1,234 of 1,234"));
    expect(byTestId<HTMLButtonElement>("export-next").disabled).toBe(true);
    await fireEvent.click(byTestId("export-prev"));
    await waitFor(() => expect(byTestId("export-total").textContent).toBe("501–1,000 of 1,234"));

    await fireEvent.click(byTestId("export-all-columns"));
    expect(screen.getAllByTestId("export-sort")).toHaveLength(21);

    await fireEvent.change(byTestId<HTMLSelectElement>("export-kind"), { target: { value: "records" } });
    await waitFor(() => expect(byTestId("export-table").dataset.kind).toBe("records"));
    expect(lastQuery(backend)).toMatchObject({ kind: "records", offset: 0, sort: null });

    await fireEvent.click(byTestId("export-csv"));
    const written = await screen.findByTestId("export-csv-path");
    expect(written.textContent).toMatch(/Saved to \/home\/supervisor\/Downloads\/sidekick-recording-index-.*\.csv/);
    expect(backend.calls.find((c) => c.method === "exportCsv")?.args[0]).toMatchObject({ kind: "records", job: null, offset: 0 });
  });

  it("shows the export audit log on request", async () => {
    await openExport();
    expect(screen.queryAllByTestId("export-audit-entry")).toHaveLength(0);
    await request("2026-11-20", "2026-11-20");
    await fireEvent.click(byTestId("export-audit-toggle"));
    await waitFor(() => expect(screen.getAllByTestId("export-audit-entry").map((e) => e.dataset.action)).toEqual(["download", "callback", "request"]));
    expect(screen.getAllByTestId("export-audit-entry")[2]?.textContent).toContain("2026-11-20 – 2026-11-20, call_record, 1 job");
    expect(byTestId("export-audit-toggle").getAttribute("aria-expanded")).toBe("true");
  });

  it("speaks Russian", async () => {
    locale.set("ru");
    const backend = new FakeBackend({ snapshot: withDerived(deskSnapshot(agent)), settings: { ...supervisor, language: "ru" } });
    render(App, { props: { backend } });
    await fireEvent.click(await screen.findByRole("button", { name: "Выгрузка для супервизора" }));
    await type(await screen.findByTestId("export-begin"), "2026-11-01");
    await type(byTestId("export-end"), "2026-11-04");
    expect(byTestId("export-windows").textContent?.trim()).toBe("Не больше 3 дней на запрос: заданий — 2");
    expect(screen.getByTestId("export-no-jobs").textContent).toContain("Выгрузок пока нет");
  });
});
