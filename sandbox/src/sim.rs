//! HTTP clients for the two running services the scenario drives: the simulator's `/_sim/`
//! control API (as a script of Reddit users and moderators) and the website (as a browser).

use anyhow::{Context as _, bail};
use reddit_sim::{
    BanOutcome, BanRequest, LedgerEntry, ModMessage, NewSubreddit, Posted, UserMessage,
};
use serde::Serialize;

fn location(r: &reqwest::Response) -> Option<String> {
    r.headers()
        .get(reqwest::header::LOCATION)?
        .to_str()
        .ok()
        .map(str::to_owned)
}
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

    /// A subreddit moderated by `moderator`; the bot is not a moderator until it accepts the
    /// invite [`Self::invite_bot`] sends.
    pub async fn add_subreddit(&self, name: &str, moderator: &str) -> anyhow::Result<()> {
        let _: serde_json::Value = self
            .post(
                "/_sim/subreddits",
                &NewSubreddit {
                    name: name.to_owned(),
                    moderators: vec![moderator.to_owned()],
                    bot_is_mod: false,
                },
            )
            .await?;
        Ok(())
    }

    /// The subreddit's moderator invites `bot` with the Mail and Access permissions, as the
    /// sign-up page tells them to.
    pub async fn invite_bot(&self, subreddit: &str, bot: &str) -> anyhow::Result<()> {
        let _: serde_json::Value = self
            .post(
                &format!("/_sim/subreddits/{subreddit}/invites"),
                &reddit_sim::ModeratorRequest {
                    name: bot.to_owned(),
                    permissions: vec!["mail".to_owned(), "access".to_owned()],
                },
            )
            .await?;
        Ok(())
    }

    /// Whether `account` moderates `subreddit` now (the bot, once it accepted its invite).
    pub async fn is_moderator(&self, subreddit: &str, account: &str) -> anyhow::Result<bool> {
        let sub: serde_json::Value = self.get(&format!("/_sim/subreddits/{subreddit}")).await?;
        let mods = sub["moderators"].as_array().cloned().unwrap_or_default();
        Ok(mods.iter().any(|m| {
            m["user"]
                .as_str()
                .is_some_and(|u| u.eq_ignore_ascii_case(account))
        }))
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
        self.mod_message(conversation_id, moderator, body, false)
            .await
    }

    /// A moderator's private note in the conversation (a `!deny` command, say): only the
    /// moderators see it, and the bot reads it.
    pub async fn mod_note(
        &self,
        conversation_id: &str,
        moderator: &str,
        body: &str,
    ) -> anyhow::Result<()> {
        self.mod_message(conversation_id, moderator, body, true)
            .await
    }

    async fn mod_message(
        &self,
        conversation_id: &str,
        moderator: &str,
        body: &str,
        internal: bool,
    ) -> anyhow::Result<()> {
        let _: Posted = self
            .post(
                "/_sim/modmail/mod",
                &ModMessage {
                    conversation_id: conversation_id.to_owned(),
                    moderator: moderator.to_owned(),
                    body: body.to_owned(),
                    internal,
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

/// The website, as a browser uses it (with its session cookie, once logged in).
#[derive(Debug)]
pub struct WebClient {
    base: String,
    origin: String,
    http: reqwest::Client,
    cookie: std::sync::Mutex<Option<String>>,
}

impl Clone for WebClient {
    fn clone(&self) -> Self {
        Self {
            base: self.base.clone(),
            origin: self.origin.clone(),
            http: self.http.clone(),
            cookie: std::sync::Mutex::new(self.cookie()),
        }
    }
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
        Self {
            base,
            origin,
            http,
            cookie: std::sync::Mutex::new(None),
        }
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    fn cookie(&self) -> Option<String> {
        self.cookie.lock().map(|c| c.clone()).unwrap_or_default()
    }

    /// Keeps the site's session cookie, as a browser would.
    fn keep_cookie(&self, r: &reqwest::Response) {
        for v in r.headers().get_all(reqwest::header::SET_COOKIE) {
            let Ok(v) = v.to_str() else { continue };
            let pair = v
                .split(';')
                .next()
                .filter(|p| p.starts_with("appealmod_session="));
            if let (Some(pair), Ok(mut c)) = (pair, self.cookie.lock()) {
                *c = Some(pair.to_owned());
            }
        }
    }

    async fn send(
        &self,
        mut req: reqwest::RequestBuilder,
        url: &str,
    ) -> anyhow::Result<reqwest::Response> {
        if let Some(c) = self.cookie().filter(|_| url.starts_with(&self.base)) {
            req = req.header(reqwest::header::COOKIE, c);
        }
        let r = req
            .send()
            .await
            .with_context(|| format!("{url}: is the website running?"))?;
        self.keep_cookie(&r);
        Ok(r)
    }

    async fn get_page(&self, url: &str) -> anyhow::Result<(u16, String)> {
        let r = self.send(self.http.get(url), url).await?;
        let status = r.status().as_u16();
        Ok((
            status,
            r.text().await.with_context(|| format!("GET {url}"))?,
        ))
    }

    /// Logs in as `moderator` the way a person does, with the simulator's `sim_user`
    /// shortcut for the consent page: the site's /login → the simulator's authorize page →
    /// back to the site's callback with a code.
    pub async fn log_in(&self, moderator: &str) -> anyhow::Result<()> {
        let login = format!("{}/login", self.base);
        let r = self.send(self.http.get(&login), &login).await?;
        let authorize = location(&r).with_context(|| format!("{login} answered {}", r.status()))?;
        let approve = format!("{authorize}&sim_user={moderator}");
        let r = self.send(self.http.get(&approve), &approve).await?;
        let callback =
            location(&r).with_context(|| format!("the simulator answered {}", r.status()))?;
        let r = self.send(self.http.get(&callback), &callback).await?;
        if r.status().as_u16() != 303 {
            bail!(
                "the login of u/{moderator} failed ({}): {}",
                r.status(),
                r.text().await.unwrap_or_default()
            );
        }
        Ok(())
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
        let req = self
            .http
            .post(url)
            .header(reqwest::header::ORIGIN, &self.origin)
            .form(&all);
        let r = self.send(req, url).await?;
        let status = r.status().as_u16();
        Ok((
            status,
            r.text().await.with_context(|| format!("POST {url}"))?,
        ))
    }

    /// Signs a subreddit up through the console's sign-up page (logged in as one of its
    /// moderators): it starts pending until the bot accepts its invite.
    pub async fn sign_up(&self, subreddit: &str) -> anyhow::Result<()> {
        let url = format!("{}/signup", self.base);
        let (status, page) = self
            .submit(&url, |_| vec![("subreddit".into(), subreddit.to_owned())])
            .await?;
        if status != 303 {
            bail!("the sign-up of r/{subreddit} was refused ({status}): {page}");
        }
        Ok(())
    }

    /// Chooses the language appellants of `subreddit` are addressed in (a BCP 47 code the
    /// site ships), as a moderator does: the settings form posted as it stands, with only
    /// the language changed, then read back.
    pub async fn choose_language(&self, subreddit: &str, code: &str) -> anyhow::Result<()> {
        let url = format!("{}/dashboard/r/{subreddit}/settings", self.base);
        let (status, page) = self.get_page(&url).await?;
        if status != 200 {
            bail!("GET {url} answered {status}");
        }
        let mut fields =
            form::settings_fields(&page).with_context(|| format!("{url} has no settings form"))?;
        fields.retain(|(name, _)| name != "language");
        fields.push(("language".into(), code.to_owned()));
        fields.push(("action".into(), "save".into()));
        let req = self
            .http
            .post(&url)
            .header(reqwest::header::ORIGIN, &self.origin)
            .form(&fields);
        let r = self.send(req, &url).await?;
        let answered = r.status().as_u16();
        let (_, after) = self.get_page(&url).await?;
        if !after.contains(&format!(
            "<option value=\"{code}\" lang=\"{code}\" selected"
        )) {
            let body = r.text().await.unwrap_or_default();
            bail!("the language of r/{subreddit} was not saved ({answered}): {body}");
        }
        Ok(())
    }

    /// The console page of a subreddit (logged in).
    pub async fn console_page(&self, subreddit: &str) -> anyhow::Result<(u16, String)> {
        self.get_page(&format!("{}/dashboard/r/{subreddit}", self.base))
            .await
    }

    /// The console page of u/`user`'s latest appeal in `subreddit`, found as a moderator
    /// finds it: the appeal list searched by username.
    pub async fn appeal_page(&self, subreddit: &str, user: &str) -> anyhow::Result<String> {
        let list = format!("{}/dashboard/r/{subreddit}?user={user}", self.base);
        let (status, page) = self.get_page(&list).await?;
        if status != 200 {
            bail!("GET {list} answered {status}");
        }
        let prefix = format!("/dashboard/r/{subreddit}/appeals/");
        let href = page
            .match_indices("class=\"case-link\" href=\"")
            .map(|(i, m)| &page[i + m.len()..])
            .filter_map(|rest| rest.split('"').next())
            .find(|href| href.starts_with(&prefix))
            .with_context(|| format!("no appeal of u/{user} in the list at {list}"))?;
        Ok(format!("{}{href}", self.base))
    }

    /// Decides the appeal on its console page (`action`: grant, deny, reduce, claim) with
    /// the page's CSRF token, as the decision form does. Returns where the site sent the
    /// browser (the page again, with its notice).
    pub async fn decide(&self, appeal_page: &str, action: &str) -> anyhow::Result<String> {
        let url = format!("{appeal_page}/decide");
        let (status, page) = self.get_page(appeal_page).await?;
        if status != 200 {
            bail!("GET {appeal_page} answered {status}");
        }
        let csrf = form::csrf_of(&page).with_context(|| format!("{appeal_page}: no form"))?;
        let fields = [("csrf", csrf.as_str()), ("action", action)];
        let req = self
            .http
            .post(&url)
            .header(reqwest::header::ORIGIN, &self.origin)
            .form(&fields);
        let r = self.send(req, &url).await?;
        match location(&r) {
            Some(to) if r.status().as_u16() == 303 && to.contains("notice=decided") => Ok(to),
            _ => bail!(
                "the {action} of {appeal_page} was not recorded ({}, {:?})",
                r.status(),
                location(&r)
            ),
        }
    }

    /// A page anyone can open (an appellant's status page): status and text.
    pub async fn public_page(&self, url: &str) -> anyhow::Result<(u16, String)> {
        let r = self
            .http
            .get(url)
            .send()
            .await
            .with_context(|| format!("{url}: is the website running?"))?;
        let status = r.status().as_u16();
        Ok((
            status,
            r.text().await.with_context(|| format!("GET {url}"))?,
        ))
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
