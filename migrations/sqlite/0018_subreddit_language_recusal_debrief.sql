-- Three console settings; NULL = the configured default (English, off, off).
-- The language appellants are addressed in: a BCP 47 code of a shipped language.
ALTER TABLE subreddits ADD COLUMN language TEXT
    CHECK (language IS NULL OR language IN ('en', 'de', 'fr', 'es', 'pt-BR'));
-- The moderator who issued a ban may not decide its appeal.
ALTER TABLE subreddits ADD COLUMN recusal BIGINT
    CHECK (recusal IS NULL OR recusal IN (0, 1));
-- A public, aggregate-only results page.
ALTER TABLE subreddits ADD COLUMN public_debrief BIGINT
    CHECK (public_debrief IS NULL OR public_debrief IN (0, 1));
