//! Splitting a writer's passage (Markdown or plain text) into the parts that get illustrated:
//! paragraphs, or sentences on request.
//!
//! Paragraphs are separated by blank lines, as in Markdown and in most plain-text manuscripts. Markdown
//! structure that is not prose is left out: front matter, fenced code, headings (titles, not scenes) and
//! horizontal rules; list items and block quotes count as paragraphs of their own, and inline markup
//! is reduced to its words (`[text](url)` → text, images dropped, emphasis and code marks removed), so
//! the text encoder sees what a reader reads. Sentences end at `.`, `!`, `?` or `…` (closing quotes
//! and brackets kept with them) followed by a space and a capital, quote or digit, except after a few
//! common abbreviations and single initials ("Dr.", "J. R.").

/// What one illustration stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Unit {
    #[default]
    Paragraphs,
    Sentences,
}

/// The parts of `text` to illustrate, in order, each as one line of plain text.
pub fn split(text: &str, unit: Unit) -> Vec<String> {
    let paragraphs = paragraphs(text);
    match unit {
        Unit::Paragraphs => paragraphs,
        Unit::Sentences => paragraphs.iter().flat_map(|p| sentences(p)).collect(),
    }
}

fn paragraphs(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current: Vec<String> = Vec::new();
    let flush = |current: &mut Vec<String>, out: &mut Vec<String>| {
        let p = current.join(" ");
        let p = p.split_whitespace().collect::<Vec<_>>().join(" ");
        if p.chars().any(char::is_alphanumeric) {
            out.push(p);
        }
        current.clear();
    };
    let mut lines = text.lines().peekable();
    if lines.peek().is_some_and(|l| l.trim() == "---") {
        lines.next();
        for l in lines.by_ref() {
            if l.trim() == "---" {
                break;
            }
        }
    }
    let mut fence: Option<&str> = None;
    for line in lines {
        let t = line.trim();
        if let Some(f) = fence {
            if t.starts_with(f) {
                fence = None;
            }
            continue;
        }
        if let Some(f) = ["```", "~~~"].into_iter().find(|f| t.starts_with(f)) {
            flush(&mut current, &mut out);
            fence = Some(f);
            continue;
        }
        let rule = t.len() >= 3 && t.chars().all(|c| matches!(c, '-' | '*' | '_' | ' '));
        if t.is_empty() || t.starts_with('#') || rule {
            flush(&mut current, &mut out);
            continue;
        }
        let (item, body) = strip_block_marks(t);
        if item {
            flush(&mut current, &mut out);
        }
        current.push(inline_text(body));
    }
    flush(&mut current, &mut out);
    out
}

/// Drop quote and list markers; says whether the line starts a list item.
fn strip_block_marks(mut t: &str) -> (bool, &str) {
    while let Some(rest) = t.strip_prefix('>') {
        t = rest.trim_start();
    }
    for m in ["- ", "* ", "+ "] {
        if let Some(rest) = t.strip_prefix(m) {
            return (true, rest);
        }
    }
    let digits = t.chars().take_while(char::is_ascii_digit).count();
    if digits > 0
        && let Some(rest) = t[digits..]
            .strip_prefix(". ")
            .or_else(|| t[digits..].strip_prefix(") "))
    {
        return (true, rest);
    }
    (false, t)
}

/// Inline Markdown reduced to its words.
fn inline_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(open) = rest.find('[') {
        let image = open > 0 && rest[..open].ends_with('!');
        let Some(close) = rest[open..].find("](").map(|c| open + c) else {
            break;
        };
        let Some(end) = rest[close..].find(')').map(|e| close + e) else {
            break;
        };
        out.push_str(&rest[..if image { open - 1 } else { open }]);
        if !image {
            out.push_str(&rest[open + 1..close]);
        }
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    out.replace("**", "").replace("__", "").replace(['*', '`'], "")
}

const ABBREVIATIONS: [&str; 14] = [
    "mr", "mrs", "ms", "dr", "st", "prof", "sr", "jr", "vs", "etc", "e.g", "i.e", "no", "mt",
];

/// Split one paragraph into sentences.
pub fn sentences(p: &str) -> Vec<String> {
    let chars: Vec<char> = p.chars().collect();
    let mut out = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < chars.len() {
        if matches!(chars[i], '.' | '!' | '?' | '…') {
            let mut end = i + 1;
            while end < chars.len() && matches!(chars[end], '.' | '!' | '?' | '"' | '\'' | '”' | '’' | ')' | ']') {
                end += 1;
            }
            let next = chars[end..].iter().position(|c| !c.is_whitespace()).map(|o| end + o);
            let gap = next.is_some_and(|n| n > end);
            let starts = next.is_some_and(|n| {
                let c = chars[n];
                c.is_uppercase() || c.is_ascii_digit() || matches!(c, '"' | '\'' | '“' | '‘' | '(')
            });
            let word: String = chars[start..i]
                .iter()
                .rev()
                .take_while(|c| !c.is_whitespace())
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            let abbreviation = chars[i] == '.'
                && (ABBREVIATIONS.contains(&word.to_lowercase().as_str())
                    || (word.chars().count() == 1 && word.chars().all(char::is_uppercase)));
            if gap && starts && !abbreviation {
                push_trimmed(&mut out, &chars[start..end]);
                start = end;
            }
            i = end;
        } else {
            i += 1;
        }
    }
    push_trimmed(&mut out, &chars[start..]);
    out
}

fn push_trimmed(out: &mut Vec<String>, chars: &[char]) {
    let s: String = chars.iter().collect();
    let s = s.trim();
    if s.chars().any(char::is_alphanumeric) {
        out.push(s.to_owned());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_paragraphs_keep_prose_only() {
        let md = "---\ntitle: x\n---\n# Chapter one\n\nThe *harbour* was [quiet](http://x) at dawn.\nGulls circled.\n\n\
                  ```\ncode block\n```\n> A quoted line\n> that goes on.\n\n- a boat\n- two ![pic](a.jpg)nets\n\n***\nEnd.";
        assert_eq!(
            split(md, Unit::Paragraphs),
            [
                "The harbour was quiet at dawn. Gulls circled.",
                "A quoted line that goes on.",
                "a boat",
                "two nets",
                "End."
            ]
        );
    }

    #[test]
    fn sentences_respect_abbreviations_initials_and_quotes() {
        let p =
            "Dr. Smith met J. R. Tolkien at 5 p.m. in the park. \"Lovely day!\" she said. It rained… Then 3 dogs came?";
        assert_eq!(
            sentences(p),
            [
                "Dr. Smith met J. R. Tolkien at 5 p.m. in the park.",
                "\"Lovely day!\" she said.",
                "It rained…",
                "Then 3 dogs came?"
            ]
        );
    }

    #[test]
    fn plain_text_and_blank_input() {
        assert_eq!(
            split("One line.\r\nSame para.\r\n\r\nNext.", Unit::Paragraphs),
            ["One line. Same para.", "Next."]
        );
        assert_eq!(split("A. B c. Done here.", Unit::Sentences), ["A. B c.", "Done here."]);
        assert!(split("  \n\n# Only a title\n---\n", Unit::Paragraphs).is_empty());
    }
}
