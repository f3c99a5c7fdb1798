//! HTTP clients for the two running services the scenario drives: the simulator's `/_sim/`
//! control API (as a script of Reddit users and moderators) and the website (as a browser).

use anyhow::{Context as _, bail};
use reddit_sim::{
    BanOutcome, BanRequest, LedgerEntry, ModMessage, NewSubreddit, Posted, UserMessage,
};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::form;

/// The simulator's control API.
#[derive(Clone, Debug)]
pub struct SimClient {
    base: String,
    http: reqwest::Client,
}

impl SimClient {
    pub fn new(base: &str, http: reqwest::Client) -> Self {
        Self {
            base: base.trim_end_matches('/').to_owned(),
            http,
        }
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    async fn post<B: Serialize, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> anyhow::Result<T> {
        let url = format!("{}{path}", self.base);
        let r = self
            .http
            .post(&url)
            .json(body)
            .send()
            .await
            .with_context(|| format!("POST {url}: is the simulator running?"))?;
        let status = r.status();
        let text = r.text().await.with_context(|| format!("POST {url}"))?;
        if !status.is_success() {
            bail!("POST {url} answered {status}: {text}");
        }
        serde_json::from_str(&text).with_context(|| format!("POST {url}: unexpected answer {text}"))
    }

    async fn get<T: DeserializeOwned>(&self, path: &str) -> anyhow::Result<T> {
        let url = format!("{}{path}", self.base);
        let r = self
            .http
            .get(&url)
            .send()
            .await
            .with_context(|| format!("GET {url}: is the simulator running?"))?;
        let status = r.status();
        let text = r.text().await.with_context(|| format!("GET {url}"))?;
        if !status.is_success() {
            bail!("GET {url} answered {status}: {text}");
        }
        serde_json::from_str(&text).with_context(|| format!("GET {url}: unexpected answer {text}"))
    }

    pub async fn add_subreddit(&self, name: &str, moderator: &str) -> anyhow::Result<()> {
        let _: serde_json::Value = self
            .post(
                "/_sim/subreddits",
                &NewSubreddit {
                    name: name.to_owned(),
                    moderators: vec![moderator.to_owned()],
                    bot_is_mod: true,
                },
            )
            .await?;
        Ok(())
    }

    /// Bans `user` with a message; returns the ban conversation.
    pub async fn ban(
        &self,
        subreddit: &str,
        user: &str,
        note: &str,
        reason: &str,
        duration_days: Option<u32>,
    ) -> anyhow::Result<String> {
        let out: BanOutcome = self
            .post(
                "/_sim/bans",
                &BanRequest {
                    subreddit: subreddit.to_owned(),
                    user: user.to_owned(),
                    note: note.to_owned(),
                    reason: Some(reason.to_owned()),
                    duration_days,
                    send_message: true,
                    moderator: None,
                },
            )
            .await?;
        out.conversation_id
            .context("the simulator sent no ban message")
    }

    /// The user answers in their ban conversation.
    pub async fn user_writes(
        &self,
        subreddit: &str,
        user: &str,
        conversation_id: &str,
        body: &str,
    ) -> anyhow::Result<()> {
        let _: Posted = self
            .post(
                "/_sim/modmail/user",
                &UserMessage {
                    subreddit: subreddit.to_owned(),
                    user: user.to_owned(),
                    body: body.to_owned(),
                    subject: None,
                    conversation_id: Some(conversation_id.to_owned()),
                },
            )
            .await?;
        Ok(())
    }

    /// A human moderator answers the user.
    pub async fn mod_writes(
        &self,
        conversation_id: &str,
        moderator: &str,
        body: &str,
    ) -> anyhow::Result<()> {
        let _: Posted = self
            .post(
                "/_sim/modmail/mod",
                &ModMessage {
                    conversation_id: conversation_id.to_owned(),
                    moderator: moderator.to_owned(),
                    body: body.to_owned(),
                    internal: false,
                },
            )
            .await?;
        Ok(())
    }

    /// Every effect the bot applied to one conversation, in order.
    pub async fn ledger_for(&self, conversation_id: &str) -> anyhow::Result<Vec<LedgerEntry>> {
        self.get(&format!("/_sim/ledger/{conversation_id}")).await
    }

    /// Every effect the bot applied.
    pub async fn ledger(&self) -> anyhow::Result<Vec<LedgerEntry>> {
        self.get("/_sim/ledger").await
    }
}

/// The website, as a browser uses it.
#[derive(Clone, Debug)]
pub struct WebClient {
    base: String,
    origin: String,
    http: reqwest::Client,
}

impl WebClient {
    pub fn new(base: &str, http: reqwest::Client) -> Self {
        let base = base.trim_end_matches('/').to_owned();
        // Browsers send `scheme://host[:port]` as Origin on form posts.
        let origin = match base.find("://") {
            Some(i) => match base[i + 3..].find('/') {
                Some(j) => base[..i + 3 + j].to_owned(),
                None => base.clone(),
            },
            None => base.clone(),
        };
        Self { base, origin, http }
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    async fn get_page(&self, url: &str) -> anyhow::Result<(u16, String)> {
        let r = self
            .http
            .get(url)
            .send()
            .await
            .with_context(|| format!("GET {url}: is the website running?"))?;
        let status = r.status().as_u16();
        Ok((
            status,
            r.text().await.with_context(|| format!("GET {url}"))?,
        ))
    }

    /// GETs the form at `url` for its CSRF token, then POSTs `pairs` with it, as the browser
    /// does. Returns the answer's status and page.
    async fn submit(
        &self,
        url: &str,
        pairs: impl FnOnce(&str) -> Vec<(String, String)>,
    ) -> anyhow::Result<(u16, String)> {
        let (status, page) = self.get_page(url).await?;
        if status != 200 {
            bail!("GET {url} answered {status}");
        }
        let csrf = form::csrf_of(&page).with_context(|| format!("{url} has no CSRF field"))?;
        let mut all = vec![("csrf".to_owned(), csrf)];
        all.extend(pairs(&page));
        let r = self
            .http
            .post(url)
            .header(reqwest::header::ORIGIN, &self.origin)
            .form(&all)
            .send()
            .await
            .with_context(|| format!("POST {url}"))?;
        let status = r.status().as_u16();
        Ok((
            status,
            r.text().await.with_context(|| format!("POST {url}"))?,
        ))
    }

    /// Signs a subreddit up through the real sign-up form.
    pub async fn sign_up(&self, subreddit: &str, moderator: &str) -> anyhow::Result<()> {
        let url = format!("{}/signup", self.base);
        let (status, page) = self
            .submit(&url, |_| {
                vec![
                    ("name".into(), format!("Sandbox moderator of r/{subreddit}")),
                    ("email".into(), format!("{moderator}@example.org")),
                    ("reddit_username".into(), moderator.to_owned()),
                    (
                        "subreddit".into(),
                        format!("https://www.reddit.com/r/{subreddit}/"),
                    ),
                ]
            })
            .await?;
        if status != 200 {
            bail!("the sign-up of r/{subreddit} was refused ({status}): {page}");
        }
        Ok(())
    }

    /// Opens an appeal link and submits a complete, valid form.
    pub async fn fill_appeal(&self, link: &str) -> anyhow::Result<()> {
        let (status, page) = self.submit(link, form::answers_for).await?;
        if status != 200 {
            bail!("the appeal form at {link} was refused ({status}): {page}");
        }
        Ok(())
    }
}
