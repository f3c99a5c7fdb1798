//! How values are stored in a column, and the one checked path each of them takes back out.
//!
//! Every read goes through a private row struct (`sqlx::FromRow`, so by column name) whose
//! fields are plain SQL types or the types below. A stored value that does not decode — an
//! unknown enum string, a time no clock could have written, a name that no longer parses —
//! is therefore an error naming its column, never a default; [`read`] and [`get`] turn it
//! into [`StoreError::Corrupt`] naming the table (and the row id when the row has one).
//! Writes bind the same types, so each mapping exists once.

use chrono::{DateTime, Utc};
use sqlx::any::{Any, AnyRow};
use sqlx::encode::IsNull;
use sqlx::error::BoxDynError;
use sqlx::{Database, Decode, Encode, FromRow, Row, Type};

use super::{Result, StoreError};
use crate::domain::{
    ConversationId, Email, FormAnswers, FormQuestions, Messages, RedditUsername, SubredditName,
};
use appealmod_core::decide::verdict::DecisionTemplates;

type TypeInfo = <Any as Database>::TypeInfo;
type ValueRef<'r> = <Any as Database>::ValueRef<'r>;
type ArgumentBuffer<'q> = <Any as Database>::ArgumentBuffer<'q>;

/// Reads a row into its row struct by column name. A column that does not decode makes the
/// stored data corrupt; anything else (a column missing from the query) is a bug.
pub(crate) fn read<R>(row: &AnyRow, table: &str) -> Result<R>
where
    R: for<'r> FromRow<'r, AnyRow>,
{
    R::from_row(row).map_err(|e| column_error(row, table, e))
}

/// Reads one column by name, with the same error as [`read`].
pub(crate) fn get<T>(row: &AnyRow, table: &str, column: &str) -> Result<T>
where
    T: for<'r> Decode<'r, Any> + Type<Any>,
{
    row.try_get(column).map_err(|e| column_error(row, table, e))
}

fn column_error(row: &AnyRow, table: &str, e: sqlx::Error) -> StoreError {
    match e {
        sqlx::Error::ColumnDecode { index, source } => {
            // `Row::try_get` reports a name index in its Debug form ("\"status\"").
            let column = index.trim_matches('"');
            // Best effort: the id tells an operator which row to look at.
            let id = row
                .try_get::<i64, _>("id")
                .map(|id| format!(" (id {id})"))
                .unwrap_or_default();
            StoreError::corrupt(format!("{table}.{column}{id}: {source}"))
        }
        other => StoreError::Unexpected(other),
    }
}

/// A point in time, stored as Unix milliseconds (`BIGINT`): the Any driver has no portable
/// time type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Millis(pub DateTime<Utc>);

impl Millis {
    /// Every stored time comes from a clock or from Reddit, so none predates 1970: a
    /// negative value is corruption, as is one chrono cannot represent.
    fn from_stored(ms: i64) -> Result<Self, String> {
        if ms < 0 {
            return Err(format!("{ms} ms is before 1970, which no stored time is"));
        }
        DateTime::from_timestamp_millis(ms)
            .map(Self)
            .ok_or_else(|| format!("{ms} ms is out of the range of times"))
    }
}

impl Type<Any> for Millis {
    fn type_info() -> TypeInfo {
        <i64 as Type<Any>>::type_info()
    }
    fn compatible(ty: &TypeInfo) -> bool {
        <i64 as Type<Any>>::compatible(ty)
    }
}

impl<'r> Decode<'r, Any> for Millis {
    fn decode(value: ValueRef<'r>) -> Result<Self, BoxDynError> {
        let ms = <i64 as Decode<'r, Any>>::decode(value)?;
        Ok(Self::from_stored(ms)?)
    }
}

impl<'q> Encode<'q, Any> for Millis {
    fn encode_by_ref(&self, buf: &mut ArgumentBuffer<'q>) -> Result<IsNull, BoxDynError> {
        <i64 as Encode<'q, Any>>::encode_by_ref(&self.0.timestamp_millis(), buf)
    }
}

/// A yes/no flag, stored as 0 or 1 (`BIGINT`): the Any driver has no portable boolean.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Flag(pub bool);

impl Flag {
    fn from_stored(v: i64) -> Result<Self, String> {
        match v {
            0 => Ok(Self(false)),
            1 => Ok(Self(true)),
            other => Err(format!("{other} is not a 0/1 flag")),
        }
    }
}

