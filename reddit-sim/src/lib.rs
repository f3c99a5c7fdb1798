//! A local stand-in for Reddit's OAuth and modmail API.
//!
//! The bot's own Reddit client, tests, benchmarks and the `--sandbox` demo talk to it over
//! HTTP exactly as to Reddit: same paths, status codes, JSON shapes and `x-ratelimit-*`
//! headers. Point both the auth base URL and the API base URL at [`SimServer::base_url`].
//!
//! Around that, a control surface — `/_sim/` JSON routes and the same operations on
//! [`Simulator`] — scripts subreddits, users, bans and modmail, injects faults, moves the
//! clock, and reports counters and a ledger of every effect the bot applied. `/_sim` also
//! serves HTML pages for people watching.
//!
//! Reddit endpoints (a trailing `/` and `raw_json=1` are accepted everywhere):
//!
//! | route | notes |
//! |---|---|
//! | `POST /api/v1/access_token` | Basic client auth. Script app: `password` (scope `*`). Web app: `authorization_code` (single use, short-lived, same `redirect_uri`), `refresh_token`. Refusals are 200 `{"error": …}`; a bad client is 401 |
//! | `GET\|POST /api/v1/authorize` | consent page (choose a simulated user, Allow/Decline) or `&sim_user=NAME`; redirects with `state` and `code` or `error` |
//! | `GET /api/v1/me` | the token's account (`identity`) |
//! | `GET /subreddits/mine/moderator` | `t5` Listing with `mod_permissions`, the profile subreddit included (`mysubreddits`) |
//! | `GET /api/mod/conversations` | folders by `state` (default = `all`: states 0, 1, 3; unknown → 400 `INVALID_OPTION`); summaries: `objIds` = last message only |
//! | `POST /api/mod/conversations` | `srName`, `to`, `subject`, `body`, `isAuthorHidden` → 201; no `to` → mod discussion |
//! | `GET /api/mod/conversations/{id}` | every message and mod action; 404 unknown, 403 without `mail` |
//! | `POST /api/mod/conversations/{id}` | `body`, `isAuthorHidden`, `isInternal` → 201 |
//! | `POST /api/mod/conversations/{id}/archive` | 204 |
//! | `POST /api/mod/conversations/{id}/unarchive` | 200 |
//! | `GET /r/{sub}/about/banned?user=` | Listing (moderators with `access`) |
//! | `GET /r/{sub}/about/moderators` | `UserList` with `mod_permissions`, `date` |
//! | `GET /api/v1/{sub}/moderators_invited` | pending invites (moderators only) |
//! | `POST /r/{sub}/api/accept_moderator_invite` | `{"json": {"errors": []}}` or `NO_INVITE_FOUND` |
//! | `GET /user/{name}/about` | 404 for deleted accounts; `is_suspended` |
//! | `POST /api/mod/notes` | `subreddit`, `user`, `note` (≤ 250 characters), `label`?, `reddit_id`? → 200 `{"created": note}`; `BAD_SR_NAME`, `USER_DOESNT_EXIST`, `NO_TEXT`, `TOO_LONG`, `INVALID_OPTION`, `NO_THING_ID`; 403 without `access` (`modnote`) |
//! | `GET /api/mod/notes` | `subreddit`, `user`, `filter`, `limit`, `before` → `{mod_notes, start_cursor, end_cursor, has_next_page}`, newest first; user notes only (no action notes) |
//!
//! Behaviour worth knowing:
//! - A banned user's message files the conversation in Ban Appeals (state 3), also one the
//!   user started and one in the archive; anyone else's message brings an archived
//!   conversation back to in progress. A moderator's (or the bot's) reply never changes
//!   the archived or appeals state, and moves a new one to in progress.
//! - Ban messages start archived, like Reddit's, with the reason quoted (`> reason`).
//! - `body` is Reddit's HTML of `bodyMarkdown` (see `markdown.rs`); deleted accounts are
//!   `[deleted]`.
//! - Modmail needs a moderator with the `mail` permission (or `all`), whoever the token's
//!   account is: the bot, or a user logged in through the web app.
//! - Each account has its own rate-limit window; it opens at the first call after the
//!   previous one closed, and refused (429) calls count against it too. The token endpoint
//!   is not rate limited and calls with a bad token (401) carry no rate headers.
//! - Ids come from seeded counters in base36, so a seed and a script always give the same
//!   ids; the clock is real UTC plus an offset moved by [`Simulator::advance_clock`].

mod api;
mod config;
mod control;
mod faults;
mod html;
mod markdown;
mod model;
mod ratelimit;
mod server;
mod simulator;
mod types;
mod wire;

pub use config::{BotAccount, SimConfig, WebApp};
pub use html::escape as escape_html;
pub use markdown::body_html;
pub use model::{
    AccountStatus, Ban, ConvState, Conversation, Entry, Folder, MOD_NOTE_LABELS,
    MOD_NOTE_MAX_CHARS, Message, ModAction, ModNote, Moderator, PERMISSIONS, SimError, Subreddit,
    User, base36,
};
pub use server::SimServer;
pub use simulator::Simulator;
pub use types::{
    BanOutcome, BanRequest, CallStatus, ClockAdvance, Counters, Endpoint, FaultMode, FaultRequest,
    LedgerEntry, LedgerKind, ModActionKind, ModActionRequest, ModDiscussion, ModMessage,
    ModeratorRequest, NewSubreddit, NewUser, Posted, RateLimitConfig, UnbanRequest, UserMessage,
};
pub use wire::{date as reddit_date, date_compact as reddit_date_compact};
