//! The command line as clap reads it: flags, errors, what each command gets.

use super::*;
use crate::usage_error::error_text;

fn argv(args: &[&str]) -> Vec<String> {
    args.iter().map(|a| (*a).to_owned()).collect()
}

#[test]
fn a_typo_gets_a_suggestion_and_one_line() {
    let args = argv(&["certfy", "sqlite::memory:"]);
    let text = error_text(&parse(&args).err().unwrap(), &args);
    assert!(
        text.contains("'certify'") && text.ends_with("see `limani --help`"),
        "{text}"
    );
    assert!(text.lines().count() <= 3, "{text}");
}

#[test]
fn flags_take_an_equals_sign() {
    let Ok(Command::Certify(c)) = parse(&argv(&["certify", "memory:", "--timeout=5", "--cases=3"]))
    else {
        panic!("not parsed");
    };
    assert_eq!((c.timeout, c.cases), (Duration::from_secs(5), Some(3)));
}

#[test]
fn bad_values_are_named() {
    for (args, said) in [
        (
            vec!["certify", "sqlite::memory:", "--timeout", "0"],
            "from 0 to",
        ),
        (
            vec!["certify", "sqlite::memory:", "--cases", "0"],
            "--cases",
        ),
        (vec!["certify", "nope"], "unknown target"),
        (
            vec!["certify", "sqlite::memory:", "--config", "{"],
            "not JSON",
        ),
        (vec!["serve", "memory:"], "built-in harbor"),
    ] {
        let args = argv(&args);
        let text = error_text(&parse(&args).err().unwrap(), &args);
        assert!(text.contains(said), "{args:?}: {text}");
    }
}
