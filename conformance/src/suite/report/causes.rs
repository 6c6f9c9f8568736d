//! Causes: failures whose first disagreement breaks one rule in one way are one cause, shown by
//! its root (the failure that fails the certification with the fewest calls before it).

use super::{CheckResult, Outcome, Report, SERVER_LOST};
use crate::model::Rule;

type Key = (Option<Rule>, String);

impl CheckResult {
    /// The key of its own cause: failures of one rule and one way are one cause (a result made
    /// without its disagreement: of one usual cause or first difference).
    fn own_key(&self) -> Option<Key> {
        match (self.outcome, self.rule) {
            _ if self.cause.as_deref() == Some(SERVER_LOST) => None,
            (Outcome::Failed, Some(rule)) => Some((Some(rule), self.way.clone())),
            (Outcome::Failed, None) => Some((None, defect(self))),
            _ => None,
        }
    }

    /// The key of its cause among `shown`, the failures' own keys: the defect that also
    /// explains it when another failure shows that defect as its own, else its own.
    fn cause_key(&self, shown: &[Key]) -> Option<Key> {
        let own = self.own_key()?;
        let also = (self.also.iter()).map(|(rule, way)| (Some(*rule), way.clone()));
        Some(also.into_iter().find(|k| shown.contains(k)).unwrap_or(own))
    }
}

impl Report {
    /// Names each failure's root: of the failures of one cause, the one that fails the
    /// certification, with the fewest calls before it (the first in the report on a tie).
    pub(super) fn assign_causes(&mut self) {
        // A root shows its cause itself (its own key), not only as one that also explains it.
        let rank = |r: &CheckResult, key: &Key| {
            let shows = r.own_key().as_ref() == Some(key);
            (!self.fails_certification(r), !shows, r.calls_made)
        };
        // (the cause's key, the rank of its root so far, the root's id)
        type Root = (Key, (bool, bool, usize), String);
        let mut roots: Vec<Root> = Vec::new();
        let shown: Vec<Key> = self.results.iter().filter_map(|r| r.own_key()).collect();
        for r in &self.results {
            let Some(key) = r.cause_key(&shown) else {
                continue;
            };
            let ranked = rank(r, &key);
            match roots.iter_mut().find(|(k, _, _)| *k == key) {
                Some((_, best, id)) if ranked < *best => (*best, *id) = (ranked, r.id.clone()),
                Some(_) => {}
                None => roots.push((key, ranked, r.id.clone())),
            }
        }
        for r in self
            .results
            .iter_mut()
            .filter(|r| r.cause.as_deref() != Some(SERVER_LOST))
        {
            let root = r.cause_key(&shown).and_then(|key| {
                let found = roots.iter().find(|(k, _, _)| *k == key);
                found.map(|(_, _, id)| id.clone())
            });
            r.cause = root;
        }
    }

    /// The causes of the failures, each with its root first, then the checks that follow from
    /// it: those that fail the certification first, in report order.
    pub fn causes(&self) -> Vec<Vec<&CheckResult>> {
        let mut causes: Vec<Vec<&CheckResult>> = Vec::new();
        let failed = |r: &&CheckResult| {
            r.outcome == Outcome::Failed && r.cause.as_deref() != Some(SERVER_LOST)
        };
        for r in self.results.iter().filter(failed) {
            let root = r.cause.as_deref().unwrap_or(&r.id);
            match causes.iter_mut().find(|c| c[0].id == root) {
                Some(cause) if cause[0].id != r.id => cause.push(r),
                Some(_) => {}
                None => {
                    let first = self.results.iter().find(|o| o.id == root).unwrap_or(r);
                    causes.push(match first.id == r.id {
                        true => vec![r],
                        false => vec![first, r],
                    });
                }
            }
        }
        causes.sort_by_key(|c| !self.fails_certification(c[0]));
        causes
    }
}

/// The defect a failure shows: its cause, when the kit could tell; else its first difference.
fn defect(r: &CheckResult) -> String {
    match (r.outcome, r.usual_cause()) {
        (Outcome::Failed, Some(cause)) => format!("cause: {cause}"),
        (Outcome::Failed, None) => root_difference(r),
        _ => String::new(),
    }
}

/// What a failure differs in first: its first `-` and `+` lines of diff; without a diff, what
/// went wrong, the kit's run ids left out (each check has its own).
fn root_difference(r: &CheckResult) -> String {
    let message = r.message.as_deref().unwrap_or("");
    let first = |sign: &str| {
        message
            .lines()
            .find(|l| l.starts_with(sign))
            .unwrap_or("")
            .trim()
            .to_owned()
    };
    match (first("- "), first("+ ")) {
        (a, b) if a.is_empty() && b.is_empty() => {
            let words = r.first_difference().split(['"', ' ', '(', ')', ',']);
            let kept: Vec<&str> = words.filter(|w| !w.starts_with("kit-")).collect();
            kept.join(" ")
        }
        (a, b) => format!("{a}\n{b}"),
    }
}
