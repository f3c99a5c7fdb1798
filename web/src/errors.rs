//! What can go wrong while serving a page, and the HTML page each failure shows.

use actix_web::http::StatusCode;
use actix_web::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use actix_web::{HttpResponse, ResponseError};
use askama::Template;

use appealmod_core::domain::Language;
use appealmod_core::i18n;
use appealmod_shared::storage::StoreError;

use crate::csrf::CsrfError;
use crate::i18n::Tr;

/// Expected failures are kept apart from `Unexpected`, which is logged with its cause chain.
#[derive(Debug, thiserror::Error)]
pub enum PageError {
    #[error("page not found")]
    NotFound,
    /// Not a link the site signed (or its appeal is gone): nothing says whose it is.
    #[error("appeal link not valid")]
    LinkInvalid,
    /// Expired before the form was sent; writing again brings a fresh link.
    #[error("appeal link expired")]
    LinkExpired(Conversation),
    /// Expired, and the reminders are used up: writing again reaches the moderators.
    #[error("appeal link expired after the last reminder")]
    LinkExpiredHandedOver(Conversation),
    /// Signed by us, but the bot has since sent a newer link for the same appeal.
    #[error("appeal link replaced by a newer one")]
    LinkReplaced(Conversation),
    #[error("form refused: {0}")]
    Csrf(#[from] CsrfError),
    #[error("request body too large")]
    TooLarge,
    #[error("request body is not a form")]
    BadBody,
    #[error("request body did not arrive in time")]
    BodyTimeout,
    #[error("too many requests")]
    RateLimited,
    /// Too many logins from this client, or too many codes exchanged with Reddit by the
    /// whole site: `Retry-After` says when a try can work again.
    #[error("too many login attempts")]
    LoginRateLimited { retry_after: std::time::Duration },
    /// Not logged in (or the record of who moderates what is stale): to the login, which
    /// returns to the page afterwards. The value is where to send the browser.
    #[error("login required")]
    LoginRequired(String),
    /// The site has no `web.login` configured.
    #[error("the moderator console is not set up")]
    ConsoleOff,
    #[error("login failed: {0:?}")]
    LoginFailed(LoginFailure),
    /// A sign-up of a subreddit the user does not moderate with Mail or full permissions.
    #[error("not a moderator of that subreddit")]
    NotModerator,
    /// The database did not answer in time (`database.web_acquire_timeout_ms`): 503 with
    /// `Retry-After`, soon rather than after a long wait.
    #[error("the database is unavailable")]
    Unavailable,
    #[error("unexpected error: {0:#}")]
    Unexpected(anyhow::Error),
}

/// Where the appellant of a link that no longer opens the form writes instead: the
/// subreddit and their modmail conversation with it (the link names the appeal).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conversation {
    pub subreddit: String,
    /// `web.modmail_url` with the conversation's id.
    pub url: String,
    /// The subreddit's language: the page about its appeal speaks it.
    pub language: Language,
}

/// Why a Reddit login did not work, as the page explains it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginFailure {
    /// The moderator chose "Decline" on Reddit.
    Denied,
    /// The `state` does not match this browser's login attempt (a replayed or forged link,
    /// or a login started in another browser).
    BadState,
    /// Reddit refused the code (used already, or expired).
    CodeRefused,
    /// Reddit did not answer, or answered in a way the site cannot use.
    RedditDown,
    /// The site's web-app credentials are wrong.
    Misconfigured,
}

impl From<StoreError> for PageError {
    fn from(e: StoreError) -> Self {
        Self::from(anyhow::Error::new(e).context("database request failed"))
    }
}

/// A database that does not answer is [`PageError::Unavailable`] wherever it is met, also
/// under the context a handler added.
impl From<anyhow::Error> for PageError {
    fn from(e: anyhow::Error) -> Self {
        let away = e.chain().any(|c| {
            c.downcast_ref::<StoreError>()
                .is_some_and(StoreError::is_unavailable)
        });
        if away {
            tracing::warn!(
                error = format!("{e:#}"),
                "database unavailable; answered 503"
            );
            Self::Unavailable
        } else {
            Self::Unexpected(e)
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    pub tr: Tr,
    pub heading: String,
    pub message: Sentence,
    pub hint: Option<String>,
    /// Where the reader goes next, if the site has a page that helps them.
    pub next: Option<NextLink>,
}

/// [`NextStep`] as the page shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NextLink {
    pub href: &'static str,
    pub text: String,
}

/// The sentence under an error page's heading, which may link to one place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sentence {
    pub before: String,
    /// `(href, text)`, shown between `before` and `after`.
    pub link: Option<(String, String)>,
    pub after: String,
}

