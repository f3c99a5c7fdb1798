//! The readout's rows for download: CSV and JSON, one row per appeal. Usernames are
//! pseudonymised by default with a keyed hash (the project's one signing primitive,
//! [`Signer`], under its own purpose), so an export can leave the moderators' hands without
//! naming anyone; real names (and the modmail conversation, which leads to them) only when
//! the caller asks — the web layer decides who may.
//!
//! Every CSV the project writes goes through [`CsvWriter`], which keeps spreadsheets from
//! taking a cell for a formula.

use std::borrow::Cow;

use serde::Serialize;

use crate::token::Signer;
use appealmod_core::readout::ReadoutRow;
use appealmod_core::toxicity::TextRef;

/// Keeps pseudonyms apart from every other use of the link secret.
const PSEUDONYM_PURPOSE: &[u8] = b"appealmod/export-pseudonym/v1";

/// How appellants are named in an export.
#[derive(Clone, Copy)]
pub enum Names<'a> {
    /// `u_` and 16 hex digits, the same for one user in every export made with this key
    /// (so researchers can link a user's appeals across subreddits and downloads).
    Pseudonymous(&'a Signer),
    /// The Reddit username and the modmail conversation id.
    Real,
}

/// One exported row. Times are RFC 3339 (UTC); empty when they did not happen.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExportRow {
    pub appeal_id: Option<i64>,
    pub subreddit: String,
    pub user: String,
    /// Empty when pseudonymised.
    pub conversation_id: Option<String>,
    pub group: &'static str,
    pub assigned_at: String,
    pub started_at: String,
    pub first_message_at: Option<String>,
    pub link_sent_at: Option<String>,
    pub form_opened_at: Option<String>,
    pub submitted_at: Option<String>,
    pub completed_at: Option<String>,
    pub decided_at: Option<String>,
    /// The bot handed the conversation to the moderators after the last reminder.
    pub handed_over_at: Option<String>,
    /// The bot stopped following the appellant (taken over, handed over or quiet too long).
    pub stopped_at: Option<String>,
    /// The appeal's status; `none` without an appeal.
    pub status: &'static str,
    pub outcome: &'static str,
    pub reminders: i64,
    /// The moderators saw the conversation (so far): `appealmod_core::readout::definitions`.
    pub reached_moderators: bool,
    /// How: `control`, `never_engaged`, `completed`, `handed_over`, `taken_over`; or not
    /// (`abandoned`), or not yet (`submitted`, `waiting`: still open).
    pub reach: &'static str,
    pub toxic: bool,
    pub toxic_category: Option<&'static str>,
    pub toxic_severity: Option<&'static str>,
    /// The toxic texts by id, `message:ID` or `answer:QUESTION`, separated by spaces.
    pub toxic_texts: String,
    pub form_seconds: Option<f64>,
    pub decision_seconds: Option<f64>,
}

/// A user's pseudonym under `signer`'s key.
pub fn pseudonym(signer: &Signer, username_key: &str) -> String {
    let tag = signer.tag(PSEUDONYM_PURPOSE, username_key.as_bytes());
    let hex: String = tag[..8].iter().map(|b| format!("{b:02x}")).collect();
    format!("u_{hex}")
}

fn time(t: Option<chrono::DateTime<chrono::Utc>>) -> Option<String> {
    t.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
}

fn text_ref(t: &TextRef) -> String {
    match t {
        TextRef::Message(id) => format!("message:{id}"),
        TextRef::Answer(id) => format!("answer:{id}"),
    }
}

impl ExportRow {
    pub fn new(r: &ReadoutRow, names: Names<'_>) -> Self {
        let (user, conversation_id) = match names {
            Names::Pseudonymous(signer) => (pseudonym(signer, &r.username.key()), None),
            Names::Real => (
                r.username.as_str().to_owned(),
                Some(r.conversation_id.as_str().to_owned()),
            ),
        };
        Self {
            appeal_id: r.appeal_id.map(|a| a.0),
            subreddit: r.subreddit.as_str().to_owned(),
            user,
            conversation_id,
            group: r.group.as_str(),
            assigned_at: time(Some(r.assigned_at)).unwrap_or_default(),
            started_at: time(Some(r.started_at)).unwrap_or_default(),
            first_message_at: time(r.first_message_at),
            link_sent_at: time(r.link_sent_at),
            form_opened_at: time(r.form_opened_at),
            submitted_at: time(r.submitted_at),
            completed_at: time(r.completed_at),
            decided_at: time(r.decided_at),
            handed_over_at: time(r.handed_over_at),
            stopped_at: time(r.stopped_at),
            status: r.status.map_or("none", |s| s.as_str()),
            outcome: r.outcome.as_str(),
            reminders: r.reminders,
            reached_moderators: r.reached_moderators(),
            reach: r.reach().as_str(),
            toxic: r.toxicity.toxic,
            toxic_category: r.toxicity.highest.map(|f| f.category.as_str()),
            toxic_severity: r.toxicity.highest.map(|f| f.severity.as_str()),
            toxic_texts: r
                .toxic_texts
                .iter()
                .map(text_ref)
                .collect::<Vec<_>>()
                .join(" "),
            form_seconds: r.form_seconds(),
            decision_seconds: r.decision_seconds(),
        }
    }
}

/// The rows as CSV with a header line (RFC 4180 quoting, by the `csv` crate).
pub fn to_csv(rows: &[ReadoutRow], names: Names<'_>) -> Result<Vec<u8>, csv::Error> {
    let mut w = CsvWriter::new();
    for r in rows {
        w.serialize(&ExportRow::new(r, names))?;
    }
    // An empty export still names its columns.
    if rows.is_empty() {
        w.write_record(COLUMNS)?;
    }
    w.into_bytes()
}

