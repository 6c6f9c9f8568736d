//! A harbor call that fails where the contract accepts is one cause whichever check saw it: the
//! same error (its message without run ids and numbers), an id the harbor gave and then does
//! not know, a run it acknowledged and then does not know.

use super::failure::Disagreement;
use crate::error::LimaniError;
use crate::model::Rule;
use limani_fixtures::shorten;

/// The cause of `method` failing with `error` where the contract accepts.
pub fn of_error(method: &str, error: &LimaniError) -> Disagreement {
    let said = format!(
        "{method} fails where the contract accepts: {}",
        shorten(&error.to_string(), 200, 60)
    );
    let d = match error {
        LimaniError::UnknownHost { .. } => inconsistent_host_id(said),
        // A write the contract accepts names a run it has: the harbor lost it. (A read of a
        // run never made is accepted too: an error there is not a run gone.)
        LimaniError::UnknownRun { .. } if !method.starts_with("get_run") => run_gone(said),
        LimaniError::Storage { call, message, .. } => of_message(call, message, said),
        LimaniError::InvalidValue { field, reason } => {
            let d = of_invalid(field, reason, said);
            match in_answer(field) {
                true => Disagreement {
                    said: format!(
                        "{method} returns {} of a type the Logbook cannot read: {}",
                        d.way,
                        shorten(reason, 200, 60)
                    ),
                    ..d
                },
                false => d,
            }
        }
        other => Disagreement::new(
            Rule::SameOutcome,
            format!("fails: {}", other.kind().as_str()),
            said,
        ),
    };
    // A huge float overflows a 4-byte store (inf, or "value out of range"): single precision.
    let text = error.to_string();
    let overflow = ["inf is not", "out of range", "overflow"]
        .iter()
        .any(|w| text.contains(w));
    let mut d = d;
    if overflow {
        let single = super::cause::usual(super::cause::SINGLE_PRECISION);
        d.also.push((single.rule, single.way));
    }
    d
}

/// The cause of a failed call a check told in words (`what`), when they show one: a storage
/// error as `LimaniError` shows it, plainly or debug-printed, or an unknown host or run.
pub fn in_text(what: &str) -> Option<Disagreement> {
    let said = || shorten(what, 200, 60);
    if let Some((call, message)) = storage_error(what) {
        return Some(of_message(call, message, said()));
    }
    if let Some((field, reason)) = invalid_value(what) {
        return Some(of_invalid(field, reason, said()));
    }
    if what.contains("(UnknownHost)") || what.contains("UnknownHost:") {
        return Some(inconsistent_host_id(said()));
    }
    if what.contains("(UnknownRun)") || what.contains("UnknownRun:") {
        return Some(run_gone(said()));
    }
    None
}

/// The Logbook's status query, through `connect()`, gives another status than the run's.
pub fn another_status() -> Disagreement {
    Disagreement::new(
        Rule::StatusQuery,
        "the status query gives another status",
        "the Logbook's status query (connect().execute(\"SELECT status FROM runs WHERE id = ?\")) gives another status than the run has",
    )
}

/// `get_or_create_host` gave one host two ids (or one id to two hosts): said so by every check
/// that sees it, one cause.
pub fn inconsistent_host_id(said: impl Into<String>) -> Disagreement {
    Disagreement::new(
        Rule::OneHostPerName,
        "get_or_create_host gives an inconsistent id",
        said,
    )
}

/// Text without the kit's run ids, numbers and quoted values: what stays the same when one
/// defect shows in another check.
pub fn normalized(text: &str) -> String {
    let mut out = String::new();
    let mut quoted = false;
    for word in text.split_inclusive([' ', '(', ')', ',', ':']) {
        let bare = word.trim_end_matches([' ', '(', ')', ',', ':']);
        let tail = &word[bare.len()..];
        if bare.starts_with('"') || quoted {
            quoted = !(bare.ends_with('"') && (bare.len() > 1 || quoted));
            out.push('…');
        } else if bare.contains("kit-") || bare.chars().any(|c| c.is_ascii_digit()) {
            out.push('#');
        } else {
            out.push_str(bare);
        }
        out.push_str(tail);
    }
    shorten(&out, 160, 0)
}

/// A run the harbor acknowledged that it then calls unknown.
fn run_gone(said: String) -> Disagreement {
    Disagreement {
        said,
        ..super::cause::run_gone()
    }
}

/// One storage error of `call`: the rule of the call that fails, the message as its way (its
/// first line, without the table or column it names last: one defect shows in every table).
fn of_message(call: &str, message: &str, said: String) -> Disagreement {
    if let Some(usual) = super::cause::of_error(message) {
        return super::cause::usual(usual);
    }
    let rule = match call {
        _ if message.contains("the harbor panicked") => Rule::Answers,
        "status_through_connect" | "logbook_status" => Rule::StatusQuery,
        "get_or_create_host" => Rule::OneHostPerName,
        _ => Rule::SameOutcome,
    };
    let first = message.lines().next().unwrap_or("");
    let first = match first.rsplit_once(": ") {
        Some((head, name)) if !name.contains(' ') && !head.is_empty() => head,
        _ => first,
    };
    Disagreement::new(rule, format!("fails: {}", normalized(first)), said)
}

