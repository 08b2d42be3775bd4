//! Answers the worker can give again without querying: a view whose answer does not depend on the clock
//! ([`ViewKind::answer_is_timeless`](crate::views::ViewKind::answer_is_timeless)), asked again while the file's
//! `data_version` is unchanged, is the same answer. The live refresh of an all-time tab on a file nobody writes
//! then costs one pragma instead of the query.

use std::collections::HashMap;

use crate::views::{ViewData, ViewKey};

/// Most answers kept (a few per tab visited; the oldest goes first).
const KEPT: usize = 24;

/// The last answers of timeless views, each with the `data_version` it was read at.
#[derive(Debug, Default)]
pub struct Reuse {
    answers: HashMap<(ViewKey, usize), Kept>,
    /// Bumped by every insertion, to find the oldest.
    clock: u64,
}

#[derive(Debug)]
struct Kept {
    version: i64,
    stored: u64,
    data: ViewData,
}

impl Reuse {
    /// The answer to `key` (with `limit` rows) read at `version`, if it is kept.
    pub fn get(&self, key: ViewKey, limit: usize, version: i64) -> Option<ViewData> {
        self.answers.get(&(key, limit)).filter(|kept| kept.version == version).map(|kept| kept.data.clone())
    }

    /// Keeps `data`, the answer to `key` read at `version`.
    pub fn keep(&mut self, key: ViewKey, limit: usize, version: i64, data: ViewData) {
        self.clock += 1;
        if self.answers.len() >= KEPT && !self.answers.contains_key(&(key, limit)) {
            let oldest = self.answers.iter().min_by_key(|(_, kept)| kept.stored).map(|(k, _)| *k);
            if let Some(oldest) = oldest {
                self.answers.remove(&oldest);
            }
        }
        self.answers.insert((key, limit), Kept { version, stored: self.clock, data });
    }

    /// Forgets every answer.
    #[cfg(test)]
    pub fn clear(&mut self) {
        self.answers.clear();
    }

    /// How many answers are kept.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.answers.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nav::Window;
    use crate::views::ViewKind;

    fn key(endpoint: i64) -> ViewKey {
        ViewKey { kind: ViewKind::Summary, window: Window::All, endpoint: Some(endpoint) }
    }

    #[test]
    fn an_answer_is_given_again_only_at_the_same_version_and_limit() {
        let mut reuse = Reuse::default();
        reuse.keep(key(1), 0, 7, ViewData::Summary(None));
        assert_eq!(reuse.get(key(1), 0, 7), Some(ViewData::Summary(None)));
        assert_eq!(reuse.get(key(1), 0, 8), None, "the file changed");
        assert_eq!(reuse.get(key(1), 50, 7), None, "another limit");
        assert_eq!(reuse.get(key(2), 0, 7), None, "another endpoint");
    }

    #[test]
    fn the_oldest_answer_goes_first_when_full() {
        let mut reuse = Reuse::default();
        for id in 0..KEPT as i64 + 5 {
            reuse.keep(key(id), 0, 1, ViewData::Summary(None));
        }
        assert_eq!(reuse.len(), KEPT);
        assert_eq!(reuse.get(key(0), 0, 1), None);
        assert!(reuse.get(key(KEPT as i64 + 4), 0, 1).is_some());
    }
}