impl Type<Any> for Flag {
    fn type_info() -> TypeInfo {
        <i64 as Type<Any>>::type_info()
    }
    fn compatible(ty: &TypeInfo) -> bool {
        <i64 as Type<Any>>::compatible(ty)
    }
}

impl<'r> Decode<'r, Any> for Flag {
    fn decode(value: ValueRef<'r>) -> Result<Self, BoxDynError> {
        let v = <i64 as Decode<'r, Any>>::decode(value)?;
        Ok(Self::from_stored(v)?)
    }
}

impl<'q> Encode<'q, Any> for Flag {
    fn encode_by_ref(&self, buf: &mut ArgumentBuffer<'q>) -> Result<IsNull, BoxDynError> {
        <i64 as Encode<'q, Any>>::encode_by_ref(&i64::from(self.0), buf)
    }
}

/// A value stored as text that must parse back into its type.
pub(crate) trait FromText: Sized {
    fn from_text(s: &str) -> Result<Self, String>;
}

/// An enum stored as text. Implemented only by [`stored_enum!`], which derives both
/// directions from one list.
pub(crate) trait StoredEnum: FromText + Copy + 'static {
    /// Every variant, in the order of the list (complete: `stored`'s `match` is exhaustive).
    #[cfg_attr(not(test), allow(dead_code))]
    const VARIANTS: &'static [Self];

    fn stored(self) -> &'static str;
}

/// Maps an enum to and from its stored strings, both directions from this one list; the
/// `match` in `stored` is exhaustive, so a new variant cannot be forgotten, and two variants
/// stored alike (the second would read back as the first) do not compile.
///
/// Every enum stored through this macro is listed in this module's round-trip test, which
/// fails naming any that is not.
macro_rules! stored_enum {
    ($ty:ty { $($variant:ident => $text:literal),+ $(,)? }) => {
        impl $crate::storage::column::StoredEnum for $ty {
            const VARIANTS: &'static [Self] = &[$(Self::$variant),+];

            fn stored(self) -> &'static str {
                match self {
                    $(Self::$variant => $text,)+
                }
            }
        }
        impl $crate::storage::column::FromText for $ty {
            fn from_text(s: &str) -> ::std::result::Result<Self, String> {
                match s {
                    $($text => Ok(Self::$variant),)+
                    other => Err(format!("unknown value {other:?}")),
                }
            }
        }
        const _: () = $crate::storage::column::distinct_texts(&[$($text),+]);
    };
}
pub(crate) use stored_enum;

/// Stops the build (a panic in a constant) when two variants would be stored alike.
pub(crate) const fn distinct_texts(texts: &[&str]) {
    let mut i = 0;
    while i < texts.len() {
        assert!(!texts[i].is_empty(), "a stored enum value is empty");
        let mut j = i + 1;
        while j < texts.len() {
            assert!(
                !same_text(texts[i], texts[j]),
                "two variants of a stored enum are stored alike"
            );
            j += 1;
        }
        i += 1;
    }
}

const fn same_text(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut k = 0;
    while k < a.len() {
        if a[k] != b[k] {
            return false;
        }
        k += 1;
    }
    true
}

/// A column holding text that parses into `T` (a name, an enum, a JSON document).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Text<T>(pub T);

impl<T> Type<Any> for Text<T> {
    fn type_info() -> TypeInfo {
        <String as Type<Any>>::type_info()
    }
    fn compatible(ty: &TypeInfo) -> bool {
        <String as Type<Any>>::compatible(ty)
    }
}

impl<'r, T: FromText> Decode<'r, Any> for Text<T> {
    fn decode(value: ValueRef<'r>) -> Result<Self, BoxDynError> {
        let s = <String as Decode<'r, Any>>::decode(value)?;
        Ok(Self(T::from_text(&s)?))
    }
}

/// Only enums are written through `Text`: names are written as their key or their display
/// spelling depending on the column, JSON through `serde_json`.
impl<'q, E: StoredEnum> Encode<'q, Any> for Text<E> {
    fn encode_by_ref(&self, buf: &mut ArgumentBuffer<'q>) -> Result<IsNull, BoxDynError> {
        let s: &'q str = self.0.stored();
        <&'q str as Encode<'q, Any>>::encode(s, buf)
    }
}

