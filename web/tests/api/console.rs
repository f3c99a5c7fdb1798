//! The moderator console over HTTP, on both backends, with the Reddit simulator as Reddit:
//! the login round trip, every page, and every refusal (not logged in, moderator of another
//! subreddit, removed moderator, bad state, replayed code, CSRF).

use appealmod_shared::config::{ConsoleLogin, Secret};
use appealmod_shared::domain::*;
use appealmod_shared::policy::MAX_REMINDERS;
use appealmod_shared::storage::{Backend, CheckRecord, MOD_NOTES_FIELD, ServingAccount};
use chrono::Utc;
use reddit_sim::{NewSubreddit, SimConfig, SimServer, WebApp};

use crate::helpers::{BOT, TestApp, csrf_of, spawn_listening, sub};
use crate::on_both_backends;

on_both_backends!(
    login_round_trip_and_logout,
    not_logged_in_goes_to_the_login,
    bad_state_denied_consent_and_replayed_code_are_refused,
    signup_offers_only_what_you_moderate_and_refuses_strangers_alike,
    a_moderator_of_another_subreddit_gets_404,
    a_removed_moderator_loses_access,
    settings_are_validated_saved_previewed_and_audited,
    reddit_mod_notes_are_turned_on_and_off_with_an_audit_line,
    pause_resume_and_check_now,
    appeals_list_filters_and_links_to_modmail,
    console_posts_need_their_csrf_token,
    operators_see_every_subreddit,
    end_to_end_login_signup_invite_active_message_change_and_pause,
    sign_up_assigns_the_account_with_the_most_headroom,
);

/// The site with its console against a fresh simulator: r/pics moderated by `head_mod`
/// (full) and `mail_mod` (Mail only), r/news by `other_mod`; `stranger` moderates nothing.
pub(crate) struct Console {
    pub(crate) app: TestApp,
    pub(crate) sim: reddit_sim::Simulator,
    pub(crate) sim_url: String,
    _server: Option<SimServer>,
    /// The browser's cookie (`appealmod_session=…`).
    cookie: std::sync::Mutex<Option<String>>,
}

pub(crate) async fn console(backend: Backend) -> Console {
    console_with(backend, |_| {}).await
}

/// [`console`] with `tweak` applied to the site's settings (limits, timeouts).
pub(crate) async fn console_with(
    backend: Backend,
    tweak: impl FnOnce(&mut appealmod_web::startup::AppSettings),
) -> Console {
    let sim = SimServer::start(SimConfig::default()).await.expect("sim");
    let mut c = console_on(backend, &sim, tweak).await;
    c._server = Some(sim);
    c
}

/// The site with its console against `sim` (which the caller keeps running).
pub(crate) async fn console_on(
    backend: Backend,
    sim: &SimServer,
    tweak: impl FnOnce(&mut appealmod_web::startup::AppSettings),
) -> Console {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    let port = listener.local_addr().expect("its address").port();
    let redirect = format!("http://127.0.0.1:{port}/auth/reddit/callback");
    sim.state().set_web_app(WebApp {
        redirect_uri: redirect.clone(),
        ..WebApp::default()
    });
    let s = sim.state();
    for (name, mods) in [("pics", vec!["head_mod"]), ("news", vec!["other_mod"])] {
        s.add_subreddit(NewSubreddit {
            name: name.into(),
            moderators: mods.into_iter().map(str::to_owned).collect(),
            bot_is_mod: false,
        })
        .expect("sub");
    }
    s.set_moderator("pics", "mail_mod", &["mail".into()])
        .expect("mod");
    s.set_moderator("pics", "flair_mod", &["flair".into()])
        .expect("mod");
    s.add_user("stranger").expect("user");
    s.add_user("the_operator").expect("user");
    let web = WebApp::default();
    let base = sim.base_url();
    let app = spawn_listening(backend, listener, |a| {
        a.public_base_url = format!("http://127.0.0.1:{port}");
        a.console = Some(ConsoleLogin {
            client_id: web.client_id.clone(),
            client_secret: Secret::new(web.client_secret.clone()),
            redirect_uri: redirect.clone(),
            auth_base_url: base.clone(),
            api_base_url: base.clone(),
            session_key: Secret::new("console-session-key-console-session-key-0123"),
            session_hours: 12,
            operators: vec![RedditUsername::parse("the_operator").expect("user")],
        });
        tweak(a);
    })
    .await;
    Console {
        app,
        sim: sim.state().clone(),
        sim_url: sim.base_url(),
        _server: None,
        cookie: std::sync::Mutex::new(None),
    }
}

pub(crate) fn location(r: &reqwest::Response) -> String {
    r.headers()["location"].to_str().expect("ascii").to_owned()
}

impl Console {
    pub(crate) fn cookie(&self) -> Option<String> {
        self.cookie.lock().expect("lock").clone()
    }

