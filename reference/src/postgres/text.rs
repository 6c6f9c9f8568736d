//! PostgreSQL `text` cannot hold a NUL character. Strings that contain one (or that start with
//! the mark) are stored as the mark followed by the string with `\` and NUL escaped; all
//! others are stored as they are. Lossless, and plain strings stay plain.

/// Starts every escaped string; two non-characters no Logbook string begins with.
const MARK: &str = "\u{FDD0}\u{FDEF}";

/// The text stored for `s`.
pub fn store(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.contains('\0') && !s.starts_with(MARK) {
        return s.into();
    }
    let mut out = String::with_capacity(s.len() + 8);
    out.push_str(MARK);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\0' => out.push_str("\\0"),
            c => out.push(c),
        }
    }
    out.into()
}

/// The string stored as `t`.
pub fn load(t: String) -> String {
    let Some(escaped) = t.strip_prefix(MARK) else {
        return t;
    };
    let mut out = String::with_capacity(escaped.len());
    let mut chars = escaped.chars();
    while let Some(c) = chars.next() {
        match (c, c == '\\') {
            (_, true) => match chars.next() {
                Some('0') => out.push('\0'),
                Some(other) => out.push(other),
                None => out.push('\\'),
            },
            (c, false) => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_string_round_trips_and_plain_ones_stay_plain() {
        for s in [
            "",
            "plain",
            "a\0b",
            "\0",
            "back\\slash\0",
            "\u{FDD0}\u{FDEF}looks marked",
            "\\0 not a nul",
            "日本\0語",
        ] {
            let stored = store(s);
            assert!(!stored.contains('\0'), "{stored:?}");
            assert_eq!(load(stored.into_owned()), s);
        }
        assert!(matches!(store("plain"), std::borrow::Cow::Borrowed(_)));
    }
}
