-- The readout's and the live view's "link sent" time is the first done reply of an appeal:
-- a lookup per appeal that, without this index, scanned most of the journal (its rows are
-- mostly done) once per appeal on every live-view reload.
-- Keep in step with migrations/postgres/0008_journal_by_appeal.sql.
CREATE INDEX journal_by_appeal ON journal (appeal_id, kind, state);
