// Embeds write-policy.ps1 in policy.wxs as the Base64 (UTF-16LE) that `powershell -EncodedCommand`
// takes: comment lines and blank lines dropped, to keep the installer's command line short.
// Run after editing the script: `node packaging/windows/encode-policy-script.mjs`.
// `--check` only reports whether policy.wxs is up to date (exit code 1 if not).
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const here = (name) => fileURLToPath(new URL(name, import.meta.url));
const DEFINE = /(<\?define WritePolicyScript = ")([A-Za-z0-9+/=]*)(" \?>)/;

/** The script as PowerShell receives it: without comments, LF line ends. */
export function policyScript(source) {
  return source
    .replace(/\r\n/g, "\n")
    .split("\n")
    .filter((line) => !/^\s*(#.*)?$/.test(line))
    .join("\n");
}

/** `-EncodedCommand` form: Base64 of the UTF-16LE text. */
export function encodePolicyScript(source) {
  return Buffer.from(policyScript(source), "utf16le").toString("base64");
}

/** The Base64 currently in policy.wxs. */
export function embeddedPolicyScript(wxs) {
  const match = DEFINE.exec(wxs);
  if (!match) throw new Error("policy.wxs has no <?define WritePolicyScript = \"…\" ?> line");
  return match[2];
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const wxsPath = here("./policy.wxs");
  const wxs = readFileSync(wxsPath, "utf8");
  const encoded = encodePolicyScript(readFileSync(here("./write-policy.ps1"), "utf8"));
  const upToDate = embeddedPolicyScript(wxs) === encoded;
  if (process.argv.includes("--check")) {
    console.log(upToDate ? "policy.wxs is up to date" : "policy.wxs is out of date");
    process.exit(upToDate ? 0 : 1);
  }
  if (!upToDate) writeFileSync(wxsPath, wxs.replace(DEFINE, `$1${encoded}$3`));
  console.log(`${upToDate ? "unchanged" : "updated"}: ${wxsPath} (${encoded.length} Base64 characters)`);
}
