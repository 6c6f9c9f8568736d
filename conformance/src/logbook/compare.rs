//! Two logbooks of one run compared as the same document: the same keys in the same order, the
//! same number text, the same strings; ids may differ by one consistent renaming per kind (a
//! fact id of the file is always the same new id, in `fact_history` and in every
//! `command_n_fact_history`; the run id likewise), never two ways.

use std::collections::HashMap;

use limani_contract::Exact;

/// One renaming of ids of one kind, checked both ways (no two old ids become one new id).
#[derive(Default)]
struct Renaming {
    kind: &'static str,
    forward: HashMap<String, (String, String)>,
    backward: HashMap<String, String>,
}

impl Renaming {
    fn new(kind: &'static str) -> Self {
        Renaming {
            kind,
            ..Renaming::default()
        }
    }

    fn take(&mut self, old: &Exact, new: &Exact, at: &str) -> Result<(), String> {
        if std::mem::discriminant(old) != std::mem::discriminant(new) {
            return Err(format!(
                "{at}: {} {} became {}, of another type",
                self.kind,
                old.to_text(),
                new.to_text()
            ));
        }
        let (old, new) = (old.to_text(), new.to_text());
        if let Some((before, where_)) = self.forward.get(&old) {
            if *before != new {
                return Err(format!(
                    "{} {old} is renamed two ways: {before} at {where_}, {new} at {at}",
                    self.kind
                ));
            }
            return Ok(());
        }
        if let Some(other) = self.backward.get(&new) {
            return Err(format!(
                "{} {other} and {old} both became {new} (at {at})",
                self.kind
            ));
        }
        self.backward.insert(new.clone(), old.clone());
        self.forward.insert(old, (new, at.to_owned()));
        Ok(())
    }
}

/// `Ok` when `exported` is `original` up to one renaming of fact ids and one of the run id;
/// else where and how they first differ, in one line.
pub fn same_logbook(original: &str, exported: &str) -> Result<(), String> {
    let original = Exact::parse(original).map_err(|e| format!("the original is not JSON: {e}"))?;
    let exported = Exact::parse(exported).map_err(|e| format!("the export is not JSON: {e}"))?;
    let mut ids = Ids {
        fact: Renaming::new("fact id"),
        run: Renaming::new("run id"),
    };
    walk(&original, &exported, "", &mut ids)
}

struct Ids {
    fact: Renaming,
    run: Renaming,
}

/// Which renaming a value at `path` may go through: `uggly_run_id`, and the `id` and `run_id`
/// of a fact row (`fact_history[i]`, `streamed_history[j].command_n_fact_history[k]`).
fn kind_at<'a>(path: &str, ids: &'a mut Ids) -> Option<&'a mut Renaming> {
    if path == "uggly_run_id" {
        return Some(&mut ids.run);
    }
    let row = path.starts_with("fact_history[")
        || (path.starts_with("streamed_history[") && path.contains(".command_n_fact_history["));
    let depth = path.matches('.').count();
    let expected_depth = if path.starts_with("fact_history[") {
        1
    } else {
        2
    };
    match path.rsplit_once('.') {
        Some((_, "id")) if row && depth == expected_depth => Some(&mut ids.fact),
        Some((_, "run_id")) if row && depth == expected_depth => Some(&mut ids.run),
        _ => None,
    }
}

fn walk(a: &Exact, b: &Exact, path: &str, ids: &mut Ids) -> Result<(), String> {
    if let Some(renaming) = kind_at(path, ids) {
        return renaming.take(a, b, path);
    }
    let at = if path.is_empty() {
        "the top level"
    } else {
        path
    };
    let differs = |what: &str| Err(format!("{at}: {what}"));
    match (a, b) {
        (Exact::Object(fa), Exact::Object(fb)) => {
            let (ka, kb): (Vec<&str>, Vec<&str>) = (
                fa.iter().map(|(k, _)| k.as_str()).collect(),
                fb.iter().map(|(k, _)| k.as_str()).collect(),
            );
            if ka != kb {
                return differs(&format!("keys {ka:?} became {kb:?}"));
            }
            for ((key, va), (_, vb)) in fa.iter().zip(fb) {
                let inner = match path {
                    "" => key.clone(),
                    _ => format!("{path}.{key}"),
                };
                walk(va, vb, &inner, ids)?;
            }
            Ok(())
        }
        (Exact::List(la), Exact::List(lb)) => {
            if la.len() != lb.len() {
                return differs(&format!("{} items became {}", la.len(), lb.len()));
            }
            for (i, (va, vb)) in la.iter().zip(lb).enumerate() {
                walk(va, vb, &format!("{path}[{i}]"), ids)?;
            }
            Ok(())
        }
        // The same number text: Python writes a float as its shortest repr, one per double.
        (Exact::Float(x), Exact::Float(y)) if x.to_bits() == y.to_bits() => Ok(()),
        (Exact::Float(_), _) | (_, Exact::Float(_)) => {
            differs(&format!("{} became {}", a.to_text(), b.to_text()))
        }
        _ if a == b => Ok(()),
        _ => differs(&format!(
            "{} became {}",
            crate::toolkit::shorten(&a.to_text(), 80, 40),
            crate::toolkit::shorten(&b.to_text(), 80, 40)
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BOOK: &str = r#"{"uggly_run_id": "r1", "fact_history": [{"id": 5, "run_id": "r1"}, {"id": 7, "run_id": "r1"}],
        "streamed_history": [{"id": 5, "command_n_fact_history": [{"id": 7, "run_id": "r1"}]}]}"#;

    #[test]
    fn one_renaming_per_kind_is_the_same_logbook() {
        let renamed = BOOK
            .replace("\"id\": 5, \"run_id\"", "\"id\": 1, \"run_id\"")
            .replace("\"id\": 7", "\"id\": 2")
            .replace("r1", "r2");
        assert_eq!(same_logbook(BOOK, &renamed), Ok(()));
    }

    #[test]
    fn an_id_renamed_two_ways_differs() {
        let two_ways =
            BOOK.replacen("\"id\": 7", "\"id\": 2", 1)
                .replacen("\"id\": 7", "\"id\": 3", 1);
        let error = same_logbook(BOOK, &two_ways).unwrap_err();
        assert!(error.contains("fact id 7 is renamed two ways"), "{error}");
        let merged = BOOK.replace("\"id\": 5, \"run_id\"", "\"id\": 7, \"run_id\"");
        let error = same_logbook(BOOK, &merged).unwrap_err();
        assert!(error.contains("both became 7"), "{error}");
    }

    #[test]
    fn ids_outside_fact_rows_and_number_text_are_kept() {
        // An `id` of an operation event is the harbor's data, not a fact row's id.
        let other = BOOK.replace("[{\"id\": 5, \"command", "[{\"id\": 6, \"command");
        assert!(same_logbook(BOOK, &other)
            .unwrap_err()
            .starts_with("streamed_history[0].id"));
        let a = r#"{"d": 0.5, "k": [1]}"#;
        assert!(same_logbook(a, r#"{"d": 0.50000000000000011, "k": [1]}"#).is_err());
        assert!(same_logbook(a, r#"{"k": [1], "d": 0.5}"#)
            .unwrap_err()
            .contains("keys"));
        assert!(same_logbook(a, r#"{"d": 0.5, "k": [1.0]}"#).is_err());
    }
}
