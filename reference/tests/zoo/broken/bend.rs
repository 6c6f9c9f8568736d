//! How `Broken` is made, and the helpers its calls bend values and outcomes with.

use super::*;

impl Broken {
    pub fn new(defect: Defect, inner: Arc<dyn Limani>) -> Self {
        let salt = match defect {
            Defect::HostIdsRenumberedAfterReopen => OPENINGS.fetch_add(1, Ordering::SeqCst) * 1000,
            _ => 0,
        };
        Broken {
            defect,
            inner: Mutex::new(inner),
            salt,
            in_flight: AtomicUsize::new(0),
            calls: AtomicUsize::new(0),
            inits: AtomicUsize::new(0),
            hosts_by_name: Mutex::default(),
            runs: Mutex::default(),
            frozen: Mutex::default(),
            buffer: Mutex::default(),
            names: Mutex::default(),
            ends: Mutex::default(),
            timespan_reads: AtomicUsize::new(0),
            lock_file: None,
            held: Mutex::default(),
        }
    }

    /// Under LockedWhileConnected: the file whose lock connect() takes for the store.
    pub fn locking(mut self, lock_file: std::path::PathBuf) -> Self {
        self.lock_file = Some(lock_file);
        self
    }

    pub(super) fn inner(&self) -> Arc<dyn Limani> {
        lock(&self.inner).clone()
    }

    pub(super) fn is(&self, defect: Defect) -> bool {
        self.defect == defect
    }

    /// A write; under LostWritesUnderThreads it is dropped when another call is in flight.
    pub(super) fn write(&self, f: impl FnOnce(&dyn Limani) -> Result<()>) -> Result<()> {
        let others = self.in_flight.fetch_add(1, Ordering::SeqCst);
        let lose = (self.is(Defect::LostWritesUnderThreads) && {
            std::thread::sleep(Duration::from_micros(200));
            others > 0 || self.in_flight.load(Ordering::SeqCst) > 1
        }) || (self.is(Defect::WritesLostDuringTimespanReads) && {
            std::thread::sleep(Duration::from_micros(300));
            self.timespan_reads.load(Ordering::SeqCst) > 0
        });
        let result = if lose {
            Ok(())
        } else {
            f(self.inner().as_ref())
        };
        self.in_flight.fetch_sub(1, Ordering::SeqCst);
        result
    }

    pub(super) fn read<T>(&self, f: impl FnOnce(&dyn Limani) -> T) -> T {
        self.in_flight.fetch_add(1, Ordering::SeqCst);
        let out = f(self.inner().as_ref());
        self.in_flight.fetch_sub(1, Ordering::SeqCst);
        out
    }

    pub(super) fn text(&self, s: &str) -> String {
        match self.defect {
            Defect::TruncatedStrings if s.len() > 65536 => {
                let end = (0..=65536)
                    .rev()
                    .find(|&i| s.is_char_boundary(i))
                    .unwrap_or(0);
                s[..end].to_owned()
            }
            Defect::NulTruncatedStrings => s.split('\0').next().unwrap_or_default().to_owned(),
            Defect::AsciiOnlyStrings => s
                .chars()
                .map(|c| if c.is_ascii() { c } else { '?' })
                .collect(),
            Defect::QuotesDoubled => s.replace('\'', "''"),
            _ => s.to_owned(),
        }
    }

    pub(super) fn json(&self, v: &Json) -> Json {
        let text = self.json_at(&v.parse(), 0).to_text();
        Json::new(text).expect("the zoo writes JSON")
    }

    pub(super) fn json_at(&self, v: &Exact, depth: usize) -> Exact {
        if self.is(Defect::JsonDepthLimited) && depth > 32 {
            return Exact::Null;
        }
        match v {
            Exact::Str(s) => Exact::Str(self.text(s)),
            Exact::List(a) => Exact::List(a.iter().map(|x| self.json_at(x, depth + 1)).collect()),
            Exact::Object(m) => {
                let mut entries: Vec<_> = m
                    .iter()
                    .map(|(k, v)| (self.text(k), self.json_at(v, depth + 1)))
                    .collect();
                if self.is(Defect::SortedJsonKeys) {
                    entries.sort_by(|a, b| a.0.len().cmp(&b.0.len()).then(a.0.cmp(&b.0)));
                }
                Exact::Object(entries)
            }
            Exact::Int(n) if self.is(Defect::IntegersThroughF64) => {
                let f: f64 = n.parse().unwrap_or(0.0);
                Exact::Int(format!("{}", f as i128))
            }
            other => other.clone(),
        }
    }

    pub(super) fn float(&self, x: f64) -> f64 {
        if self.is(Defect::LossyFloats) {
            f64::from(x as f32)
        } else {
            x
        }
    }

    pub(super) fn time(&self, x: f64) -> f64 {
        if self.is(Defect::TimestampsToMicros) {
            (x * 1e6).round() / 1e6
        } else {
            self.float(x)
        }
    }

    pub(super) fn null_if_empty(&self, s: &mut Option<String>) {
        if self.is(Defect::NullForEmptyStrings) && s.as_deref() == Some("") {
            *s = None;
        }
    }

    /// A time the defect lets through unchecked (it stores nothing for it).
    pub(super) fn swallows(&self, times: &[f64]) -> bool {
        self.is(Defect::NonFiniteAccepted) && times.iter().any(|t| !t.is_finite())
    }

    pub(super) fn unknown_run(&self, run_id: &str) -> Result<bool> {
        Ok(self.inner().get_run_data(run_id)?.is_none())
    }

    /// The run a write goes to: under WritesToLastCreatedRun, the last created run.
    pub(super) fn target_run(&self, run_id: &str) -> String {
        match self.is(Defect::WritesToLastCreatedRun) {
            true => lock(&self.runs)
                .last()
                .cloned()
                .unwrap_or_else(|| run_id.to_owned()),
            false => run_id.to_owned(),
        }
    }

    pub(super) fn flush(&self) -> Result<()> {
        let pending: Vec<_> = lock(&self.buffer).drain(..).collect();
        pending
            .iter()
            .try_for_each(|f| self.inner().insert_fact_log(f))
    }

    /// Accepts writes the inner harbor rejected for their run or host, storing nothing.
    pub(super) fn accept_rejected(&self, result: Result<()>) -> Result<()> {
        match result {
            Err(LimaniError::UnknownRun { .. }) if self.is(Defect::UnknownRunWritesAccepted) => {
                Ok(())
            }
            Err(LimaniError::UnknownHost { .. }) if self.is(Defect::HostRunNotChecked) => Ok(()),
            other => other,
        }
    }

    pub(super) fn update_unknown(&self, run_id: &str) -> Result<()> {
        if self.is(Defect::UpdateCreatesUnknownRun) && self.unknown_run(run_id)? {
            self.inner()
                .create_run(&sample::run(run_id, Revision::Seed))?;
        }
        Ok(())
    }
}
