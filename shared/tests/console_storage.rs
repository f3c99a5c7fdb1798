//! The console's tables on both backends: the bot's checks, who moderates what, the appeal
//! list's filters, conversations left alone.

use appealmod_shared::domain::*;
use appealmod_shared::storage::*;
use appealmod_testkit::{Backend, TestDb};
use chrono::{DateTime, Duration, TimeZone, Utc};

fn t(secs: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(1_700_000_000 + secs, 0)
        .single()
        .expect("valid time")
}
fn sub(s: &str) -> SubredditName {
    SubredditName::parse(s).expect("subreddit")
}
fn user(s: &str) -> RedditUsername {
    RedditUsername::parse(s).expect("user")
}
fn conv(s: &str) -> ConversationId {
    ConversationId::parse(s).expect("conversation")
}

macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[tokio::test] async fn $name() { let db = super::TestDb::new(super::Backend::Sqlite).await; super::$name(&db.store).await; })*
        }
        mod postgres {
            $(#[tokio::test] async fn $name() { let db = super::TestDb::new(super::Backend::Postgres).await; super::$name(&db.store).await; })*
        }
    };
}

on_both_backends!(
    checks_activate_pending_subreddits_and_renew_moderators,
    logins_replace_a_moderators_subreddits,
    case_filters_agree_with_the_core,
    left_alone_conversations_are_remembered,
    console_use_pulls_the_next_check_forward,
    a_refused_write_brings_the_check_forward_and_the_bots_return_releases_held_writes,
    sessions_are_stored_hashed_touched_and_revoked,
);

fn moderator(name: &str, perms: &[&str]) -> SubredditModerator {
    SubredditModerator {
        name: user(name),
        permissions: ModPermissions::from_names(perms),
        since: None,
    }
}

async fn signed_up(store: &Store, name: &str, at: DateTime<Utc>) {
    let s = NewSignup {
        name: "a_mod".into(),
        email: None,
        reddit_username: user("a_mod"),
        subreddit: sub(name),
    };
    store.create_signup(&s, at).await.expect("signup");
}

async fn checks_activate_pending_subreddits_and_renew_moderators(store: &Store) {
    signed_up(store, "pics", t(0)).await;
    let mods = vec![moderator("a_mod", &["all"]), moderator("b_mod", &["mail"])];
    let missing = BotStanding::Missing(vec![ModPermission::Access]);
    store
        .record_check(
            &CheckRecord {
                name: &sub("pics"),
                standing: &missing,
                new_state: None,
                failed_checks: 1,
                next_check_at: t(120),
                moderators: Some(&mods),
                actor: "appealmod_bot",
            },
            t(60),
        )
        .await
        .expect("check");
    let s = store
        .subreddit_status(&sub("pics"))
        .await
        .expect("get")
        .expect("row");
    assert_eq!(s.state, SubredditState::Pending);
    assert_eq!(s.standing, missing);
    assert_eq!(s.checked_at, Some(t(60)));
    assert!(store.due_checks(t(119), 10).await.expect("due").is_empty());
    let due = store.due_checks(t(120), 10).await.expect("due");
    assert_eq!(due.len(), 1);
    assert_eq!(due[0].failed_checks, 1);

    let b = store
        .moderator_of(&user("B_MOD"), &sub("pics"))
        .await
        .expect("b");
    let b = b.expect("seen by the bot");
    assert_eq!(b.permissions, ModPermissions::from_names(&["mail"]));
    assert_eq!(b.seen_at, t(60));

    // Ready: pending → active, audited as the bot's change; b_mod is no longer listed.
    let mods = vec![moderator("a_mod", &["all"])];
    store
        .record_check(
            &CheckRecord {
                name: &sub("pics"),
                standing: &BotStanding::Ready,
                new_state: Some(SubredditState::Active),
                failed_checks: 0,
                next_check_at: t(3600),
                moderators: Some(&mods),
                actor: "appealmod_bot",
            },
            t(120),
        )
        .await
        .expect("check");
    let s = store
        .subreddit_status(&sub("pics"))
        .await
        .expect("get")
        .expect("row");
    assert_eq!(s.state, SubredditState::Active);
    assert_eq!(s.standing, BotStanding::Ready);
    assert_eq!(store.enabled_subreddits().await.expect("served").len(), 1);
    assert_eq!(
        store
            .moderator_of(&user("b_mod"), &sub("pics"))
            .await
            .expect("b"),
        None
    );
    let log = store.audit_log(&sub("pics"), 10).await.expect("log");
    assert_eq!(log[0].actor, "appealmod_bot");
    assert_eq!(log[0].change.old.as_deref(), Some("pending"));
    assert_eq!(log[0].change.new.as_deref(), Some("active"));

    // "Check now" makes it due at once.
    store
        .request_check(&sub("pics"), t(200))
        .await
        .expect("now");
    assert_eq!(store.due_checks(t(200), 10).await.expect("due").len(), 1);
}

