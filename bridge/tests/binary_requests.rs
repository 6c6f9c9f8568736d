//! A lane's binary request (`bridge::binary_request`) reads, on the real Python side, into
//! the very dict its JSON line gives (types, float bits, text); lanes post them unless
//! `LIMANI_LANE_MARSHAL=0`.

mod inline;

use bridge::protocol::{Call, Request};
use conformance::{Json, Limani, NewFactLog, NewOperation, NewRun, NewSnapshot};
use inline::python;

/// Each input line holds a request's JSON line and its frame, in hex; both are read by the
/// server's own `_request`, compared strictly (types, float bits, key order) in what the server
/// takes from them and in what the harbor's method gets (`harbor.call`: its payloads read);
/// it also counts the payloads that came read already (`(value,)`, see `marshal_codes`).
const READ_ALIKE: &str = r#"
import struct, sys
from limani_bridge.server import _request
from limani_bridge.harbor import call
from limani_bridge import values

def differs(a, b, at):
    if type(a) is not type(b):
        return "%s: %s against %s" % (at, type(a).__name__, type(b).__name__)
    if type(a) is float:
        return None if struct.pack("<d", a) == struct.pack("<d", b) else "%s: %r against %r" % (at, a, b)
    if type(a) is dict:
        if list(a) != list(b):
            return "%s: keys %s against %s" % (at, list(a), list(b))
        return next(filter(None, (differs(a[k], b[k], "%s.%s" % (at, k)) for k in a)), None)
    if type(a) in (list, tuple):
        if len(a) != len(b):
            return "%s: %d items against %d" % (at, len(a), len(b))
        return next(filter(None, (differs(x, y, "%s[%d]" % (at, i)) for i, (x, y) in enumerate(zip(a, b)))), None)
    return None if a == b else "%s: %r against %r" % (at, a, b)

class Recorder:
    """Every method call, its arguments as the harbor gets them."""
    def __init__(self):
        self.calls = []
    def __getattr__(self, name):
        def method(*args, **kwargs):
            self.calls.append((name, args, dict(sorted(kwargs.items()))))
            return self
        return method
    def __getitem__(self, key):
        return None

def harbor_gets(request):
    harbor = Recorder()
    try:
        call(harbor, "chaos07", request["method"], request.get("params") or {})
    except Exception as exc:
        harbor.calls.append(("raised", type(exc).__name__, str(exc)))
    return harbor.calls

read_already = 0
payload = values.payload
def counted(text):
    global read_already
    read_already += type(text) is tuple
    return payload(text)
values.payload = counted
import limani_bridge.harbor
limani_bridge.harbor.payload = counted

alike, first = 0, None
for n, line in enumerate(sys.stdin):
    json_line, frame = (bytes.fromhex(h) for h in line.split())
    from_line, from_frame = _request(json_line), _request(frame[1:], True)
    head = lambda r: (r["id"], r.get("lane"), r["method"])
    why = differs(head(from_line), head(from_frame), "request %d" % n)
    gets_from_line, gets_from_frame = harbor_gets(from_line), harbor_gets(from_frame)
    why = why or differs(gets_from_line, gets_from_frame, "request %d: the harbor gets" % n)
    # (equal by == too: json.loads gives one NaN object, which makes lists holding it equal)
    why = why or (None if gets_from_line == gets_from_frame else "request %d: not equal by ==" % n)
    alike += why is None
    first = first or why
print("read alike: %d" % alike if first is None else first)
print("payloads read already: %d" % read_already)
"#;

/// Payloads at the edges of what `json.loads` reads: repeated keys, escapes and surrogate
/// pairs (and lone surrogates, which stay text), ints at 32 and 64 bits and past them, floats
/// past their range, the three constants, nesting to 64 and past it, whitespace.
fn edge_payloads() -> Vec<String> {
    let nested = |depth: usize| "[".repeat(depth) + &"]".repeat(depth);
    let mut edges: Vec<String> = [
        r#"{"a": 1, "b": 2, "a": [3]}"#,
        r#""\ud83d\ude00 \u00e9 \u0000 \n\t\"\\\/ \u00E9""#,
        r#""\ud800""#,
        r#"["\udc00x"]"#,
        r#"["\ud800\u0041"]"#,
        r#"[2147483647, 2147483648, -2147483648, -2147483649, -9223372036854775808, 18446744073709551615]"#,
        r#"[-9223372036854775809]"#,
        r#"[18446744073709551616]"#,
        r#"[1, 1.0, -0, -0.0, 1e400, -1e400, 5e-324, 1E5, 1e-7, 0.1, 1.5e+10, 2E-3, -12.50]"#,
        r#"[0.30000000000000004441, 123456789012345678901234567890.5, 2.4703282292062327e-324]"#,
        "NaN",
        "[Infinity, -Infinity, NaN]",
        " \t\n\r{ \"k\" : [ ] , \"e\" : { } } \n",
        r#""""#,
        "{}",
        "[]",
        "0",
        "-0",
        "true",
        "false",
        "null",
        r#"{"\u00e9": 1, "\ud83d\ude00": 2, "é": 3}"#,
    ]
    .map(String::from)
    .into();
    edges.extend([nested(64), nested(65), nested(300)]);
    edges.push(format!("[{}]", "9".repeat(5000)));
    edges
}

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
        if self.next().is_multiple_of(3) {
            let edges = edge_payloads();
            return Json::new(edges[(self.next() % edges.len() as u64) as usize].clone()).unwrap();
        }
        let float = Some(self.float()).filter(|f| f.is_finite());
        let doc = serde_json::json!({"text": self.text(), "n": self.int(), "f": float, "list": [self.text(), self.coin()]});
        Json::new(doc.to_string()).unwrap()
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
    let (alike, read_already) = printed.trim().split_once('\n').unwrap();
    assert_eq!(alike, format!("read alike: {requests}"));
    // (most payloads come read already: the random ones and the edges that have a value)
    let read_already: usize = read_already.rsplit(' ').next().unwrap().parse().unwrap();
    assert!(read_already > requests / 4, "{read_already} of {requests}");
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