/// An invalid value: in an answer (its `field` a path, `CALL result` or `CALL[i]`), a value of
/// a type the Logbook cannot read; else (`field` is the call) the harbor refusing the call.
fn of_invalid(field: &str, reason: &str, said: String) -> Disagreement {
    if !in_answer(field) {
        return of_message(field, reason, said);
    }
    let name = match field.strip_suffix(" result") {
        Some(_) => reason.split(':').next().unwrap_or("").trim(),
        None => field.rsplit('.').next().unwrap_or(field),
    };
    let name = match name.split_once('[') {
        Some((name, _)) => name,
        None => name,
    };
    let rule = match name {
        "total_duration" => Rule::TotalDuration,
        _ => Rule::SameJson,
    };
    Disagreement::new(rule, name.to_owned(), said)
}

/// Whether an invalid value's `field` is in a harbor's answer (a path, `CALL result`), not the
/// call itself.
fn in_answer(field: &str) -> bool {
    field.ends_with(" result") || field.contains(['.', '['])
}

/// The field and reason of an invalid value told in text: `invalid value for FIELD: REASON`,
/// or debug-printed, `InvalidValue { field: "FIELD", reason: "REASON" }`.
fn invalid_value(text: &str) -> Option<(&str, &str)> {
    if let Some((_, rest)) = text.split_once("InvalidValue { field: \"") {
        let (field, rest) = rest.split_once("\", reason: \"")?;
        let end = rest.find("\" }").unwrap_or(rest.len());
        return Some((field, &rest[..end]));
    }
    let (_, rest) = text.split_once("invalid value for ")?;
    let (field, rest) = rest.split_once(": ")?;
    let end = [" (InvalidValue)", "\")", "\n"]
        .iter()
        .filter_map(|e| rest.find(e))
        .min()
        .unwrap_or(rest.len());
    Some((field, &rest[..end]))
}

/// The call and message of a storage error in text: `storage failure in CALL: MESSAGE`, or
/// debug-printed, `Storage { call: "CALL", message: "MESSAGE", .. }`.
fn storage_error(text: &str) -> Option<(&str, &str)> {
    if let Some((_, rest)) = text.split_once("storage failure in ") {
        let (call, rest) = rest.split_once(": ")?;
        let end = [" (Storage)", "\")", "\"", "\n"]
            .iter()
            .filter_map(|e| rest.find(e))
            .min()
            .unwrap_or(rest.len());
        return Some((call, &rest[..end]));
    }
    let (_, rest) = text.split_once("Storage { call: \"")?;
    let (call, rest) = rest.split_once("\", message: \"")?;
    let end = rest.find("\", source").unwrap_or(rest.len());
    Some((call, &rest[..end]))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One panic is one cause, whether a check compared outcomes or told the error in words.
    #[test]
    fn one_error_one_way_however_it_is_told() {
        let message = "the harbor panicked: index out of bounds: the len is 0 but the index is 0";
        let error = LimaniError::storage_message("insert_operation", message);
        let compared = of_error("insert_operation", &error);
        let told = [
            format!("write 3 on the writer thread failed: {error} (Storage)"),
            format!("the writer's insert_operation run0: the harbor gave Err(\"Storage: {error}\"), the contract Ok(\"Ok\")"),
            format!("a write of run 1 failed: harbor Err({error:?}), model Ok(())"),
        ];
        assert_eq!(compared.rule, Rule::Answers);
        for text in told {
            let d = in_text(&text).expect(&text);
            assert_eq!((d.rule, &d.way), (compared.rule, &compared.way), "{text}");
        }
        let gone = LimaniError::UnknownRun { run_id: "r".into() };
        assert_eq!(of_error("get_or_create_host", &gone).way, "the run is gone");
        let host = LimaniError::UnknownHost {
            run_id: "r".into(),
            host_id: 4,
        };
        let d = in_text(&format!("write 1 failed: {host} (UnknownHost)")).unwrap();
        let compared = of_error("insert_operation", &host);
        assert_eq!((d.rule, d.way), (compared.rule, compared.way));
        assert_eq!(in_text("total_operations differ"), None);
    }

    /// A harbor's refusal is its call's error; a value of the wrong type in an answer is that
    /// field read wrong; a table another thread's connection lacks is a store per thread.
    #[test]
    fn an_invalid_value_is_the_call_or_the_field() {
        let refused = LimaniError::invalid("insert_fact_log", "TypeError: unexpected 'timestamp'");
        let d = of_error("insert_fact_log", &refused);
        let told = in_text(&format!("write 0 failed: {refused} (InvalidValue)")).unwrap();
        assert_eq!((d.rule, &d.way), (Rule::SameOutcome, &told.way));
        let debug = in_text(&format!("harbor Err({refused:?}), model Ok(())")).unwrap();
        assert_eq!(debug.way, d.way);
        let field = "run_data.hosts[0].operations[1].changed";
        let wrong = LimaniError::invalid(field, "expected 0, 1 or a boolean, got \"False\"");
        let d = of_error("get_run_data", &wrong);
        assert_eq!((d.rule, d.way.as_str()), (Rule::SameJson, "changed"));
        let told = in_text(&format!("get_run_data failed: {wrong} (InvalidValue)")).unwrap();
        assert_eq!(told.way, "changed");
        let missing =
            LimaniError::storage_message("create_run", "OperationalError: no such table: runs");
        let other = LimaniError::storage_message("insert_operation", "no such table: hosts");
        assert_eq!(
            of_error("create_run", &missing).way,
            of_error("x", &other).way
        );
        assert_eq!(of_error("x", &other).rule, Rule::AcknowledgedIsKept);
    }
}
