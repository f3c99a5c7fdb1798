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
//! Reddit endpoints:
//!
//! | route | notes |
//! |---|---|
//! | `POST /api/v1/access_token` | Basic client auth, `grant_type=password`; bad user/password → 200 `{"error":"invalid_grant"}`, bad client → 401 |
//! | `GET /api/v1/me` | the bot |
//! | `GET /api/mod/conversations` | `entity`, `sort` (recent, mod, user, unread), `state`, `limit` (25, max 100), `after` |
//! | `GET /api/mod/conversations/{id}` | 404 unknown, 403 not a moderator |
//! | `POST /api/mod/conversations/{id}` | `body`, `isAuthorHidden`, `isInternal` → 201 |
//! | `POST /api/mod/conversations/{id}/archive` | 204 |
//! | `POST /api/mod/conversations/{id}/unarchive` | 200 |
//! | `GET /r/{sub}/about/banned?user=` | Listing |
//! | `GET /user/{name}/about` | 404 for deleted accounts; `is_suspended` |
//!
//! Behaviour worth knowing:
//! - A user's message moves an archived conversation to in progress; a moderator's (or the
//!   bot's) reply never changes the archived state, and moves a new one to in progress.
//! - Ban messages start archived, like Reddit's, with the reason quoted (`> reason`).
//! - A rate-limit window opens at the first call after the previous window closed; refused
//!   (429) calls count against it too. The token endpoint is not rate limited and calls with
//!   a bad token (401) carry no rate headers.
//! - Ids come from seeded counters in base36, so a seed and a script always give the same
//!   ids; the clock is real UTC plus an offset moved by [`Simulator::advance_clock`].

mod api;
mod config;
mod control;
mod faults;
mod html;
mod model;
mod ratelimit;
mod server;
mod simulator;
mod types;
mod wire;

pub use config::{BotAccount, SimConfig};
pub use html::escape as escape_html;
pub use model::{
    AccountStatus, Ban, ConvState, Conversation, Entry, Message, ModAction, SimError, Subreddit,
    User, base36,
};
pub use server::SimServer;
pub use simulator::Simulator;
pub use types::{
    BanOutcome, BanRequest, ClockAdvance, Counters, Endpoint, FaultMode, FaultRequest, LedgerEntry,
    LedgerKind, ModActionKind, ModActionRequest, ModMessage, NewSubreddit, NewUser, Posted,
    RateLimitConfig, UnbanRequest, UserMessage,
};
pub use wire::{date as reddit_date, date_compact as reddit_date_compact};
