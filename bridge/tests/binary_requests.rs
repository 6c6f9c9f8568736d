//! A lane's binary request (`bridge::binary_request`) reads, on the real Python side, into
//! the very dict its JSON line gives (types, float bits, text); lanes post them unless
//! `LIMANI_LANE_MARSHAL=0`.

mod inline;

use bridge::protocol::{Call, Request};
use conformance::{Json, Limani, NewFactLog, NewOperation, NewRun, NewSnapshot};
use inline::python;

/// Each input line holds a request's JSON line and its frame, in hex; both are read by the
/// server's own `_request` and compared strictly.
const READ_ALIKE: &str = r#"
import struct, sys
from limani_bridge.server import _request

def differs(a, b, at):
    if type(a) is not type(b):
        return "%s: %s against %s" % (at, type(a).__name__, type(b).__name__)
    if type(a) is float:
        return None if struct.pack("<d", a) == struct.pack("<d", b) else "%s: %r against %r" % (at, a, b)
    if type(a) is dict:
        if set(a) != set(b):
            return "%s: keys %s against %s" % (at, sorted(a), sorted(b))
        return next(filter(None, (differs(a[k], b[k], "%s.%s" % (at, k)) for k in a)), None)
    if type(a) is list:
        if len(a) != len(b):
            return "%s: %d items against %d" % (at, len(a), len(b))
        return next(filter(None, (differs(x, y, "%s[%d]" % (at, i)) for i, (x, y) in enumerate(zip(a, b)))), None)
    return None if a == b else "%s: %r against %r" % (at, a, b)

alike, first = 0, None
for n, line in enumerate(sys.stdin):
    json_line, frame = (bytes.fromhex(h) for h in line.split())
    why = differs(_request(json_line), _request(frame[1:], True), "request %d" % n)
    alike += why is None
    first = first or why
print("read alike: %d" % alike if first is None else first)
"#;

/// A small deterministic generator (xorshift), for texts, floats and ints of every kind.
struct Pick(u64);

impl Pick {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn coin(&mut self) -> bool {
        self.next().is_multiple_of(2)
    }

    fn text(&mut self) -> String {
        const CHARS: [char; 12] = [
            'a',
            'Z',
            'é',
            '日',
            '\u{1F600}',
            '"',
            '\\',
            '\n',
            '\0',
            '\u{7f}',
            '\u{2028}',
            '\u{FFFF}',
        ];
        let ascii = self.coin();
        let len = [0, 1, 255, 256, 300][(self.next() % 5) as usize];
        (0..len)
            .map(|_| CHARS[(self.next() % if ascii { 10 } else { 12 }) as usize])
            .map(|c| if ascii && !c.is_ascii() { 'x' } else { c })
            .collect()
    }

    fn float(&mut self) -> f64 {
        let edges = [
            0.0,
            -0.0,
            5e-324,
            f64::MAX,
            f64::NAN,
            f64::INFINITY,
            1769462954.011,
        ];
        match self.next() % 3 {
            0 => edges[(self.next() % edges.len() as u64) as usize],
            _ => f64::from_bits(self.next()),
        }
    }

    fn int(&mut self) -> i64 {
        let edges = [
            0,
            -1,
            i32::MAX as i64,
            i32::MIN as i64,
            i32::MAX as i64 + 1,
            i64::MIN,
            i64::MAX,
        ];
        match self.next() % 2 {
            0 => edges[(self.next() % edges.len() as u64) as usize],
            _ => (self.next() as i64) >> (self.next() % 64),
        }
    }

    fn payload(&mut self) -> Json {
        Json::new(serde_json::json!({"text": self.text(), "n": self.int()}).to_string()).unwrap()
    }
}

