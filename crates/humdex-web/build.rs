//! Embeds the UI: our own files under `web/app`, and the third-party libraries it uses, taken
//! from npm as pinned by `web/package-lock.json`. A checkout that has run `npm ci` in `web/`
//! (CI, developers running the browser tests) is used as it is; otherwise the build installs
//! the pinned packages into its own output directory, so `cargo run` works from a fresh clone.

#![expect(
    clippy::disallowed_methods,
    reason = "a build script is file I/O at the edge"
)]

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::{env, fs};

use sha2::{Digest, Sha256};

/// Third-party files served under `/assets/vendor/`: (served as, path under `node_modules`).
const VENDOR: [(&str, &str); 9] = [
    ("leaflet.js", "leaflet/dist/leaflet.js"),
    ("leaflet.css", "leaflet/dist/leaflet.css"),
    ("images/layers.png", "leaflet/dist/images/layers.png"),
    ("images/layers-2x.png", "leaflet/dist/images/layers-2x.png"),
    (
        "images/marker-icon.png",
        "leaflet/dist/images/marker-icon.png",
    ),
    (
        "images/marker-shadow.png",
        "leaflet/dist/images/marker-shadow.png",
    ),
    ("cytoscape.min.js", "cytoscape/dist/cytoscape.min.js"),
    (
        "topojson-client.min.js",
        "topojson-client/dist/topojson-client.min.js",
    ),
    ("countries-50m.json", "world-atlas/countries-50m.json"),
];

fn main() {
    let manifest = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    let out = PathBuf::from(env::var_os("OUT_DIR").unwrap_or_default());
    let web = manifest.join("../../web");
    let app = web.join("app");
    println!("cargo:rerun-if-changed={}", app.display());
    println!(
        "cargo:rerun-if-changed={}",
        web.join("package-lock.json").display()
    );
    println!(
        "cargo:rerun-if-changed={}",
        web.join("node_modules/.package-lock.json").display()
    );

    let modules = node_modules(&web, &out);
    let mut files = Vec::new();
    collect(&app, &app, &mut files);
    files.sort();
    let mut table = String::from("&[\n");
    for relative in &files {
        entry(&mut table, &format!("app/{relative}"), &app.join(relative));
    }
    for (served, source) in VENDOR {
        entry(
            &mut table,
            &format!("vendor/{served}"),
            &modules.join(source),
        );
    }
    table.push(']');
    if let Err(error) = fs::write(out.join("assets.rs"), table) {
        fail(&format!("cannot write assets.rs: {error}"));
    }
}

/// The `node_modules` holding every vendored file: the checkout's, or a fresh `npm ci` of the
/// lock file into `out`.
fn node_modules(web: &Path, out: &Path) -> PathBuf {
    let local = web.join("node_modules");
    if VENDOR
        .iter()
        .all(|(_, source)| local.join(source).is_file())
    {
        return local;
    }
    let install = out.join("npm");
    let modules = install.join("node_modules");
    if VENDOR
        .iter()
        .all(|(_, source)| modules.join(source).is_file())
    {
        return modules;
    }
    let prepared = fs::create_dir_all(&install).and_then(|()| {
        fs::copy(web.join("package.json"), install.join("package.json"))?;
        fs::copy(
            web.join("package-lock.json"),
            install.join("package-lock.json"),
        )
    });
    if let Err(error) = prepared {
        fail(&format!(
            "cannot prepare the npm install in {}: {error}",
            install.display()
        ));
    }
    let status = Command::new("npm")
        .args([
            "ci",
            "--omit=dev",
            "--ignore-scripts",
            "--no-audit",
            "--no-fund",
        ])
        .current_dir(&install)
        .status();
    match status {
        Ok(status) if status.success() => modules,
        Ok(status) => fail(&format!(
            "`npm ci` for the UI's libraries failed ({status})"
        )),
        Err(error) => fail(&format!(
            "the UI's libraries come from npm, and `npm` could not be run: {error}"
        )),
    }
}

/// Every file under `dir`, as a `/`-separated path relative to `root`.
fn collect(root: &Path, dir: &Path, files: &mut Vec<String>) {
    let entries =
        fs::read_dir(dir).unwrap_or_else(|error| fail(&format!("{}: {error}", dir.display())));
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(root, &path, files);
        } else if let Ok(relative) = path.strip_prefix(root) {
            let parts: Vec<_> = relative.iter().map(|part| part.to_string_lossy()).collect();
            files.push(parts.join("/"));
        }
    }
}

fn entry(table: &mut String, served: &str, source: &Path) {
    let bytes =
        fs::read(source).unwrap_or_else(|error| fail(&format!("{}: {error}", source.display())));
    let etag = hex::encode(Sha256::digest(&bytes));
    let _ = writeln!(
        table,
        "    Asset {{ path: {served:?}, etag: \"\\\"{etag}\\\"\", bytes: include_bytes!({:?}) }},",
        source.display().to_string()
    );
}

fn fail(message: &str) -> ! {
    println!("cargo:warning={message}");
    std::process::exit(1)
}
