//! Toxicity findings of what appellants wrote: each modmail message the bot reads (both
//! groups) and each free-text answer of a submitted form. Only ids and findings are stored,
//! never the text. Storage assesses nothing: its callers hand it the findings of
//! `appealmod_core::toxicity`, and it records exactly those.

use chrono::{DateTime, Utc};

use super::column::{Flag, Millis, Text, read, stored_enum};
use super::{Result, Store, Tx};
use crate::domain::{AppealId, AppellantId, ConversationId};
use appealmod_core::toxicity::{AssessedText, Category, Finding, Severity, TextRef, Toxicity};

stored_enum!(Category {
    Profane => "profane",
    Sexual => "sexual",
    Mean => "mean",
    Offensive => "offensive",
});

stored_enum!(Severity {
    Mild => "mild",
    Moderate => "moderate",
    Severe => "severe",
});

/// What was found in an appeal's texts (its conversation's messages and its answers).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AppealToxicity {
    pub toxicity: Toxicity,
    /// The texts that are toxic, by id.
    pub toxic_texts: Vec<TextRef>,
}

impl AppealToxicity {
    /// What the moderators' note flags ("⚠ toxic language in the appellant's messages").
    pub fn is_toxic(&self) -> bool {
        self.toxicity.toxic
    }

    pub(crate) fn from_findings(findings: impl IntoIterator<Item = (TextRef, Toxicity)>) -> Self {
        let mut out = Self::default();
        for (source, t) in findings {
            out.toxicity = out.toxicity.worst_of(t);
            if t.toxic {
                out.toxic_texts.push(source);
            }
        }
        out.toxic_texts.sort();
        out
    }
}

/// One stored finding, read by column name.
#[derive(sqlx::FromRow)]
pub(crate) struct FindingRow {
    pub kind: String,
    pub source_id: String,
    pub toxic: Flag,
    pub category: Option<Text<Category>>,
    pub severity: Option<Text<Severity>>,
}

impl FindingRow {
    pub(crate) fn finding(&self) -> (TextRef, Toxicity) {
        let source = if self.kind == "answer" {
            TextRef::Answer(self.source_id.clone())
        } else {
            TextRef::Message(self.source_id.clone())
        };
        let highest = match (&self.category, &self.severity) {
            (Some(c), Some(s)) => Some(Finding {
                category: c.0,
                severity: s.0,
            }),
            _ => None,
        };
        (
            source,
            Toxicity {
                toxic: self.toxic.0,
                highest,
            },
        )
    }
}

fn columns(t: &Toxicity) -> (Flag, Option<Text<Category>>, Option<Text<Severity>>) {
    (
        Flag(t.toxic),
        t.highest.map(|f| Text(f.category)),
        t.highest.map(|f| Text(f.severity)),
    )
}

impl Store {
    /// Stores the findings of the appellant's messages in a conversation (those already
    /// stored are kept as they are; findings of answers are ignored). The bot assesses each
    /// conversation it reads of a recorded appellant, in either group, and records it here.
    pub async fn record_conversation_findings(
        &self,
        appellant: AppellantId,
        conversation: &ConversationId,
        texts: &[AssessedText],
        now: DateTime<Utc>,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        tx.record_messages(appellant, conversation, texts, now)
            .await?;
        tx.commit().await
    }

    /// What was found in an appeal's conversation and answers (the moderators' note uses
    /// [`AppealToxicity::is_toxic`]).
    pub async fn appeal_toxicity(&self, appeal: AppealId) -> Result<AppealToxicity> {
        let rows = sqlx::query(
            "SELECT 'message' AS kind, m.message_id AS source_id, m.toxic, m.category, m.severity \
             FROM message_toxicity m JOIN appeals p ON p.conversation_id = m.conversation_id \
             WHERE p.id = $1 \
             UNION ALL \
             SELECT 'answer' AS kind, a.question_id AS source_id, a.toxic, a.category, a.severity \
             FROM answer_toxicity a WHERE a.appeal_id = $1",
        )
        .bind(appeal.0)
        .fetch_all(self.pool())
        .await?;
        let findings = rows
            .iter()
            .map(|r| read::<FindingRow>(r, "message_toxicity").map(|f| f.finding()))
            .collect::<Result<Vec<_>>>()?;
        Ok(AppealToxicity::from_findings(findings))
    }
}

impl Tx {
    pub(crate) async fn record_messages(
        &mut self,
        appellant: AppellantId,
        conversation: &ConversationId,
        texts: &[AssessedText],
        now: DateTime<Utc>,
    ) -> Result<()> {
        for t in texts {
            let TextRef::Message(id) = &t.source else {
                continue;
            };
            let (toxic, category, severity) = columns(&t.toxicity);
            sqlx::query(
                "INSERT INTO message_toxicity (conversation_id, message_id, appellant_id, toxic, \
                   category, severity, written_at, assessed_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
                 ON CONFLICT (conversation_id, message_id) DO NOTHING",
            )
            .bind(conversation.as_str())
            .bind(id)
            .bind(appellant.0)
            .bind(toxic)
            .bind(category)
            .bind(severity)
            .bind(Millis(t.written_at))
            .bind(Millis(now))
            .execute(self.conn())
            .await?;
        }
        Ok(())
    }

    /// The findings of a submitted form's free-text answers, in the submission's transaction
    /// (findings of messages are ignored).
    pub(crate) async fn record_answers(
        &mut self,
        appeal: AppealId,
        findings: &[AssessedText],
    ) -> Result<()> {
        for t in findings {
            let TextRef::Answer(question) = &t.source else {
                continue;
            };
            let (toxic, category, severity) = columns(&t.toxicity);
            sqlx::query(
                "INSERT INTO answer_toxicity (appeal_id, question_id, toxic, category, severity, written_at) \
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (appeal_id, question_id) DO NOTHING",
            )
            .bind(appeal.0)
            .bind(question)
            .bind(toxic)
            .bind(category)
            .bind(severity)
            .bind(Millis(t.written_at))
            .execute(self.conn())
            .await?;
        }
        Ok(())
    }
}