async fn logins_replace_a_moderators_subreddits(store: &Store) {
    let seen = |name: &str, perms: &[&str]| ModeratedSubreddit {
        name: sub(name),
        permissions: ModPermissions::from_names(perms),
    };
    store
        .record_login(
            &user("a_mod"),
            &[seen("pics", &["all"]), seen("news", &["mail"])],
            t(0),
        )
        .await
        .expect("login");
    let all = store.moderated_by(&user("a_mod")).await.expect("list");
    let names: Vec<&str> = all.iter().map(|m| m.subreddit.as_str()).collect();
    assert_eq!(names, vec!["news", "pics"]);
    // Signed-up subreddits show their own spelling.
    signed_up(store, "Pics", t(1)).await;
    store
        .record_login(&user("a_mod"), &[seen("Pics", &["posts"])], t(10))
        .await
        .expect("login");
    let all = store.moderated_by(&user("a_mod")).await.expect("list");
    assert_eq!(all.len(), 1, "no longer a moderator of r/news");
    assert_eq!(all[0].subreddit.as_str(), "Pics");
    assert_eq!(all[0].seen_at, t(10));
    assert_eq!(all[0].permissions, ModPermissions::from_names(&["posts"]));
}

/// Every combination of the facts a status is derived from, stored in r/pics; the status
/// the core derives for each, in the order stored.
async fn every_combination(store: &Store) -> Vec<CaseStatus> {
    store
        .ensure_subreddit(&sub("pics"), t(0))
        .await
        .expect("sub");
    let statuses = [
        AppealStatus::Prompted,
        AppealStatus::Submitted,
        AppealStatus::Completed,
        AppealStatus::Abandoned,
    ];
    let mut n = 0;
    let mut expected: Vec<CaseStatus> = Vec::new();
    for ignored in [false, true] {
        for group in [Group::Treatment, Group::Control] {
            // Not checked yet, still banned, unbanned.
            for still_banned in [None, Some(true), Some(false)] {
                n += 1;
                let facts = CaseFacts {
                    group,
                    ignored,
                    unbanned: still_banned == Some(false),
                    appeal: None,
                };
                appellant(store, n, group, (ignored, still_banned), None).await;
                expected.push(case_status(facts));
            }
        }
        for status in statuses {
            for reminders in [0, 2] {
                for outcome in [None, Some(Outcome::Granted), Some(Outcome::Denied)] {
                    n += 1;
                    let appeal = Some((status, reminders, outcome));
                    appellant(store, n, Group::Treatment, (ignored, None), appeal).await;
                    expected.push(case_status(CaseFacts {
                        group: Group::Treatment,
                        ignored,
                        unbanned: false,
                        appeal,
                    }));
                }
            }
        }
    }
    expected
}

