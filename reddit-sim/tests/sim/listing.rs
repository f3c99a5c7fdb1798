//! The modmail listing without `entity` (`GET /api/mod/conversations`, as PRAW's
//! `subreddit("all").modmail.conversations()` sends it): every subreddit the account
//! moderates with Mail in one listing, newest first across subreddits, with Reddit's
//! states, sorts, `limit` and `after`. The recorded listing (`conversations_list.json`) is
//! such a listing; the simulator's is checked against what it shows.

use reddit_sim::{BanRequest, ModActionKind, ModActionRequest, ModDiscussion, UserMessage};
use serde_json::Value;

use crate::helpers::*;

/// The ids of a listing, in its order.
fn order(v: &Value) -> Vec<String> {
    v["conversationIds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_str().unwrap().to_owned())
        .collect()
}

/// `field` of each listed conversation, in the listing's order.
fn column(v: &Value, field: &str) -> Vec<Value> {
    order(v)
        .iter()
        .map(|id| v["conversations"][id][field].clone())
        .collect()
}

fn owners(v: &Value) -> Vec<String> {
    column(v, "owner")
        .iter()
        .map(|o| o["displayName"].as_str().unwrap().to_owned())
        .collect()
}

fn non_increasing(times: &[Value]) -> bool {
    let times: Vec<&str> = times.iter().filter_map(Value::as_str).collect();
    times.windows(2).all(|w| w[0] >= w[1])
}

/// Subreddits where the bot moderates with full permissions (`Full`), with Mail only
/// (`MailOnly`), without Mail (`NoMail`), is invited with Mail but has not accepted
/// (`Invited`), and does not moderate (`Elsewhere`).
const MODMAIL_SUBS: [&str; 2] = ["Full", "MailOnly"];
const OTHER_SUBS: [&str; 3] = ["NoMail", "Invited", "Elsewhere"];

async fn five_subreddits(t: &TestSim) {
    let sim = t.sim();
    let bot = sim.config().bot.username;
    for name in MODMAIL_SUBS.iter().chain(OTHER_SUBS.iter()) {
        sim.add_subreddit(reddit_sim::NewSubreddit {
            name: (*name).into(),
            moderators: vec!["alice_mod".into()],
            bot_is_mod: !matches!(*name, "Invited" | "Elsewhere"),
        })
        .unwrap();
    }
    sim.set_moderator("MailOnly", &bot, &["mail".into()])
        .unwrap();
    sim.set_moderator("NoMail", &bot, &["posts".into(), "access".into()])
        .unwrap();
    sim.invite_moderator("Invited", &bot, &["mail".into(), "access".into()])
        .unwrap();
}

/// `n` user conversations, one second apart, going round the five subreddits. Returns
/// the ids of those in subreddits the bot reads the modmail of, oldest first.
fn write_round_robin(t: &TestSim, n: usize) -> Vec<String> {
    let sim = t.sim();
    let subs: Vec<&str> = MODMAIL_SUBS
        .iter()
        .chain(OTHER_SUBS.iter())
        .copied()
        .collect();
    let mut ours = Vec::new();
    for i in 0..n {
        let sub = subs[i % subs.len()];
        let id = sim
            .user_message(UserMessage {
                subreddit: sub.into(),
                user: format!("writer_{i}"),
                body: format!("message {i}"),
                subject: Some(format!("subject {i}")),
                conversation_id: None,
            })
            .unwrap()
            .conversation_id;
        if MODMAIL_SUBS.contains(&sub) {
            ours.push(id);
        }
        sim.advance_clock(1);
    }
    ours
}

async fn list(t: &TestSim, token: &str, path: &str) -> Value {
    let resp = t.get(token, path).await;
    assert_eq!(resp.status(), 200, "{path}");
    resp.json().await.unwrap()
}

#[test]
fn the_recorded_listing_without_entity_spans_subreddits_newest_first() {
    let rec = recording("conversations_list");
    let uri = rec["request"]["uri"].as_str().unwrap();
    assert!(!uri.contains("entity"), "{uri}");
    let json = &rec["json"];
    let mut subs = owners(json);
    assert!(non_increasing(&column(json, "lastUpdated")));
    // Interleaved: the same subreddit comes back after others.
    let first = subs[0].clone();
    let back = subs
        .iter()
        .skip_while(|s| **s == first)
        .any(|s| *s == first);
    assert!(back, "{subs:?}");
    subs.sort();
    subs.dedup();
    assert!(subs.len() >= 10, "{subs:?}");
}

#[tokio::test]
async fn contract_listing_without_entity_holds_every_subreddit_read_with_mail() {
    let t = spawn(cfg()).await;
    five_subreddits(&t).await;
    let ours = write_round_robin(&t, 20);
    let token = t.token().await;
    let all = list(
        &t,
        &token,
        "/api/mod/conversations?sort=recent&state=all&limit=100",
    )
    .await;
    // Newest first across subreddits, as recorded; only where the bot has Mail.
    let newest_first: Vec<String> = ours.iter().rev().cloned().collect();
    assert_eq!(order(&all), newest_first);
    assert!(non_increasing(&column(&all, "lastUpdated")));
    let subs = owners(&all);
    assert!(
        subs.iter().all(|s| MODMAIL_SUBS.contains(&s.as_str())),
        "{subs:?}"
    );
    assert!(MODMAIL_SUBS.iter().all(|m| subs.iter().any(|s| s == m)));
    // The default listing (no parameter at all) is the same, 25 at most.
    let default = list(&t, &token, "/api/mod/conversations").await;
    assert_eq!(order(&default), newest_first);
    // Named explicitly, a subreddit without Mail is refused; unnamed, it is left out.
    assert_eq!(
        t.get(&token, "/api/mod/conversations?entity=NoMail")
            .await
            .status(),
        403
    );
    // Accepting the invite (Mail) puts that subreddit's modmail in the listing.
    let bot = t.sim().config().bot.username;
    t.sim()
        .set_moderator("Invited", &bot, &["mail".into()])
        .unwrap();
    let after_invite = list(&t, &token, "/api/mod/conversations?limit=100").await;
    assert!(owners(&after_invite).iter().any(|s| s == "Invited"));
    assert_eq!(order(&after_invite).len(), ours.len() + 4);
}

#[tokio::test]
async fn listing_without_entity_pages_with_limit_and_after() {
    let t = spawn(cfg()).await;
    five_subreddits(&t).await;
    let ours = write_round_robin(&t, 575);
    assert_eq!(ours.len(), 230);
    let newest_first: Vec<String> = ours.iter().rev().cloned().collect();
    let token = t.token().await;
    // Reddit's default page is 25; `limit` is capped at 100.
    let default = list(&t, &token, "/api/mod/conversations").await;
    assert_eq!(order(&default), newest_first[..25]);
    let capped = list(&t, &token, "/api/mod/conversations?limit=500").await;
    assert_eq!(order(&capped), newest_first[..100]);
    // `after` continues below a conversation, across subreddits, until a short page.
    let mut seen = Vec::new();
    let mut after: Option<String> = None;
    let mut sizes = Vec::new();
    loop {
        let path = match &after {
            Some(a) => format!("/api/mod/conversations?sort=recent&state=all&limit=100&after={a}"),
            None => "/api/mod/conversations?sort=recent&state=all&limit=100".to_owned(),
        };
        let page = order(&list(&t, &token, &path).await);
        sizes.push(page.len());
        seen.extend(page.iter().cloned());
        if page.len() < 100 {
            break;
        }
        after = page.last().cloned();
    }
    assert_eq!(sizes, [100, 100, 30]);
    assert_eq!(seen, newest_first);
    // A conversation updated since moves to the top; a page below it is unchanged.
    t.sim()
        .user_message(UserMessage {
            subreddit: "Full".into(),
            user: "writer_0".into(),
            body: "again".into(),
            subject: None,
            conversation_id: Some(ours[0].clone()),
        })
        .unwrap();
    let top = order(&list(&t, &token, "/api/mod/conversations?limit=1").await);
    assert_eq!(top, [ours[0].clone()]);
    let below = format!(
        "/api/mod/conversations?limit=100&after={}",
        newest_first[99]
    );
    assert_eq!(
        order(&list(&t, &token, &below).await),
        newest_first[100..200]
    );
    let documented = format!(
        "/api/mod/conversations?limit=100&after=ModmailConversation_{}",
        newest_first[99]
    );
    assert_eq!(
        order(&list(&t, &token, &documented).await),
        newest_first[100..200]
    );
}

#[tokio::test]
async fn listing_without_entity_keeps_reddits_states_and_sorts() {
    let t = spawn(cfg()).await;
    five_subreddits(&t).await;
    let sim = t.sim();
    let mut appeals = Vec::new();
    for (i, sub) in ["Full", "MailOnly", "NoMail"].iter().enumerate() {
        let user = format!("banned_{i}");
        let conv = sim
            .ban(BanRequest {
                subreddit: (*sub).into(),
                user: user.clone(),
                note: "spam".into(),
                reason: Some("Rule 2".into()),
                duration_days: None,
                send_message: true,
                moderator: None,
            })
            .unwrap()
            .conversation_id
            .unwrap();
        sim.advance_clock(1);
        sim.user_message(UserMessage {
            subreddit: (*sub).into(),
            user,
            body: "unban me".into(),
            subject: None,
            conversation_id: Some(conv.clone()),
        })
        .unwrap();
        sim.advance_clock(1);
        appeals.push(conv);
    }
    let plain = write_round_robin(&t, 10);
    sim.mod_action(ModActionRequest {
        conversation_id: plain[0].clone(),
        moderator: "alice_mod".into(),
        action: ModActionKind::Archive,
    })
    .unwrap();
    for sub in ["Full", "NoMail"] {
        sim.mod_discussion(ModDiscussion {
            subreddit: sub.into(),
            moderator: "alice_mod".into(),
            subject: "team".into(),
            body: "hi".into(),
        })
        .unwrap();
    }
    let token = t.token().await;
    let ids = |path: &'static str| {
        let (t, token) = (&t, token.clone());
        async move { order(&list(t, &token, path).await) }
    };
    let mine_appeals: Vec<String> = appeals[..2].iter().rev().cloned().collect();
    assert_eq!(
        ids("/api/mod/conversations?state=appeals").await,
        mine_appeals
    );
    assert_eq!(
        ids("/api/mod/conversations?state=archived").await,
        [plain[0].clone()]
    );
    let all = ids("/api/mod/conversations?state=all&limit=100").await;
    assert_eq!(
        all.len(),
        2 + plain.len() - 1,
        "appeals, not archived, no mod discussion"
    );
    let inbox = ids("/api/mod/conversations?state=inbox&limit=100").await;
    assert_eq!(inbox.len(), plain.len() - 1, "inbox leaves appeals out");
    let team = ids("/api/mod/conversations?state=mod").await;
    assert_eq!(
        team.len(),
        1,
        "only the discussion of a subreddit read with Mail"
    );
    // `sort=user`: by the users' last message; the appeals' answers are older than the
    // plain conversations, so they come last.
    let by_user = ids("/api/mod/conversations?sort=user&state=all&limit=100").await;
    assert_eq!(by_user[by_user.len() - 2..], mine_appeals);
    let mut listed = list(
        &t,
        &token,
        "/api/mod/conversations?sort=user&state=all&limit=100",
    )
    .await;
    assert!(non_increasing(&column(&listed, "lastUserUpdate")));
    listed = list(
        &t,
        &token,
        "/api/mod/conversations?sort=mod&state=all&limit=100",
    )
    .await;
    // Conversations no moderator wrote in come after those they did.
    let mods = column(&listed, "lastModUpdate");
    let written = mods.iter().take_while(|v| !v.is_null()).count();
    assert!(mods[written..].iter().all(Value::is_null), "{mods:?}");
    assert!(non_increasing(&mods[..written]));
}
