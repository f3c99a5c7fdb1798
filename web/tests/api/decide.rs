//! Deciding an appeal in the console, over HTTP on both backends: the decision form on the
//! appeal's page (CSRF, per-subreddit access), one decision however many clicks, the
//! journal entries that carry it out, a claim that holds others back, the appellant's
//! status page showing the decision at once, the recusal rule, and a control appeal decided
//! the same way with the unchanged bot carrying it out.

use appealmod_core::readout::Reach;
use appealmod_shared::domain::{AppealId, Group, Outcome};
use appealmod_shared::storage::{Backend, EffectKind, ReadoutFilter};
use appealmod_testkit::world::{World, WorldOptions, sim_config};
use chrono::{Duration, Utc};
use reddit_sim::{BanRequest, LedgerKind, SimServer, UserMessage};

use crate::console::{console_again, console_on, location};
use crate::helpers::csrf_of;
use crate::on_both_backends;
use crate::queue::{completed_appeal, loaded};

on_both_backends!(
    a_grant_is_recorded_once_with_the_entries_that_carry_it_out,
    a_claim_holds_other_moderators_back,
    decisions_need_the_token_and_the_subreddit,
    a_reply_without_deciding_is_queued_once,
    the_moderator_who_banned_may_not_decide_with_recusal_on,
    a_control_appeal_is_granted_from_the_console,
);

/// A completed appeal of u/`user` in r/pics, waiting for a decision for four hours.
async fn waiting(store: &appealmod_shared::storage::Store, user: &str) -> AppealId {
    let now = Utc::now();
    completed_appeal(
        store,
        "pics",
        user,
        now - Duration::hours(5),
        300,
        now - Duration::hours(4),
    )
    .await
}

fn decide_path(id: AppealId) -> String {
    format!("/dashboard/r/pics/appeals/{}/decide", id.0)
}

async fn a_grant_is_recorded_once_with_the_entries_that_carry_it_out(backend: Backend) {
    let (c, _) = loaded(backend).await;
    let store = &c.app.db.store;
    let id = waiting(store, "to_grant").await;
    let page = format!("/dashboard/r/pics/appeals/{}", id.0);
    let (status, body) = c.page(&page).await;
    assert_eq!(status, 200);
    assert!(body.contains("Grant: lift the ban"), "{body}");
    let csrf = csrf_of(&body);
    let r = c
        .post(&decide_path(id), &[("csrf", &csrf), ("action", "grant")])
        .await;
    assert_eq!(r.status().as_u16(), 303);
    assert!(
        location(&r).ends_with("?notice=decided#decision"),
        "{}",
        location(&r)
    );
    // A double click: nothing more is stored, and the page says whose decision stands.
    let r = c
        .post(&decide_path(id), &[("csrf", &csrf), ("action", "deny")])
        .await;
    assert!(location(&r).contains("notice=already-decided"));
    let (_, body) = c.page(&format!("{page}?notice=already-decided")).await;
    assert!(
        body.contains("Not recorded: this appeal was already decided"),
        "{body}"
    );
    assert!(body.contains("Granted by u/head_mod on"), "{body}");
    assert!(
        !body.contains("Grant: lift the ban"),
        "no controls once decided"
    );
    let appeal = store.appeal(id).await.expect("read").expect("appeal");
    assert_eq!(appeal.outcome, Some(Outcome::Granted));
    let kinds: Vec<EffectKind> = store
        .effects_of(&appeal.conversation_id)
        .await
        .expect("journal")
        .iter()
        .filter(|e| e.marker.contains("-decision-"))
        .map(|e| e.kind)
        .collect();
    assert_eq!(
        kinds,
        [EffectKind::Unban, EffectKind::Reply, EffectKind::Archive]
    );
}

