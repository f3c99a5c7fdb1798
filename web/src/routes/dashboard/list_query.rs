//! The appeal list's query string, parsed once into typed values. A parameter the page does
//! not take, or a value it does not offer, is refused (400) with a message that says what
//! it takes: a mistyped filter must not quietly show the whole list.

use appealmod_shared::domain::{CaseOrder, CaseStatus, Group, UsernameSearch};
use appealmod_shared::storage::CaseFilter;

/// Lines per page of the appeal list.
pub const PAGE_SIZE: u32 = 50;
/// The deepest page anyone may ask for (half a million lines).
pub const MAX_PAGE: u32 = 10_000;

/// The parameters, as the error message lists them.
const PARAMETERS: &str = "sort, status, group, toxic, user and page";

/// A page number of the list, 1 to [`MAX_PAGE`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct PageNumber(u32);

impl PageNumber {
    pub const FIRST: Self = Self(1);

    pub fn parse(s: &str) -> Option<Self> {
        s.parse::<u32>()
            .ok()
            .filter(|n| (1..=MAX_PAGE).contains(n))
            .map(Self)
    }

    pub fn get(self) -> u32 {
        self.0
    }

    /// The same page, or the last one when the list is shorter.
    pub fn at_most(self, pages: u32) -> Self {
        Self(self.0.min(pages.max(1)))
    }

    /// The lines before this page.
    pub fn offset(self) -> u64 {
        u64::from(self.0 - 1) * u64::from(PAGE_SIZE)
    }
}

/// What the list shows: filters, order, page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListQuery {
    pub filter: CaseFilter,
    pub page: PageNumber,
}

impl Default for ListQuery {
    fn default() -> Self {
        Self {
            filter: CaseFilter::default(),
            page: PageNumber::FIRST,
        }
    }
}

/// Why a query string was refused; the message is shown on the 400 page.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QueryError {
    #[error("This list does not take “{0}”. It takes {PARAMETERS}.")]
    UnknownParameter(String),
    #[error("“{0}” is given more than once.")]
    Repeated(String),
    #[error("“{value}” is not a {name} of this list. Use one of: {allowed}.")]
    UnknownValue {
        name: &'static str,
        value: String,
        allowed: String,
    },
    #[error("No username contains “{value}”: {why}")]
    BadUser { value: String, why: String },
    #[error("“{0}” is not a page: use a whole number from 1 to {MAX_PAGE}.")]
    BadPage(String),
}

/// At most 40 characters of what was sent, for the message.
fn shown(value: &str) -> String {
    value.chars().take(40).collect()
}

fn unknown(name: &'static str, value: &str, allowed: &[&str]) -> QueryError {
    QueryError::UnknownValue {
        name,
        value: shown(value),
        allowed: allowed.join(", "),
    }
}

fn status_of(v: &str) -> Result<Option<CaseStatus>, QueryError> {
    if v.is_empty() {
        return Ok(None);
    }
    CaseStatus::parse(v).map(Some).ok_or_else(|| {
        let all: Vec<&str> = CaseStatus::ALL.iter().map(|s| s.as_str()).collect();
        unknown("status", v, &all)
    })
}

fn group_of(v: &str) -> Result<Option<Group>, QueryError> {
    match v {
        "" => Ok(None),
        "treatment" => Ok(Some(Group::Treatment)),
        "control" => Ok(Some(Group::Control)),
        other => Err(unknown("group", other, &["treatment", "control"])),
    }
}

fn toxic_of(v: &str) -> Result<Option<bool>, QueryError> {
    match v {
        "" => Ok(None),
        "yes" => Ok(Some(true)),
        "no" => Ok(Some(false)),
        other => Err(unknown("toxic choice", other, &["yes", "no"])),
    }
}

fn order_of(v: &str) -> Result<CaseOrder, QueryError> {
    if v.is_empty() {
        return Ok(CaseOrder::default());
    }
    CaseOrder::parse(v).ok_or_else(|| {
        let all: Vec<&str> = CaseOrder::ALL.iter().map(|o| o.as_str()).collect();
        unknown("sort order", v, &all)
    })
}

