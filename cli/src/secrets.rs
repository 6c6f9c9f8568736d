//! What a report, a certificate or a reproduce line shows of a URL: never its password.

/// `text` with the password of every URL in it (`scheme://user:password@host`) shown as `***`:
/// what a report, a certificate or a reproduce line says never carries a secret.
pub fn without_passwords(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find("://") {
        let (head, tail) = rest.split_at(at + 3);
        out.push_str(head);
        let authority_end = tail
            .find(['/', '?', '#', ' ', '"', '\''])
            .unwrap_or(tail.len());
        let authority = &tail[..authority_end];
        match (authority.rfind('@'), authority.find(':')) {
            (Some(at), Some(colon)) if colon < at => {
                out.push_str(&authority[..colon + 1]);
                out.push_str("***");
                out.push_str(&authority[at..]);
            }
            _ => out.push_str(authority),
        }
        rest = &tail[authority_end..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod password_tests {
    #[test]
    fn passwords_are_left_out() {
        let cases = [
            (
                "postgres://me:s3cret@db:5432/x",
                "postgres://me:***@db:5432/x",
            ),
            ("postgres://me@db/x", "postgres://me@db/x"),
            (
                "{\"dsn\": \"postgresql://a:b@h/d\"} and http://h:80/p",
                "{\"dsn\": \"postgresql://a:***@h/d\"} and http://h:80/p",
            ),
        ];
        for (given, shown) in cases {
            assert_eq!(super::without_passwords(given), shown);
        }
    }

    /// A target as reports, reproduce lines and bench output name it.
    #[test]
    fn targets_are_named_without_their_password() {
        for (given, shown) in [
            ("postgres://me:s3cret@db/x", "postgres://me:***@db/x"),
            (
                "postgres-async://me:s3cret@db/x",
                "postgres-async://me:***@db/x",
            ),
        ] {
            assert_eq!(crate::target::target(given).unwrap().to_string(), shown);
        }
    }
}