fn calls(pick: &mut Pick) -> Vec<Call> {
    let run_id = pick.text();
    vec![
        Call::Connect {},
        Call::Disconnect {},
        Call::InitDb {},
        Call::StartUpdateRun {
            run_id: run_id.clone(),
            status: pick.text(),
        },
        Call::GetRunSummaryStats {
            run_id: run_id.clone(),
        },
        Call::GetRunData {
            run_id: run_id.clone(),
        },
        Call::LogbookStatus {
            run_id: run_id.clone(),
        },
        Call::CreateRun {
            run: NewRun {
                run_id: run_id.clone(),
                run_id_human: pick.text(),
                start_time: pick.float(),
                hailer_info: pick.payload(),
                required_secrets: (pick.coin()).then(|| [pick.text(), pick.text()].into()),
            },
        },
        Call::EndRunUpdate {
            run_id: run_id.clone(),
            end_time: pick.float(),
            status: pick.text(),
            summary: pick.payload(),
        },
        Call::GetOrCreateHost {
            run_id: run_id.clone(),
            host_name: pick.text(),
        },
        Call::InsertOperation {
            operation: NewOperation {
                run_id: run_id.clone(),
                host_id: pick.int(),
                op_hash: pick.text(),
                name: pick.text(),
                changed: pick.coin(),
                success: pick.coin(),
                duration: pick.float(),
                timestamp: pick.float(),
                logs: pick.payload(),
                diff: pick.text(),
                arguments: pick.payload(),
                retry_stats: Json::empty_object(),
                command_n_facts: Json::empty_list(),
            },
        },
        Call::InsertSnapshot {
            snapshot: NewSnapshot {
                run_id: run_id.clone(),
                host_id: pick.int(),
                stage: pick.text(),
                timestamp: pick.float(),
                metrics: pick.payload(),
            },
        },
        Call::InsertFactLog {
            fact_log: NewFactLog {
                run_id: run_id.clone(),
                timestamp: pick.float(),
                log_level: pick.text(),
                context: pick.text(),
                command: pick.text(),
            },
        },
        Call::GetFactsForTimespan {
            run_id,
            start_time: pick.float(),
            end_time: pick.float(),
        },
    ]
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn a_binary_request_reads_as_its_json_line_does() {
    let mut pick = Pick(20261208);
    let mut input = String::new();
    let mut requests = 0;
    for round in 0..60u64 {
        for call in calls(&mut pick) {
            let ids = [round, u32::MAX as u64 + round, u64::MAX - round];
            let request = Request {
                id: ids[(round % 3) as usize],
                lane: round,
                call,
            };
            let line = serde_json::to_string(&request).unwrap();
            let frame = bridge::binary_request::frame(&request).unwrap();
            input.push_str(&format!("{} {}\n", hex(line.as_bytes()), hex(&frame)));
            requests += 1;
        }
    }
    let printed = python(READ_ALIKE, &[], &input);
    assert_eq!(printed.trim(), format!("read alike: {requests}"));
}

/// The harbor's server counts the binary requests it reads; its host ids say how many, and
/// how long the last fact log's command was.
const COUNTS: &str = r#"
import limani_bridge.server as server

read = server._request
frames = []

def counted(line, framed=False):
    if framed:
        frames.append(1)
    return read(line, framed)

server._request = counted

class Counts:
    command = ""
    def __init__(self, config):
        pass
    def create_run(self, run_id, run_id_human, start_time, hailer_info, needed_secrets=None):
        pass
    def insert_fact_log(self, run_id, timestamp, log_level, context, command):
        self.command = command
    def get_or_create_host(self, run_id, host_name):
        return len(frames) * 10**7 + len(self.command)
"#;

#[test]
fn lanes_post_binary_requests_unless_told_not_to() {
    if !cfg!(all(target_os = "linux", target_arch = "x86_64")) {
        return; // (lanes share a memory on Linux x86_64 alone: elsewhere every call is a line)
    }
    let counted = |marshal: &str| {
        let env = [
            ("LIMANI_LANE_MARSHAL", marshal),
            ("LIMANI_LANE_MEMORY", "1"),
        ];
        let (_dir, harbor) = inline::harbor(COUNTS, "counts:Counts", &env);
        let mut counts = (0..3)
            .map(|_| harbor.get_or_create_host("r", "h").unwrap())
            .collect::<Vec<_>>();
        // (a request longer than the lane's memory of 256 KiB: on the lane socket, as a line)
        let fact_log = NewFactLog {
            run_id: "r".to_owned(),
            timestamp: 1.5,
            log_level: "INFO".to_owned(),
            context: "c".to_owned(),
            command: "x".repeat(300 << 10),
        };
        harbor.insert_fact_log(&fact_log).unwrap();
        counts.push(harbor.get_or_create_host("r", "h").unwrap());
        counts
    };
    let long = 300 << 10;
    assert_eq!(
        counted("1"),
        [10_000_000, 20_000_000, 30_000_000, 40_000_000 + long],
        "each call a binary request but the long one"
    );
    assert_eq!(counted("0"), [0, 0, 0, long], "JSON lines alone");
}
