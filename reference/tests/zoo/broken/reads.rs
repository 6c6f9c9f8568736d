//! The reads of `Broken`, bent on the way out as its defect names.

use super::*;

impl Broken {
    pub(super) fn timespan(&self, run_id: &str, start: f64, end: f64) -> Result<Vec<FactLog>> {
        let (mut lo, mut hi) = match self.defect {
            Defect::ClosedTimespanEnd if end.is_finite() => {
                (start, f64::from_bits(end.to_bits() + 1))
            }
            Defect::OpenTimespanStart if start.is_finite() => {
                (f64::from_bits(start.to_bits() + 1), end)
            }
            _ => (start, end),
        };
        if self.is(Defect::InvertedWindowSwapped) && lo > hi {
            (lo, hi) = (hi, lo);
        }
        if self.is(Defect::NanBoundsGiveEmpty) && (lo.is_nan() || hi.is_nan()) {
            return Ok(Vec::new());
        }
        let runs = match self.is(Defect::TimespanAllRuns) {
            true => lock(&self.runs).clone(),
            false => vec![run_id.to_owned()],
        };
        let mut rows = Vec::new();
        self.timespan_reads.fetch_add(1, Ordering::SeqCst);
        if self.is(Defect::WritesLostDuringTimespanReads) {
            std::thread::sleep(Duration::from_micros(500));
        }
        for run in runs {
            let read = self.read(|h| h.get_facts_for_timespan(&run, lo, hi));
            match read {
                Ok(more) => rows.extend(more),
                Err(e) => {
                    self.timespan_reads.fetch_sub(1, Ordering::SeqCst);
                    return Err(e);
                }
            }
        }
        self.timespan_reads.fetch_sub(1, Ordering::SeqCst);
        if self.is(Defect::TimespanDropsThirdOfATimestamp) {
            let mut kept: Vec<FactLog> = Vec::new();
            for row in rows {
                if kept.iter().filter(|k| k.timestamp == row.timestamp).count() < 2 {
                    kept.push(row);
                }
            }
            rows = kept;
        }
        if self.is(Defect::InsertionOrderTimespan) {
            rows.sort_by_key(|f| f.id);
        }
        for f in &mut rows {
            for s in [&mut f.command, &mut f.context, &mut f.log_level] {
                self.null_if_empty(s);
            }
            if self.is(Defect::TimespanRowsWithoutRunId) {
                f.run_id = String::new();
            }
        }
        Ok(rows)
    }

    pub(super) fn summary(&self, run_id: &str) -> Result<SummaryStats> {
        if let Some(frozen) = lock(&self.frozen).get(run_id) {
            return Ok(frozen.clone());
        }
        let mut stats = self.read(|h| h.get_run_summary_stats(run_id))?;
        if self.is(Defect::OperationsUpsertedByName) {
            let data = self.get_run_data(run_id)?;
            let ops = data
                .iter()
                .flat_map(|d| &d.hosts)
                .flat_map(|h| &h.operations);
            stats = conformance::model::rules::summary_stats(
                ops.map(|o| (o.changed, o.success, o.duration)),
            );
        }
        match self.defect {
            Defect::SummaryWithoutRounding => {
                let data = self.inner().get_run_data(run_id)?;
                stats.total_duration = data.map_or(0.0, |d| {
                    d.hosts
                        .iter()
                        .flat_map(|h| &h.operations)
                        .map(|o| o.duration)
                        .sum()
                });
            }
            Defect::PlainSumSummary => {
                let mut ops: Vec<_> = (self.inner().get_run_data(run_id)?)
                    .map(|d| d.hosts.into_iter().flat_map(|h| h.operations).collect())
                    .unwrap_or_default();
                ops.sort_by_key(|o| o.id);
                let sum: f64 = ops.iter().map(|o| o.duration).fold(0.0, |a, b| a + b);
                stats.total_duration = match sum {
                    0.0 => 0.0,
                    sum => format!("{sum:.4}").parse().unwrap_or(sum),
                };
            }
            Defect::SummaryNanWhenEmpty if stats.total_operations == 0 => {
                stats.total_duration = f64::NAN
            }
            Defect::SummarySuccessfulWrong => {
                stats.successful_operations = stats.changed_operations
            }
            Defect::SummaryErrorForUnknownRun if self.unknown_run(run_id)? => {
                return Err(LimaniError::UnknownRun {
                    run_id: run_id.to_owned(),
                })
            }
            _ => {}
        }
        Ok(stats)
    }