    fn keep_cookie(&self, r: &reqwest::Response) {
        for v in r.headers().get_all("set-cookie") {
            let v = v.to_str().expect("ascii");
            if let Some(pair) = v
                .split(';')
                .next()
                .filter(|p| p.starts_with("appealmod_session="))
            {
                *self.cookie.lock().expect("lock") =
                    (pair != "appealmod_session=").then(|| pair.to_owned());
            }
        }
    }

    pub(crate) async fn get(&self, path: &str) -> reqwest::Response {
        let url = if path.starts_with("http") {
            path.to_owned()
        } else {
            self.app.url(path)
        };
        let mut req = self.app.client.get(url);
        if let Some(c) = self.cookie() {
            req = req.header("cookie", c);
        }
        let r = req.send().await.expect("GET");
        self.keep_cookie(&r);
        r
    }

    pub(crate) async fn page(&self, path: &str) -> (u16, String) {
        let r = self.get(path).await;
        (r.status().as_u16(), r.text().await.expect("body"))
    }

    pub(crate) async fn post(&self, path: &str, pairs: &[(&str, &str)]) -> reqwest::Response {
        let mut req = self.app.client.post(self.app.url(path)).form(pairs);
        if let Some(c) = self.cookie() {
            req = req.header("cookie", c);
        }
        let r = req.send().await.expect("POST");
        self.keep_cookie(&r);
        r
    }

    /// Posts `pairs` with the CSRF token of the page at `form_page`.
    async fn submit(&self, form_page: &str, action: &str, pairs: &[(&str, &str)]) -> (u16, String) {
        let (_, page) = self.page(form_page).await;
        let csrf = csrf_of(&page);
        let mut all = vec![("csrf", csrf.as_str())];
        all.extend_from_slice(pairs);
        let r = self.post(action, &all).await;
        (r.status().as_u16(), r.text().await.expect("body"))
    }

    /// The whole round trip as `user`: /login → Reddit (the simulator approves at once as
    /// `user`) → callback → `next`. Returns the three statuses and where it ended.
    pub(crate) async fn login(&self, user: &str, next: &str) -> (u16, u16, u16, String) {
        let r = self.get(&format!("/login?next={next}")).await;
        let to_reddit = r.status().as_u16();
        let authorize = location(&r);
        assert!(authorize.starts_with(&self.sim_url), "{authorize}");
        assert!(authorize.contains("duration=temporary"), "{authorize}");
        assert!(
            authorize.contains("scope=identity%20mysubreddits"),
            "{authorize}"
        );
        let r = self.get(&format!("{authorize}&sim_user={user}")).await;
        let from_reddit = r.status().as_u16();
        let callback = location(&r);
        let r = self.get(&callback).await;
        (to_reddit, from_reddit, r.status().as_u16(), location(&r))
    }

    /// Posts the sign-up form with a valid token for `user` (whatever the page offered).
    async fn sign_up_as(&self, user: &str, sub: &str) -> reqwest::Response {
        let key = appealmod_web::csrf::CsrfKey::new(&Secret::new(crate::helpers::SECRET));
        let csrf = key.issue(&format!("console:signup:{user}"), Utc::now());
        self.post("/signup", &[("csrf", csrf.as_str()), ("subreddit", sub)])
            .await
    }

    pub(crate) async fn sign_up(&self, sub: &str) -> reqwest::Response {
        let (_, page) = self.page("/signup").await;
        let csrf = csrf_of(&page);
        self.post("/signup", &[("csrf", csrf.as_str()), ("subreddit", sub)])
            .await
    }
}

async fn login_round_trip_and_logout(backend: Backend) {
    let c = console(backend).await;
    let (a, b, d, end) = c.login("head_mod", "/dashboard").await;
    assert_eq!(
        (a, b, d),
        (303, 302, 303),
        "to Reddit, back with a code, into the console"
    );
    assert_eq!(end, "/dashboard");
    let cookie = c.cookie().expect("a session cookie");
    assert!(
        !cookie.contains("head_mod"),
        "the cookie is encrypted: {cookie}"
    );
    let (status, body) = c.page("/dashboard").await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("u/head_mod"));
    assert!(body.contains("r/pics"), "listed as not signed up yet");
    assert!(!body.contains("r/news"), "only what head_mod moderates");
    let seen = c
        .app
        .db
        .store
        .moderated_by(&RedditUsername::parse("head_mod").expect("u"))
        .await
        .expect("rows");
    assert_eq!(seen.len(), 1);

    let r = c.get("/login?next=/dashboard").await;
    let set = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap_or("").to_owned())
        .collect::<Vec<_>>();
    assert!(
        set.iter()
            .any(|v| v.contains("HttpOnly") && v.contains("SameSite=Lax")),
        "{set:?}"
    );
    assert!(
        set.iter().all(|v| !v.contains("Secure")),
        "not Secure over plain http: {set:?}"
    );

    let (_, page) = c.page("/dashboard").await;
    let csrf = logout_csrf(&page);
    let r = c.post("/logout", &[("csrf", csrf.as_str())]).await;
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(location(&r), "/");
    let r = c.get("/dashboard").await;
    assert_eq!(r.status().as_u16(), 303, "logged out");
}

