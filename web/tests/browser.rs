//! Headless Chromium drives the real site over WebDriver: landing page, the moderator
//! console (log in through the Reddit simulator's consent page, sign up, settings with an
//! error round, the appeal list), and an appeal form from link to thank-you, at phone and
//! desktop widths. Screenshots go to `target/artifacts/screenshots/` for people to look at.
//!
//! Needs `chromium` and `chromium-driver` (Debian packages; the test script installs them).
//! Without them the test fails, unless `APPEALMOD_TEST_ALLOW_NO_BROWSER=1`.

#[path = "api/helpers.rs"]
#[allow(dead_code)]
mod helpers;

#[path = "support/webdriver.rs"]
mod webdriver;

use std::path::Path;

use appealmod_shared::storage::Backend;

use appealmod_shared::domain::{ConversationId, Group, RedditUsername, SubredditName};
use helpers::TestApp;
use reddit_sim::{SimConfig, SimServer};
use serde_json::json;
use webdriver::{Driver, browser_binaries};

/// The site with its console, logging in against a simulator where `head_mod` moderates
/// r/phone_sub and r/desktop_sub.
async fn console_app(sim: &SimServer) -> TestApp {
    let subs = [("phone_sub", "head_mod"), ("desktop_sub", "head_mod")];
    helpers::spawn_console(sim, &subs, Vec::new(), |_| {}).await
}

