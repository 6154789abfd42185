//! Near-duplicate groups: burst shots, resized or re-encoded copies, light crops and edits.
//!
//! Two photos are in one group when they are exact copies (same content hash) or their thumbnails'
//! dHashes ([`crate::library::facts`]) differ in at most [`DHASH_THRESHOLD`] of 64 bits; groups are the
//! connected components of that relation (union-find), so a burst whose first and last frame drifted
//! apart still forms one group through the frames between.
//!
//! **The threshold, measured** (`tests/it/dedup_threshold.rs`, flickr8k-1k, 1000 distinct photos, each
//! hashed from the indexer's 256 px WebP thumbnail, on the 2-core dev VM), share of pairs within T bits:
//!
//! | T | distinct pairs (of 499,500) | resized 50% | JPEG q40 | brightened | shifted 3% | crop 5%/side | shifted 6% | crop 10%/side |
//! |---|---|---|---|---|---|---|---|---|
//! | 6 | 0.0000% | 99.3% | 99.5% | 99.2% | 86.1% | 29.7% | 25.1% | 1.4% |
//! | 8 | 0.0002% | 99.8% | 100% | 99.7% | 96.1% | 54.0% | 50.5% | 3.9% |
//! | 10 | 0.0026% | 100% | 100% | 99.9% | 98.9% | 76.7% | 73.1% | 9.5% |
//! | 12 | 0.0164% | 100% | 100% | 100% | 99.8% | 90.9% | 87.8% | 19.9% |
//! | 16 | 0.2376% | 100% | 100% | 100% | 100% | 99.4% | 98.4% | 51.7% |
//!
//! The closest two distinct photos are 8 bits apart. False groups grow with the library (each photo
//! meets n-1 others): at T=10 a 10,000-photo library would see about 0.3 false neighbours per photo,
//! at T=8 about 0.02. So T=8: copies that were resized, re-encoded, brightened or shifted by a few
//! percent (the usual burst) collapse, while heavier crops stay separate tiles; hiding a distinct photo
//! under another is worse for a writer than showing two similar ones (and collapsing is opt-in).
//!
//! Finding the close pairs uses multi-index hashing instead of comparing all n² pairs: two 64-bit hashes
//! within distance T agree exactly on at least one of T+1 disjoint bit blocks (pigeonhole), so only rows
//! that share a block value are compared. Groups are computed once per searcher and reused by every query.

use std::collections::HashMap;

use crate::index::Facts;
use crate::library::facts::hamming;

/// The largest dHash distance (bits of 64) at which two photos are near-duplicates.
pub const DHASH_THRESHOLD: u32 = 8;

/// The group of every row: rows with equal numbers are near-duplicates of each other. Numbers are the
/// smallest row of the group, so a lone photo's group is its own row.
pub fn groups(facts: &[Facts], threshold: u32) -> Vec<usize> {
    let mut parent: Vec<usize> = (0..facts.len()).collect();
    let mut by_hash: HashMap<[u8; 32], usize> = HashMap::new();
    for (row, f) in facts.iter().enumerate() {
        if let Some(&first) = by_hash.get(&f.hash) {
            union(&mut parent, first, row);
        } else {
            by_hash.insert(f.hash, row);
        }
    }
    let blocks = threshold as usize + 1;
    for b in 0..blocks {
        let (lo, hi) = (b * 64 / blocks, (b + 1) * 64 / blocks);
        let mask = if hi - lo == 64 {
            u64::MAX
        } else {
            ((1u64 << (hi - lo)) - 1) << lo
        };
        let mut buckets: HashMap<u64, Vec<usize>> = HashMap::new();
        for (row, f) in facts.iter().enumerate() {
            buckets.entry(f.dhash & mask).or_default().push(row);
        }
        for rows in buckets.values() {
            for (i, &a) in rows.iter().enumerate() {
                for &b in &rows[i + 1..] {
                    if hamming(facts[a].dhash, facts[b].dhash) <= threshold {
                        union(&mut parent, a, b);
                    }
                }
            }
        }
    }
    (0..facts.len()).map(|r| find(&mut parent, r)).collect()
}

fn find(parent: &mut [usize], mut x: usize) -> usize {
    while parent[x] != x {
        parent[x] = parent[parent[x]];
        x = parent[x];
    }
    x
}

/// Join two groups, keeping the smaller row as the root.
fn union(parent: &mut [usize], a: usize, b: usize) {
    let (ra, rb) = (find(parent, a), find(parent, b));
    let (lo, hi) = (ra.min(rb), ra.max(rb));
    parent[hi] = lo;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(hash: u8, dhash: u64) -> Facts {
        Facts {
            hash: [hash; 32],
            dhash,
            ..Facts::default()
        }
    }

    #[test]
    fn copies_and_close_hashes_group_transitively() {
        let base = 0x0123_4567_89AB_CDEFu64;
        let near = base ^ 0b111; // 3 bits
        let chain = near ^ (0b111 << 40); // 3 more: 6 from base, grouped through `near`
        let far = !base;
        let facts = [f(1, base), f(2, far), f(3, near), f(1, base ^ 0xFFFF_FFFF), f(4, chain)];
        let g = groups(&facts, 4);
        assert_eq!(g, [0, 1, 0, 0, 0], "row 3 is an exact copy of row 0 whatever its dHash");
        let strict = groups(&facts, 2);
        assert_eq!(strict, [0, 1, 2, 0, 4]);
    }

    #[test]
    fn matches_all_pairs_comparison() {
        let mut x = 0x9E37_79B9_7F4A_7C15u64;
        let mut facts = Vec::new();
        for i in 0..300u32 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            // Every third row is a few bits away from the one before.
            let d = if i % 3 == 1 {
                facts.last().map_or(x, |p: &Facts| p.dhash ^ (x & 0x0101_0001))
            } else {
                x
            };
            facts.push(f((i % 250) as u8, d));
        }
        let g = groups(&facts, 6);
        for a in 0..facts.len() {
            for b in a + 1..facts.len() {
                if facts[a].hash == facts[b].hash || hamming(facts[a].dhash, facts[b].dhash) <= 6 {
                    assert_eq!(g[a], g[b], "rows {a} and {b}");
                }
            }
        }
    }
}
