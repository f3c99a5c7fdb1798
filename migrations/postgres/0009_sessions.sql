-- The console's sessions, kept on the server so that a logout (or the bot finding a
-- moderator removed) ends every copy of the cookie. The cookie carries a random session id;
-- only its SHA-256 is stored here, so the database alone cannot produce a working cookie.
-- A session counts while it is not revoked, was used within web.session_idle_minutes and
-- is younger than web.session_hours; rows past that age are deleted at the next login.
-- Keep in step with migrations/sqlite/0009_sessions.sql.
CREATE TABLE sessions (
    id_hash      TEXT PRIMARY KEY,         -- hex SHA-256 of the cookie's session id
    username     TEXT NOT NULL,            -- lowercase key
    display_name TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,          -- touched at most once a minute
    revoked_at   BIGINT                    -- logout, or removed as a moderator by the bot
);
CREATE INDEX sessions_by_user ON sessions (username);
CREATE INDEX sessions_by_created ON sessions (created_at);