/// The logout form's token (in the header of every console page).
pub(crate) fn logout_csrf(page: &str) -> String {
    let end = page
        .find("\" name=\"csrf\" data-form=\"logout\"")
        .expect("logout form");
    let start = page[..end].rfind("value=\"").expect("value") + 7;
    page[start..end].to_owned()
}

async fn not_logged_in_goes_to_the_login(backend: Backend) {
    let c = console(backend).await;
    for (path, next) in [
        ("/dashboard", "%2Fdashboard"),
        ("/signup", "%2Fsignup"),
        ("/dashboard/r/pics", "%2Fdashboard%2Fr%2Fpics"),
        (
            "/dashboard/r/pics/settings",
            "%2Fdashboard%2Fr%2Fpics%2Fsettings",
        ),
    ] {
        let r = c.get(path).await;
        assert_eq!(r.status().as_u16(), 303, "{path}");
        assert_eq!(location(&r), format!("/login?next={next}"), "{path}");
    }
    let r = c.post("/dashboard/r/pics/settings", &[("csrf", "x")]).await;
    assert_eq!(r.status().as_u16(), 303);
    let r = c.post("/signup", &[("subreddit", "pics")]).await;
    assert_eq!(r.status().as_u16(), 303);
    assert!(c.app.db.store.signups().await.expect("signups").is_empty());
    // Off-site `next` values are not followed.
    let (_, _, _, end) = c.login("head_mod", "https://evil.example/").await;
    assert_eq!(end, "/dashboard");
}

async fn bad_state_denied_consent_and_replayed_code_are_refused(backend: Backend) {
    let c = console(backend).await;
    // A callback with no login started in this browser.
    let (status, body) = c.page("/auth/reddit/callback?state=forged&code=x").await;
    assert_eq!(status, 400);
    assert!(body.contains("not valid here"), "{body}");

    // A state that is not the one this browser's login started with.
    let r = c.get("/login").await;
    let authorize = location(&r);
    let r = c.get(&format!("{authorize}&sim_user=head_mod")).await;
    let callback = location(&r);
    let tampered = callback.replace("state=", "state=x");
    let (status, _) = c.page(&tampered).await;
    assert_eq!(status, 400, "bad state");

    // Replayed: the same callback again (state and code both used up).
    let r = c.get("/login").await;
    let authorize = location(&r);
    let r = c.get(&format!("{authorize}&sim_user=head_mod")).await;
    let callback = location(&r);
    assert_eq!(
        c.get(&callback).await.status().as_u16(),
        303,
        "first use logs in"
    );
    let (status, _) = c.page(&callback).await;
    assert_eq!(status, 400, "a replayed callback is refused");
    // The old code with a fresh state: Reddit refuses the code.
    let code = callback
        .split("code=")
        .nth(1)
        .expect("code")
        .split('&')
        .next()
        .expect("code")
        .to_owned();
    let r = c.get("/login").await;
    let state = location(&r)
        .split("state=")
        .nth(1)
        .expect("state")
        .split('&')
        .next()
        .expect("s")
        .to_owned();
    let (status, body) = c
        .page(&format!("/auth/reddit/callback?state={state}&code={code}"))
        .await;
    assert_eq!(status, 400);
    assert!(body.contains("did not accept this login"), "{body}");

    // Declined on Reddit's consent page.
    let r = c.get("/login").await;
    let state = location(&r)
        .split("state=")
        .nth(1)
        .expect("state")
        .split('&')
        .next()
        .expect("s")
        .to_owned();
    let (status, body) = c
        .page(&format!(
            "/auth/reddit/callback?state={state}&error=access_denied"
        ))
        .await;
    assert_eq!(status, 403);
    assert!(body.contains("did not allow"), "{body}");
}