async fn a_claim_holds_other_moderators_back(backend: Backend) {
    let (c, _) = loaded(backend).await;
    let store = &c.app.db.store;
    let id = waiting(store, "to_claim").await;
    let page = format!("/dashboard/r/pics/appeals/{}", id.0);
    let (_, body) = c.page(&page).await;
    let r = c
        .post(
            &decide_path(id),
            &[("csrf", &csrf_of(&body)), ("action", "claim")],
        )
        .await;
    assert!(location(&r).contains("notice=claimed"));
    let (_, body) = c.page(&page).await;
    assert!(body.contains("You hold this appeal until"), "{body}");
    // Another moderator of r/pics sees the claim and cannot decide while it runs.
    let other = console_again(&c).await;
    other.login("mail_mod", "/dashboard").await;
    let (status, body) = other.page(&page).await;
    assert_eq!(status, 200, "{body}");
    assert!(
        body.contains("u/head_mod holds this appeal until"),
        "{body}"
    );
    let r = other
        .post(
            &decide_path(id),
            &[("csrf", &csrf_of(&body)), ("action", "deny")],
        )
        .await;
    assert!(
        location(&r).contains("notice=claimed-by-other"),
        "{}",
        location(&r)
    );
    assert_eq!(
        store.appeal(id).await.expect("read").expect("a").outcome,
        None
    );
}

async fn decisions_need_the_token_and_the_subreddit(backend: Backend) {
    let (c, _) = loaded(backend).await;
    let store = &c.app.db.store;
    let id = waiting(store, "guarded").await;
    let r = c
        .post(&decide_path(id), &[("csrf", "forged"), ("action", "grant")])
        .await;
    assert_eq!(r.status().as_u16(), 403, "a forged token is refused");
    let (_, body) = c.page(&format!("/dashboard/r/pics/appeals/{}", id.0)).await;
    let csrf = csrf_of(&body);
    let r = c
        .post(
            &decide_path(id),
            &[("csrf", &csrf), ("action", "unban_everyone")],
        )
        .await;
    assert_eq!(
        r.status().as_u16(),
        400,
        "an unknown action is a bad request"
    );
    let r = c
        .post(
            &decide_path(id),
            &[("csrf", &csrf), ("action", "reduce"), ("days", "0")],
        )
        .await;
    assert_eq!(r.status().as_u16(), 400, "days out of range");
    // The appeal's id under another subreddit: the same 404 as none at all.
    let r = c
        .post(
            &format!("/dashboard/r/other/appeals/{}/decide", id.0),
            &[("csrf", &csrf), ("action", "grant")],
        )
        .await;
    assert_eq!(r.status().as_u16(), 404);
    assert_eq!(
        store.appeal(id).await.expect("read").expect("a").outcome,
        None
    );
}

/// "Reply without deciding": the bot sends the moderator's message in the conversation, which
/// stays with the moderators (nothing archived, no outcome); the same message twice is one.
async fn a_reply_without_deciding_is_queued_once(backend: Backend) {
    let (c, _) = loaded(backend).await;
    let store = &c.app.db.store;
    let id = waiting(store, "to_ask").await;
    let (_, body) = c.page(&format!("/dashboard/r/pics/appeals/{}", id.0)).await;
    let csrf = csrf_of(&body);
    let ask = [
        ("csrf", csrf.as_str()),
        ("action", "reply"),
        ("message", "Which post was it? Please link it."),
    ];
    let r = c.post(&decide_path(id), &ask).await;
    assert!(location(&r).contains("notice=replied"), "{}", location(&r));
    let r = c.post(&decide_path(id), &ask).await;
    assert!(location(&r).contains("notice=already-replied"));
    let r = c
        .post(
            &decide_path(id),
            &[("csrf", &csrf), ("action", "reply"), ("message", "  ")],
        )
        .await;
    assert_eq!(r.status().as_u16(), 400, "an empty message is refused");
    let appeal = store.appeal(id).await.expect("read").expect("appeal");
    assert_eq!(appeal.outcome, None, "no decision");
    let entries = store
        .effects_of(&appeal.conversation_id)
        .await
        .expect("journal");
    let replies: Vec<_> = entries
        .iter()
        .filter(|e| e.marker.starts_with("command-reply-"))
        .collect();
    assert_eq!(replies.len(), 1);
    assert_eq!(replies[0].kind, EffectKind::Reply);
    assert!(
        replies[0]
            .body
            .as_deref()
            .unwrap_or_default()
            .starts_with("Which post was it? Please link it.")
    );
    assert!(
        !entries
            .iter()
            .any(|e| e.kind == EffectKind::Archive && e.marker.starts_with("command-"))
    );
}

