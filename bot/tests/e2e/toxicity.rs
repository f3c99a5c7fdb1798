//! Toxicity end to end: what an appellant writes in modmail is assessed when the bot reads
//! it, in both groups (control appellants are read, never written to), and reaches the
//! readout's rows and the accessor the moderators' note uses.

use appealmod_core::toxicity::{Category, Finding, Severity, TextRef};
use appealmod_shared::domain::Group;
use appealmod_shared::storage::{Backend, ReadoutFilter};
use appealmod_testkit::world::WorldOptions;

use super::helpers::*;

appealmod_testkit::on_both_backends!(toxic_messages_are_assessed_in_both_groups);

/// The sandbox's toxic appellant says this.
const TOXIC: &str = "This ban is a joke. You mods are pathetic losers, unban me NOW.";

async fn toxic_messages_are_assessed_in_both_groups(b: Backend) {
    for (fraction, group) in [(1.0, Group::Treatment), (0.0, Group::Control)] {
        let options = WorldOptions {
            treatment_fraction: fraction,
            ..WorldOptions::default()
        };
        let (_db, w) = world(b, options).await;
        let conv = ban(
            &w,
            "frank_toxic",
            "rule 2: spam",
            Some("Spamming links"),
            None,
        );
        user_writes(&w, "frank_toxic", &conv, TOXIC);
        w.drain().await.expect("drain");
        // Read again after another message: nothing is stored twice.
        user_writes(&w, "frank_toxic", &conv, "sorry, I am upset");
        w.drain().await.expect("drain");

        let rows = w
            .store
            .readout_rows(&ReadoutFilter::default())
            .await
            .expect("rows");
        assert_eq!(rows.len(), 1, "{group:?}");
        let r = &rows[0];
        assert_eq!(r.group, group);
        assert!(r.toxicity.toxic, "{group:?}");
        let mean = Finding {
            category: Category::Mean,
            severity: Severity::Moderate,
        };
        assert_eq!(r.toxicity.highest, Some(mean));
        assert_eq!(r.toxic_texts.len(), 1, "{:?}", r.toxic_texts);
        assert!(matches!(r.toxic_texts[0], TextRef::Message(_)));
        assert!(r.first_message_at.is_some());
        match group {
            Group::Treatment => {
                let appeal = r.appeal_id.expect("an appeal");
                let t = w.store.appeal_toxicity(appeal).await.expect("toxicity");
                assert!(t.is_toxic());
                assert!(r.link_sent_at.is_some(), "the link was sent");
            }
            Group::Control => {
                assert_eq!(r.appeal_id, None);
                assert_eq!(writes(&w), 0, "control is never written to");
            }
        }
    }
}