async fn signup_offers_only_what_you_moderate_and_refuses_strangers_alike(backend: Backend) {
    let c = console(backend).await;
    c.login("mail_mod", "/signup").await;
    let (status, page) = c.page("/signup").await;
    assert_eq!(status, 200);
    assert!(page.contains("value=\"pics\""), "{page}");
    assert!(!page.contains("news"));
    assert!(page.contains(&format!("u/{BOT}")) && page.contains("Mail and Access"));
    let r = c.sign_up("pics").await;
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(location(&r), "/dashboard/r/pics");
    let (status, body) = c.page("/dashboard/r/pics").await;
    assert_eq!(status, 200);
    assert!(body.contains("Waiting for the bot"), "{body}");
    let status = c
        .app
        .db
        .store
        .subreddit_status(&sub("pics"))
        .await
        .expect("get")
        .expect("row");
    assert_eq!(status.state, SubredditState::Pending);

    // A stranger: the same refusal for a signed-up subreddit, an unknown one, and one that
    // exists but is someone else's.
    let s = console_again(&c).await;
    s.login("stranger", "/signup").await;
    let mut answers = Vec::new();
    for name in ["pics", "news", "AskReddit"] {
        let r = s.sign_up_as("stranger", name).await;
        let status = r.status().as_u16();
        answers.push((status, r.text().await.expect("body")));
    }
    assert!(
        answers.iter().all(|(st, _)| *st == 403),
        "{:?}",
        answers.iter().map(|a| a.0).collect::<Vec<_>>()
    );
    assert!(
        answers.windows(2).all(|w| w[0].1 == w[1].1),
        "the answers do not differ"
    );
    assert_eq!(c.app.db.store.signups().await.expect("signups").len(), 1);

    // Flair-only moderators cannot sign up either.
    let f = console_again(&c).await;
    f.login("flair_mod", "/signup").await;
    assert_eq!(
        f.sign_up_as("flair_mod", "pics").await.status().as_u16(),
        403
    );
}

/// A second browser on the same site and simulator.
pub(crate) async fn console_again(c: &Console) -> Console {
    Console {
        app: TestApp {
            address: c.app.address.clone(),
            db: appealmod_testkit::TestDb::sqlite().await,
            client: c.app.client.clone(),
            signer: c.app.signer.clone(),
        },
        sim: c.sim.clone(),
        sim_url: c.sim_url.clone(),
        _server: None,
        cookie: std::sync::Mutex::new(None),
    }
}

pub(crate) async fn signed_up_pics(c: &Console) {
    c.login("head_mod", "/signup").await;
    let r = c.sign_up("pics").await;
    let status = r.status().as_u16();
    assert_eq!(status, 303, "{}", r.text().await.unwrap_or_default());
}

async fn a_moderator_of_another_subreddit_gets_404(backend: Backend) {
    let c = console(backend).await;
    signed_up_pics(&c).await;
    let o = console_again(&c).await;
    o.login("other_mod", "/dashboard").await;
    for path in [
        "/dashboard/r/pics",
        "/dashboard/r/pics/settings",
        "/dashboard/r/doesnotexist",
    ] {
        let (status, body) = o.page(path).await;
        assert_eq!(status, 404, "{path}");
        assert!(body.contains("Page not found"));
    }
    let r = o
        .post(
            "/dashboard/r/pics/state",
            &[("csrf", "x"), ("action", "pause")],
        )
        .await;
    assert_eq!(r.status().as_u16(), 404);
}

async fn a_removed_moderator_loses_access(backend: Backend) {
    let c = console(backend).await;
    signed_up_pics(&c).await;
    let m = console_again(&c).await;
    m.login("mail_mod", "/dashboard").await;
    assert_eq!(m.page("/dashboard/r/pics").await.0, 200);
    // Removed on Reddit; the bot's hourly check reads the new moderator list.
    c.sim.remove_moderator("pics", "mail_mod").expect("remove");
    let mods = vec![SubredditModerator {
        name: RedditUsername::parse("head_mod").expect("u"),
        permissions: ModPermissions::full(),
        since: None,
    }];
    c.app
        .db
        .store
        .record_check(
            &CheckRecord {
                name: &sub("pics"),
                standing: &BotStanding::NotModerator,
                new_state: None,
                failed_checks: 1,
                next_check_at: Utc::now(),
                moderators: Some(&mods),
                actor: BOT,
            },
            Utc::now(),
        )
        .await
        .expect("check");
    let r = m.get("/dashboard/r/pics").await;
    assert_eq!(
        (r.status().as_u16(), location(&r)),
        (303, "/login?next=%2Fdashboard%2Fr%2Fpics".to_owned()),
        "removed: the session has ended"
    );
    // Logging in again does not bring it back: Reddit no longer lists r/pics for them.
    m.login("mail_mod", "/dashboard").await;
    assert_eq!(m.page("/dashboard/r/pics").await.0, 404);
}