impl Sentence {
    fn plain(text: &str) -> Self {
        Self {
            before: text.to_owned(),
            link: None,
            after: String::new(),
        }
    }

    /// The message `id` of `lang`, whose `$conversation` is a link to the appellant's
    /// modmail conversation with the subreddit (wherever the language puts it).
    fn to_conversation(lang: Language, id: &str, to: &Conversation) -> Self {
        // A character no text contains marks where the link goes.
        const MARK: &str = "\u{E000}";
        let text = i18n::format(lang, id, &[("conversation", MARK.into())]);
        let (before, after) = text.split_once(MARK).unwrap_or((&text, ""));
        Self {
            before: before.to_owned(),
            link: Some((
                to.url.clone(),
                Tr(lang).sub("link-conversation", &to.subreddit),
            )),
            after: after.to_owned(),
        }
    }
}

/// The link at the bottom of an error page. Appellants get none: the home page is the
/// moderators' sign-up site, and what helps them (writing in their modmail conversation)
/// is in the page's text; moderators get the page they were on the way to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NextStep {
    pub href: &'static str,
    pub text: &'static str,
}

impl NextStep {
    const CONSOLE: Self = Self {
        href: "/dashboard",
        text: "Moderators: go to the console",
    };
    const LOG_IN: Self = Self {
        href: "/login?next=/dashboard",
        text: "Log in with Reddit again",
    };
    const SIGN_UP: Self = Self {
        href: "/signup",
        text: "Back to the sign-up page",
    };
    const HOME: Self = Self {
        href: "/",
        text: "Go to the home page",
    };

    /// The link in the page's language: the one an appellant may meet is translated, the
    /// console's own stay English like the console.
    fn shown(self, lang: Language) -> NextLink {
        let text = if self == Self::CONSOLE {
            i18n::text(lang, "error-to-console")
        } else {
            self.text.to_owned()
        };
        NextLink {
            href: self.href,
            text,
        }
    }
}

