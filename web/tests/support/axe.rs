//! axe-core's WCAG 2.1 A/AA rules in the browser tests, and the forced colour scheme they
//! are run in.

use std::path::{Path, PathBuf};

use serde_json::json;

use super::webdriver::Session;

/// axe-core's script: `APPEALMOD_AXE_JS`, else where `./run.sh test` puts it. Without it the
/// test fails, unless `APPEALMOD_TEST_ALLOW_NO_AXE=1`.
pub fn axe_source() -> Option<String> {
    let path = std::env::var_os("APPEALMOD_AXE_JS").map_or_else(
        || {
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../target/axe/node_modules/axe-core/axe.min.js")
        },
        PathBuf::from,
    );
    match std::fs::read_to_string(&path) {
        Ok(js) => Some(js),
        Err(_) if std::env::var("APPEALMOD_TEST_ALLOW_NO_AXE").as_deref() == Ok("1") => {
            eprintln!("SKIPPED: axe-core not found at {}", path.display());
            None
        }
        Err(e) => panic!(
            "axe-core not found at {} ({e}): `npm install --prefix target/axe axe-core@4` \
             (./run.sh test does it), or APPEALMOD_TEST_ALLOW_NO_AXE=1 to skip",
            path.display()
        ),
    }
}

/// The WCAG 2.1 A and AA rules of axe on the page shown: the ids and targets of what fails.
pub async fn axe_violations(session: &Session<'_>, axe: &str) -> Vec<String> {
    let wcag = "{type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}";
    axe_run(session, axe, wcag, 5).await
}

/// The rules `run_only` (axe's `runOnly`, as JavaScript) on the page shown; a run that
/// passed fewer than `min_passes` checks counts as a failure (axe looked at nothing).
pub async fn axe_run(
    session: &Session<'_>,
    axe: &str,
    run_only: &str,
    min_passes: usize,
) -> Vec<String> {
    session.post("/timeouts", json!({"script": 30_000})).await;
    session.script(&format!("{axe}\nreturn true;")).await;
    let run = format!(
        "const done = arguments[arguments.length - 1]; \
         axe.run(document, {{runOnly: {run_only}}}) \
           .then(r => done(r.passes.length < {min_passes} ? ['axe checked almost nothing'] : \
             r.violations.map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', ')))) \
           .catch(e => done(['axe failed: ' + e]));"
    );
    let v = session
        .post("/execute/async", json!({"script": run, "args": []}))
        .await;
    v.as_array()
        .expect("a list")
        .iter()
        .map(|x| x.as_str().unwrap_or_default().to_owned())
        .collect()
}

/// Forces `prefers-color-scheme` to dark or light.
pub async fn scheme(session: &Session<'_>, dark: bool) {
    let value = if dark { "dark" } else { "light" };
    session
        .cdp(
            "Emulation.setEmulatedMedia",
            json!({"features": [{"name": "prefers-color-scheme", "value": value}]}),
        )
        .await;
}
