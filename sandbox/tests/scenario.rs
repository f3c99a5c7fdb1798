//! The sandbox scenario, in-process and accelerated: the simulator, the website and the
//! bot's two runners (the unchanged code, over real HTTP) on a fresh database of each
//! backend.

use std::time::Duration;

use appealmod_sandbox::scenario::{self, EndState, Event, Options, Role, UserOutcome};
use appealmod_shared::domain::AppealStatus;
use appealmod_shared::domain::Group;
use appealmod_shared::storage::{Backend, EffectState};
use appealmod_testkit::TestDb;
use appealmod_testkit::world::{World, WorldOptions, sim_config, world_config};
use appealmod_web::startup::{AppSettings, Application};
use reddit_sim::{ConvState, LedgerKind, SimServer};

appealmod_testkit::on_both_backends!(every_scripted_user_reaches_its_end_state);

async fn every_scripted_user_reaches_its_end_state(backend: Backend) {
    let db = TestDb::new(backend).await;
    let o = WorldOptions {
        // With this seed every path is taken (some users in control, the reminder and
        // takeover users in treatment); the assertions hold for any draw.
        seed: 2,
        treatment_fraction: 0.75,
        // The scenario creates its subreddits and signs them up on the site.
        subreddits: Vec::new(),
        ..WorldOptions::default()
    };
    let sim = SimServer::start(sim_config(&o)).await.expect("simulator");

    // The bot's links must point at the site, so its port is known before the config: the
    // site's listener is bound here and handed over, never dropped and bound again (another
    // process could take the port in between).
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    let port = listener.local_addr().expect("its address").port();
    let web_url = format!("http://127.0.0.1:{port}");
    let o = WorldOptions {
        public_base_url: web_url.clone(),
        ..o
    };
    let mut config = world_config(&sim.base_url(), &db.url, &o);
    // The console's login, against the simulator's web app.
    let app = reddit_sim::WebApp {
        redirect_uri: format!("{web_url}/auth/reddit/callback"),
        ..reddit_sim::WebApp::default()
    };
    sim.state().set_web_app(app.clone());
    config.web.login.client_id = Some(app.client_id.clone());
    config.web.login.client_secret = Some(appealmod_shared::config::Secret::new(
        app.client_secret.clone(),
    ));
    config.web.login.auth_base_url = sim.base_url();
    config.web.login.api_base_url = sim.base_url();
    config.web.session_key = Some(appealmod_shared::config::Secret::new(
        "sandbox-session-key-0123456789abcdef",
    ));
    let mut settings = AppSettings::from_config(&config).expect("web settings");
    settings.workers = Some(2);
    let app = Application::build_on(listener, settings, db.store.clone())
        .await
        .expect("website");
    tokio::spawn(app.run_until_stopped());

    let world = World::with_sim(sim, db.store.clone(), &db.url, o)
        .await
        .expect("bot");
    let sim_url = world.sim.base_url();
    let options = Options {
        speed: 20.0,
        settle: Duration::from_millis(1500),
        timeout: Duration::from_secs(120),
        poll: Duration::from_millis(50),
    };
    let scenario = tokio::spawn(async move {
        scenario::run(&sim_url, &web_url, options, |e| {
            if let Event::Summary(s) | Event::Info(s) = e {
                println!("{s}");
            }
        })
        .await
    });

    // The runners' passes, as the binaries' loops run them, only faster.
    let outcome = loop {
        if scenario.is_finished() {
            break scenario.await.expect("join").expect("scenario succeeds");
        }
        world.pass().await.expect("pass");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    world.drain().await.expect("drain");
    println!("{}", outcome.report());

    let sim = world.sim.state();
    for u in &outcome.users {
        let allowed: &[EndState] = match u.role {
            Role::Quick => &[
                EndState::Completed,
                EndState::Granted,
                EndState::Denied,
                EndState::Control,
            ],
            Role::Reminder => &[EndState::Reminded, EndState::Control],
            Role::Toxic => &[EndState::NeverFilled, EndState::Control],
            Role::Takeover => &[EndState::TakenOver, EndState::Control],
            Role::TempBan => &[EndState::Excluded],
        };
        assert!(allowed.contains(&u.end), "{} ended {:?}", u.user, u.end);
        let ledger: Vec<LedgerKind> = sim
            .ledger_for(&u.conversation_id)
            .into_iter()
            .map(|e| e.kind)
            .collect();
        assert_eq!(ledger, u.end.expected_ledger(), "{}", u.user);
        let replies = ledger.iter().filter(|k| **k == LedgerKind::Reply).count();
        match u.end {
            EndState::Completed => {
                assert_eq!(
                    ledger
                        .iter()
                        .filter(|k| **k == LedgerKind::InternalNote)
                        .count(),
                    1,
                    "one mod note for {}",
                    u.user
                );
                let conv = sim.conversation(&u.conversation_id).expect("conversation");
                assert_ne!(conv.state, ConvState::Archived, "{} is unarchived", u.user);
            }
            EndState::Granted | EndState::Denied => decision_carried_out(sim, u, &ledger),
            EndState::Reminded => assert_eq!(replies, 2, "exactly one reminder"),
            EndState::TakenOver => assert_eq!(replies, 1, "no reminder after the takeover"),
            EndState::Control | EndState::Excluded => assert!(ledger.is_empty()),
            EndState::NeverFilled => assert_eq!(replies, 1),
        }
    }

    // r/sandbox_news chose German in the console: its appellants are written to in German,
    // the others in English (moderators' own texts would stay as written; none here).
    let mut german_replies = 0;
    for u in &outcome.users {
        let Some(first) = sim
            .ledger_for(&u.conversation_id)
            .into_iter()
            .find_map(|e| (e.kind == LedgerKind::Reply).then_some(e.body).flatten())
        else {
            continue;
        };
        let german = first.contains("Dies ist eine automatische Nachricht");
        assert_eq!(
            german,
            u.subreddit == scenario::GERMAN_SUBREDDIT,
            "{} in r/{}: {first}",
            u.user,
            u.subreddit
        );
        german_replies += usize::from(german);
    }
    assert!(
        german_replies > 0,
        "the German subreddit's appellants were written to"
    );

    // The store agrees with what the scenario saw.
    let completed = world
        .appeals_with(AppealStatus::Completed)
        .await
        .expect("appeals");
    let submitted = outcome.users.iter().filter(|u| u.end.completed()).count();
    assert_eq!(completed.len(), submitted);
    // With this seed at least two appeals complete: one is granted in the console, one
    // denied from modmail.
    assert_eq!(outcome.count(EndState::Granted), 1, "{}", outcome.report());
    assert_eq!(outcome.count(EndState::Denied), 1, "{}", outcome.report());
    let control = db
        .store
        .appellants(Some(Group::Control))
        .await
        .expect("control");
    assert_eq!(control.len(), outcome.count(EndState::Control));

    // Every effect exactly once: one journal entry done per ledger entry, none left over.
    let counts = db.store.journal_counts().await.expect("journal");
    let n = |s| counts.get(&s).copied().unwrap_or(0);
    assert_eq!(n(EffectState::InFlight), 0, "{counts:?}");
    assert_eq!(n(EffectState::Pending), 0, "{counts:?}");
    assert_eq!(n(EffectState::Failed), 0, "{counts:?}");
    let ledger = sim.ledger();
    assert_eq!(n(EffectState::Done), ledger.len() as i64, "{counts:?}");
    assert_eq!(outcome.writes, ledger.len());
    let expected: usize = outcome
        .users
        .iter()
        .map(|u| u.end.expected_ledger().len())
        .sum();
    assert_eq!(ledger.len(), expected, "no effect beyond the scripted ones");
}

/// A moderator's decision, carried out: the ledger ends with its effects, the ban is gone
/// (grant) or stays (deny, with the bot's note confirming it), the conversation archived.
fn decision_carried_out(sim: &reddit_sim::Simulator, u: &UserOutcome, ledger: &[LedgerKind]) {
    use LedgerKind::{Archive, InternalNote, Reply, Unban};
    let (effects, banned): (&[LedgerKind], bool) = match u.end {
        EndState::Granted => (&[Unban, Reply, Archive], false),
        _ => (&[Reply, Archive, InternalNote], true),
    };
    assert!(ledger.ends_with(effects), "{}: {ledger:?}", u.user);
    assert_eq!(
        sim.active_ban(&u.subreddit, &u.user).is_some(),
        banned,
        "{} banned",
        u.user
    );
    let conv = sim.conversation(&u.conversation_id).expect("conversation");
    assert_eq!(conv.state, ConvState::Archived, "{} archived", u.user);
    if u.end == EndState::Denied {
        let entries = sim.ledger_for(&u.conversation_id);
        let confirmation = entries
            .last()
            .and_then(|e| e.body.clone())
            .unwrap_or_default();
        assert!(confirmation.contains("the ban stays"), "{confirmation}");
    }
}