/// An error page's heading, sentence and hint, before the link under them: the texts
/// themselves on the console's pages (in English), message ids of the translated texts on
/// a page anyone may meet.
type Text = (&'static str, &'static str, Option<&'static str>);

impl PageError {
    /// The page, in `requested` (the browser's language) where it names no subreddit; a
    /// link's page speaks its subreddit's language, the console's pages English.
    pub fn page(&self, requested: Language) -> ErrorPage {
        let (lang, heading, message, hint) = match self {
            Self::LinkInvalid
            | Self::LinkExpired(_)
            | Self::LinkExpiredHandedOver(_)
            | Self::LinkReplaced(_) => {
                let lang = self.link_language().unwrap_or(requested);
                let (heading, message) = self.link_text(lang);
                (lang, heading, message, None)
            }
            Self::LoginRateLimited { .. }
            | Self::LoginRequired(_)
            | Self::ConsoleOff
            | Self::NotModerator
            | Self::LoginFailed(_) => {
                let (heading, message, hint) = self.console_text();
                (
                    Language::English,
                    heading.to_owned(),
                    Sentence::plain(message),
                    hint.map(str::to_owned),
                )
            }
            Self::NotFound
            | Self::Csrf(_)
            | Self::TooLarge
            | Self::BadBody
            | Self::BodyTimeout
            | Self::RateLimited
            | Self::Unavailable
            | Self::Unexpected(_) => {
                let (heading, message, hint) = self.site_text();
                let t = |id| i18n::text(requested, id);
                (
                    requested,
                    t(heading),
                    Sentence::plain(&t(message)),
                    hint.map(t),
                )
            }
        };
        ErrorPage {
            tr: Tr(lang),
            heading,
            message,
            hint,
            next: self.next_step().map(|n| n.shown(lang)),
        }
    }

    /// The language of the subreddit a link's appeal belongs to, when the link named one.
    fn link_language(&self) -> Option<Language> {
        match self {
            Self::LinkExpired(to) | Self::LinkExpiredHandedOver(to) | Self::LinkReplaced(to) => {
                Some(to.language)
            }
            _ => None,
        }
    }

    /// An appellant's link that no longer opens the form: one sentence that says where to
    /// write instead, linking their conversation when the link named the appeal.
    fn link_text(&self, lang: Language) -> (String, Sentence) {
        let t = |id| i18n::text(lang, id);
        match self {
            Self::LinkExpired(to) => (
                t("link-expired"),
                Sentence::to_conversation(lang, "link-expired-text", to),
            ),
            Self::LinkExpiredHandedOver(to) => (
                t("link-expired"),
                Sentence::to_conversation(lang, "link-expired-handed-over-text", to),
            ),
            Self::LinkReplaced(to) => (
                t("link-replaced"),
                Sentence::to_conversation(lang, "link-replaced-text", to),
            ),
            _ => (t("link-invalid"), Sentence::plain(&t("link-invalid-text"))),
        }
    }

    /// Failures of the moderators' console and its login.
    fn console_text(&self) -> Text {
        match self {
            Self::LoginRateLimited { .. } => (
                "Too many login attempts",
                "There have been many login attempts in a short time, so this one could not go on.",
                Some("Please wait a minute and log in again."),
            ),
            Self::LoginRequired(_) => ("Log in", "Log in with Reddit to continue.", None),
            Self::ConsoleOff => (
                "The moderator console is not set up",
                "This site has no Reddit login configured, so the console cannot be used.",
                Some("The operator sets web.login (a Reddit web app) in the configuration."),
            ),
            Self::NotModerator => (
                "You cannot sign that subreddit up",
                "You can sign up only subreddits you moderate with the Mail or full permissions, as Reddit showed them when you logged in.",
                Some("If you were made a moderator just now, log out and log in again."),
            ),
            Self::LoginFailed(f) => login_failure_text(*f),
            _ => (
                "Something went wrong",
                "We could not complete your request because of a problem on our side.",
                None,
            ),
        }
    }

    /// Failures anyone may meet: a missing page, a form post, the database away.
    fn site_text(&self) -> Text {
        match self {
            Self::NotFound => (
                "error-not-found",
                "error-not-found-text",
                Some("error-not-found-hint"),
            ),
            Self::Csrf(CsrfError::Expired) => (
                "error-expired",
                "error-expired-text",
                Some("error-reload-hint"),
            ),
            Self::Csrf(_) => (
                "error-unverified",
                "error-unverified-text",
                Some("error-reload-hint"),
            ),
            Self::TooLarge => (
                "error-too-large",
                "error-too-large-text",
                Some("error-too-large-hint"),
            ),
            Self::BadBody => (
                "error-bad-body",
                "error-bad-body-text",
                Some("error-reload-hint"),
            ),
            Self::BodyTimeout => (
                "error-body-timeout",
                "error-body-timeout-text",
                Some("error-body-timeout-hint"),
            ),
            Self::RateLimited => (
                "error-rate-limited",
                "error-rate-limited-text",
                Some("error-rate-limited-hint"),
            ),
            Self::Unavailable => (
                "error-unavailable",
                "error-unavailable-text",
                Some("error-unavailable-hint"),
            ),
            _ => (
                "error-unexpected",
                "error-unexpected-text",
                Some("error-unexpected-hint"),
            ),
        }
    }

    /// The link under the text: none for an appellant's link, the console's way on for a
    /// moderator, and for failures either may meet (a form post, a missing page) a link
    /// that says it is for moderators.
    fn next_step(&self) -> Option<NextStep> {
        match self {
            Self::LinkInvalid
            | Self::LinkExpired(_)
            | Self::LinkExpiredHandedOver(_)
            | Self::LinkReplaced(_)
            | Self::LoginRequired(_)
            | Self::Unavailable => None,
            Self::NotFound
            | Self::Csrf(_)
            | Self::TooLarge
            | Self::BadBody
            | Self::BodyTimeout
            | Self::RateLimited
            | Self::Unexpected(_) => Some(NextStep::CONSOLE),
            Self::NotModerator => Some(NextStep::SIGN_UP),
            Self::LoginRateLimited { .. } => Some(NextStep::HOME),
            Self::LoginFailed(LoginFailure::Misconfigured) | Self::ConsoleOff => {
                Some(NextStep::HOME)
            }
            Self::LoginFailed(_) => Some(NextStep::LOG_IN),
        }
    }
}

impl ResponseError for PageError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::NotFound | Self::LinkInvalid => StatusCode::NOT_FOUND,
            Self::LinkExpired(_) | Self::LinkExpiredHandedOver(_) | Self::LinkReplaced(_) => {
                StatusCode::GONE
            }
            Self::Csrf(_) => StatusCode::FORBIDDEN,
            Self::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::BadBody => StatusCode::BAD_REQUEST,
            Self::BodyTimeout => StatusCode::REQUEST_TIMEOUT,
            Self::RateLimited | Self::LoginRateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::LoginRequired(_) => StatusCode::SEE_OTHER,
            Self::ConsoleOff => StatusCode::NOT_FOUND,
            Self::NotModerator => StatusCode::FORBIDDEN,
            Self::LoginFailed(LoginFailure::BadState | LoginFailure::CodeRefused) => {
                StatusCode::BAD_REQUEST
            }
            Self::LoginFailed(LoginFailure::Denied) => StatusCode::FORBIDDEN,
            Self::LoginFailed(LoginFailure::RedditDown) => StatusCode::BAD_GATEWAY,
            Self::LoginFailed(LoginFailure::Misconfigured) => StatusCode::INTERNAL_SERVER_ERROR,
            Self::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            Self::Unexpected(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        self.response_in(Language::English)
    }
}

