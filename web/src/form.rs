//! Reading `application/x-www-form-urlencoded` bodies with a size and a time limit.
//!
//! Forms are read by hand rather than through `web::Form` because the appeal form's fields
//! depend on the subreddit's questions and checkboxes repeat a name, which
//! `serde_urlencoded` cannot collect.

use std::time::Duration;

use actix_web::HttpRequest;
use actix_web::http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use actix_web::web;
use futures_util::StreamExt;

use crate::errors::PageError;

/// Far above any honest form (the longest appeal is a few thousand characters).
pub const FORM_LIMIT: usize = 64 * 1024;

/// Time a whole form body may take to arrive. actix bounds only the request head
/// (`client_request_timeout`); without this a client sending a byte now and then would hold
/// the connection and a handler forever. 64 KiB in 10 s is 6.4 KB/s, far below any real
/// connection.
pub const BODY_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Debug, Default, Clone)]
pub struct FormData(Vec<(String, String)>);

impl FormData {
    /// Reads the body, refusing it when it is not a form, larger than [`FORM_LIMIT`] or not
    /// complete within `timeout`.
    pub async fn read(
        req: &HttpRequest,
        payload: web::Payload,
        timeout: Duration,
    ) -> Result<Self, PageError> {
        let ctype = req
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        if !ctype
            .to_ascii_lowercase()
            .starts_with("application/x-www-form-urlencoded")
        {
            return Err(PageError::BadBody);
        }
        // Refuse early when the client announces too much, without reading it.
        let announced = req
            .headers()
            .get(CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok());
        if announced.is_some_and(|n| n > FORM_LIMIT) {
            return Err(PageError::TooLarge);
        }
        let body = tokio::time::timeout(timeout, collect(payload))
            .await
            .map_err(|_| PageError::BodyTimeout)??;
        Ok(Self::parse(&body))
    }

    pub fn parse(body: &[u8]) -> Self {
        Self(
            url::form_urlencoded::parse(body)
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        )
    }

    /// The first value of `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every field, in the order sent.
    pub fn pairs(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// Every value of `name`, in order (checkbox groups).
    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.0
            .iter()
            .filter(move |(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

async fn collect(mut payload: web::Payload) -> Result<web::BytesMut, PageError> {
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|_| PageError::BadBody)?;
        if body.len() + chunk.len() > FORM_LIMIT {
            return Err(PageError::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_names_and_decoding() {
        let f = FormData::parse(b"a=1&b=x+y&a=2&c=%3Cscript%3E");
        assert_eq!(f.get("a"), Some("1"));
        assert_eq!(f.all("a").collect::<Vec<_>>(), vec!["1", "2"]);
        assert_eq!(f.get("b"), Some("x y"));
        assert_eq!(f.get("c"), Some("<script>"));
        assert_eq!(f.get("d"), None);
    }
}