/// Each status filter, in SQL, returns exactly the cases the core derives that status for.
async fn case_filters_agree_with_the_core(store: &Store) {
    let expected = every_combination(store).await;
    let cases = |filter: CaseFilter, limit, offset| async move {
        store
            .cases(&sub("pics"), &filter, limit, offset)
            .await
            .expect("cases")
    };
    let all = cases(CaseFilter::default(), 1000, 0).await;
    assert_eq!(all.total, i64::try_from(expected.len()).expect("n"));
    for s in CaseStatus::ALL {
        let filter = CaseFilter {
            status: Some(s),
            ..CaseFilter::default()
        };
        let page = cases(filter, 1000, 0).await;
        let want = expected.iter().filter(|e| **e == s).count();
        assert!(want > 0, "the combinations cover {s:?}");
        assert_eq!(page.cases.len(), want, "{s:?}");
        assert_eq!(page.total, i64::try_from(want).expect("n"), "{s:?}");
        assert!(page.cases.iter().all(|c| c.status == s), "{s:?}");
    }
    let control = CaseFilter {
        group: Some(Group::Control),
        ..CaseFilter::default()
    };
    assert_eq!(cases(control, 1000, 0).await.total, 6);
    cases_are_in_order(store, &expected).await;
}

/// Newest first, paginated; or the appeals awaiting a decision first, the oldest on top.
async fn cases_are_in_order(store: &Store, expected: &[CaseStatus]) {
    let cases = |filter: CaseFilter, limit, offset| async move {
        store
            .cases(&sub("pics"), &filter, limit, offset)
            .await
            .expect("cases")
    };
    let newest = CaseFilter {
        order: CaseOrder::Newest,
        ..CaseFilter::default()
    };
    let first = cases(newest.clone(), 5, 0).await;
    let second = cases(newest, 5, 5).await;
    assert_eq!(first.cases.len(), 5);
    assert!(first.cases[0].first_seen >= first.cases[4].first_seen);
    assert!(first.cases[4].first_seen >= second.cases[0].first_seen);
    assert!(first.cases.iter().all(|c| c.conversation_id.is_some()));
    // Waiting longest: the appeals awaiting a decision first, the oldest completion on top.
    let waiting = cases(CaseFilter::default(), 1000, 0).await.cases;
    let awaiting = expected.iter().filter(|e| e.awaits_decision()).count();
    assert!(awaiting > 1);
    assert!(
        waiting[..awaiting]
            .iter()
            .all(|c| c.waiting_since().is_some())
    );
    assert!(
        waiting[awaiting..]
            .iter()
            .all(|c| c.waiting_since().is_none())
    );
    assert!(
        waiting[..awaiting]
            .windows(2)
            .all(|w| w[0].waiting_since() <= w[1].waiting_since())
    );
}

/// Appellant `n` — no longer followed or not, and as the last ban check found them — with
/// at most one appeal in the given state, created `n` minutes in.
async fn appellant(
    store: &Store,
    n: i64,
    group: Group,
    (ignored, still_banned): (bool, Option<bool>),
    appeal: Option<(AppealStatus, i64, Option<Outcome>)>,
) -> (AppellantId, Option<AppealId>) {
    let at = t(n * 60);
    let contact = store
        .record_contact(
            &sub("pics"),
            &user(&format!("user{n}")),
            &conv(&format!("c{n}")),
            || group,
            at,
        )
        .await
        .expect("contact");
    let id = contact.appellant.id;
    let u = StatusUpdate {
        ignored: ignored.then_some(true),
        still_banned,
        ..Default::default()
    };
    store.update_appellant(id, &u, at).await.expect("status");
    let Some((status, reminders, outcome)) = appeal else {
        return (id, None);
    };
    let mut tx = store.begin().await.expect("tx");
    let aid = tx
        .create_appeal(
            &NewAppeal {
                appellant_id: id,
                conversation_id: conv(&format!("c{n}")),
                token_expires_at: at + Duration::days(30),
                ban_note: String::new(),
                ban_reason: String::new(),
                ban_date: None,
                ban_permanent: true,
            },
            at,
        )
        .await
        .expect("appeal");
    for _ in 0..reminders {
        tx.count_reminder(aid, at).await.expect("remind");
    }
    if status != AppealStatus::Prompted {
        tx.set_appeal_status(aid, status, at).await.expect("status");
    }
    if let Some(o) = outcome {
        tx.set_appeal_outcome(aid, o, at).await.expect("outcome");
    }
    tx.commit().await.expect("commit");
    (id, Some(aid))
}