async fn settings_are_validated_saved_previewed_and_audited(backend: Backend) {
    let c = console(backend).await;
    signed_up_pics(&c).await;
    let path = "/dashboard/r/pics/settings";
    let (status, page) = c.page(path).await;
    assert_eq!(status, 200);
    assert!(page.contains("Preview, as the user sees it on Reddit"));
    assert!(
        page.contains("<a href=\"http://127.0.0.1"),
        "the link is rendered as a link"
    );
    let fields = form_fields(&page);
    let with = |changes: &[(&str, &str)]| {
        let mut f: Vec<(String, String)> = fields.clone();
        for (k, v) in changes {
            f.retain(|(n, _)| n != k);
            f.push(((*k).to_owned(), (*v).to_owned()));
        }
        f
    };
    let (status, body) = post_pairs(
        &c,
        path,
        with(&[
            ("initial", "No link <b>here</b>"),
            ("treatment_percent", "80"),
            ("max_reminders", "99"),
        ]),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("Please check the highlighted fields"));
    assert!(body.contains("href=\"#initial\""));
    assert!(body.contains("changes the experiment"));
    assert!(body.contains("href=\"#max_reminders\""));
    assert!(
        body.contains("No link &lt;b&gt;here&lt;/b&gt;") || body.contains("No link &#60;b&#62;"),
        "kept, escaped"
    );
    assert!(
        c.app
            .db
            .store
            .audit_log(&sub("pics"), 10)
            .await
            .expect("log")
            .len()
            == 1,
        "nothing saved"
    );

    let (status, body) = post_pairs(
        &c,
        path,
        with(&[
            ("initial", "Hi u/{username}, **please** fill in {link}"),
            ("treatment_percent", "80"),
            ("confirm_fraction", "on"),
            ("max_reminders", "1"),
            ("action", "save"),
        ]),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    // The three messages are stored together, so the other two count as set too.
    assert!(body.contains("Saved (5 changes)"), "{body}");
    assert!(body.contains("<strong>please</strong>"), "preview");
    assert!(
        body.contains("a new period of the experiment"),
        "the fraction change is marked"
    );
    let s = c
        .app
        .db
        .store
        .subreddit(&sub("pics"))
        .await
        .expect("get")
        .expect("row");
    assert_eq!(s.treatment_fraction, Some(0.8));
    assert_eq!(s.max_reminders, Some(1));
    let log = c
        .app
        .db
        .store
        .audit_log(&sub("pics"), 10)
        .await
        .expect("log");
    assert!(
        log.iter()
            .all(|e| e.actor == "head_mod" || e.change.field == "signed_up")
    );
    assert_eq!(
        c.app
            .db
            .store
            .fraction_changes(&sub("pics"))
            .await
            .expect("f")
            .len(),
        1
    );
}

async fn reddit_mod_notes_are_turned_on_and_off_with_an_audit_line(backend: Backend) {
    let c = console(backend).await;
    signed_up_pics(&c).await;
    let path = "/dashboard/r/pics/settings";
    let stored = || async {
        c.app
            .db
            .store
            .subreddit(&sub("pics"))
            .await
            .expect("get")
            .expect("row")
            .reddit_mod_notes
    };
    let newest = || async {
        c.app
            .db
            .store
            .audit_log(&sub("pics"), 1)
            .await
            .expect("log")
            .remove(0)
    };
    let (status, page) = c.page(path).await;
    assert_eq!(status, 200);
    assert!(
        page.contains(
            "Adds a Reddit Mod Note on the user — visible to your moderators in Reddit's user \
             notes — when an appeal is completed."
        ),
        "the checkbox says what it does"
    );
    let fields = form_fields(&page);
    assert!(
        !fields.iter().any(|(k, _)| k == "reddit_mod_notes"),
        "off: the configured default"
    );
    assert!(
        fields
            .iter()
            .any(|(k, v)| k == "max_reminders" && *v == MAX_REMINDERS.to_string()),
        "the default reminder count is the bot's own"
    );
    assert_eq!(stored().await, None, "never chosen");

    // On.
    let mut on = fields.clone();
    on.push(("reddit_mod_notes".into(), "on".into()));
    on.push(("action".into(), "save".into()));
    let (status, body) = post_pairs(&c, path, on).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("Saved (1 change)"), "{body}");
    assert_eq!(stored().await, Some(true));
    let e = newest().await;
    assert_eq!(e.actor, "head_mod");
    assert_eq!(e.change.field, MOD_NOTES_FIELD);
    assert_eq!((e.change.old, e.change.new), (None, Some("on".to_owned())));
    assert!(
        body.contains("reddit mod notes</em>") && body.contains("<ins>on</ins>"),
        "the page's log shows it: {body}"
    );

    // Off again: the page shows it ticked, and unticking is a change of its own.
    let (_, page) = c.page(path).await;
    let mut off = form_fields(&page);
    assert!(off.iter().any(|(k, _)| k == "reddit_mod_notes"), "ticked");
    off.retain(|(k, _)| k != "reddit_mod_notes");
    off.push(("action".into(), "save".into()));
    let (status, body) = post_pairs(&c, path, off).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("Saved (1 change)"), "{body}");
    assert_eq!(stored().await, Some(false), "chosen: off, not the default");
    let e = newest().await;
    assert_eq!(
        (e.change.field.as_str(), e.change.old, e.change.new),
        (
            MOD_NOTES_FIELD,
            Some("on".to_owned()),
            Some("off".to_owned())
        )
    );
}