/// With the subreddit's recusal rule on, the moderator Reddit names as the one who banned
/// (a ban done in modmail) sees why they may not decide, has no controls, and a post of
/// theirs is refused and stores nothing; with the banning moderator unknown, nobody is held
/// back.
async fn the_moderator_who_banned_may_not_decide_with_recusal_on(backend: Backend) {
    let (c, _) = loaded(backend).await;
    let store = &c.app.db.store;
    let id = waiting(store, "recused1").await;
    let page = format!("/dashboard/r/pics/appeals/{}", id.0);
    let (_, body) = c.page(&page).await;
    assert!(body.contains("Banned by</dt><dd>unknown"), "{body}");
    // The form's token (the page withholds the forms once they may not decide).
    let csrf = csrf_of(&body);
    let pics = appealmod_shared::domain::SubredditName::parse("pics").expect("sub");
    let mut settings = store.subreddit(&pics).await.expect("read").expect("pics");
    settings.recusal = Some(true);
    store
        .save_subreddit(&settings, Utc::now())
        .await
        .expect("save");
    let (_, body) = c.page(&page).await;
    assert!(
        body.contains("Grant: lift the ban"),
        "unknown: nobody is held back"
    );
    let appeal = store.appeal(id).await.expect("read").expect("appeal");
    let head_mod = appealmod_shared::domain::RedditUsername::parse("head_mod").expect("u");
    store
        .record_banned_by(&appeal.conversation_id, &head_mod)
        .await
        .expect("banned by");
    let (_, body) = c.page(&page).await;
    assert!(
        body.contains("u/head_mod issued this ban and may not decide it"),
        "{body}"
    );
    assert!(body.contains("Banned by</dt><dd>u/head_mod"), "{body}");
    assert!(
        !body.contains("Grant: lift the ban"),
        "no controls for them"
    );
    let r = c
        .post(&decide_path(id), &[("csrf", &csrf), ("action", "grant")])
        .await;
    assert!(location(&r).contains("notice=recused"), "{}", location(&r));
    let (_, body) = c.page(&format!("{page}?notice=recused")).await;
    assert!(body.contains("Not recorded: you issued this ban"), "{body}");
    assert_eq!(
        store.appeal(id).await.expect("read").expect("a").outcome,
        None
    );
    // The rule off again: they decide.
    settings.recusal = Some(false);
    store
        .save_subreddit(&settings, Utc::now())
        .await
        .expect("save");
    let r = c
        .post(&decide_path(id), &[("csrf", &csrf), ("action", "grant")])
        .await;
    assert!(location(&r).contains("notice=decided"), "{}", location(&r));
}