async fn left_alone_conversations_are_remembered(store: &Store) {
    store
        .ensure_subreddit(&sub("pics"), t(0))
        .await
        .expect("sub");
    assert!(!store.is_left_alone(&conv("p1")).await.expect("no"));
    for _ in 0..2 {
        store
            .leave_alone(&conv("p1"), &sub("pics"), Some(&user("someone")), t(5))
            .await
            .expect("leave alone");
    }
    assert!(store.is_left_alone(&conv("p1")).await.expect("yes"));
    assert_eq!(
        store.left_alone_count(&sub("pics"), None).await.expect("n"),
        1
    );
    assert_eq!(
        store
            .left_alone_count(&sub("pics"), Some(t(6)))
            .await
            .expect("n"),
        0
    );
}

async fn console_use_pulls_the_next_check_forward(store: &Store) {
    store
        .ensure_subreddit(&sub("pics"), t(0))
        .await
        .expect("sub");
    assert!(
        store.due_checks(t(3600), 10).await.expect("due").is_empty(),
        "a day away"
    );
    store
        .note_console_use(&sub("pics"), t(0))
        .await
        .expect("use");
    let due = store.due_checks(t(3000), 10).await.expect("due");
    assert_eq!(due.len(), 1, "within the hour");
    assert_eq!(due[0].console_used_at, Some(t(0)));
}

/// A reply refused with 403 is held and retried an hour later; the subreddit's check was a
/// day away. The flag makes the check due at once, and once the bot is back its held writes
/// in that subreddit — and only there — are due at once, still marked as held.
async fn a_refused_write_brings_the_check_forward_and_the_bots_return_releases_held_writes(
    store: &Store,
) {
    held_reply(store, "pics", "held1").await;
    held_reply(store, "aww", "held2").await;
    assert!(store.due_effects(t(20), 10).await.expect("due").is_empty());
    assert!(
        store.due_checks(t(20), 10).await.expect("due").is_empty(),
        "a day away"
    );

    assert!(
        store
            .set_permission_lost(&sub("pics"), "403", t(20))
            .await
            .expect("flag")
    );
    let due = store.due_checks(t(20), 10).await.expect("due");
    assert_eq!(due.len(), 1, "checked at once");
    assert_eq!(due[0].name.as_str(), "pics");
    assert_eq!(due[0].attention_since, Some(t(20)));
    assert_eq!(due[0].standing, BotStanding::Unchecked);
    // Not news: the check's own schedule is left alone.
    store
        .postpone_check(&sub("pics"), t(320), 1)
        .await
        .expect("postpone");
    assert!(
        !store
            .set_permission_lost(&sub("pics"), "403", t(30))
            .await
            .expect("flag")
    );
    assert!(store.due_checks(t(319), 10).await.expect("due").is_empty());

    assert_eq!(
        store
            .release_held_writes(&sub("pics"), t(400))
            .await
            .expect("release"),
        1,
        "the held reply; the entry behind it was never tried"
    );
    let due = store.due_effects(t(400), 10).await.expect("due");
    assert_eq!(due.len(), 1, "{due:?}");
    assert_eq!(due[0].conversation_id, conv("held1"));
    assert_eq!(
        due[0].held_since,
        Some(t(10)),
        "still held: its success clears the flag"
    );
    assert_eq!(
        store
            .release_held_writes(&sub("pics"), t(401))
            .await
            .expect("release"),
        0,
        "already due"
    );
}

