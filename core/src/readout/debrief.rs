//! The public debrief: what a subreddit may tell its community about its experiment, as
//! CivilServant posts results back to the communities it studied. Aggregate only, and no
//! count of 5 or fewer: a small count can point at a person ("the 2 appeals granted this
//! month"). The figures and the verdict are the readout's ([`super::compute`]): this module
//! only decides which of its counts may be published.
//!
//! Hiding a small count is not enough when other published counts add up to it: counted =
//! reached + not reached, all appeals = counted in each group + still open. [`protect`]
//! withholds, besides each small count, whichever published counts would let one recover a
//! small count by subtraction (complementary suppression, as statistical offices do for
//! tables with margins), preferring totals over the comparison's own figures.

use serde::Serialize;

use super::definitions::Metric;
use super::stats::{Difference, Proportion, newcombe};
use super::{Contrast, Readout, Verdict};

/// Counts at or below this are never published.
pub const SMALL_COUNT: u64 = 5;

/// A count as a public page may show it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "shown", content = "count")]
pub enum Shown {
    Count(u64),
    /// 5 or fewer: shown as "≤5".
    Small,
    /// Larger, but with the other published counts it would give a small one away.
    Withheld,
}

impl Shown {
    pub fn count(self) -> Option<u64> {
        match self {
            Self::Count(n) => Some(n),
            _ => None,
        }
    }
}

/// One count of a table and what is known of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cell {
    pub value: u64,
    /// Meant to be published (others are only parts of relations: hidden anyway).
    pub displayed: bool,
    /// Known to everyone by definition (e.g. control appeals that did not reach the
    /// moderators: none, ever), so not a disclosure however small.
    pub public: bool,
    /// Which published count to withhold first when one must go: lower first.
    pub rank: u8,
}

/// `sum` is the sum of `parts` (indices into the cells).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Relation {
    pub sum: usize,
    pub parts: Vec<usize>,
}

impl Relation {
    fn cells(&self) -> impl Iterator<Item = usize> + '_ {
        std::iter::once(self.sum).chain(self.parts.iter().copied())
    }
}

fn sensitive(c: &Cell) -> bool {
    c.value <= SMALL_COUNT && !c.public
}

/// What a reader can work out from the published cells: each cell known, and for a
/// derived one the relation that gave it.
fn derive(
    cells: &[Cell],
    published: &[bool],
    relations: &[Relation],
) -> Vec<Option<Option<usize>>> {
    let mut known: Vec<Option<Option<usize>>> = cells
        .iter()
        .zip(published)
        .map(|(c, &p)| (p || c.public).then_some(None))
        .collect();
    loop {
        let mut changed = false;
        for (r, rel) in relations.iter().enumerate() {
            let unknown: Vec<usize> = rel.cells().filter(|&i| known[i].is_none()).collect();
            if let [only] = unknown[..] {
                known[only] = Some(Some(r));
                changed = true;
            }
        }
        if !changed {
            return known;
        }
    }
}

/// The published cells whose withholding would stop relation `r` revealing its cell:
/// its own published cells, and those of the relations that revealed its derived ones.
fn candidates(
    r: usize,
    cells: &[Cell],
    published: &[bool],
    relations: &[Relation],
    known: &[Option<Option<usize>>],
    seen: &mut Vec<usize>,
) -> Vec<usize> {
    if seen.contains(&r) {
        return Vec::new();
    }
    seen.push(r);
    let mut out = Vec::new();
    for i in relations[r].cells() {
        if published[i] && !cells[i].public {
            out.push(i);
        } else if let Some(Some(by)) = known[i] {
            out.extend(candidates(by, cells, published, relations, known, seen));
        }
    }
    out
}

/// Which cells may be published: each displayed cell as a count, "≤5", or withheld so that
/// no sensitive cell (a count of 5 or fewer, displayed or not) can be worked out from the
/// published ones through `relations`.
pub fn protect(cells: &[Cell], relations: &[Relation]) -> Vec<Shown> {
    let mut published: Vec<bool> = cells.iter().map(|c| c.displayed && !sensitive(c)).collect();
    loop {
        let known = derive(cells, &published, relations);
        let leak = (0..cells.len()).find_map(|i| match known[i] {
            Some(Some(r)) if sensitive(&cells[i]) => Some(r),
            _ => None,
        });
        let Some(r) = leak else { break };
        let mut seen = Vec::new();
        let pick = candidates(r, cells, &published, relations, &known, &mut seen)
            .into_iter()
            .min_by_key(|&i| (cells[i].rank, cells[i].value, i));
        match pick {
            Some(i) => published[i] = false,
            // Only public cells reveal it: nothing published to take back.
            None => break,
        }
    }
    cells
        .iter()
        .zip(published)
        .map(|(c, p)| match (p, sensitive(c)) {
            (true, _) => Shown::Count(c.value),
            (false, true) => Shown::Small,
            (false, false) => Shown::Withheld,
        })
        .collect()
}

