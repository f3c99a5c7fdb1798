//! How runner replicas share the work: each piece (one bot account's pass) is a lease in
//! the database; a replica decides from what it sees which leases to take, keep or give up.
//! Pure: the shell reads the leases, calls [`plan`], and writes what it says.

use std::collections::BTreeSet;

/// What a replica sees at one look.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct View<'a, W: Ord> {
    /// Every piece of work (the configured accounts), in a stable order.
    pub work: &'a [W],
    /// The pieces this replica holds now.
    pub held: BTreeSet<&'a W>,
    /// The pieces another live replica holds.
    pub taken: BTreeSet<&'a W>,
    /// Live replicas of this kind, this one included (at least 1).
    pub replicas: usize,
    /// Only one replica may work at a time (SQLite: one machine, one writer): this one
    /// takes every piece or waits as a standby.
    pub single_writer: bool,
}

/// What to do at this look.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeasePlan<'a, W> {
    /// Renew these (held, within the share).
    pub renew: Vec<&'a W>,
    /// Try to take these (free; another replica may win the race).
    pub take: Vec<&'a W>,
    /// Give these up: more than this replica's share, so that a new replica gets work.
    pub release: Vec<&'a W>,
}

/// A replica's share: `ceil(work / replicas)`, so that the work is spread and every piece
/// has a holder as long as one replica lives (a dead replica's heartbeat, written before
/// its leases, has expired by the time they have). With `single_writer` the share is all the
/// work, and a replica that sees another holding any piece takes nothing (a standby).
pub fn plan<'a, W: Ord>(v: &View<'a, W>) -> LeasePlan<'a, W> {
    let share = if v.single_writer {
        v.work.len()
    } else {
        v.work.len().div_ceil(v.replicas.max(1))
    };
    let mut out = LeasePlan {
        renew: Vec::new(),
        take: Vec::new(),
        release: Vec::new(),
    };
    for w in v.work.iter().filter(|w| v.held.contains(w)) {
        if out.renew.len() < share {
            out.renew.push(w);
        } else {
            out.release.push(w);
        }
    }
    if v.single_writer && !v.taken.is_empty() {
        return out;
    }
    for w in v.work.iter() {
        if out.renew.len() + out.take.len() >= share {
            break;
        }
        if !v.held.contains(w) && !v.taken.contains(w) {
            out.take.push(w);
        }
    }
    out
}

/// An account's load when a subreddit signs up: appeals opened in its subreddits over
/// the recent period (what spends its rate budget), and how many subreddits it serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Load {
    pub appeals: i64,
    pub subreddits: i64,
}

/// The account with the most headroom: the fewest recent appeals, then the fewest
/// subreddits (a new pool has no appeals yet), then the first configured.
pub fn most_headroom<A>(accounts: &[(A, Load)]) -> Option<&A> {
    accounts
        .iter()
        .enumerate()
        .min_by_key(|(i, (_, l))| (l.appeals, l.subreddits, *i))
        .map(|(_, (a, _))| a)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view<'a>(
        work: &'a [u8],
        held: &[&'a u8],
        taken: &[&'a u8],
        replicas: usize,
        single_writer: bool,
    ) -> View<'a, u8> {
        View {
            work,
            held: held.iter().copied().collect(),
            taken: taken.iter().copied().collect(),
            replicas,
            single_writer,
        }
    }

    #[test]
    fn shares_spread_the_work_and_leave_none_unheld() {
        let work = [1, 2, 3, 4];
        // Alone: everything.
        let p = plan(&view(&work, &[], &[], 1, false));
        assert_eq!(p.take, [&1, &2, &3, &4]);
        // Two replicas, the other holds 1 and 2: take 3 and 4.
        let p = plan(&view(&work, &[], &[&work[0], &work[1]], 2, false));
        assert_eq!(p.take, [&3, &4]);
        // A newcomer appeared: holding all four, keep two and give two up.
        let p = plan(&view(&work, &[&1, &2, &3, &4], &[], 2, false));
        assert_eq!((p.renew, p.release), (vec![&1, &2], vec![&3, &4]));
        // Three replicas, two pieces: at most one each.
        let work = [1, 2];
        let p = plan(&view(&work, &[], &[&work[0]], 3, false));
        assert_eq!(p.take, [&2]);
        // A dead replica's piece is picked up by a survivor: its heartbeat, written before
        // its leases at every look, expired before them, so it no longer counts.
        let p = plan(&view(&work, &[&1], &[], 1, false));
        assert_eq!((p.renew, p.take), (vec![&1], vec![&2]));
    }

    #[test]
    fn sign_up_picks_the_account_with_the_most_headroom() {
        let load = |appeals, subreddits| Load {
            appeals,
            subreddits,
        };
        let pool = [("a", load(40, 2)), ("b", load(10, 9)), ("c", load(10, 3))];
        assert_eq!(
            most_headroom(&pool),
            Some(&"c"),
            "fewest appeals, then subreddits"
        );
        let fresh = [("a", load(0, 0)), ("b", load(0, 0))];
        assert_eq!(
            most_headroom(&fresh),
            Some(&"a"),
            "the first configured on a tie"
        );
        assert_eq!(most_headroom::<&str>(&[]), None);
    }

    #[test]
    fn a_single_writer_takes_all_or_waits() {
        let work = [1, 2];
        let p = plan(&view(&work, &[], &[], 2, true));
        assert_eq!(p.take, [&1, &2]);
        let p = plan(&view(&work, &[], &[&work[1]], 2, true));
        assert!(p.take.is_empty() && p.renew.is_empty(), "{p:?}");
        let p = plan(&view(&work, &[&1, &2], &[], 2, true));
        assert_eq!(p.renew, [&1, &2]);
    }
}
