//! What Reddit got against what the bot intended: per conversation, the simulator's ledger
//! counted against the journal's finished entries, kind by kind. More on Reddit than in the
//! journal is a duplicate; a journal entry not on Reddit (or not finished) is a loss.

use appealmod_shared::domain::ConversationId;
use appealmod_shared::storage::{EffectKind, EffectState};
use reddit_sim::LedgerKind;

use crate::world::World;

/// Writes of each kind.
#[derive(Default, Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tally {
    pub replies: u32,
    pub notes: u32,
    pub archives: u32,
    pub unarchives: u32,
    pub mod_notes: u32,
    pub unbans: u32,
    pub temp_bans: u32,
}

impl Tally {
    pub fn add(&mut self, kind: LedgerKind) {
        match kind {
            LedgerKind::Reply => self.replies += 1,
            LedgerKind::InternalNote => self.notes += 1,
            LedgerKind::Archive => self.archives += 1,
            LedgerKind::Unarchive => self.unarchives += 1,
            LedgerKind::Unban => self.unbans += 1,
            LedgerKind::TempBan => self.temp_bans += 1,
            // A Mod Note is on the user, not in the conversation: counted from the user's
            // notes by [`compare`].
            LedgerKind::ModNote => {}
        }
    }

    fn fields(&self) -> [u32; 7] {
        [
            self.replies,
            self.notes,
            self.archives,
            self.unarchives,
            self.mod_notes,
            self.unbans,
            self.temp_bans,
        ]
    }

    fn absorb(&mut self, o: &Self) {
        self.replies += o.replies;
        self.notes += o.notes;
        self.archives += o.archives;
        self.unarchives += o.unarchives;
        self.mod_notes += o.mod_notes;
        self.unbans += o.unbans;
        self.temp_bans += o.temp_bans;
    }
}

/// The outcome of [`compare`].
#[derive(Default, Debug, Clone)]
pub struct Comparison {
    pub duplicates: u32,
    pub losses: u32,
    /// What Reddit got, over every conversation.
    pub total: Tally,
    /// Conversations where the two differ, with both sides listed.
    pub mismatches: Vec<String>,
    /// Each conversation: what Reddit got, and whether the two differ.
    pub conversations: Vec<(String, Tally, bool)>,
}

/// Compares the ledger with the journal for each conversation of `convs`.
pub async fn compare(w: &World, convs: &[String]) -> anyhow::Result<Comparison> {
    let mut out = Comparison::default();
    for c in convs {
        let mut got = Tally::default();
        let ledger = w.sim.state().ledger_for(c);
        for e in &ledger {
            got.add(e.kind);
        }
        if let Some(a) = w.appeal_in(c).await? {
            got.mod_notes = w
                .sim
                .state()
                .mod_notes_on(a.subreddit.as_str(), a.username.as_str())
                .len() as u32;
        }
        let effects = w.store.effects_of(&ConversationId::parse(c)?).await?;
        let mut meant = Tally::default();
        let mut unfinished = 0;
        for e in &effects {
            match (e.state, e.kind) {
                (EffectState::Done, EffectKind::ModNote) => meant.mod_notes += 1,
                (EffectState::Done, EffectKind::Reply) => meant.add(LedgerKind::Reply),
                (EffectState::Done, EffectKind::Note) => meant.add(LedgerKind::InternalNote),
                (EffectState::Done, EffectKind::Archive) => meant.add(LedgerKind::Archive),
                (EffectState::Done, EffectKind::Unarchive) => meant.add(LedgerKind::Unarchive),
                (EffectState::Done, EffectKind::Unban) => meant.add(LedgerKind::Unban),
                (EffectState::Done, EffectKind::TempBan) => meant.add(LedgerKind::TempBan),
                _ => unfinished += 1,
            }
        }
        let pairs = got.fields().into_iter().zip(meant.fields());
        let d: u32 = pairs.clone().map(|(g, m)| g.saturating_sub(m)).sum();
        let l: u32 = pairs.map(|(g, m)| m.saturating_sub(g)).sum::<u32>() + unfinished;
        out.duplicates += d;
        out.losses += l;
        out.total.absorb(&got);
        if d + l > 0 {
            let mut text = format!("{c}: {d} duplicate(s), {l} loss(es)");
            for e in &ledger {
                // The journal marker the bot appends to what it writes ("(#…").
                let body = e.body.as_deref().unwrap_or_default();
                let marker = body.rsplit("(#").next().unwrap_or_default();
                text.push_str(&format!("\n   ledger  {:?} {marker}", e.kind));
            }
            for e in &effects {
                text.push_str(&format!(
                    "\n   journal {:?} {} {:?} attempts {} last error {:?}",
                    e.kind, e.marker, e.state, e.attempts, e.last_error
                ));
            }
            out.mismatches.push(text);
        }
        out.conversations.push((c.clone(), got, d + l > 0));
    }
    Ok(out)
}
