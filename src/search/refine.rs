//! Ranking under a [`Refine`]: filters before ranking, sort by date, near-duplicate collapse.
//!
//! The plain relevance order with no collapse keeps the bounded-heap top-k of [`rank`] (filtered rows
//! score NaN, which the heap skips). Sorting by date or collapsing needs every passing row's score (the
//! k newest, or the k best *groups*, cannot be told from the k best rows), so those score all rows in
//! one parallel pass, which costs the same dot products as top-k plus a sort of the rows that passed.

use rayon::prelude::*;

use super::dedup::{self, DHASH_THRESHOLD};
use super::filter::{Refine, SortBy};
use super::rank::{self, Scored};
use super::table::CodedQuery;
use super::{Hit, SearchOptions, Searcher, Term};
use crate::error::Result;
use crate::index::Facts;
use std::cmp::Ordering;
use std::collections::HashMap;

impl Searcher {
    /// Rank the index by a query string, with filters, order and grouping.
    /// An empty query browses the library under the same filters, order and grouping ([`Self::browse`]).
    pub fn search_refined(&mut self, query: &str, opts: SearchOptions, refine: &Refine) -> Result<Vec<Hit>> {
        if query.trim().is_empty() {
            return Ok(self.browse(opts.k, refine));
        }
        let terms = super::parse(query, &super::query::names_photo)?;
        self.search_terms_refined(&terms, opts, refine)
    }

    /// Rank the index by parsed terms, with filters, order and grouping.
    pub fn search_terms_refined(&mut self, terms: &[Term], opts: SearchOptions, refine: &Refine) -> Result<Vec<Hit>> {
        let q = self.cached_query_vectors(terms)?;
        self.update_groups(refine);
        let Searcher {
            table,
            head,
            facts,
            mask,
            ..
        } = self;
        let keep = mask.update(&refine.filters, &table.paths, facts);
        let rows = &table.rows;
        let (zq, hq) = (CodedQuery::new(&q.zero_shot), q.head.as_deref().map(CodedQuery::new));
        let score = |row: usize| {
            if !keep.is_none_or(|k| k.get(row).copied().unwrap_or(false)) {
                return f32::NAN;
            }
            match (head.as_ref(), hq.as_ref()) {
                (Some(h), Some(hq)) => h.score(row, zq.dot(rows, row), hq),
                _ => zq.dot(rows, row),
            }
        };
        if refine.sort == SortBy::Relevance && !refine.collapse {
            let scored = match (keep, head.as_ref(), hq.as_ref()) {
                // The unfiltered zero-shot case stays the plain scan.
                (None, None, _) | (None, _, None) => {
                    rank::top_k_rows(rows.len(), opts.k, opts.min_score, &|row| zq.dot(rows, row))
                }
                _ => rank::top_k_rows(rows.len(), opts.k, opts.min_score, &score),
            };
            return Ok(scored.iter().map(|s| self.hit(s, Vec::new())).collect());
        }
        let passed: Vec<Scored> = (0..rows.len())
            .into_par_iter()
            .map(|row| Scored { row, score: score(row) })
            .filter(|s| !s.score.is_nan() && s.score >= opts.min_score)
            .collect();
        Ok(self.arrange(passed, opts.k, refine))
    }

    /// The library with no prompt, as the grid shows it: the photos that pass the filters, newest or
    /// oldest first (index order under "relevance", which has nothing to rank by), collapsed into
    /// near-duplicate groups on request. Hits score NaN: there is no score to show.
    pub fn browse(&mut self, k: usize, refine: &Refine) -> Vec<Hit> {
        self.update_groups(refine);
        let Searcher { table, facts, mask, .. } = self;
        let keep = mask.update(&refine.filters, &table.paths, facts);
        let passed = (0..table.rows.len())
            .filter(|&row| keep.is_none_or(|k| k.get(row).copied().unwrap_or(false)))
            .map(|row| Scored { row, score: f32::NAN })
            .collect();
        // NaN scores compare equal under `total_cmp`, so ties keep index order.
        self.arrange(passed, k, refine)
    }

    fn update_groups(&mut self, refine: &Refine) {
        if refine.collapse && self.groups.as_ref().is_none_or(|g| g.len() != self.facts.len()) {
            self.groups = Some(dedup::groups(&self.facts, DHASH_THRESHOLD));
        }
    }

    /// The first `k` of `passed` in the refine's order, grouped when it collapses near-duplicates.
    fn arrange(&self, passed: Vec<Scored>, k: usize, refine: &Refine) -> Vec<Hit> {
        let order = |a: &Scored, b: &Scored| order(refine.sort, &self.facts, a, b);
        let mut out = Vec::new();
        match &self.groups {
            Some(groups) if refine.collapse => {
                let mut by_group: HashMap<usize, Vec<Scored>> = HashMap::new();
                for s in passed {
                    by_group
                        .entry(groups.get(s.row).copied().unwrap_or(s.row))
                        .or_default()
                        .push(s);
                }
                let mut members: Vec<Vec<Scored>> = by_group.into_values().collect();
                for m in &mut members {
                    m.sort_by(order_by_score);
                }
                members.sort_by(|a, b| order(&a[0], &b[0]));
                for m in members.into_iter().take(k) {
                    let dups = m[1..].iter().map(|s| self.hit(s, Vec::new())).collect();
                    out.push(self.hit(&m[0], dups));
                }
            }
            _ => {
                let mut passed = passed;
                passed.sort_by(order);
                out.extend(passed.iter().take(k).map(|s| self.hit(s, Vec::new())));
            }
        }
        out
    }

    /// The hit for a ranked row, with its facts.
    pub(super) fn hit(&self, s: &Scored, duplicates: Vec<Hit>) -> Hit {
        let f = self.facts.get(s.row).copied().unwrap_or_default();
        Hit {
            id: self.table.ids[s.row],
            path: self.table.paths[s.row].clone(),
            score: s.score,
            width: f.width,
            height: f.height,
            taken_at: f.taken_at,
            duplicates,
        }
    }
}

/// Best score first, then row order (the order [`rank`] uses).
fn order_by_score(a: &Scored, b: &Scored) -> Ordering {
    b.score.total_cmp(&a.score).then(a.row.cmp(&b.row))
}

fn order(sort: SortBy, facts: &[Facts], a: &Scored, b: &Scored) -> Ordering {
    let date = |s: &Scored| facts.get(s.row).map_or(0, |f| f.taken_at);
    match sort {
        SortBy::Relevance => Ordering::Equal,
        SortBy::NewestFirst => date(b).cmp(&date(a)),
        SortBy::OldestFirst => date(a).cmp(&date(b)),
    }
    .then_with(|| order_by_score(a, b))
}
