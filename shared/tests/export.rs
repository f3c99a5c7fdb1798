//! Exports of stored rows, on both backends: a Reddit username a spreadsheet would take for
//! a formula (`-1-1` is a valid name) is exported as text.

use appealmod_core::readout::Period;
use appealmod_shared::domain::{ConversationId, Group, RedditUsername, SubredditName};
use appealmod_shared::export::{self, Names};
use appealmod_shared::storage::ReadoutFilter;
use appealmod_testkit::{Backend, TestDb};
use chrono::Utc;

appealmod_testkit::on_both_backends!(usernames_that_look_like_formulas_export_as_text);

async fn usernames_that_look_like_formulas_export_as_text(backend: Backend) {
    let db = TestDb::new(backend).await;
    let store = &db.store;
    let pics = SubredditName::parse("pics").expect("name");
    let now = Utc::now();
    store.ensure_subreddit(&pics, now).await.expect("sub");
    for (i, name) in ["-1-1", "-cmd", "plain_user"].into_iter().enumerate() {
        let user = RedditUsername::parse(name).expect("a valid Reddit username");
        let conversation = ConversationId::parse(&format!("c{i}")).expect("id");
        store
            .record_contact(&pics, &user, &conversation, || Group::Control, now)
            .await
            .expect("contact");
    }
    let rows = store
        .readout_rows(&ReadoutFilter {
            subreddit: Some(pics),
            period: Period::ALL_TIME,
        })
        .await
        .expect("rows");
    assert_eq!(rows.len(), 3);

    let csv = export::to_csv(&rows, Names::Real).expect("csv");
    let mut reader = csv::Reader::from_reader(csv.as_slice());
    let column = reader
        .headers()
        .expect("header")
        .iter()
        .position(|h| h == "user")
        .expect("a user column");
    let mut users: Vec<String> = reader
        .records()
        .map(|r| r.expect("row")[column].to_owned())
        .collect();
    users.sort();
    assert_eq!(users, ["'-1-1", "'-cmd", "plain_user"]);

    // JSON is not a spreadsheet's input: the names stay as they are.
    let json: serde_json::Value =
        serde_json::from_slice(&export::to_json(&rows, Names::Real).expect("json")).expect("json");
    let mut names: Vec<&str> = json
        .as_array()
        .expect("array")
        .iter()
        .map(|r| r["user"].as_str().expect("user"))
        .collect();
    names.sort();
    assert_eq!(names, ["-1-1", "-cmd", "plain_user"]);
}
