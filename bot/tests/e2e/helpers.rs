//! What every end-to-end test needs: a world, bans, user messages, the simulator's ledger.

use appealmod_shared::storage::Backend;
use appealmod_testkit::TestDb;
use appealmod_testkit::world::{World, WorldOptions};
use reddit_sim::{BanRequest, Endpoint, LedgerKind, UserMessage};

pub async fn world(backend: Backend, o: WorldOptions) -> (TestDb, World) {
    let db = TestDb::new(backend).await;
    let w = World::start(db.store.clone(), &db.url, o)
        .await
        .expect("world starts");
    (db, w)
}

pub fn ban(w: &World, user: &str, note: &str, reason: Option<&str>, days: Option<u32>) -> String {
    w.sim
        .state()
        .ban(BanRequest {
            subreddit: "pics".into(),
            user: user.into(),
            note: note.into(),
            reason: reason.map(str::to_owned),
            duration_days: days,
            send_message: true,
            moderator: None,
        })
        .expect("ban")
        .conversation_id
        .expect("ban message sent")
}

pub fn user_writes(w: &World, user: &str, conv: &str, body: &str) {
    w.sim
        .state()
        .user_message(UserMessage {
            subreddit: "pics".into(),
            user: user.into(),
            body: body.into(),
            subject: None,
            conversation_id: Some(conv.into()),
        })
        .expect("user message");
}

pub fn kinds(w: &World, conv: &str) -> Vec<LedgerKind> {
    w.sim
        .state()
        .ledger_for(conv)
        .into_iter()
        .map(|e| e.kind)
        .collect()
}

pub fn writes(w: &World) -> u64 {
    let c = w.sim.state().counters();
    c.calls_of(Endpoint::Reply) + c.calls_of(Endpoint::Archive) + c.calls_of(Endpoint::Unarchive)
}

/// Ban with a reason, the user answers: the appeal starts.
pub async fn started_appeal(w: &World, user: &str) -> String {
    let conv = ban(
        w,
        user,
        "rule 2: spam",
        Some("Spamming links in comments"),
        None,
    );
    user_writes(w, user, &conv, "Why was I banned? Please unban me.");
    w.drain().await.expect("drain");
    conv
}