macro_rules! parsed_text {
    ($($ty:ty),+) => {
        $(impl FromText for $ty {
            fn from_text(s: &str) -> Result<Self, String> {
                <$ty>::parse(s).map_err(|e| e.to_string())
            }
        })+
    };
}
parsed_text!(SubredditName, RedditUsername, ConversationId, Email);

macro_rules! json_text {
    ($($ty:ty),+) => {
        $(impl FromText for $ty {
            fn from_text(s: &str) -> Result<Self, String> {
                serde_json::from_str(s).map_err(|e| format!("invalid JSON: {e}"))
            }
        })+
    };
}
json_text!(Messages, FormQuestions, FormAnswers, DecisionTemplates);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_before_1970_or_out_of_range_are_refused() {
        assert_eq!(
            Millis::from_stored(1_700_000_000_123).map(|m| m.0.timestamp_millis()),
            Ok(1_700_000_000_123)
        );
        assert_eq!(
            Millis::from_stored(0).map(|m| m.0),
            Ok(DateTime::<Utc>::UNIX_EPOCH),
            "0 is a time a clock could write"
        );
        assert!(Millis::from_stored(-1).is_err());
        assert!(Millis::from_stored(i64::MAX).is_err());
    }

    #[test]
    fn flags_are_0_or_1() {
        assert_eq!(Flag::from_stored(0), Ok(Flag(false)));
        assert_eq!(Flag::from_stored(1), Ok(Flag(true)));
        assert!(Flag::from_stored(2).is_err());
        assert!(Flag::from_stored(-1).is_err());
    }

    /// Every variant reads back as itself; an unknown string is refused.
    fn round_trips<E: StoredEnum + PartialEq + std::fmt::Debug>() {
        assert!(!E::VARIANTS.is_empty());
        for &e in E::VARIANTS {
            assert_eq!(E::from_text(e.stored()), Ok(e));
        }
        assert!(E::from_text("no such value").is_err());
    }

    /// Runs [`round_trips`] for each type and returns the names it was given.
    macro_rules! each_stored_enum {
        ($($ty:ident),+ $(,)?) => {{
            $(round_trips::<$ty>();)+
            vec![$(stringify!($ty)),+]
        }};
    }

    /// Stored enums that are private to their table's file, so this module cannot name
    /// them: their two directions come from one list like every other's, and the
    /// `distinct_texts` check in [`stored_enum!`] is what makes that list read back.
    const PRIVATE: &[&str] = &["StandingKind"];

    #[test]
    fn every_stored_enum_reads_back_what_it_writes() {
        use crate::domain::{AppealStatus, Group, Language, Outcome, SubredditState};
        use crate::storage::{ActivityKind, EffectKind, EffectState, StepKind};
        use appealmod_core::decide::verdict::Channel;
        use appealmod_core::toxicity::{Category, Severity};
        let mut listed = each_stored_enum!(
            ActivityKind,
            AppealStatus,
            Category,
            Channel,
            EffectKind,
            EffectState,
            Group,
            Language,
            Outcome,
            Severity,
            StepKind,
            SubredditState,
        );
        listed.extend(PRIVATE);
        listed.sort_unstable();
        let defined = stored_enums_in_storage();
        assert_eq!(
            listed, defined,
            "every `stored_enum!` in shared/src/storage is listed in this test (or in PRIVATE)"
        );
    }

    /// The types of every `stored_enum!(Type { … })` in `shared/src/storage/`, sorted.
    fn stored_enums_in_storage() -> Vec<&'static str> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/storage");
        let mut names = Vec::new();
        for entry in std::fs::read_dir(&dir).expect("shared/src/storage") {
            let path = entry.expect("entry").path();
            if path.extension().is_none_or(|e| e != "rs") || path.ends_with("column.rs") {
                continue;
            }
            let text = std::fs::read_to_string(&path).expect("read");
            for after in text.split("\nstored_enum!(").skip(1) {
                let name = after.split_whitespace().next().expect("a type name");
                names.push(&*String::leak(name.to_owned()));
            }
        }
        names.sort_unstable();
        names
    }

    #[test]
    fn text_parses_or_names_what_is_wrong() {
        assert!(SubredditName::from_text("pics").is_ok());
        assert!(SubredditName::from_text("").is_err());
        let e = Messages::from_text("{not json").expect_err("invalid");
        assert!(e.starts_with("invalid JSON"), "{e}");
    }
}
