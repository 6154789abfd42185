//! Query syntax: weighted and negative terms, text or image, in one string.
//!
//! Modelled on rclip: `"2:golden retriever" + ./pool.jpg - "people"`. Terms are joined by `+` or `-`
//! standing alone (so "t-shirt" stays one word); a term may start with a weight `N:`; quotes group words
//! and are dropped; a term that names an existing photo file is an image query (image-as-query), anything
//! else is text. The query vector is the weighted sum of the terms' vectors, negatives subtracted.

use std::path::PathBuf;

use crate::error::{Error, Result};

/// What a term refers to.
#[derive(Debug, Clone, PartialEq)]
pub enum TermKind {
    Text(String),
    Image(PathBuf),
}

/// One signed, weighted term.
#[derive(Debug, Clone, PartialEq)]
pub struct Term {
    pub kind: TermKind,
    /// Negative for `-` terms.
    pub weight: f32,
}

/// Split a query into terms. `is_image` decides whether a term names a photo (normally: an existing file
/// with a photo extension).
pub fn parse(query: &str, is_image: &dyn Fn(&str) -> bool) -> Result<Vec<Term>> {
    let mut terms = Vec::new();
    let mut sign = 1.0f32;
    let mut current = String::new();
    let mut in_quotes = false;
    let mut expect_term = true;
    let chars: Vec<char> = query.chars().collect();
    let mut i = 0;
    let flush = |current: &mut String, sign: f32, terms: &mut Vec<Term>| -> Result<()> {
        let t = current.trim();
        if !t.is_empty() {
            terms.push(make_term(t, sign, is_image)?);
        }
        current.clear();
        Ok(())
    };
    while i < chars.len() {
        let c = chars[i];
        let at_boundary = i == 0 || chars[i - 1].is_whitespace();
        let next_is_gap = i + 1 >= chars.len() || chars[i + 1].is_whitespace() || chars[i + 1] == '"';
        if c == '"' {
            in_quotes = !in_quotes;
        } else if !in_quotes && (c == '+' || c == '-') && at_boundary && next_is_gap {
            if !current.trim().is_empty() || !expect_term {
                flush(&mut current, sign, &mut terms)?;
            }
            sign = if c == '-' { -1.0 } else { 1.0 };
            expect_term = true;
        } else {
            current.push(c);
            if !c.is_whitespace() {
                expect_term = false;
            }
        }
        i += 1;
    }
    if in_quotes {
        return Err(Error::Query("unclosed quote".into()));
    }
    flush(&mut current, sign, &mut terms)?;
    if terms.is_empty() {
        return Err(Error::Query("empty query".into()));
    }
    if terms.iter().all(|t| t.weight <= 0.0) {
        return Err(Error::Query("a query needs at least one positive term".into()));
    }
    Ok(terms)
}

fn make_term(raw: &str, sign: f32, is_image: &dyn Fn(&str) -> bool) -> Result<Term> {
    let (weight, body) = match raw.split_once(':') {
        Some((w, rest)) if !w.is_empty() && w.chars().all(|c| c.is_ascii_digit() || c == '.') => {
            let w: f32 = w.parse().map_err(|_| Error::Query(format!("bad weight {w:?}")))?;
            (w, rest.trim())
        }
        _ => (1.0, raw),
    };
    if body.is_empty() {
        return Err(Error::Query(format!("term {raw:?} has a weight but no text")));
    }
    let kind = if is_image(body) {
        TermKind::Image(PathBuf::from(body))
    } else {
        TermKind::Text(body.to_owned())
    };
    Ok(Term {
        kind,
        weight: sign * weight,
    })
}

/// The default image test: an existing file with a photo extension.
pub fn names_photo(s: &str) -> bool {
    let p = std::path::Path::new(s);
    crate::library::is_photo(p) && p.is_file()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(q: &str) -> Vec<(String, f32)> {
        parse(q, &|s| s.ends_with(".jpg"))
            .expect("parse")
            .into_iter()
            .map(|t| match t.kind {
                TermKind::Text(s) => (s, t.weight),
                TermKind::Image(p) => (format!("img:{}", p.display()), t.weight),
            })
            .collect()
    }

    #[test]
    fn plain_text_keeps_hyphens() {
        assert_eq!(texts("a man in a t-shirt"), [("a man in a t-shirt".to_owned(), 1.0)]);
    }

    #[test]
    fn weights_negatives_and_images() {
        assert_eq!(
            texts(r#""2:golden retriever" + ./pool.jpg - "people""#),
            [
                ("golden retriever".to_owned(), 2.0),
                ("img:./pool.jpg".to_owned(), 1.0),
                ("people".to_owned(), -1.0)
            ]
        );
        assert_eq!(
            texts("beach -\"crowd\""),
            [("beach".to_owned(), 1.0), ("crowd".to_owned(), -1.0)]
        );
        assert_eq!(
            texts("0.5:dog + cat"),
            [("dog".to_owned(), 0.5), ("cat".to_owned(), 1.0)]
        );
    }

    #[test]
    fn bad_queries_are_errors() {
        assert!(parse("", &|_| false).is_err());
        assert!(parse("- people", &|_| false).is_err());
        assert!(parse("\"open", &|_| false).is_err());
        assert!(parse("2:", &|_| false).is_err());
    }
}