/// The project's one CSV writer: RFC 4180 quoting (the `csv` crate), and no cell a
/// spreadsheet would evaluate. A cell that begins with `=`, `+`, `-`, `@`, a tab or a
/// carriage return is written with a `'` in front (OWASP, "CSV Injection"), so that it
/// shows as the text it is: `-1-1` is a valid Reddit username, and opening an export must
/// not run it as a formula.
pub struct CsvWriter {
    out: csv::Writer<Vec<u8>>,
    /// A row was written: [`CsvWriter::serialize`] writes the header before the first.
    started: bool,
}

impl Default for CsvWriter {
    fn default() -> Self {
        Self::new()
    }
}

impl CsvWriter {
    pub fn new() -> Self {
        Self {
            out: csv::Writer::from_writer(Vec::new()),
            started: false,
        }
    }

    /// One row of cells.
    pub fn write_record<I, T>(&mut self, cells: I) -> Result<(), csv::Error>
    where
        I: IntoIterator<Item = T>,
        T: AsRef<str>,
    {
        self.started = true;
        let cells: Vec<String> = cells
            .into_iter()
            .map(|c| text_cell(c.as_ref()).into_owned())
            .collect();
        self.out.write_record(&cells)
    }

    /// One row from a struct's fields, in their order (the `csv` crate's serde rules); the
    /// first row is preceded by a header of the field names.
    pub fn serialize<S: Serialize>(&mut self, row: &S) -> Result<(), csv::Error> {
        // The csv crate turns the fields into cells; they are read back as cells so that
        // each goes through the same check as any other.
        let mut scratch = csv::WriterBuilder::new()
            .has_headers(!self.started)
            .from_writer(Vec::new());
        scratch.serialize(row)?;
        let bytes = scratch
            .into_inner()
            .map_err(|e| csv::Error::from(e.into_error()))?;
        let mut records = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(bytes.as_slice());
        for record in records.records() {
            self.write_record(&record?)?;
        }
        Ok(())
    }

    pub fn into_bytes(self) -> Result<Vec<u8>, csv::Error> {
        self.out
            .into_inner()
            .map_err(|e| csv::Error::from(e.into_error()))
    }
}

/// `cell`, or `'cell` when a spreadsheet would take it for a formula.
fn text_cell(cell: &str) -> Cow<'_, str> {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

/// The rows as a JSON array.
pub fn to_json(rows: &[ReadoutRow], names: Names<'_>) -> serde_json::Result<Vec<u8>> {
    let out: Vec<ExportRow> = rows.iter().map(|r| ExportRow::new(r, names)).collect();
    serde_json::to_vec_pretty(&out)
}

/// The CSV header, in [`ExportRow`]'s field order.
pub const COLUMNS: [&str; 26] = [
    "appeal_id",
    "subreddit",
    "user",
    "conversation_id",
    "group",
    "assigned_at",
    "started_at",
    "first_message_at",
    "link_sent_at",
    "form_opened_at",
    "submitted_at",
    "completed_at",
    "decided_at",
    "handed_over_at",
    "stopped_at",
    "status",
    "outcome",
    "reminders",
    "reached_moderators",
    "reach",
    "toxic",
    "toxic_category",
    "toxic_severity",
    "toxic_texts",
    "form_seconds",
    "decision_seconds",
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Secret;

    #[test]
    fn pseudonyms_are_keyed_stable_and_unlike_the_name() {
        let a = Signer::new(&Secret::new("one key".to_owned()));
        let b = Signer::new(&Secret::new("another key".to_owned()));
        let p = pseudonym(&a, "someone");
        assert_eq!(p, pseudonym(&a, "someone"));
        assert_ne!(p, pseudonym(&b, "someone"));
        assert_ne!(p, pseudonym(&a, "someone_else"));
        assert!(
            p.starts_with("u_") && p.len() == 18 && !p.contains("someone"),
            "{p}"
        );
    }

    #[test]
    fn cells_a_spreadsheet_would_evaluate_are_written_as_text() {
        let mut w = CsvWriter::new();
        let cells = ["-cmd", "=1+1", "@x", "+1", "\tx", "\rx", "plain", "a-b", ""];
        w.write_record(cells).expect("row");
        let bytes = w.into_bytes().expect("csv");
        let mut r = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(bytes.as_slice());
        let row = r.records().next().expect("a row").expect("csv");
        let read: Vec<&str> = row.iter().collect();
        assert_eq!(
            read,
            [
                "'-cmd", "'=1+1", "'@x", "'+1", "'\tx", "'\rx", "plain", "a-b", ""
            ]
        );
    }

    #[test]
    fn serialized_rows_get_a_header_and_the_same_check() {
        #[derive(Serialize)]
        struct Row<'a> {
            name: &'a str,
            n: i64,
            gone: Option<&'a str>,
        }
        let mut w = CsvWriter::new();
        for name in ["-1-1", "ok"] {
            w.serialize(&Row {
                name,
                n: -3,
                gone: None,
            })
            .expect("row");
        }
        let text = String::from_utf8(w.into_bytes().expect("csv")).expect("utf-8");
        assert_eq!(text, "name,n,gone\n'-1-1,'-3,\nok,'-3,\n");
    }

    #[test]
    fn empty_csv_has_its_header() {
        let csv = to_csv(&[], Names::Real).expect("csv");
        let text = String::from_utf8(csv).expect("utf-8");
        assert_eq!(text.trim_end(), COLUMNS.join(","));
    }
}
