//! The pages an appellant sees, in headless Chromium at a phone's size (390×844) and a
//! desktop's (1280×900), in the light and the dark colour scheme: the default form (its
//! height measured: it must fit in two phone screens), the error summary after an empty
//! submit (at most a third of a phone screen), the "Other" box, the expired page and the
//! status page. Screenshots go to `target/artifacts/appeal-screenshots/`.
//!
//! Needs `chromium` and `chromium-driver`, like `browser.rs`.

#[path = "api/helpers.rs"]
#[allow(dead_code)]
mod helpers;

#[path = "support/webdriver.rs"]
#[allow(dead_code)]
mod webdriver;

use std::path::{Path, PathBuf};

use appealmod_shared::storage::Backend;
use serde_json::json;
use webdriver::{Session, browser_binaries};

const PHONE: (u32, u32) = (390, 844);

fn shots() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/artifacts/appeal-screenshots");
    std::fs::create_dir_all(&dir).expect("screenshot dir");
    dir
}

/// The page's whole height in CSS pixels.
async fn page_height(session: &Session<'_>) -> i64 {
    session
        .script("return document.documentElement.scrollHeight")
        .await
        .as_i64()
        .expect("height")
}

async fn scheme(session: &Session<'_>, dark: bool) {
    let value = if dark { "dark" } else { "light" };
    session
        .cdp(
            "Emulation.setEmulatedMedia",
            json!({"features": [{"name": "prefers-color-scheme", "value": value}]}),
        )
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_default_form_fits_in_two_phone_screens() {
    let Some((chromium, chromedriver)) = browser_binaries() else {
        return;
    };
    let profile = tempfile::tempdir().expect("profile dir");
    let app = helpers::spawn_app(Backend::Sqlite).await;
    let driver = webdriver::Driver::start(&chromedriver).await;
    let session = driver.session(&chromium, profile.path()).await;
    session.viewport(PHONE.0, PHONE.1, true).await;
    scheme(&session, false).await;
    let (_, path) = app
        .create_appeal_with(
            "tall_form",
            "private note",
            "Rule 2: no personal attacks. You called another user an idiot in a thread about bikes.",
            chrono::Utc::now() + chrono::Duration::days(7),
        )
        .await;
    session.goto(&app.url(&path)).await;
    session.wait_for("Submit my appeal").await;
    let height = page_height(&session).await;
    session.screenshot(&shots(), "form-phone-light").await;
    eprintln!("default form on a 390×844 phone: {height} px");
    assert!(
        height <= 2 * i64::from(PHONE.1),
        "the default form is {height} px tall on a phone"
    );
    session.quit().await;
}
