// @vitest-environment node
/// <reference types="vite/client" />
// The release packaging, checked where it cannot run: .github/workflows/release.yml (three OS
// runners, each its bundle, secrets only by name), the bundle section of tauri.conf.json (against
// the Tauri CLI's own schema) and the MSI's policy fragment in packaging/windows/.
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import workflowText from "../../.github/workflows/release.yml?raw";
import confText from "../../tauri.conf.json?raw";
import schemaText from "@tauri-apps/cli/config.schema.json?raw";
import policyWxs from "../../packaging/windows/policy.wxs?raw";
import policyScript from "../../packaging/windows/write-policy.ps1?raw";

/** The MSI upgrade code: fixed for the life of the product, or Windows sees a different app. */
const UPGRADE_CODE = "F0FE4F57-A310-496C-99A6-159DF539BCF7";

// Files the config names, keyed by their path from the repository root.
const packagingFiles = Object.keys(import.meta.glob("../../packaging/**/*", { query: "?url", import: "default" }));
const iconFiles = Object.keys(import.meta.glob("../../icons/*", { query: "?url", import: "default" }));
const repoFiles = new Set([...packagingFiles, ...iconFiles].map((path) => path.replace(/^\.\.\/\.\.\//, "")));

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Obj = { [key: string]: Json };
type Step = { name?: string; uses?: string; run?: string; if?: string; shell?: string; with?: Obj; env?: Obj };

const obj = (value: Json | undefined): Obj => {
  expect(value, "an object").toBeTypeOf("object");
  expect(Array.isArray(value)).toBe(false);
  return value as Obj;
};

const workflow = obj(parse(workflowText) as Json);
const jobs = obj(workflow.jobs);
const build = obj(jobs.build);
const steps = build.steps as unknown as Step[];
const matrix = (obj(obj(build.strategy).matrix).include as Obj[]).map((entry) => obj(entry));
const conf = obj(JSON.parse(confText) as Json);
const bundle = obj(conf.bundle);

/** Every string in a parsed document, with its path. */
function* strings(value: Json | undefined, path = ""): Generator<[string, string]> {
  if (typeof value === "string") yield [path, value];
  else if (Array.isArray(value)) for (const [i, item] of value.entries()) yield* strings(item, `${path}[${i}]`);
  else if (value && typeof value === "object")
    for (const [key, item] of Object.entries(value)) {
      yield [`${path}.${key}#key`, key];
      yield* strings(item, `${path}.${key}`);
    }
}

/** A path in tauri.conf.json (relative to src-tauri/, where the CLI runs) from the repository root. */
const fromRoot = (configPath: string) => {
  expect(configPath.startsWith("../"), `${configPath} is relative to src-tauri/`).toBe(true);
  return configPath.slice(3);
};

describe("release workflow", () => {
  it("runs on a pushed v* tag and by hand", () => {
    const on = obj(workflow.on);
    expect(obj(on.push).tags).toEqual(["v*"]);
    expect(Object.keys(on)).toContain("workflow_dispatch");
    expect(obj(workflow.permissions)).toEqual({ contents: "read" });
  });

  it("builds the deb on Ubuntu 22.04, the msi on Windows and a universal dmg on macOS", () => {
    expect(build["runs-on"]).toBe("${{ matrix.os }}");
    const byOs = Object.fromEntries(matrix.map((entry) => [entry.os as string, entry]));
    expect(Object.keys(byOs).sort()).toEqual(["macos-latest", "ubuntu-22.04", "windows-latest"]);

    expect(byOs["ubuntu-22.04"]).toMatchObject({ bundle: "deb", "build-args": "--bundles deb" });
    expect(byOs["ubuntu-22.04"].artifact).toMatch(/bundle\/deb\/\*\.deb$/);
    expect(byOs["windows-latest"]).toMatchObject({ bundle: "msi", "build-args": "--bundles msi" });
    expect(byOs["windows-latest"].artifact).toMatch(/bundle\/msi\/\*\.msi$/);
    expect(byOs["macos-latest"]).toMatchObject({
      bundle: "dmg",
      "build-args": "--bundles app,dmg --target universal-apple-darwin",
      "rust-targets": "aarch64-apple-darwin,x86_64-apple-darwin",
    });
    expect(byOs["macos-latest"].artifact).toBe("target/universal-apple-darwin/release/bundle/dmg/*.dmg");

    const buildStep = steps.find((step) => step.run?.includes("tauri build"));
    expect(buildStep?.run).toMatch(/^npx tauri build \$\{\{ matrix\.build-args \}\}/);
    expect(obj(build.env).TAURI_APP_PATH).toBe("src-tauri");

    const upload = steps.find((step) => step.uses?.startsWith("actions/upload-artifact@"));
    expect(upload?.with).toMatchObject({ path: "${{ matrix.artifact }}", "if-no-files-found": "error" });
  });

  it("sets up Node 22, stable Rust and the Linux build packages", () => {
    const uses = steps.map((step) => step.uses).filter(Boolean);
    expect(uses).toEqual(
      expect.arrayContaining(["actions/checkout@v4", "actions/setup-node@v4", "dtolnay/rust-toolchain@stable"]),
    );
    expect(steps.find((step) => step.uses === "actions/setup-node@v4")?.with?.["node-version"]).toBe(22);

    const apt = steps.find((step) => step.run?.includes("apt-get install"));
    expect(apt?.if).toBe("runner.os == 'Linux'");
    for (const pkg of ["libwebkit2gtk-4.1-dev", "build-essential", "pkg-config", "libssl-dev", "file"])
      expect(apt?.run?.split(/\s+/)).toContain(pkg);
  });

  it("installs with npm install, never npm ci", () => {
    const runs = [...strings(workflow)].filter(([path]) => path.endsWith(".run")).map(([, run]) => run);
    expect(runs.some((run) => /^npm install\b/m.test(run))).toBe(true);
    expect(runs.filter((run) => /\bnpm ci\b/.test(run))).toEqual([]);
  });

  it("takes every signing secret from the repository's secrets, by name", () => {
    const secretRefs = [...workflowText.matchAll(/\$\{\{\s*secrets\.([A-Z0-9_]+)\s*\}\}/g)].map((m) => m[1]);
    for (const name of [
      "WINDOWS_CERTIFICATE",
      "WINDOWS_CERTIFICATE_PASSWORD",
      "TAURI_SIGNING_PRIVATE_KEY",
      "TAURI_SIGNING_PRIVATE_KEY_PASSWORD",
      "APPLE_CERTIFICATE",
      "APPLE_CERTIFICATE_PASSWORD",
      "APPLE_SIGNING_IDENTITY",
      "APPLE_ID",
      "APPLE_PASSWORD",
      "APPLE_TEAM_ID",
    ])
      expect(secretRefs, name).toContain(name);

    // Each variable named like a secret holds exactly that secret; no value is written out.
    const secretLike = /^(APPLE_|WINDOWS_CERTIFICATE|TAURI_SIGNING_|GH_TOKEN$|GITHUB_TOKEN$)/;
    const envs = [...strings(workflow)].filter(([path]) => /\.env\.[A-Z0-9_]+$/.test(path));
    expect(envs.length).toBeGreaterThan(0);
    for (const [path, value] of envs) {
      const name = path.split(".").pop() as string;
      if (!secretLike.test(name)) continue;
      const expected = name === "GH_TOKEN" ? "GITHUB_TOKEN" : name;
      expect(value, path).toBe(`\${{ secrets.${expected} }}`);
    }
    // Secrets appear only as whole `${{ secrets.NAME }}` expressions, and nothing looks like key material.
    for (const [path, value] of strings(workflow))
      if (value.includes("secrets.")) expect(value.replace(/\$\{\{ secrets\.[A-Z0-9_]+ \}\}/g, ""), path).not.toContain("secrets.");
    expect(workflowText).not.toMatch(/-----BEGIN|[A-Za-z0-9+/]{60,}={0,2}/);
  });

  it("drafts a GitHub release from the three packages on a tag", () => {
    const release = obj(jobs.release);
    expect(release.needs).toBe("build");
    expect(release.if).toBe("startsWith(github.ref, 'refs/tags/v')");
    expect(obj(release.permissions)).toEqual({ contents: "write" });
    const releaseSteps = release.steps as unknown as Step[];
    expect(releaseSteps.some((step) => step.uses?.startsWith("actions/download-artifact@"))).toBe(true);
    expect(releaseSteps.some((step) => /gh release create .*--draft/.test(step.run ?? ""))).toBe(true);
  });
});

describe("tauri.conf.json bundle", () => {
  it("packages deb, msi, app and dmg with the icons each needs", () => {
    expect(bundle.targets).toEqual(expect.arrayContaining(["deb", "msi", "app", "dmg"]));
    const icons = (bundle.icon as string[]).map(fromRoot);
    expect(icons).toEqual(expect.arrayContaining(["icons/icon.ico", "icons/icon.icns", "icons/icon.png"]));
    for (const icon of icons) expect(repoFiles, icon).toContain(icon);
    expect(bundle.category).toBe("Business");
  });

  it("keeps the deb's runtime dependencies", () => {
    expect(obj(obj(bundle.linux).deb).depends).toEqual(expect.arrayContaining(["libwebkit2gtk-4.1-0", "libgtk-3-0"]));
  });

  it("has a fixed MSI upgrade code and the policy fragment", () => {
    const wix = obj(obj(bundle.windows).wix);
    expect(wix.upgradeCode).toMatch(/^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/);
    expect(wix.upgradeCode).toBe(UPGRADE_CODE);
    const fragments = (wix.fragmentPaths as string[]).map(fromRoot);
    expect(fragments).toEqual(["packaging/windows/policy.wxs"]);
    for (const fragment of fragments) expect(repoFiles, fragment).toContain(fragment);
    expect(wix.componentGroupRefs).toEqual(["SidekickPolicy"]);
    expect(policyWxs).toContain('<ComponentGroup Id="SidekickPolicy">');
  });

  it("requires macOS 11", () => {
    expect(obj(bundle.macOS).minimumSystemVersion).toBe("11.0");
  });

  it("uses only keys the Tauri CLI's schema knows", () => {
    const schema = JSON.parse(schemaText) as { properties: Obj; definitions: { [name: string]: Obj } };
    // The object schema a property's schema leads to: through $ref, allOf and anyOf.
    const objectSchema = (node: Obj): Obj | null => {
      if (typeof node.$ref === "string") return objectSchema(schema.definitions[node.$ref.replace("#/definitions/", "")]);
      if (node.properties) return node;
      for (const branch of [...((node.allOf as Obj[]) ?? []), ...((node.anyOf as Obj[]) ?? [])]) {
        const found = objectSchema(branch);
        if (found) return found;
      }
      return null;
    };
    const check = (value: Json, node: Obj, path: string) => {
      if (!value || typeof value !== "object" || Array.isArray(value)) return;
      const target = objectSchema(node);
      expect(target, `${path} is an object in the schema`).not.toBeNull();
      const properties = obj(target?.properties);
      for (const [key, item] of Object.entries(value)) {
        expect(Object.keys(properties), `${path}.${key}`).toContain(key);
        check(item, obj(properties[key]), `${path}.${key}`);
      }
    };
    check(bundle, obj(schema.properties.bundle), "bundle");
  });
});

describe("MSI policy fragment", () => {
  const properties: [string, string][] = [
    ["GATEWAY_URL", "gatewayUrl"],
    ["ODFS_URL", "odfsUrl"],
    ["CCFS_URL", "ccfsUrl"],
    ["ERA_URL", "eraUrl"],
    ["CALLBACK_URL", "callbackUrl"],
    ["RECORDING_PATH", "recordingPath"],
    ["UPDATES_DISABLED", "updatesDisabled"],
  ];

  it("declares each public property and stores it under its policy.json key", () => {
    for (const [property, key] of properties) {
      expect(policyWxs).toContain(`<Property Id="${property}" Secure="yes" />`);
      expect(policyWxs).toContain(`<RegistryValue Name="${key}" Type="string" Value="[${property}]" />`);
      expect(policyScript).toContain(`'${key}'`);
    }
    const anyGiven = properties.map(([property]) => property).join(" OR ");
    expect(policyWxs).toContain(`<Condition><![CDATA[${anyGiven}]]></Condition>`);
    expect(policyWxs).toContain(`<![CDATA[(${anyGiven}) AND NOT (REMOVE~="ALL")]]>`);
  });

  it("embeds write-policy.ps1 as the encoded command (run encode-policy-script.mjs after editing it)", () => {
    const encoded = /<\?define WritePolicyScript = "([A-Za-z0-9+/=]+)" \?>/.exec(policyWxs)?.[1] ?? "";
    const bytes = atob(encoded);
    let decoded = "";
    for (let i = 0; i + 1 < bytes.length; i += 2) decoded += String.fromCharCode(bytes.charCodeAt(i) | (bytes.charCodeAt(i + 1) << 8));
    const withoutComments = policyScript
      .replace(/\r\n/g, "\n")
      .split("\n")
      .filter((line) => !/^\s*(#.*)?$/.test(line))
      .join("\n");
    expect(decoded).toBe(withoutComments);
    expect(policyWxs).toContain("-EncodedCommand $(var.WritePolicyScript)");
  });

  it("survives Tauri's Handlebars pass over fragments", () => {
    expect(policyWxs).not.toMatch(/\{\{|\}\}/);
  });
});