pub(crate) async fn post_pairs(c: &Console, path: &str, f: Vec<(String, String)>) -> (u16, String) {
    let pairs: Vec<(&str, &str)> = f.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let r = c.post(path, &pairs).await;
    (r.status().as_u16(), r.text().await.expect("body"))
}

/// The named fields of a form page as a browser would post them (first value of each).
pub(crate) fn form_fields(page: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    let attr = |tag: &str, name: &str| -> Option<String> {
        let key = format!("{name}=\"");
        let i = tag.find(&key)? + key.len();
        let j = tag[i..].find('"')? + i;
        Some(
            tag[i..j]
                .replace("&#34;", "\"")
                .replace("&quot;", "\"")
                .replace("&amp;", "&")
                .replace("&#39;", "'")
                .replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&#60;", "<")
                .replace("&#62;", ">"),
        )
    };
    let form = &page[page.find("class=\"settings\"").expect("settings form")..];
    let form = &form[..form.find("</form>").expect("end")];
    for (i, _) in form.match_indices("<input") {
        let tag = &form[i..i + form[i..].find('>').expect("tag")];
        let (Some(name), kind) = (attr(tag, "name"), attr(tag, "type").unwrap_or_default()) else {
            continue;
        };
        if kind == "checkbox" {
            if tag.contains(" checked") {
                out.push((name, "on".into()));
            }
        } else {
            out.push((name, attr(tag, "value").unwrap_or_default()));
        }
    }
    for (i, _) in form.match_indices("<textarea") {
        let open = &form[i..i + form[i..].find('>').expect("tag")];
        let body_start = i + form[i..].find('>').expect("tag") + 1;
        let body_end = body_start + form[body_start..].find("</textarea>").expect("end");
        if let Some(name) = attr(open, "name") {
            let raw = &form[body_start..body_end];
            let v = raw
                .replace("&#34;", "\"")
                .replace("&quot;", "\"")
                .replace("&#39;", "'")
                .replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&#60;", "<")
                .replace("&#62;", ">")
                .replace("&amp;", "&");
            out.push((name, v));
        }
    }
    for (i, _) in form.match_indices("<select") {
        let open = &form[i..i + form[i..].find('>').expect("tag")];
        let end = i + form[i..].find("</select>").expect("end");
        let inner = &form[i..end];
        let chosen = inner
            .find(" selected")
            .and_then(|s| inner[..s].rfind("value=\"").map(|v| v + 7))
            .map(|v| inner[v..v + inner[v..].find('"').expect("q")].to_owned());
        if let (Some(name), Some(v)) = (attr(open, "name"), chosen) {
            out.push((name, v));
        }
    }
    out
}

async fn pause_resume_and_check_now(backend: Backend) {
    let c = console(backend).await;
    signed_up_pics(&c).await;
    // Active first (as the bot's check would make it).
    c.app
        .db
        .store
        .record_check(
            &CheckRecord {
                name: &sub("pics"),
                standing: &BotStanding::Ready,
                new_state: Some(SubredditState::Active),
                failed_checks: 0,
                next_check_at: Utc::now() + chrono::Duration::hours(1),
                moderators: None,
                actor: BOT,
            },
            Utc::now(),
        )
        .await
        .expect("check");
    let page = "/dashboard/r/pics";
    let state = "/dashboard/r/pics/state";
    let (status, _) = c.submit(page, state, &[("action", "pause")]).await;
    assert_eq!(status, 303);
    let (_, body) = c.page(page).await;
    assert!(
        body.contains("Paused: the bot leaves new conversations alone"),
        "{body}"
    );
    let (status, _) = c.submit(page, state, &[("action", "resume")]).await;
    assert_eq!(status, 303);
    let log = c
        .app
        .db
        .store
        .audit_log(&sub("pics"), 10)
        .await
        .expect("log");
    let states: Vec<_> = log
        .iter()
        .filter(|e| e.change.field == "state")
        .map(|e| (e.actor.as_str(), e.change.new.clone().unwrap_or_default()))
        .collect();
    assert_eq!(
        states,
        vec![
            ("head_mod", "active".to_owned()),
            ("head_mod", "paused".to_owned()),
            (BOT, "active".to_owned())
        ]
    );
    let (status, _) = c.submit(page, state, &[("action", "check")]).await;
    assert_eq!(status, 303);
    assert_eq!(
        c.app
            .db
            .store
            .due_checks(Utc::now(), 10)
            .await
            .expect("due")
            .len(),
        1
    );
    let (status, _) = c.submit(page, state, &[("action", "explode")]).await;
    assert_eq!(status, 400);
}

