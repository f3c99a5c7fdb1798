//! Moderators, their permissions and pending moderator invites.

use chrono::{DateTime, Utc};

use super::{Moderator, Sim, SimError, base36, key};

/// Reddit's moderator permission names; `all` stands for every one of them.
pub const PERMISSIONS: &[&str] = &[
    "all",
    "access",
    "chat_config",
    "chat_operator",
    "config",
    "flair",
    "mail",
    "posts",
    "wiki",
];

fn checked(permissions: &[String]) -> Result<Vec<String>, SimError> {
    let mut out: Vec<String> = Vec::new();
    for p in permissions {
        let p = p.trim().to_lowercase();
        if !PERMISSIONS.contains(&p.as_str()) {
            return Err(SimError::Invalid(format!(
                "unknown moderator permission {p:?}; Reddit's are {}",
                PERMISSIONS.join(", ")
            )));
        }
        if !out.contains(&p) {
            out.push(p);
        }
    }
    Ok(out)
}

impl Sim {
    fn next_rel_id(&mut self) -> String {
        self.next_rel += 1;
        format!("rb_{}", base36(self.next_rel))
    }

    /// Makes `user` (a key) a moderator of `sub` (a key) with `permissions`, or changes the
    /// permissions of one already there; a pending invite of theirs is used up.
    pub(crate) fn put_moderator(
        &mut self,
        sub: &str,
        user: &str,
        permissions: Vec<String>,
        now: DateTime<Utc>,
    ) {
        let rel_id = self.next_rel_id();
        let Some(s) = self.subreddits.get_mut(sub) else {
            return;
        };
        s.invites.retain(|i| i.user != user);
        match s.moderators.iter_mut().find(|m| m.user == user) {
            Some(m) => m.permissions = permissions,
            None => s.moderators.push(Moderator {
                user: user.to_owned(),
                permissions,
                since: now,
                rel_id,
            }),
        }
    }

    pub(crate) fn drop_moderator(&mut self, sub: &str, user: &str) {
        if let Some(s) = self.subreddits.get_mut(sub) {
            s.moderators.retain(|m| m.user != user);
        }
    }

    /// Control API: `name` moderates `subreddit` with exactly `permissions` from now on.
    pub fn set_moderator(
        &mut self,
        subreddit: &str,
        name: &str,
        permissions: &[String],
        now: DateTime<Utc>,
    ) -> Result<(), SimError> {
        let sub = key(&self.subreddit(subreddit)?.name);
        let permissions = checked(permissions)?;
        let user = self.ensure_user(name, now);
        self.put_moderator(&sub, &user, permissions, now);
        Ok(())
    }

    /// Control API: `name` stops moderating `subreddit` (the bot too: "it lost the job").
    pub fn remove_moderator(&mut self, subreddit: &str, name: &str) -> Result<(), SimError> {
        let sub = key(&self.subreddit(subreddit)?.name);
        let user = key(name);
        if !self.is_mod(&sub, &user) {
            return Err(SimError::NotFound(format!(
                "moderator {name} of r/{subreddit}"
            )));
        }
        self.drop_moderator(&sub, &user);
        Ok(())
    }

    /// Control API: a moderator invites `name` with `permissions`; it stays pending until
    /// `name` accepts it with `POST /r/{sub}/api/accept_moderator_invite`.
    pub fn invite_moderator(
        &mut self,
        subreddit: &str,
        name: &str,
        permissions: &[String],
        now: DateTime<Utc>,
    ) -> Result<(), SimError> {
        let sub = key(&self.subreddit(subreddit)?.name);
        let permissions = checked(permissions)?;
        let user = self.ensure_user(name, now);
        if self.is_mod(&sub, &user) {
            return Err(SimError::Invalid(format!(
                "{name} already moderates r/{subreddit}"
            )));
        }
        let rel_id = self.next_rel_id();
        if let Some(s) = self.subreddits.get_mut(&sub) {
            s.invites.retain(|i| i.user != user);
            s.invites.push(Moderator {
                user,
                permissions,
                since: now,
                rel_id,
            });
        }
        Ok(())
    }

    /// Control API: the invite of `name` is withdrawn.
    pub fn revoke_invite(&mut self, subreddit: &str, name: &str) -> Result<(), SimError> {
        let sub = key(&self.subreddit(subreddit)?.name);
        let user = key(name);
        let s = self
            .subreddits
            .get_mut(&sub)
            .ok_or_else(|| SimError::NotFound(format!("subreddit {subreddit}")))?;
        let before = s.invites.len();
        s.invites.retain(|i| i.user != user);
        if s.invites.len() == before {
            return Err(SimError::NotFound(format!(
                "invite of {name} to r/{subreddit}"
            )));
        }
        Ok(())
    }

    /// `POST /r/{sub}/api/accept_moderator_invite` by `actor`: Reddit answers 200 either
    /// way, with `NO_INVITE_FOUND` in `json.errors` when there is nothing to accept.
    pub fn accept_invite(
        &mut self,
        subreddit: &str,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, SimError> {
        let sub = key(&self.subreddit(subreddit)?.name);
        let invite = self
            .subreddits
            .get(&sub)
            .and_then(|s| s.invites.iter().find(|i| i.user == actor))
            .cloned();
        match invite {
            Some(i) => {
                self.put_moderator(&sub, actor, i.permissions, now);
                Ok(true)
            }
            None => Ok(false),
        }
    }
}