    pub(super) fn run_data(&self, run_id: &str) -> Result<Option<RunData>> {
        let Some(mut data) = self.read(|h| h.get_run_data(run_id))? else {
            if self.is(Defect::RunDataForUnknownRun) {
                let empty = MemoryLimani::new();
                empty.create_run(&sample::run(run_id, Revision::Seed))?;
                return empty.get_run_data(run_id);
            }
            return Ok(None);
        };
        let shown = |id: HostId| {
            id + self.salt
                + if self.is(Defect::RunDataHostIdsRenumbered) {
                    1000
                } else {
                    0
                }
        };
        for h in &mut data.hosts {
            h.name = h.name.split('\u{1}').next().unwrap_or_default().to_owned();
            h.id = shown(h.id);
            if self.is(Defect::InsertionOrderOperations) {
                h.operations.sort_by_key(|o| o.id);
            }
            if self.is(Defect::OperationsUpsertedByName) {
                let latest = |o: &conformance::OperationRecord| {
                    h.operations
                        .iter()
                        .filter(|p| p.name == o.name)
                        .map(|p| p.id)
                        .max()
                        == Some(o.id)
                };
                let kept: Vec<_> = h.operations.iter().filter(|o| latest(o)).cloned().collect();
                h.operations = kept;
            }
            for o in &mut h.operations {
                o.host_id = shown(o.host_id);
                self.null_if_empty(&mut o.diff);
                self.null_if_empty(&mut o.op_hash);
            }
        }
        if self.is(Defect::OperationsUnderFirstHost) && data.hosts.len() > 1 {
            let moved: Vec<_> = data.hosts[1..]
                .iter_mut()
                .flat_map(|h| std::mem::take(&mut h.operations))
                .collect();
            data.hosts[0].operations.extend(moved);
        }
        if self.is(Defect::HostsWithoutOperationsDropped) {
            data.hosts.retain(|h| !h.operations.is_empty());
        }
        if self.is(Defect::HostsByName) {
            data.hosts.sort_by(|a, b| a.name.cmp(&b.name));
        }
        if self.is(Defect::TiesReversed) {
            let by = |t: f64, id: i64| (t.to_bits(), std::cmp::Reverse(id));
            for h in &mut data.hosts {
                h.operations.sort_by_key(|o| by(o.timestamp, o.id));
            }
            data.snapshots.sort_by_key(|s| by(s.timestamp, s.id));
            data.fact_logs.sort_by_key(|f| by(f.timestamp, f.id));
        }
        if self.is(Defect::RunDataNeedsEnd) && data.run.end_time.is_none() {
            let why =
                "TypeError: float() argument must be a string or a real number, not 'NoneType'";
            return Err(LimaniError::storage_message("get_run_data", why));
        }
        if self.is(Defect::RunDataMixesRuns) {
            let before = lock(&self.runs)
                .iter()
                .take_while(|r| *r != run_id)
                .last()
                .cloned();
            if let Some(other) = before.and_then(|r| self.inner().get_run_data(&r).ok().flatten()) {
                data.fact_logs.extend(other.fact_logs);
            }
        }
        if self.is(Defect::InsertionOrderFactLogs) {
            data.fact_logs.sort_by_key(|f| f.id);
        }
        for s in &mut data.snapshots {
            s.host_name = s
                .host_name
                .split('\u{1}')
                .next()
                .unwrap_or_default()
                .to_owned();
            s.host_id = shown(s.host_id);
            if self.is(Defect::SnapshotHostNameIsId) {
                s.host_name = s.host_id.to_string();
            }
            self.null_if_empty(&mut s.stage);
        }
        for f in &mut data.fact_logs {
            self.null_if_empty(&mut f.command);
        }
        Ok(Some(data))
    }
}