impl ListQuery {
    /// Parses the query string (without the `?`). An empty value means "any", as the
    /// filter form sends it.
    pub fn parse(query: &str) -> Result<Self, QueryError> {
        let mut out = Self::default();
        let mut seen: Vec<String> = Vec::new();
        for (name, value) in url::form_urlencoded::parse(query.as_bytes()) {
            if seen.iter().any(|s| *s == name) {
                return Err(QueryError::Repeated(shown(&name)));
            }
            seen.push(name.to_string());
            let v = value.trim();
            let f = &mut out.filter;
            match &*name {
                "sort" => f.order = order_of(v)?,
                "status" => f.status = status_of(v)?,
                "group" => f.group = group_of(v)?,
                "toxic" => f.toxic = toxic_of(v)?,
                "user" => {
                    f.user = UsernameSearch::parse(v).map_err(|e| QueryError::BadUser {
                        value: shown(v),
                        why: e.to_string(),
                    })?;
                }
                "page" if v.is_empty() => {}
                "page" => out.page = PageNumber::parse(v).ok_or(QueryError::BadPage(shown(v)))?,
                other => return Err(QueryError::UnknownParameter(shown(other))),
            }
        }
        Ok(out)
    }

    /// The query string of this list at `page`, without the values that are the defaults
    /// (empty for the unfiltered first page, sorted by waiting time).
    pub fn to_query(&self, page: PageNumber) -> String {
        let f = &self.filter;
        let mut q = url::form_urlencoded::Serializer::new(String::new());
        if f.order != CaseOrder::default() {
            q.append_pair("sort", f.order.as_str());
        }
        if let Some(s) = f.status {
            q.append_pair("status", s.as_str());
        }
        if let Some(g) = f.group {
            q.append_pair("group", g.as_str());
        }
        if let Some(t) = f.toxic {
            q.append_pair("toxic", if t { "yes" } else { "no" });
        }
        if let Some(u) = &f.user {
            q.append_pair("user", u.as_str());
        }
        if page != PageNumber::FIRST {
            q.append_pair("page", &page.get().to_string());
        }
        q.finish()
    }

    /// Whether anything narrows the list (for "no appeals match this filter").
    pub fn is_filtered(&self) -> bool {
        let f = &self.filter;
        f.status.is_some() || f.group.is_some() || f.toxic.is_some() || f.user.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_filter_form_and_the_links_round_trip() {
        let q = ListQuery::parse(
            "sort=newest&status=completed&group=control&toxic=yes&user=u%2FSome_One&page=3",
        )
        .expect("valid");
        assert_eq!(q.filter.order, CaseOrder::Newest);
        assert_eq!(q.filter.status, Some(CaseStatus::Completed));
        assert_eq!(q.filter.group, Some(Group::Control));
        assert_eq!(q.filter.toxic, Some(true));
        assert_eq!(q.filter.user.as_ref().map(|u| u.as_str()), Some("some_one"));
        assert_eq!(q.page.get(), 3);
        let again = ListQuery::parse(&q.to_query(q.page)).expect("own links parse");
        assert_eq!(again, q);
        // What the form sends when nothing is chosen is the default list.
        let empty = ListQuery::parse("sort=waiting&status=&group=&toxic=&user=+&page=")
            .expect("empty values");
        assert_eq!(empty, ListQuery::default());
        assert!(!empty.is_filtered());
        assert_eq!(empty.to_query(PageNumber::FIRST), "");
        assert_eq!(ListQuery::parse("").expect("none"), ListQuery::default());
    }

    #[test]
    fn anything_else_is_refused_with_what_the_list_takes() {
        let err = |q: &str| ListQuery::parse(q).expect_err(q).to_string();
        assert_eq!(
            err("status=nonsense"),
            "“nonsense” is not a status of this list. Use one of: contacted, reminded, \
             submitted, completed, granted, denied, abandoned, ignored, recorded."
        );
        assert!(err("group=both").contains("treatment, control"));
        assert!(err("toxic=maybe").contains("yes, no"));
        assert!(err("sort=oldest").contains("waiting, newest"));
        assert_eq!(
            err("stauts=completed"),
            "This list does not take “stauts”. It takes sort, status, group, toxic, user and page."
        );
        assert_eq!(err("page=1&page=2"), "“page” is given more than once.");
        for page in ["0", "-1", "x", "10001", "99999999999999999999"] {
            assert!(
                err(&format!("page={page}")).contains("whole number"),
                "{page}"
            );
        }
        assert!(err("user=a%25b").starts_with("No username contains “a%b”"));
        assert!(
            err(&format!("x{}", "y".repeat(100))).len() < 200,
            "long input is cut"
        );
    }

    #[test]
    fn pages_are_bounded() {
        let p = PageNumber::parse("10000").expect("last allowed");
        assert_eq!(p.offset(), 9_999 * 50);
        assert_eq!(p.at_most(3).get(), 3);
        assert_eq!(PageNumber::FIRST.at_most(0), PageNumber::FIRST);
    }
}
