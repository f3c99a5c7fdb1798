//! MongoDB sinks against a real wire-compatible server (SecantusDB in CI).
// Tests fail by panicking; that is what unwrap is for here.
#![allow(clippy::unwrap_used)]

mod logging_support;

use std::time::{Duration, Instant};

use appealmod_shared::config::{DiscordConfig, LoggingConfig, MongoConfig, Secret, SlackConfig};
use appealmod_shared::logging::{
    APPLICATION_LOGS, CONVERSATION_LOGS, Console, DocumentSink, build,
};
use futures_util::TryStreamExt;
use logging_support::{mongo_uri, unique_db, wait_for};
use mongodb::bson::{Bson, Document, doc};
use tracing::{error, info, info_span};

fn no_file() -> LoggingConfig {
    LoggingConfig {
        level: "info".to_owned(),
        file_dir: None,
        ..LoggingConfig::default()
    }
}

fn mongo_config(uri: &str, database: &str, capacity: usize) -> MongoConfig {
    MongoConfig {
        uri: Some(Secret::new(uri)),
        database: database.to_owned(),
        log_ttl_days: 7,
        buffer_capacity: capacity,
    }
}

async fn client(uri: &str) -> mongodb::Client {
    mongodb::Client::with_uri_str(uri).await.unwrap()
}

async fn find_all(c: &mongodb::Client, db: &str, coll: &str, filter: Document) -> Vec<Document> {
    c.database(db)
        .collection::<Document>(coll)
        .find(filter)
        .await
        .unwrap()
        .try_collect()
        .await
        .unwrap()
}

#[tokio::test]
async fn events_become_documents_with_a_ttl_index() {
    let Some(uri) = mongo_uri("events_become_documents_with_a_ttl_index") else {
        return;
    };
    let db = unique_db("logs_docs");
    let (dispatch, guard) = build(
        &no_file(),
        &mongo_config(&uri, &db, 1000),
        &SlackConfig::default(),
        &DiscordConfig::default(),
        "bot",
        Console::Off,
    )
    .unwrap();
    let conversations = guard.conversation_log().unwrap();
    {
        let _d = tracing::dispatcher::set_default(&dispatch);
        let span = info_span!(
            "conversation",
            subreddit = "pics",
            conversation_id = "2g8x1k"
        );
        let _e = span.enter();
        info!(
            attempt = 3_u64,
            ok = true,
            token = "tok-123",
            "sent the initial message"
        );
        error!(
            error = "reply failed: connection reset",
            "could not reply to alice@example.com"
        );
    }
    conversations
        .push_json(&serde_json::json!({
            "conversation_id": "2g8x1k",
            "subreddit": "pics",
            "messages": [{ "author": "banned_user", "body": "please unban" }],
        }))
        .unwrap();
    assert!(guard.shutdown().await, "sinks flushed in time");

    let c = client(&uri).await;
    let docs = find_all(&c, &db, APPLICATION_LOGS, doc! {}).await;
    assert_eq!(docs.len(), 2, "{docs:#?}");
    let d = &docs[0];
    println!("application-logs document: {d}");
    assert!(matches!(d.get("timestamp"), Some(Bson::DateTime(_))), "{d}");
    assert_eq!(d.get_str("level").unwrap(), "INFO");
    assert_eq!(d.get_str("service").unwrap(), "bot");
    assert_eq!(d.get_str("target").unwrap(), "logging_mongo");
    assert_eq!(d.get_str("message").unwrap(), "sent the initial message");
    assert_eq!(d.get_str("subreddit").unwrap(), "pics");
    assert_eq!(d.get_str("conversation_id").unwrap(), "2g8x1k");
    let fields = d.get_document("fields").unwrap();
    assert_eq!(fields.get_i64("attempt").unwrap(), 3);
    assert!(fields.get_bool("ok").unwrap());
    assert_eq!(fields.get_str("token").unwrap(), "[redacted]");
    let span = d.get_document("span").unwrap();
    assert_eq!(span.get_str("subreddit").unwrap(), "pics");
    let e = &docs[1];
    assert_eq!(e.get_str("level").unwrap(), "ERROR");
    assert_eq!(
        e.get_str("message").unwrap(),
        "could not reply to [redacted email]"
    );

    let indexes: Vec<_> = c
        .database(&db)
        .collection::<Document>(APPLICATION_LOGS)
        .list_indexes()
        .await
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    let ttl = indexes
        .iter()
        .find(|i| i.keys == doc! { "timestamp": 1 })
        .unwrap_or_else(|| panic!("no index on timestamp: {indexes:#?}"));
    println!("TTL index: {ttl:?}");
    assert_eq!(
        ttl.options.as_ref().and_then(|o| o.expire_after),
        Some(Duration::from_secs(7 * 86_400))
    );

    let snaps = find_all(&c, &db, CONVERSATION_LOGS, doc! {}).await;
    assert_eq!(snaps.len(), 1);
    assert_eq!(snaps[0].get_str("conversation_id").unwrap(), "2g8x1k");
    assert!(matches!(snaps[0].get("timestamp"), Some(Bson::DateTime(_))));
}