/// Control appeals are decided like any other, with the unchanged bot's runners and the
/// simulator: the bot's dialogue never writes to a control conversation, and a moderator's
/// decision there is carried out for them (the unban, the message, the archive) and counted
/// by the readout as the control group's outcome.
async fn a_control_appeal_is_granted_from_the_console(backend: Backend) {
    let o = WorldOptions {
        subreddits: Vec::new(),
        treatment_fraction: 0.0,
        ..WorldOptions::default()
    };
    let sim = SimServer::start(sim_config(&o)).await.expect("sim");
    let c = console_on(backend, &sim, |_| {}).await;
    let world = World::with_sim(sim, c.app.db.store.clone(), &c.app.db.url, o)
        .await
        .expect("bot");
    c.login("head_mod", "/signup").await;
    assert_eq!(c.sign_up("pics").await.status().as_u16(), 303);
    world
        .sim
        .state()
        .invite_moderator("pics", "appealmod_bot", &["mail".into(), "access".into()])
        .expect("invite");
    world.pass().await.expect("pass");
    world.advance(chrono::Duration::minutes(5));
    world.pass().await.expect("pass");

    let s = world.sim.state();
    let conv = s
        .ban(BanRequest {
            subreddit: "pics".into(),
            user: "ctrl_granted".into(),
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
        user: "ctrl_granted".into(),
        body: "Please unban me.".into(),
        subject: None,
        conversation_id: Some(conv.clone()),
    })
    .expect("writes");
    world.drain().await.expect("drain");
    assert!(s.ledger_for(&conv).is_empty(), "the dialogue: 0 writes");
    let store = &c.app.db.store;
    let appellant = store
        .appellants(Some(Group::Control))
        .await
        .expect("appellants")
        .pop()
        .expect("a control appellant");
    assert!(
        store
            .appeals_of(appellant.id)
            .await
            .expect("appeals")
            .is_empty()
    );

    // The appellant's page offers the decision, without a reply to write.
    let page = format!("/dashboard/r/pics/appellants/{}", appellant.id.0);
    let (status, body) = c.page(&page).await;
    assert_eq!(status, 200);
    assert!(body.contains("Grant: lift the ban"), "{body}");
    assert!(body.contains("is in the control group"), "{body}");
    assert!(!body.contains("Reply without deciding"), "{body}");
    let csrf = csrf_of(&body);
    let r = c
        .post(
            &format!("{page}/decide"),
            &[("csrf", &csrf), ("action", "grant")],
        )
        .await;
    assert_eq!(r.status().as_u16(), 303);
    let to = location(&r);
    let appeal = store
        .appeals_of(appellant.id)
        .await
        .expect("appeals")
        .pop()
        .expect("the control appeal, recorded at the decision");
    assert_eq!(
        to,
        format!(
            "/dashboard/r/pics/appeals/{}?notice=decided#decision",
            appeal.id.0
        )
    );
    // A second click finds the same appeal decided.
    let r = c
        .post(
            &format!("{page}/decide"),
            &[("csrf", &csrf), ("action", "deny")],
        )
        .await;
    assert!(
        location(&r).contains("notice=already-decided"),
        "{}",
        location(&r)
    );
    assert_eq!(
        store.appeals_of(appellant.id).await.expect("appeals").len(),
        1
    );

    world.drain().await.expect("drain");
    let kinds: Vec<LedgerKind> = s.ledger_for(&conv).iter().map(|e| e.kind).collect();
    assert_eq!(
        kinds,
        [LedgerKind::Unban, LedgerKind::Reply, LedgerKind::Archive],
        "the moderator's decision, carried out for them: nothing else"
    );
    assert!(s.active_ban("pics", "ctrl_granted").is_none());
    let (_, body) = c
        .page(&format!("/dashboard/r/pics/appeals/{}", appeal.id.0))
        .await;
    assert!(body.contains("Granted by u/head_mod on"), "{body}");

    // The readout: still the control group, granted at the click, no link ever sent.
    let rows = store
        .readout_rows(&ReadoutFilter::default())
        .await
        .expect("rows");
    assert_eq!(rows.len(), 1);
    let row = &rows[0];
    assert_eq!(row.group, Group::Control);
    assert_eq!(Reach::of(row), Reach::Control);
    assert_eq!(row.outcome, appealmod_core::readout::CaseOutcome::Granted);
    assert!(row.decided_at.is_some() && row.link_sent_at.is_none() && row.completed_at.is_none());
    assert_eq!(
        row.started_at, row.assigned_at,
        "counted in the same period as before"
    );
    let stored = store
        .appeal(appeal.id)
        .await
        .expect("read")
        .expect("appeal");
    assert_eq!(stored.outcome, Some(Outcome::Granted));
    // Once carried out, the dialogue stays silent when the user writes again.
    s.user_message(UserMessage {
        subreddit: "pics".into(),
        user: "ctrl_granted".into(),
        body: "Thank you!".into(),
        subject: None,
        conversation_id: Some(conv.clone()),
    })
    .expect("writes");
    world.drain().await.expect("drain");
    assert_eq!(s.ledger_for(&conv).len(), 3);
}
