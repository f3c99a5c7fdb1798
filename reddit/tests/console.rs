//! The calls the moderator console needs, against the simulator over HTTP and against
//! recorded shapes: the bot's moderator list and invites, and the moderator's web-app login.

#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use appealmod_core::domain::{InviteOutcome, ModPermission, ModPermissions, SubredditName};
use appealmod_reddit::web_login::{LoginError, WebApp, WebLogin};
use appealmod_reddit::wire;
use reddit_sim::{NewSubreddit, SimConfig, SimServer, WebApp as SimWebApp};

use common::{client_at, fast_options, sim_creds};

const REDIRECT: &str = "http://127.0.0.1:9/auth/reddit/callback";

fn sub(s: &str) -> SubredditName {
    SubredditName::parse(s).unwrap()
}

async fn sim() -> SimServer {
    let sim = SimServer::start(SimConfig::default()).await.unwrap();
    sim.state().set_web_app(SimWebApp {
        redirect_uri: REDIRECT.to_owned(),
        ..SimWebApp::default()
    });
    sim.state()
        .add_subreddit(NewSubreddit {
            name: "Pics".into(),
            moderators: vec!["head_mod".into()],
            bot_is_mod: false,
        })
        .unwrap();
    sim
}

fn login(sim: &SimServer, secret: &str) -> WebLogin {
    let app = SimWebApp::default();
    WebLogin::new(WebApp {
        client_id: app.client_id,
        client_secret: secret.into(),
        redirect_uri: REDIRECT.to_owned(),
        auth_base_url: sim.base_url(),
        api_base_url: sim.base_url(),
        user_agent: "test:appealmod-console:v0 (by /u/tester)".into(),
        timeout: Duration::from_secs(5),
    })
    .unwrap()
}

/// The code the simulator's `sim_user` approval redirects with.
async fn code_for(url: &str, user: &str) -> String {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let resp = http
        .get(format!("{url}&sim_user={user}"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 302);
    let location = resp.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.starts_with(REDIRECT), "{location}");
    let q = url::Url::parse(&location).unwrap();
    let pairs: Vec<(String, String)> = q.query_pairs().into_owned().collect();
    assert!(pairs.contains(&("state".into(), "s1".into())), "{location}");
    pairs.into_iter().find(|(k, _)| k == "code").unwrap().1
}

#[tokio::test]
async fn the_bot_sees_its_permissions_and_accepts_its_invite() {
    let sim = sim().await;
    let bot = client_at(&sim.base_url(), sim_creds(), fast_options());
    let mods = bot.moderators(&sub("pics")).await.unwrap();
    assert_eq!(mods.len(), 1);
    assert_eq!(mods[0].name.as_str(), "head_mod");
    assert!(mods[0].permissions.is_full());

    assert_eq!(
        bot.accept_moderator_invite(&sub("pics")).await.unwrap(),
        InviteOutcome::NoInvite
    );
    sim.state()
        .invite_moderator("pics", "appealmod_bot", &["mail".into()])
        .unwrap();
    assert_eq!(
        bot.accept_moderator_invite(&sub("pics")).await.unwrap(),
        InviteOutcome::Accepted
    );
    assert_eq!(
        bot.accept_moderator_invite(&sub("pics")).await.unwrap(),
        InviteOutcome::NoInvite,
        "a repeat finds nothing to accept"
    );
    let mods = bot.moderators(&sub("pics")).await.unwrap();
    let me = mods
        .iter()
        .find(|m| m.name.as_str() == "appealmod_bot")
        .unwrap();
    assert_eq!(me.permissions, ModPermissions::from_names(&["mail"]));
    assert!(!me.permissions.has(&ModPermission::Access));

    let err = bot.moderators(&sub("no_such_sub")).await.unwrap_err();
    assert!(
        matches!(err, appealmod_reddit::RedditError::NotFound { .. }),
        "{err}"
    );
}