async fn appeals_list_filters_and_links_to_modmail(backend: Backend) {
    let c = console(backend).await;
    signed_up_pics(&c).await;
    let store = &c.app.db.store;
    let now = Utc::now();
    for (i, group) in [Group::Treatment, Group::Control, Group::Treatment]
        .into_iter()
        .enumerate()
    {
        store
            .record_contact(
                &sub("pics"),
                &RedditUsername::parse(&format!("appellant{i}")).expect("u"),
                &ConversationId::parse(&format!("conv{i}")).expect("c"),
                || group,
                now,
            )
            .await
            .expect("contact");
    }
    let (status, body) = c.page("/dashboard/r/pics").await;
    assert_eq!(status, 200);
    assert!(
        body.contains("Appeals <span class=\"count\">(3)</span>"),
        "{body}"
    );
    assert!(body.contains("https://mod.reddit.com/mail/all/conv0"));
    let (_, body) = c.page("/dashboard/r/pics?group=control").await;
    assert!(
        body.contains("(1)") && body.contains("u/appellant1") && !body.contains("u/appellant0")
    );
    let (_, body) = c.page("/dashboard/r/pics?status=granted").await;
    assert!(body.contains("No appeals match this filter"), "{body}");
    let (status, body) = c.page("/dashboard/r/pics?page=99").await;
    assert_eq!(status, 200, "past the end is the last page");
    assert!(body.contains("Page 1 of 1"), "{body}");
    let (status, body) = c.page("/dashboard/r/pics?status=nonsense").await;
    assert_eq!(
        status, 400,
        "a filter the list does not have is not ignored"
    );
    assert!(
        body.contains("“nonsense” is not a status of this list"),
        "{body}"
    );
}

async fn console_posts_need_their_csrf_token(backend: Backend) {
    let c = console(backend).await;
    signed_up_pics(&c).await;
    let path = "/dashboard/r/pics/settings";
    let r = c.post(path, &[("initial", "x {link}")]).await;
    assert_eq!(r.status().as_u16(), 403, "no token");
    // A token issued to another moderator for the same form is useless here.
    let o = console_again(&c).await;
    o.login("mail_mod", "/dashboard").await;
    let (_, page) = o.page(path).await;
    let theirs = csrf_of(&page);
    let r = c
        .post(path, &[("csrf", theirs.as_str()), ("initial", "x {link}")])
        .await;
    assert_eq!(r.status().as_u16(), 403, "another moderator's token");
    let (_, page) = c.page(path).await;
    let mine = csrf_of(&page);
    let r = c
        .app
        .client
        .post(c.app.url(path))
        .header("cookie", c.cookie().expect("cookie"))
        .header("Origin", "https://evil.example")
        .form(&[("csrf", mine.as_str())])
        .send()
        .await
        .expect("post");
    assert_eq!(r.status().as_u16(), 403, "cross-site");
    let r = c.post("/logout", &[]).await;
    assert_eq!(r.status().as_u16(), 403, "logout needs its token too");
    assert_eq!(
        c.app
            .db
            .store
            .audit_log(&sub("pics"), 10)
            .await
            .expect("log")
            .len(),
        1
    );
}

async fn operators_see_every_subreddit(backend: Backend) {
    let c = console(backend).await;
    signed_up_pics(&c).await;
    let o = console_again(&c).await;
    o.login("the_operator", "/dashboard").await;
    let (status, body) = o.page("/dashboard").await;
    assert_eq!(status, 200);
    assert!(body.contains("You are an operator") && body.contains("r/pics"));
    assert!(
        body.contains("href=\"/dashboard/results\""),
        "operators find the overview from the dashboard"
    );
    assert_eq!(o.page("/dashboard/r/pics/settings").await.0, 200);
}

