-- The moderators' decision on an appeal, as they took it: grant, deny or reduce (a ban made
-- temporary, recorded as outcome 'denied': a ban remains), who decided, from where, and the
-- claim a moderator holds while deciding. `outcome` and `decided_at` stay the experiment's
-- record; a decision taken in the console or by a modmail command sets them in the same
-- transaction as the journal entries that carry it out.
ALTER TABLE appeals ADD COLUMN decision TEXT CHECK (decision IN ('grant', 'deny', 'reduce'));
ALTER TABLE appeals ADD COLUMN decided_by TEXT;
ALTER TABLE appeals ADD COLUMN decided_via TEXT
    CHECK (decided_via IN ('console', 'modmail_command', 'hand_unban', 'ban_check', 'retired'));
ALTER TABLE appeals ADD COLUMN reduced_to_days BIGINT;
ALTER TABLE appeals ADD COLUMN claimed_by TEXT;
ALTER TABLE appeals ADD COLUMN claimed_until BIGINT;
