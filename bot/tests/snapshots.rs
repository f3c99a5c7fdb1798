//! Conversation snapshots reach MongoDB `conversation-logs` (SecantusDB in the test script),
//! with the bot's records on either database.

use std::time::Duration;

use appealmod_shared::logging::{CONVERSATION_LOGS, DocumentSink};
use appealmod_shared::storage::Backend;
use appealmod_testkit::TestDb;
use appealmod_testkit::world::{World, WorldOptions};
use mongodb::bson::{Document, doc};
use reddit_sim::{BanRequest, UserMessage};

fn mongo_uri() -> Option<String> {
    match std::env::var("APPEALMOD_TEST_MONGODB_URI") {
        Ok(u) if !u.is_empty() => Some(u),
        _ if std::env::var("APPEALMOD_TEST_ALLOW_NO_MONGO").as_deref() == Ok("1") => {
            eprintln!(
                "SKIPPED conversation_snapshots_reach_mongodb: APPEALMOD_TEST_MONGODB_URI is not set"
            );
            None
        }
        _ => panic!(
            "APPEALMOD_TEST_MONGODB_URI is not set: run the tests with ./run.sh test (it starts \
             SecantusDB), or start `secantusd-py --port P --storage-path :memory:` and set it"
        ),
    }
}

appealmod_testkit::on_both_backends!(conversation_snapshots_reach_mongodb);

async fn conversation_snapshots_reach_mongodb(backend: Backend) {
    let Some(uri) = mongo_uri() else { return };
    let client = mongodb::Client::with_uri_str(&uri).await.expect("client");
    // One MongoDB database per run and backend: the two run at the same time.
    let database = format!("appealmod_snapshots_{}_{backend:?}", std::process::id());
    let sink = DocumentSink::start(&client, &database, CONVERSATION_LOGS, 1000);
    let db = TestDb::new(backend).await;
    let w = World::start(
        db.store.clone(),
        &db.url,
        WorldOptions {
            conversation_log: Some(sink.clone()),
            ..WorldOptions::default()
        },
    )
    .await
    .expect("world");
    let conv = w
        .sim
        .state()
        .ban(BanRequest {
            subreddit: "pics".into(),
            user: "snap1".into(),
            note: "rule 2".into(),
            reason: Some("Spam".into()),
            send_message: true,
            ..BanRequest::default()
        })
        .expect("ban")
        .conversation_id
        .expect("conversation");
    w.sim
        .state()
        .user_message(UserMessage {
            subreddit: "pics".into(),
            user: "snap1".into(),
            body: "unban me".into(),
            subject: None,
            conversation_id: Some(conv.clone()),
        })
        .expect("message");
    w.drain().await.expect("drain");
    // Two messages at once are read before the reminder: that snapshot holds the bot's own
    // message, with the personal link Reddit shows.
    for body in ["hello?", "anyone?"] {
        w.sim
            .state()
            .user_message(UserMessage {
                subreddit: "pics".into(),
                user: "snap1".into(),
                body: body.into(),
                subject: None,
                conversation_id: Some(conv.clone()),
            })
            .expect("message");
    }
    w.drain().await.expect("drain");
    assert!(
        sink.shutdown(Duration::from_secs(10)).await,
        "snapshots flushed"
    );

    let coll = client
        .database(&database)
        .collection::<Document>(CONVERSATION_LOGS);
    let found = coll
        .find_one(doc! { "conversation_id": &conv, "decision": "start_appeal" })
        .await
        .expect("query")
        .expect("a snapshot of the conversation");
    assert_eq!(found.get_str("decision").expect("decision"), "start_appeal");
    assert_eq!(found.get_str("subreddit").expect("subreddit"), "pics");
    let messages = found
        .get_document("conversation")
        .and_then(|c| c.get_array("messages"))
        .expect("the raw conversation with its messages");
    assert!(messages.len() >= 2, "ban notice and the user's message");
    // No snapshot keeps a working link: the bot's messages are stored with the placeholder.
    let mut all = coll.find(doc! {}).await.expect("query");
    let (mut with_bot_message, mut snapshots) = (0, 0);
    while all.advance().await.expect("cursor") {
        let d = all.deserialize_current().expect("document");
        let text = d.to_string();
        snapshots += 1;
        assert!(
            !text.contains("/appeal/"),
            "a working link was stored: {text}"
        );
        if text.contains(appealmod_shared::token::STORED_LINK) {
            with_bot_message += 1;
        }
    }
    assert!(
        with_bot_message >= 1,
        "{snapshots} snapshots, none with the bot's message (the check above saw nothing)"
    );
    client
        .database(&database)
        .drop()
        .await
        .expect("drop test database");
}