#[tokio::test]
async fn ttl_index_creation_is_idempotent() {
    let Some(uri) = mongo_uri("ttl_index_creation_is_idempotent") else {
        return;
    };
    let db = unique_db("logs_ttl");
    for _ in 0..2 {
        let (dispatch, guard) = build(
            &no_file(),
            &mongo_config(&uri, &db, 100),
            &SlackConfig::default(),
            &DiscordConfig::default(),
            "web",
            Console::Off,
        )
        .unwrap();
        tracing::dispatcher::with_default(&dispatch, || info!("started"));
        assert!(guard.shutdown().await);
    }
    let c = client(&uri).await;
    assert_eq!(
        find_all(&c, &db, APPLICATION_LOGS, doc! {}).await.len(),
        2,
        "the second start logged despite the existing index"
    );
}

/// The host:port of a single-host `mongodb://` URI.
fn host_port(uri: &str) -> String {
    let rest = uri.strip_prefix("mongodb://").expect("a mongodb:// URI");
    let rest = rest.rsplit('@').next().unwrap();
    rest.split(['/', '?']).next().unwrap().to_owned()
}

/// Forwards `port` to `upstream`, standing in for a MongoDB that comes back up.
async fn start_proxy(port: u16, upstream: String) {
    let deadline = Instant::now() + Duration::from_secs(10);
    let listener = loop {
        match tokio::net::TcpListener::bind(("127.0.0.1", port)).await {
            Ok(l) => break l,
            Err(e) if Instant::now() < deadline => {
                eprintln!("rebinding {port}: {e}");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(e) => panic!("cannot rebind port {port}: {e}"),
        }
    };
    tokio::spawn(async move {
        loop {
            let Ok((mut inbound, _)) = listener.accept().await else {
                return;
            };
            let upstream = upstream.clone();
            tokio::spawn(async move {
                if let Ok(mut out) = tokio::net::TcpStream::connect(&upstream).await {
                    let _ = tokio::io::copy_bidirectional(&mut inbound, &mut out).await;
                }
            });
        }
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mongo_down_buffers_without_blocking_then_reports_drops_once() {
    let Some(real_uri) = mongo_uri("mongo_down_buffers_without_blocking_then_reports_drops_once")
    else {
        return;
    };
    // A port nobody listens on: MongoDB is "down".
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let down_uri = format!("mongodb://127.0.0.1:{port}/?directConnection=true");
    let db = unique_db("logs_outage");

    let started = Instant::now();
    let (dispatch, guard) = build(
        &no_file(),
        &mongo_config(&down_uri, &db, 1000),
        &SlackConfig::default(),
        &DiscordConfig::default(),
        "bot",
        Console::Off,
    )
    .unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "startup does not wait for MongoDB: {:?}",
        started.elapsed()
    );

    let t = Instant::now();
    tracing::dispatcher::with_default(&dispatch, || {
        for i in 0..10_000 {
            info!(i, "bulk line {i}");
        }
    });
    let took = t.elapsed();
    println!("10000 events with MongoDB down took {took:?}");
    assert!(took < Duration::from_secs(2), "logging blocked: {took:?}");
    let sink = guard.application_log().unwrap();
    assert!(sink.queued() <= 1000);
    assert_eq!(sink.dropped(), 9000);

    // The outage must be seen before MongoDB "comes back" (server selection gives up
    // after 2 s), or the drops would count as a mere buffer overflow.
    wait_for(
        "the sink to notice the outage",
        Duration::from_secs(10),
        || async { sink.is_unreachable() },
    )
    .await;
    start_proxy(port, host_port(&real_uri)).await;

    let c = client(&real_uri).await;
    let coll = c.database(&db).collection::<Document>(APPLICATION_LOGS);
    wait_for(
        "buffered lines to arrive",
        Duration::from_secs(40),
        || async {
            coll.count_documents(doc! { "message": { "$regex": "^bulk line" } })
                .await
                .unwrap()
                == 1000
        },
    )
    .await;
    wait_for("the drop report", Duration::from_secs(10), || async {
        coll.count_documents(doc! { "target": "appealmod_shared::logging" })
            .await
            .unwrap()
            >= 1
    })
    .await;
    // The newest lines are the ones kept.
    let oldest_kept = find_all(&c, &db, APPLICATION_LOGS, doc! { "fields.i": 9000_i64 }).await;
    assert_eq!(oldest_kept.len(), 1);

    assert!(!sink.is_unreachable());
    tracing::dispatcher::with_default(&dispatch, || info!("after recovery"));
    assert!(guard.shutdown().await);
    let reports = find_all(
        &c,
        &db,
        APPLICATION_LOGS,
        doc! { "target": "appealmod_shared::logging" },
    )
    .await;
    assert_eq!(reports.len(), 1, "reported once: {reports:#?}");
    println!("drop report: {}", reports[0]);
    assert_eq!(
        reports[0].get_str("message").unwrap(),
        "mongo log sink: 9000 lines dropped while MongoDB was unreachable"
    );
    assert_eq!(
        find_all(
            &c,
            &db,
            APPLICATION_LOGS,
            doc! { "message": "after recovery" }
        )
        .await
        .len(),
        1
    );
}

#[tokio::test]
async fn standalone_document_sink_writes_snapshots() {
    let Some(uri) = mongo_uri("standalone_document_sink_writes_snapshots") else {
        return;
    };
    let db = unique_db("snapshots");
    let c = client(&uri).await;
    let sink = DocumentSink::start(&c, &db, CONVERSATION_LOGS, 100);
    sink.push_json(&serde_json::json!({ "conversation_id": "abc", "n": 1 }))
        .unwrap();
    sink.push_json(&serde_json::json!(["not", "an", "object"]))
        .unwrap();
    sink.push(doc! { "conversation_id": "def", "raw": { "subject": "you are banned" } });
    assert!(sink.shutdown(Duration::from_secs(5)).await);
    let docs = find_all(&c, &db, CONVERSATION_LOGS, doc! {}).await;
    assert_eq!(docs.len(), 3, "{docs:#?}");
    assert_eq!(
        docs[0]
            .get_i64("n")
            .or_else(|_| docs[0].get_i32("n").map(i64::from))
            .unwrap(),
        1
    );
    assert_eq!(docs[1].get_array("value").unwrap().len(), 3);
    assert_eq!(
        docs[2]
            .get_document("raw")
            .unwrap()
            .get_str("subject")
            .unwrap(),
        "you are banned"
    );
}