/// One group's share on one comparison, as published.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct PublicShare {
    /// Counted appeals of the group.
    pub counted: Shown,
    /// Of them, those that count as a success of the comparison.
    pub hits: Shown,
    /// The share and its Wilson interval, only when both counts are published (either
    /// would give the other away).
    pub share: Option<Proportion>,
}

/// One comparison as published: the verdict always (it names no count), the figures when
/// no small count can be worked out from them.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct PublicContrast {
    pub metric: Metric,
    pub verdict: Verdict,
    pub treatment: PublicShare,
    pub control: PublicShare,
    /// Newcombe's and the anytime-valid intervals of the difference: only with both shares.
    pub difference: Option<Difference>,
    pub sequential: Option<Difference>,
    /// Appeals still open, not yet counted (both groups together).
    pub open: Shown,
}

/// Everything the public page and its Markdown show.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Debrief {
    /// Appeals of the period, both groups.
    pub appeals: Shown,
    /// The primary comparison first, then the others.
    pub contrasts: Vec<PublicContrast>,
    /// Appeals begun since the plan's first version, when there is a plan.
    pub plan_appeals: Option<Shown>,
}

/// The cells of one comparison, from `base`: counted, hits and misses of each group, open.
const PER_CONTRAST: usize = 7;

fn contrast_cells(metric: Metric, c: &Contrast) -> [Cell; PER_CONTRAST] {
    let shown = |value, rank| Cell {
        value,
        displayed: true,
        public: false,
        rank,
    };
    let hidden = |value, public| Cell {
        value,
        displayed: false,
        public,
        rank: u8::MAX,
    };
    let (t, k) = (&c.treatment, &c.control);
    [
        shown(t.trials, 2),
        shown(t.successes, 3),
        hidden(t.trials - t.successes, false),
        shown(k.trials, 2),
        shown(k.successes, 3),
        // Every control appeal reaches the moderators: none that did not, by definition.
        hidden(k.trials - k.successes, metric == Metric::Reached),
        shown(c.open.total(), 1),
    ]
}

fn public_share(counted: Shown, hits: Shown, p: &Proportion) -> PublicShare {
    PublicShare {
        counted,
        hits,
        share: (counted.count().is_some() && hits.count().is_some()).then_some(*p),
    }
}

/// The debrief of `readout` with `primary` first; `plan_appeals` is the plan's progress
/// count, when there is a plan.
pub fn debrief(readout: &Readout, primary: Metric, plan_appeals: Option<u64>) -> Debrief {
    let c = &readout.comparison;
    let mut metrics = vec![primary];
    metrics.extend(Metric::ALL.into_iter().filter(|&m| m != primary));
    let contrast = |m: Metric| match m {
        Metric::Reached => c.reached_moderators,
        Metric::Granted => c.granted,
        Metric::ToxicReached => c.toxic_reached_moderators,
    };
    let total = readout.treatment.appeals + readout.control.appeals;
    let mut cells = vec![Cell {
        value: total,
        displayed: true,
        public: false,
        rank: 0,
    }];
    let mut relations = Vec::new();
    for &m in &metrics {
        let b = cells.len();
        cells.extend(contrast_cells(m, &contrast(m)));
        relations.push(Relation {
            sum: b,
            parts: vec![b + 1, b + 2],
        });
        relations.push(Relation {
            sum: b + 3,
            parts: vec![b + 4, b + 5],
        });
        relations.push(Relation {
            sum: 0,
            parts: vec![b, b + 3, b + 6],
        });
    }
    let plan_cell = plan_appeals.map(|n| {
        cells.push(Cell {
            value: n,
            displayed: true,
            public: false,
            rank: 1,
        });
        // The plan's appeals are all the appeals when the plan came first: then the one
        // gives the other away.
        if n == total {
            relations.push(Relation {
                sum: 0,
                parts: vec![cells.len() - 1],
            });
        }
        cells.len() - 1
    });
    let shown = protect(&cells, &relations);
    let contrasts = metrics
        .iter()
        .enumerate()
        .map(|(i, &m)| {
            let b = 1 + i * PER_CONTRAST;
            let x = contrast(m);
            let treatment = public_share(shown[b], shown[b + 1], &x.treatment);
            let control = public_share(shown[b + 3], shown[b + 4], &x.control);
            let both = treatment.share.is_some() && control.share.is_some();
            PublicContrast {
                metric: m,
                verdict: x.verdict,
                treatment,
                control,
                difference: both.then(|| newcombe(&x.treatment, &x.control)).flatten(),
                sequential: both.then_some(x.sequential).flatten(),
                open: shown[b + 6],
            }
        })
        .collect();
    Debrief {
        appeals: shown[0],
        contrasts,
        plan_appeals: plan_cell.map(|i| shown[i]),
    }
}

#[cfg(test)]
#[path = "debrief_tests.rs"]
mod tests;
