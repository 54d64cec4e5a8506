//! Tauri's build step, with an application manifest: once an app lists its commands, each one is
//! refused to the webview unless a capability allows it (`allow-<command>`), so the capability in
//! `tauri.conf.json` is the whole IPC surface. The list is read from `commands::handler` itself,
//! so it cannot drift from what is registered; `lockdown` tests check the capability against it.

fn main() {
    println!("cargo:rerun-if-changed=src/commands/mod.rs");
    let source = std::fs::read_to_string("src/commands/mod.rs").expect("read src/commands/mod.rs");
    let commands: Vec<&'static str> = handler_commands(&source).into_iter().map(|c| &*Box::leak(c.into_boxed_str())).collect();
    assert!(!commands.is_empty(), "no commands found in the generate_handler! list of src/commands/mod.rs");
    let commands: &'static [&'static str] = Box::leak(commands.into_boxed_slice());
    tauri_build::try_build(tauri_build::Attributes::new().app_manifest(tauri_build::AppManifest::new().commands(commands)))
        .expect("tauri build step");
}

/// The function names in the `generate_handler![ module::name, … ]` list.
fn handler_commands(source: &str) -> Vec<String> {
    let Some(start) = source.find("generate_handler![") else { return Vec::new() };
    let rest = &source[start + "generate_handler![".len()..];
    let list = &rest[..rest.find(']').unwrap_or(rest.len())];
    list.split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(|item| item.rsplit("::").next().unwrap_or(item).trim().to_owned())
        .collect()
}