impl PageError {
    /// The answer, its page in `requested` where the page names no subreddit
    /// ([`PageError::page`]). `error_response` (an error a handler returns) uses English;
    /// what an appellant may meet is answered here in the browser's language
    /// (`i18n::requested`) by its caller: the appeal link's GET and POST, the POST rate limit
    /// (`middleware`) and the page for an unknown path (`routes::not_found`).
    pub fn response_in(&self, requested: Language) -> HttpResponse {
        match self {
            Self::Unexpected(e) => tracing::error!(error = ?e, "request failed"),
            Self::Csrf(e) => tracing::warn!(reason = %e, "form refused"),
            // The connection is closed after the answer (`middleware::hold_body_until_answered`).
            Self::BodyTimeout => tracing::warn!("form body too slow; connection closed"),
            _ => {}
        }
        if let Self::LoginRequired(to) = self {
            return HttpResponse::SeeOther()
                .insert_header((actix_web::http::header::LOCATION, to.as_str()))
                .insert_header((CACHE_CONTROL, "no-store"))
                .finish();
        }
        let mut resp = render(self.status_code(), &self.page(requested));
        let retry_after = match self {
            Self::RateLimited | Self::Unavailable => Some(60),
            // Whole seconds, rounded up: a client that waits this long finds a token.
            Self::LoginRateLimited { retry_after } => {
                Some(retry_after.as_secs() + u64::from(retry_after.subsec_nanos() > 0))
            }
            _ => None,
        };
        if let Some(secs) = retry_after {
            resp.headers_mut().insert(
                actix_web::http::header::RETRY_AFTER,
                actix_web::http::header::HeaderValue::from(secs.max(1)),
            );
        }
        resp
    }
}

fn login_failure_text(f: LoginFailure) -> Text {
    match f {
        LoginFailure::Denied => (
            "You did not allow the login",
            "Reddit says you declined. The console needs to know who you are and which subreddits you moderate; it asks for nothing else.",
            Some("Log in again and choose Allow."),
        ),
        LoginFailure::BadState => (
            "This login link is not valid here",
            "The answer from Reddit does not belong to a login started in this browser, or it was used already.",
            Some("Start the login again."),
        ),
        LoginFailure::CodeRefused => (
            "Reddit did not accept this login",
            "The login code was used already or has expired.",
            Some("Start the login again."),
        ),
        LoginFailure::RedditDown => (
            "Reddit did not answer",
            "We could not reach Reddit to finish your login. Nothing is wrong with your account.",
            Some("Please try again in a minute."),
        ),
        LoginFailure::Misconfigured => (
            "The login is not set up correctly",
            "Reddit refused this site's login credentials.",
            Some("The operator must check web.login.client_id and client_secret."),
        ),
    }
}

/// Renders a template as an HTML response. Personal pages must not be cached by shared
/// caches or the browser's back-forward history, so nothing HTML is stored.
pub fn render<T: Template>(status: StatusCode, page: &T) -> HttpResponse {
    match page.render() {
        Ok(body) => HttpResponse::build(status)
            .insert_header((CONTENT_TYPE, "text/html; charset=utf-8"))
            .insert_header((CACHE_CONTROL, "no-store"))
            .body(body),
        Err(e) => {
            tracing::error!(error = %e, "template rendering failed");
            HttpResponse::InternalServerError()
                .insert_header((CONTENT_TYPE, "text/plain; charset=utf-8"))
                .body("Something went wrong on our side. Please try again later.")
        }
    }
}