/// A served subreddit (its check a day away) with one conversation whose reply Reddit
/// refused at t(10) — held until t(3610) — and an unarchive behind it, never tried.
async fn held_reply(store: &Store, name: &str, c: &str) {
    store.ensure_subreddit(&sub(name), t(0)).await.expect("sub");
    store
        .record_contact(
            &sub(name),
            &user("bob"),
            &conv(c),
            || Group::Treatment,
            t(1),
        )
        .await
        .expect("contact");
    let mut tx = store.begin().await.expect("tx");
    for (kind, marker) in [
        (EffectKind::Reply, "reply"),
        (EffectKind::Unarchive, "open"),
    ] {
        let e = NewEffect {
            appeal_id: None,
            conversation_id: conv(c),
            kind,
            body: Some("Thank you".into()),
            marker: format!("{c}-{marker}"),
            step: None,
            completes_appeal: false,
        };
        tx.enqueue_effect(&e, t(2)).await.expect("enqueue");
    }
    tx.commit().await.expect("commit");
    let reply = store.effects_of(&conv(c)).await.expect("effects").remove(0);
    store
        .hold_effect(reply.id, "403", t(3610), t(10))
        .await
        .expect("hold");
}

/// A session row: created, read back, touched (never back in time), revoked at logout; a
/// removal the bot finds revokes every session of that moderator in the check's transaction
/// and no one else's; a new login deletes rows older than a login lasts.
async fn sessions_are_stored_hashed_touched_and_revoked(store: &Store) {
    let id = SessionId::generate().expect("os rng");
    let other = SessionId::generate().expect("os rng");
    store
        .create_session(&id, &user("B_mod"), t(0), t(-3600))
        .await
        .expect("create");
    let s = store.session(&id).await.expect("read").expect("row");
    assert_eq!(s.user.as_str(), "B_mod");
    assert_eq!(
        (s.created_at, s.last_seen_at, s.revoked_at),
        (t(0), t(0), None)
    );
    assert_eq!(store.session(&other).await.expect("read"), None);
    store.touch_session(&id, t(90)).await.expect("touch");
    store.touch_session(&id, t(30)).await.expect("touch");
    let s = store.session(&id).await.expect("read").expect("row");
    assert_eq!(s.last_seen_at, t(90), "never moved back");

    store.revoke_session(&id, t(100)).await.expect("logout");
    let s = store.session(&id).await.expect("read").expect("row");
    assert_eq!(s.revoked_at, Some(t(100)));
    store.touch_session(&id, t(200)).await.expect("touch");
    let s = store.session(&id).await.expect("read").expect("row");
    assert_eq!(s.last_seen_at, t(90), "a revoked session is not touched");

    // Two browsers of b_mod and one of a_mod; the bot finds b_mod removed from r/pics.
    signed_up(store, "pics", t(0)).await;
    let b1 = SessionId::generate().expect("os rng");
    let b2 = SessionId::generate().expect("os rng");
    let a = SessionId::generate().expect("os rng");
    for (sid, who) in [(&b1, "b_mod"), (&b2, "b_mod"), (&a, "a_mod")] {
        store
            .create_session(sid, &user(who), t(300), t(-3600))
            .await
            .expect("create");
    }
    let check = |mods: &'static [(&str, &[&str])], at: i64| async move {
        let mods: Vec<SubredditModerator> = mods.iter().map(|(n, p)| moderator(n, p)).collect();
        store
            .record_check(
                &CheckRecord {
                    name: &sub("pics"),
                    standing: &BotStanding::Ready,
                    new_state: None,
                    failed_checks: 0,
                    next_check_at: t(at + 3600),
                    moderators: Some(&mods),
                    actor: "appealmod_bot",
                },
                t(at),
            )
            .await
            .expect("check");
    };
    check(&[("a_mod", &["all"]), ("b_mod", &["mail"])], 400).await;
    check(&[("a_mod", &["all"])], 500).await;
    for sid in [&b1, &b2] {
        let s = store.session(sid).await.expect("read").expect("row");
        assert_eq!(s.revoked_at, Some(t(500)), "b_mod's sessions end");
    }
    let s = store.session(&a).await.expect("read").expect("row");
    assert_eq!(s.revoked_at, None, "a_mod is still listed");

    // A login after every earlier session's lifetime deletes them.
    store
        .create_session(&other, &user("a_mod"), t(7200), t(3600))
        .await
        .expect("create");
    for sid in [&id, &b1, &a] {
        assert_eq!(store.session(sid).await.expect("read"), None);
    }
}
