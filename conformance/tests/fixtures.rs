//! The recorded runs of the real Logbook: the kit's export of what the Logbook read equals the
//! file Ch-aOS wrote, byte for byte, and every recording replays on the model.

use conformance::fixtures::{self, Recording};
use conformance::logbook;
use conformance::{
    FactLog, HostId, Json, Limani, LimaniError, MemoryLimani, NewFactLog, NewOperation, NewRun,
    NewSnapshot, Result, RunData, SummaryStats,
};

#[test]
fn there_are_recordings_of_every_scenario() {
    let scenarios: Vec<&str> = fixtures::recorded().iter().map(|f| f.scenario).collect();
    for scenario in ["success", "failing-step", "rerun", "secrets", "fleet"] {
        assert!(
            scenarios.contains(&scenario),
            "{scenario} missing from {scenarios:?}"
        );
    }
}

#[test]
fn the_export_of_each_recorded_run_is_the_file_chaos_wrote() {
    for fixture in fixtures::recorded() {
        let recording = Recording::parse(fixture.trace).unwrap();
        let (data, stats, secrets) = fixtures::export_inputs(&recording).unwrap();
        let ours = logbook::export(&data, &stats, Some(&secrets));
        if ours != fixture.logbook {
            let line = (ours.lines().zip(fixture.logbook.lines()))
                .position(|(a, b)| a != b)
                .unwrap_or(ours.lines().count().min(fixture.logbook.lines().count()));
            panic!(
                "{}: the export differs from Ch-aOS's at line {}:\n  ours:   {:?}\n  Ch-aOS: {:?}",
                fixture.scenario,
                line + 1,
                ours.lines().nth(line),
                fixture.logbook.lines().nth(line)
            );
        }
    }
}

#[test]
fn every_recording_replays_on_the_model() {
    for fixture in fixtures::recorded() {
        let recording = Recording::parse(fixture.trace).unwrap();
        let replay = fixtures::replay(&recording, &MemoryLimani::new(), "");
        assert!(replay.passed(), "{}", replay.to_text());
        assert_eq!(replay.calls, recording.calls.len());
    }
}

/// The model, except that it refuses every fact log, as a harbor whose `insert_fact_log` takes
/// other parameter names does when the Logbook calls it by keyword.
struct RefusesFactLogs(MemoryLimani);

impl Limani for RefusesFactLogs {
    fn connect(&self) -> Result<()> {
        self.0.connect()
    }
    fn disconnect(&self) -> Result<()> {
        self.0.disconnect()
    }
    fn init_db(&self) -> Result<()> {
        self.0.init_db()
    }
    fn create_run(&self, run: &NewRun) -> Result<String> {
        self.0.create_run(run)
    }
    fn start_update_run(&self, run_id: &str, status: &str) -> Result<()> {
        self.0.start_update_run(run_id, status)
    }
    fn end_run_update(&self, run_id: &str, end: f64, status: &str, summary: &Json) -> Result<()> {
        self.0.end_run_update(run_id, end, status, summary)
    }
    fn get_or_create_host(&self, run_id: &str, name: &str) -> Result<HostId> {
        self.0.get_or_create_host(run_id, name)
    }
    fn insert_operation(&self, op: &NewOperation) -> Result<()> {
        self.0.insert_operation(op)
    }
    fn insert_snapshot(&self, snapshot: &NewSnapshot) -> Result<()> {
        self.0.insert_snapshot(snapshot)
    }
    fn insert_fact_log(&self, _fact: &NewFactLog) -> Result<()> {
        Err(LimaniError::invalid(
            "insert_fact_log",
            "unexpected keyword argument 'log_level'",
        ))
    }
    fn get_facts_for_timespan(&self, run_id: &str, start: f64, end: f64) -> Result<Vec<FactLog>> {
        self.0.get_facts_for_timespan(run_id, start, end)
    }
    fn get_run_summary_stats(&self, run_id: &str) -> Result<SummaryStats> {
        self.0.get_run_summary_stats(run_id)
    }
    fn get_run_data(&self, run_id: &str) -> Result<Option<RunData>> {
        self.0.get_run_data(run_id)
    }
}