/// A few appellants so that the list has something to show.
async fn appellants(app: &TestApp, sub: &str) {
    let name = SubredditName::parse(sub).expect("sub");
    for (i, group) in [Group::Treatment, Group::Control, Group::Treatment]
        .into_iter()
        .enumerate()
    {
        app.db
            .store
            .record_contact(
                &name,
                &RedditUsername::parse(&format!("{sub}_user{i}")).expect("user"),
                &ConversationId::parse(&format!("{}x{i}", &sub[..1])).expect("conversation"),
                || group,
                chrono::Utc::now(),
            )
            .await
            .expect("contact");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_walkthrough_at_phone_and_desktop_widths() {
    let Some((chromium, chromedriver)) = browser_binaries() else {
        return;
    };

    let shots = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/artifacts/screenshots");
    std::fs::create_dir_all(&shots).expect("screenshot dir");
    let profile = tempfile::tempdir().expect("profile dir");

    let sim = SimServer::start(SimConfig::default())
        .await
        .expect("simulator");
    let app = console_app(&sim).await;
    let driver = Driver::start(&chromedriver).await;
    let session = driver.session(&chromium, profile.path()).await;

    for (name, width, height, mobile) in [("phone", 390, 844, true), ("desktop", 1280, 900, false)]
    {
        session.viewport(width, height, mobile).await;
        let sub = format!("{name}_sub");

        session.goto(&app.url("/")).await;
        session.wait_for("Why a little friction helps").await;
        session.screenshot(&shots, &format!("landing-{name}")).await;

        // Log in: the site sends the browser to the simulator's consent page.
        session.goto(&app.url("/signup")).await;
        if name == "phone" {
            session.wait_for("Allow the app to connect").await;
            session.screenshot(&shots, "reddit-consent-phone").await;
            session.select("select[name=user]", "head_mod").await;
            session.click("button[value=Allow]").await;
        }
        session
            .wait_for("Choose one of the subreddits you moderate")
            .await;
        session
            .screenshot(&shots, &format!("console-signup-{name}"))
            .await;
        session.click(&format!("input[value='{sub}']")).await;
        session
            .click("button[type=submit].button:not(.button-quiet)")
            .await;
        session.wait_for("Waiting for the bot").await;
        appellants(&app, &sub).await;
        session.goto(&app.url(&format!("/dashboard/r/{sub}"))).await;
        session.wait_for("Recorded only").await;
        session
            .screenshot(&shots, &format!("console-appeals-{name}"))
            .await;

        // Settings: an error round, then fixed.
        session
            .goto(&app.url(&format!("/dashboard/r/{sub}/settings")))
            .await;
        session.wait_for("Form questions").await;
        session
            .type_into("#initial", "Please fill in the form.")
            .await;
        session.type_into("#max_reminders", "12").await;
        session.click("button[value=save]").await;
        let page = session
            .wait_for("Please check the highlighted fields")
            .await;
        assert!(
            page.contains("must contain {link}"),
            "the summary names the problem"
        );
        session
            .screenshot(&shots, &format!("console-settings-errors-{name}"))
            .await;
        session
            .type_into(
                "#initial",
                "Hi u/{username}, please **fill in** this form: {link}",
            )
            .await;
        session.type_into("#max_reminders", "2").await;
        session.click("button[value=save]").await;
        session.wait_for("Saved (").await;
        session
            .screenshot(&shots, &format!("console-settings-saved-{name}"))
            .await;
        let stored = app
            .db
            .store
            .subreddit(&SubredditName::parse(&sub).expect("sub"))
            .await
            .expect("get")
            .expect("row");
        assert_eq!(stored.max_reminders, Some(2));

        // The appeal form, from link to thank-you.
        let (id, path) = app
            .create_appeal(
                &format!("user_{name}"),
                "Rule 2: no personal attacks. You called another user an idiot in a thread about bikes.",
            )
            .await;
        session.goto(&app.url(&path)).await;
        session.wait_for("Appeal your ban from r/pics").await;
        session
            .screenshot(&shots, &format!("appeal-form-{name}"))
            .await;
        session.type_into("#q1", "Be civil to other users.").await;
        session.click("#q0-2").await;
        session.click("button[type=submit]").await;
        session.wait_for("answers need your attention").await;
        session
            .screenshot(&shots, &format!("appeal-errors-{name}"))
            .await;
        session.click("#q2-0").await;
        session.click("#q3-0").await;
        session
            .type_into("#q4", "Step away before I reply when I am angry.")
            .await;
        session.click("#q5-0").await;
        session.click("#q5-3").await;
        session.click("button[type=submit]").await;
        session.wait_for("your appeal was received").await;
        session
            .screenshot(&shots, &format!("appeal-done-{name}"))
            .await;

        let stored = app
            .db
            .store
            .form_answers(id)
            .await
            .expect("answers")
            .expect("stored through the browser");
        assert_eq!(stored.answers.len(), 6);
    }
    assert_eq!(app.db.store.signups().await.expect("signups").len(), 2);
    drop(sim);
    session.quit().await;
}

/// Whether the whole question around field `id` (its label or legend down to its last
/// option) is inside the viewport.
const QUESTION_IN_VIEW: &str = "const f = document.getElementById(arguments[0]).closest('.field'); \
     const r = f.getBoundingClientRect(); \
     return [Math.round(r.top), Math.round(r.bottom), window.innerHeight];";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn appeal_pages_status_errors_and_dead_links_at_phone_and_desktop_widths() {
    let Some((chromium, chromedriver)) = browser_binaries() else {
        return;
    };
    let shots = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/artifacts/screenshots");
    std::fs::create_dir_all(&shots).expect("screenshot dir");
    let profile = tempfile::tempdir().expect("profile dir");
    let app = helpers::spawn_app(Backend::Sqlite).await;
    let driver = Driver::start(&chromedriver).await;
    let session = driver.session(&chromium, profile.path()).await;
    for (name, width, height, mobile) in [("phone", 390, 844, true), ("desktop", 1280, 900, false)]
    {
        session.viewport(width, height, mobile).await;
        let until = chrono::Utc::now() + chrono::Duration::days(7);
        let (id, path) = app
            .create_appeal_with(
                &format!("status_{name}"),
                "PRIVATE: known troll",
                "Rule 2: no personal attacks. You called another user an idiot in a thread about bikes.",
                until,
            )
            .await;
        session.goto(&app.url(&path)).await;
        session.wait_for("The reason in your ban message").await;

        // A failed submit: focus on the summary, then a link brings its whole question in.
        session.click("button[type=submit]").await;
        session.wait_for("answers need your attention").await;
        assert_eq!(session.active_id().await, "error-summary", "{name}");
        session
            .screenshot(&shots, &format!("appeal-errors-focus-{name}"))
            .await;
        // The last link first, then back up the page: each question lands whole.
        for target in ["q4", "q0-0", "q3-0", "q1"] {
            session.click(&format!("a[href='#{target}']")).await;
            assert_eq!(
                session.active_id().await,
                target,
                "{name}: the field gets focus"
            );
            let v = session
                .post(
                    "/execute/sync",
                    json!({"script": QUESTION_IN_VIEW, "args": [target]}),
                )
                .await;
            let (top, bottom, inner) = (v[0].as_i64(), v[1].as_i64(), v[2].as_i64());
            assert!(
                top >= Some(0) && bottom <= inner,
                "{name}: question {target} not fully in view: {v}"
            );
            session.script("window.scrollTo(0, 0)").await;
        }
        session.click("a[href='#q0-0']").await;
        session
            .screenshot(&shots, &format!("appeal-error-linked-{name}"))
            .await;

        // Submitted, then passed to the moderators: the status page.
        for css in ["#q0-2", "#q2-0", "#q3-0", "#q5-0"] {
            session.click(css).await;
        }
        session.type_into("#q1", "Be civil to other users.").await;
        session.type_into("#q4", "Step away first.").await;
        session.click("button[type=submit]").await;
        session
            .wait_for("Thank you, your appeal was received")
            .await;
        session
            .screenshot(&shots, &format!("appeal-received-{name}"))
            .await;
        let mut tx = app.db.store.begin().await.expect("tx");
        tx.set_appeal_status(
            id,
            appealmod_shared::domain::AppealStatus::Completed,
            chrono::Utc::now(),
        )
        .await
        .expect("complete");
        tx.commit().await.expect("commit");
        session.goto(&app.url(&path)).await;
        let page = session.wait_for("Your appeal is with the moderators").await;
        assert!(!page.contains("PRIVATE"), "{name}");
        session
            .screenshot(&shots, &format!("appeal-status-{name}"))
            .await;
        let mut tx = app.db.store.begin().await.expect("tx");
        tx.set_appeal_outcome(
            id,
            appealmod_shared::domain::Outcome::Granted,
            chrono::Utc::now(),
        )
        .await
        .expect("grant");
        tx.commit().await.expect("commit");
        session.goto(&app.url(&path)).await;
        session.wait_for("You are no longer banned").await;
        session
            .screenshot(&shots, &format!("appeal-lifted-{name}"))
            .await;

        // An expired link, and a replaced one.
        let past = chrono::Utc::now() - chrono::Duration::minutes(1);
        let (old_id, expired) = app
            .create_appeal_with(&format!("late_{name}"), "n", "r", past)
            .await;
        session.goto(&app.url(&expired)).await;
        session.wait_for("This link has expired").await;
        session
            .screenshot(&shots, &format!("appeal-expired-{name}"))
            .await;
        let fresh = app.signer.sign(old_id, until);
        let mut tx = app.db.store.begin().await.expect("tx");
        tx.renew_appeal_link(old_id, &fresh.hash(), until)
            .await
            .expect("renew");
        tx.commit().await.expect("commit");
        session.goto(&app.url(&expired)).await;
        session.wait_for("This link was replaced").await;
        session
            .screenshot(&shots, &format!("appeal-replaced-{name}"))
            .await;
    }
    session.quit().await;
}