/// The whole story over HTTP, with the unchanged bot's runners on the same database and
/// simulator: a moderator logs in through the simulator, signs r/pics up, invites the bot,
/// which accepts and activates it; a banned user gets the form; the moderator changes the
/// first message in the console and the next appellant receives the new text; once paused,
/// a new appellant gets no write at all.
async fn end_to_end_login_signup_invite_active_message_change_and_pause(backend: Backend) {
    use appealmod_testkit::world::{World, WorldOptions, sim_config};
    use reddit_sim::{BanRequest, Endpoint, UserMessage};

    let o = WorldOptions {
        subreddits: Vec::new(),
        ..WorldOptions::default()
    };
    let sim = SimServer::start(sim_config(&o)).await.expect("sim");
    let c = console_on(backend, &sim, |_| {}).await;
    let world = World::with_sim(sim, c.app.db.store.clone(), &c.app.db.url, o)
        .await
        .expect("bot");
    let writes = || {
        let n = world.sim.state().counters();
        n.calls_of(Endpoint::Reply) + n.calls_of(Endpoint::Archive)
    };
    let appeal = |user: &str| {
        let s = world.sim.state();
        let conv = s
            .ban(BanRequest {
                subreddit: "pics".into(),
                user: user.into(),
                note: "rule 2".into(),
                reason: Some("Spamming links".into()),
                duration_days: None,
                send_message: true,
                moderator: None,
            })
            .expect("ban")
            .conversation_id
            .expect("ban message");
        s.user_message(UserMessage {
            subreddit: "pics".into(),
            user: user.into(),
            body: "Please unban me.".into(),
            subject: None,
            conversation_id: Some(conv.clone()),
        })
        .expect("writes");
        conv
    };

    let (a, b, d, _) = c.login("head_mod", "/signup").await;
    assert_eq!((a, b, d), (303, 302, 303));
    assert_eq!(c.sign_up("pics").await.status().as_u16(), 303);
    world.pass().await.expect("pass");
    let (_, page) = c.page("/dashboard/r/pics").await;
    assert!(
        page.contains("Invite u/appealmod_bot as a moderator with the Mail and Access"),
        "{page}"
    );

    world
        .sim
        .state()
        .invite_moderator("pics", "appealmod_bot", &["mail".into(), "access".into()])
        .expect("invite");
    world.advance(chrono::Duration::minutes(5));
    let (r, _) = world.pass().await.expect("pass");
    assert_eq!(r.verify.activated, 1, "accepted and activated in one pass");
    let (_, page) = c.page("/dashboard/r/pics").await;
    assert!(page.contains("badge-active"), "{page}");

    let first = appeal("appellant1");
    world.drain().await.expect("drain");
    let body = |conv: &str| {
        world.sim.state().ledger_for(conv)[0]
            .body
            .clone()
            .expect("body")
    };
    assert!(!body(&first).starts_with("NEW:"));

    let path = "/dashboard/r/pics/settings";
    let (_, page) = c.page(path).await;
    let mut fields = form_fields(&page);
    fields.retain(|(k, _)| k != "initial");
    fields.push((
        "initial".into(),
        "NEW: u/{username}, the form is here: {link}".into(),
    ));
    fields.push(("action".into(), "save".into()));
    let (status, page) = post_pairs(&c, path, fields).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("Saved ("), "{page}");

    let second = appeal("appellant2");
    world.drain().await.expect("drain");
    assert!(
        body(&second).starts_with("NEW: u/appellant2, the form is here: http"),
        "{}",
        body(&second)
    );

    let (status, _) = c
        .submit(
            "/dashboard/r/pics",
            "/dashboard/r/pics/state",
            &[("action", "pause")],
        )
        .await;
    assert_eq!(status, 303);
    let before = writes();
    let third = appeal("appellant3");
    world.drain().await.expect("drain");
    assert_eq!(writes(), before, "a paused subreddit receives 0 writes");
    assert!(world.sim.state().ledger_for(&third).is_empty());
}

const SECOND_BOT: &str = "second_bot";

/// A pool of bot accounts: sign-up assigns each subreddit the account with the most
/// headroom, and the sign-up page and the subreddit's console name the one to invite.
async fn sign_up_assigns_the_account_with_the_most_headroom(backend: Backend) {
    let c = console_with(backend, |s| {
        s.extra_bot_accounts = vec![SECOND_BOT.to_owned()];
    })
    .await;
    // Nothing is served yet: the first account configured (the default) is offered.
    c.login("head_mod", "/signup").await;
    let (_, page) = c.page("/signup").await;
    assert!(page.contains(&format!("u/{BOT}")), "{page}");
    assert_eq!(c.sign_up("pics").await.status().as_u16(), 303);
    let store = &c.app.db.store;
    assert_eq!(
        store.account_of(&sub("pics")).await.expect("q"),
        Some(ServingAccount::Default)
    );
    let (_, console) = c.page("/dashboard/r/pics").await;
    assert!(
        console.contains(&format!("<strong>u/{BOT}</strong>")),
        "{console}"
    );
    // The default serves one subreddit now, the second none: the next sign-up goes there,
    // and both the sign-up page and the console say so.
    let o = console_again(&c).await;
    o.login("other_mod", "/signup").await;
    let (_, page) = o.page("/signup").await;
    assert!(page.contains(&format!("u/{SECOND_BOT}")), "{page}");
    assert_eq!(o.sign_up("news").await.status().as_u16(), 303);
    let second = ServingAccount::Extra(RedditUsername::parse(SECOND_BOT).expect("name"));
    assert_eq!(
        store.account_of(&sub("news")).await.expect("q"),
        Some(second)
    );
    let (_, console) = o.page("/dashboard/r/news").await;
    assert!(
        console.contains(&format!("<strong>u/{SECOND_BOT}</strong>")),
        "{console}"
    );
    assert!(!console.contains(&format!("u/{BOT}<")), "{console}");
}