#[test]
fn a_harbor_refusing_fact_logs_diverges_at_the_first_one() {
    let fixture = fixtures::recorded()
        .into_iter()
        .find(|f| f.scenario == "success")
        .unwrap();
    let recording = Recording::parse(fixture.trace).unwrap();
    let first = recording
        .calls
        .iter()
        .find(|c| c.method == "insert_fact_log")
        .unwrap();
    let replay = fixtures::replay(&recording, &RefusesFactLogs(MemoryLimani::new()), "");
    let divergence = replay.divergence.clone().expect("the replay passed");
    let named = format!("seq {} ({}) insert_fact_log:", first.seq, first.lane);
    assert!(divergence.starts_with(&named), "{named}\n{divergence}");
    assert!(
        divergence.contains("unexpected keyword argument"),
        "{divergence}"
    );
}

#[test]
fn a_changed_number_text_breaks_the_byte_for_byte_export() {
    let fixture = fixtures::recorded()
        .into_iter()
        .find(|f| f.scenario == "success")
        .unwrap();
    let recording = Recording::parse(fixture.trace).unwrap();
    let (data, mut stats, secrets) = fixtures::export_inputs(&recording).unwrap();
    stats.total_duration = f64::from_bits(stats.total_duration.to_bits() + 1);
    assert_ne!(
        logbook::export(&data, &stats, Some(&secrets)),
        fixture.logbook
    );
}

