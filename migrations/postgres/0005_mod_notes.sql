-- Reddit Mod Notes go through the journal like every other write: a new effect kind.
ALTER TABLE journal DROP CONSTRAINT journal_kind_check;
ALTER TABLE journal ADD CONSTRAINT journal_kind_check
    CHECK (kind IN ('reply', 'note', 'archive', 'unarchive', 'mod_note'));
