//! The ids that tie an operation to the fact logs it was run against, made again in the target
//! harbor as the Logbook made them: the ids the harbor gave, its own timespan reads.

use std::collections::HashMap;

use limani_contract::{Exact, Limani, NewFactLog};

use super::import::{next_time, Logbook};

impl Logbook {
    /// The ids the harbor gave the fact logs just written, by their ids in the file: one read
    /// of the whole run, each row matched to the fact log it holds.
    pub(super) fn fact_ids(&self, harbor: &dyn Limani) -> Result<HashMap<String, i64>, String> {
        let (Some(first), Some(last)) = (self.facts.first(), self.facts.last()) else {
            return Ok(HashMap::new());
        };
        let (start, end) = (first.log.timestamp, next_time(last.log.timestamp));
        let mut rows = harbor
            .get_facts_for_timespan(&self.run.run_id, start, end)
            .map_err(|e| format!("reading back the fact logs: {e}"))?;
        let mut renamed = HashMap::new();
        for fact in &self.facts {
            let found = rows
                .iter()
                .position(|row| holds(row, &fact.log))
                .ok_or_else(|| {
                    format!(
                        "the harbor did not give back the fact log at {} ({:?}) just written",
                        fact.log.timestamp, fact.log.command
                    )
                })?;
            let row = rows.remove(found);
            if let Some(old) = &fact.old_id {
                renamed.insert(old.clone(), row.id);
            }
        }
        Ok(renamed)
    }

    /// The file's fact rows of one operation with the harbor's ids and this run's id: never an
    /// id the harbor did not give.
    pub(super) fn rows_renamed(
        &self,
        rows: &[Exact],
        renamed: &HashMap<String, i64>,
    ) -> Result<Vec<Exact>, String> {
        let rename = |row: &Exact| -> Result<Exact, String> {
            let Exact::Object(fields) = row else {
                return Ok(row.clone());
            };
            let field = |(key, value): &(String, Exact)| -> Result<(String, Exact), String> {
                let value = match key.as_str() {
                    "id" => {
                        let new = renamed.get(&value.to_text()).ok_or_else(|| {
                            format!(
                                "fact id {} of command_n_fact_history is no fact log",
                                value.to_text()
                            )
                        })?;
                        Exact::Int(new.to_string())
                    }
                    "run_id" => Exact::Str(self.run.run_id.clone()),
                    _ => value.clone(),
                };
                Ok((key.clone(), value))
            };
            Ok(Exact::Object(
                fields.iter().map(field).collect::<Result<_, _>>()?,
            ))
        };
        rows.iter().map(rename).collect()
    }

    /// The operation's fact logs as the Logbook computes them: what `get_facts_for_timespan`
    /// answers over a window that holds exactly the file's rows (from the first to the next
    /// fact log after the last), when they are such a window and rows of Ch-rima's shape; else
    /// the file's rows renamed.
    pub(super) fn read_as_the_logbook(
        &self,
        harbor: &dyn Limani,
        old_rows: &[Exact],
        renamed: Vec<Exact>,
    ) -> Result<Vec<Exact>, String> {
        let shaped = |row: &Exact| match row {
            Exact::Object(fields) => fields.iter().map(|(k, _)| k.as_str()).eq(FACT_ROW),
            _ => false,
        };
        let window = self
            .window_of(old_rows)
            .filter(|_| old_rows.iter().all(shaped));
        let Some((start, end)) = window else {
            return Ok(renamed);
        };
        let answer = harbor
            .get_facts_for_timespan(&self.run.run_id, start, end)
            .map_err(|e| e.to_string())?;
        Ok(answer.iter().map(super::export::fact_row).collect())
    }

    /// `[first, next)` where the file's rows are every fact log from the first of them to the
    /// last, in time order; `None` for an empty list or one with gaps (a read the writer
    /// thread had not caught up with).
    fn window_of(&self, rows: &[Exact]) -> Option<(f64, f64)> {
        let ids: Vec<String> = (rows.iter())
            .map(|r| r.get("id").map(Exact::to_text))
            .collect::<Option<_>>()?;
        let at = |id: &String| {
            self.facts
                .iter()
                .position(|f| f.old_id.as_ref() == Some(id))
        };
        let first = at(ids.first()?)?;
        let span = self.facts.get(first..first + ids.len())?;
        if span
            .iter()
            .zip(&ids)
            .any(|(f, id)| f.old_id.as_ref() != Some(id))
        {
            return None;
        }
        let (start, last) = (span[0].log.timestamp, span[span.len() - 1].log.timestamp);
        let after = self.facts.get(first + ids.len()).map(|f| f.log.timestamp);
        let before = first.checked_sub(1).map(|i| self.facts[i].log.timestamp);
        // A fact log of the same time just outside the span would fall inside any window.
        if after == Some(last) || before == Some(start) {
            return None;
        }
        Some((start, after.unwrap_or_else(|| next_time(last))))
    }
}

/// The keys of a fact row as Ch-rima returns it (`SELECT *`), in table order.
const FACT_ROW: [&str; 6] = [
    "id",
    "run_id",
    "timestamp",
    "log_level",
    "context",
    "command",
];

/// A row read back holds the fact log that was written.
fn holds(row: &limani_contract::FactLog, log: &NewFactLog) -> bool {
    let same = |a: &Option<String>, b: &str| a.as_deref().unwrap_or("") == b;
    row.timestamp.to_bits() == log.timestamp.to_bits()
        && same(&row.log_level, &log.log_level)
        && same(&row.context, &log.context)
        && same(&row.command, &log.command)
}