/// A Rust harbor's session, recorded by `Recorder`, reads back and replays on another harbor;
/// a rejected write is recorded as an error and replayed as one.
#[test]
fn a_recorded_rust_session_replays() {
    use conformance::fixtures::Recorder;
    use conformance::toolkit::sample;
    let recorder = Recorder::new(MemoryLimani::new(), Vec::new(), "rust session").unwrap();
    let run = sample::run("rec-1", conformance::Revision::Chaos07);
    recorder.init_db().unwrap();
    recorder.create_run(&run).unwrap();
    let host = recorder.get_or_create_host("rec-1", "@local").unwrap();
    let mut op = sample::operation("rec-1", host, "op", 1769462954.5);
    op.arguments = Json::new(r#"{"$set": [1], "big": 18446744073709551617, "f": 1.0}"#).unwrap();
    recorder.insert_operation(&op).unwrap();
    recorder
        .insert_fact_log(&sample::fact("rec-1", 1769462954.25, "cmd"))
        .unwrap();
    assert!(recorder.create_run(&run).is_err());
    recorder
        .get_facts_for_timespan("rec-1", 0.0, f64::INFINITY)
        .unwrap();
    recorder.get_run_data("rec-1").unwrap();
    recorder.get_run_summary_stats("rec-1").unwrap();
    let (_, bytes) = recorder.into_parts();
    let recording = Recording::parse(std::str::from_utf8(&bytes).unwrap()).unwrap();
    assert_eq!(recording.calls.len(), 9);
    let write = recording
        .calls
        .iter()
        .find(|c| c.method == "insert_operation")
        .unwrap();
    assert_eq!(
        write.arg("arguments").unwrap().to_text(),
        r#"{"$set":[1],"big":18446744073709551617,"f":1.0}"#
    );
    let replay = fixtures::replay(&recording, &MemoryLimani::new(), "again");
    assert!(
        replay.passed() && replay.notes.is_empty(),
        "{}",
        replay.to_text()
    );
}

#[test]
fn a_synthetic_session_is_marked_and_replays() {
    let text = fixtures::synthetic(300, 7);
    let recording = Recording::parse(&text).unwrap();
    assert_eq!(
        recording.about("scenario"),
        Some("synthetic: 300 operations over 7 hosts")
    );
    assert_eq!(
        recording
            .calls
            .iter()
            .filter(|c| c.method == "insert_operation")
            .count(),
        300
    );
    let replay = fixtures::replay(&recording, &MemoryLimani::new(), "");
    assert!(replay.passed(), "{}", replay.to_text());
}

/// The threads each call of a replay ran on, by method (a harbor of the model's answers).
#[derive(Default)]
struct Threads {
    model: MemoryLimani,
    seen: std::sync::Mutex<Vec<(&'static str, std::thread::ThreadId)>>,
}

impl Threads {
    fn saw(&self, method: &'static str) {
        let id = std::thread::current().id();
        self.seen.lock().unwrap().push((method, id));
    }
    fn of(&self, methods: &[&str]) -> std::collections::HashSet<std::thread::ThreadId> {
        let seen = self.seen.lock().unwrap();
        seen.iter()
            .filter(|(m, _)| methods.contains(m))
            .map(|(_, t)| *t)
            .collect()
    }
}

impl Limani for Threads {
    fn connect(&self) -> Result<()> {
        self.saw("connect");
        self.model.connect()
    }
    fn disconnect(&self) -> Result<()> {
        self.saw("disconnect");
        self.model.disconnect()
    }
    fn init_db(&self) -> Result<()> {
        self.saw("init_db");
        self.model.init_db()
    }
    fn create_run(&self, run: &NewRun) -> Result<String> {
        self.saw("create_run");
        self.model.create_run(run)
    }
    fn start_update_run(&self, run_id: &str, status: &str) -> Result<()> {
        self.saw("start_update_run");
        self.model.start_update_run(run_id, status)
    }
    fn end_run_update(&self, run_id: &str, end: f64, status: &str, summary: &Json) -> Result<()> {
        self.saw("end_run_update");
        self.model.end_run_update(run_id, end, status, summary)
    }
    fn get_or_create_host(&self, run_id: &str, name: &str) -> Result<HostId> {
        self.saw("get_or_create_host");
        self.model.get_or_create_host(run_id, name)
    }
    fn insert_operation(&self, op: &NewOperation) -> Result<()> {
        self.saw("insert_operation");
        self.model.insert_operation(op)
    }
    fn insert_snapshot(&self, snapshot: &NewSnapshot) -> Result<()> {
        self.saw("insert_snapshot");
        self.model.insert_snapshot(snapshot)
    }
    fn insert_fact_log(&self, fact: &NewFactLog) -> Result<()> {
        self.saw("insert_fact_log");
        self.model.insert_fact_log(fact)
    }
    fn get_facts_for_timespan(&self, run_id: &str, start: f64, end: f64) -> Result<Vec<FactLog>> {
        self.saw("get_facts_for_timespan");
        self.model.get_facts_for_timespan(run_id, start, end)
    }
    fn get_run_summary_stats(&self, run_id: &str) -> Result<SummaryStats> {
        self.saw("get_run_summary_stats");
        self.model.get_run_summary_stats(run_id)
    }
    fn get_run_data(&self, run_id: &str) -> Result<Option<RunData>> {
        self.saw("get_run_data");
        self.model.get_run_data(run_id)
    }
}

/// A replay makes its calls on the Logbook's threads: the writer thread's queued writes on one
/// thread, the main thread's (and its greenlets') host lookups and timespan reads on another.
#[test]
fn a_replay_calls_on_one_thread_per_recorded_lane() {
    for fixture in fixtures::recorded() {
        let recording = Recording::parse(fixture.trace).unwrap();
        let lanes: std::collections::HashSet<&str> = (recording.calls.iter())
            .map(|c| c.lane.split('/').next().unwrap())
            .collect();
        let harbor = Threads::default();
        let replay = fixtures::replay(&recording, &harbor, "lanes");
        assert!(replay.passed(), "{}", replay.to_text());
        let writes = harbor.of(&["insert_operation", "insert_snapshot", "insert_fact_log"]);
        let main = harbor.of(&["create_run", "get_or_create_host", "get_facts_for_timespan"]);
        let all: std::collections::HashSet<_> = (harbor.seen.lock().unwrap().iter())
            .map(|(_, t)| *t)
            .collect();
        let scenario = fixture.scenario;
        assert_eq!(lanes.len(), 2, "{scenario}: recorded lanes {lanes:?}");
        assert_eq!((writes.len(), main.len()), (1, 1), "{scenario}");
        assert!(
            writes.is_disjoint(&main),
            "{scenario}: writes on the main thread"
        );
        assert_eq!(all.len(), lanes.len(), "{scenario}: threads {all:?}");
        // The first recorded thread (the main one) replays on this thread, the writer's on
        // a thread of its own.
        assert!(main.contains(&std::thread::current().id()), "{scenario}");
    }
}