#[tokio::test]
async fn a_moderator_logs_in_once_per_code() {
    let sim = sim().await;
    let web = login(&sim, &SimWebApp::default().client_secret);
    let url = web.authorize_url("s1");
    assert!(url.contains("duration=temporary"), "{url}");
    let code = code_for(&url, "head_mod").await;
    let token = web.exchange(&code).await.unwrap();
    assert_eq!(web.me(&token).await.unwrap().as_str(), "head_mod");
    let subs = web.moderated(&token).await.unwrap();
    assert_eq!(subs.len(), 1, "the profile subreddit is left out: {subs:?}");
    assert_eq!(subs[0].name.as_str(), "Pics");
    assert!(subs[0].permissions.is_full());

    let replay = web.exchange(&code).await.unwrap_err();
    assert!(matches!(replay, LoginError::CodeRefused(_)), "{replay}");
    let bad = login(&sim, "wrong-secret");
    let code = code_for(&url, "head_mod").await;
    assert!(matches!(
        bad.exchange(&code).await,
        Err(LoginError::BadClient)
    ));
}

/// Shapes as Reddit sends them: `about/moderators` is a `UserList` with `name`,
/// `mod_permissions` and an epoch float `date`; `accept_moderator_invite` answers 200 with
/// `json.errors` (`NO_INVITE_FOUND` when there is none); `subreddits/mine/moderator` is a
/// `Listing` of `t5` whose `mod_permissions` says what the account may do there, the
/// profile subreddit (`subreddit_type: "user"`) among them.
#[test]
fn recorded_shapes_parse() {
    let list: wire::ModeratorList = serde_json::from_str(
        r#"{"kind": "UserList", "data": {"children": [
            {"name": "spez", "author_flair_text": null, "mod_permissions": ["all"],
             "date": 1483592673.0, "rel_id": "rb_x", "id": "t2_1w72", "author_flair_css_class": null},
            {"name": "helper", "mod_permissions": ["mail", "access"], "date": 1583592673.0}]}}"#,
    )
    .unwrap();
    let mods = Vec::<appealmod_core::domain::SubredditModerator>::try_from(&list).unwrap();
    assert_eq!(mods.len(), 2);
    assert!(mods[0].permissions.is_full());
    assert_eq!(mods[1].permissions.to_names(), "access,mail");
    assert_eq!(
        mods[0].since.unwrap().to_rfc3339(),
        "2017-01-05T05:04:33+00:00"
    );

    let none: wire::JsonErrors = serde_json::from_str(
        r#"{"json": {"errors": [["NO_INVITE_FOUND", "there is no pending invite for that subreddit", null]]}}"#,
    )
    .unwrap();
    assert_eq!(none.invite_outcome(), Ok(InviteOutcome::NoInvite));
    let ok: wire::JsonErrors = serde_json::from_str(r#"{"json": {"errors": []}}"#).unwrap();
    assert_eq!(ok.invite_outcome(), Ok(InviteOutcome::Accepted));

    let mine: wire::MineModerator = serde_json::from_str(
        r#"{"kind": "Listing", "data": {"after": null, "dist": 2, "modhash": null, "children": [
            {"kind": "t5", "data": {"display_name": "AskHistorians", "subreddit_type": "public",
              "mod_permissions": ["mail"], "user_is_moderator": true}},
            {"kind": "t5", "data": {"display_name": "u_someone", "subreddit_type": "user",
              "mod_permissions": ["all"]}}], "before": null}}"#,
    )
    .unwrap();
    let subs = Vec::<appealmod_core::domain::ModeratedSubreddit>::try_from(&mine).unwrap();
    assert_eq!(subs.len(), 1);
    assert_eq!(subs[0].name.as_str(), "AskHistorians");
    let me: wire::Me =
        serde_json::from_str(r#"{"name": "someone", "id": "1w72", "is_mod": true}"#).unwrap();
    assert_eq!(me.name, "someone");
}
