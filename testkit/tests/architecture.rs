//! ARCHITECTURE.md says it is kept true. Its crate table is checked here against
//! `cargo metadata`: every workspace crate has a row, in its folder, naming its normal
//! dependencies inside the workspace (dev-dependencies are not the graph it describes).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

/// A crate as the table describes it: its folder and the workspace crates it depends on.
#[derive(Debug, PartialEq, Eq)]
struct Row {
    folder: String,
    deps: BTreeSet<String>,
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("testkit/ is inside the workspace")
        .to_path_buf()
}

/// The text of a table cell between backticks, or the cell itself.
fn unquoted(cell: &str) -> &str {
    cell.trim().trim_matches('`')
}

/// The third column names crates by their short names ("core", "reddit-sim") up to the
/// first `:`, `;` or `(`; what follows explains. "none" is no crate.
fn named_deps(cell: &str, packages: &BTreeSet<String>) -> BTreeSet<String> {
    let list = cell
        .split([':', ';', '('])
        .next()
        .unwrap_or_default()
        .trim();
    if list == "none" {
        return BTreeSet::new();
    }
    list.split(',')
        .map(str::trim)
        .map(|short| {
            let long = format!("appealmod-{short}");
            if packages.contains(&long) {
                long
            } else {
                short.to_owned()
            }
        })
        .collect()
}

/// The rows of ARCHITECTURE.md's table under "| crate | folder | …".
fn documented(packages: &BTreeSet<String>) -> BTreeMap<String, Row> {
    let text = std::fs::read_to_string(workspace_root().join("ARCHITECTURE.md"))
        .expect("ARCHITECTURE.md at the workspace root");
    let table = text
        .split("| crate | folder |")
        .nth(1)
        .expect("ARCHITECTURE.md has the crate table");
    table
        .lines()
        .skip(2) // the rest of the header line, and |---|
        .take_while(|l| l.starts_with('|'))
        .map(|line| {
            let cells: Vec<&str> = line.trim_matches('|').split('|').collect();
            assert_eq!(cells.len(), 3, "a row of three cells: {line}");
            let row = Row {
                folder: unquoted(cells[1]).to_owned(),
                deps: named_deps(cells[2], packages),
            };
            (unquoted(cells[0]).to_owned(), row)
        })
        .collect()
}

/// Every workspace crate, from `cargo metadata --no-deps`.
fn actual() -> BTreeMap<String, Row> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let out = Command::new(cargo)
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--offline",
        ])
        .current_dir(workspace_root())
        .output()
        .expect("cargo metadata runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let meta: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let root = PathBuf::from(meta["workspace_root"].as_str().expect("workspace_root"));
    let packages = meta["packages"].as_array().expect("packages");
    let names: BTreeSet<&str> = packages.iter().filter_map(|p| p["name"].as_str()).collect();
    packages
        .iter()
        .map(|p| {
            let manifest = Path::new(p["manifest_path"].as_str().expect("manifest_path"));
            let dir = manifest.parent().expect("a folder");
            let folder = dir.strip_prefix(&root).expect("inside the workspace");
            let deps = p["dependencies"]
                .as_array()
                .expect("dependencies")
                .iter()
                // `kind` is null for a normal dependency ("dev", "build" otherwise).
                .filter(|d| d["kind"].is_null())
                .filter_map(|d| d["name"].as_str())
                .filter(|n| names.contains(n))
                .map(str::to_owned)
                .collect();
            let row = Row {
                folder: format!("{}/", folder.display()),
                deps,
            };
            (p["name"].as_str().expect("name").to_owned(), row)
        })
        .collect()
}

#[test]
fn the_crate_table_is_what_cargo_metadata_says() {
    let actual = actual();
    let packages = actual.keys().cloned().collect();
    assert_eq!(
        documented(&packages),
        actual,
        "ARCHITECTURE.md's crate table (left) against `cargo metadata` (right)"
    );
}

#[test]
fn a_dependency_cell_is_a_list_of_short_names_then_a_comment() {
    let packages: BTreeSet<String> = ["appealmod-core", "appealmod-shared", "reddit-sim"]
        .into_iter()
        .map(str::to_owned)
        .collect();
    let names = |cell| named_deps(cell, &packages).into_iter().collect::<Vec<_>>();
    assert_eq!(
        names("none (and no I/O crate at all)"),
        Vec::<String>::new()
    );
    assert_eq!(
        names("none: the other side of the wire"),
        Vec::<String>::new()
    );
    assert_eq!(
        names("core, shared; taken as a dev-dependency only"),
        ["appealmod-core", "appealmod-shared"]
    );
    assert_eq!(names("reddit-sim (it drives a simulator)"), ["reddit-sim"]);
}
