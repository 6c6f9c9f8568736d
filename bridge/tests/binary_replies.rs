//! A lane's binary reply (`bridge::marshal`) reads into the very value its JSON reply gives:
//! both written by the real Python side (`limani_bridge.values`) for the same results, edge
//! cases and random nestings, and read by the kit.

mod inline;

use bridge::protocol::{Outcome, Reply};
use inline::python;
use serde_json::Value;

/// Each result written both ways, one JSON line per result: `{"json": reply, "frame": hex}`
/// (`frame` null where the JSON reply is the one written).
const BOTH_WAYS: &str = r#"
import json, math, random, sys
from limani_bridge import values

shared = ["the same list", 2]
keyed = {1: "int", -7: "neg", 2**70: "big", True: "bool", None: "null", 1.5: "float",
         1e16: "exp", 1e-5: "small", -0.0: "negzero", 0.1 + 0.2: "sum"}
edges = [
    0, 1, -1, 255, 256, -5, 2**31 - 1, 2**31, -2**31, -2**31 - 1, 2**63 - 1, 2**63, 2**64 - 1,
    2**64, -2**63, -2**63 - 1, 10**30, -10**30, 2**120, -(2**121),
    0.0, -0.0, 1.5, 1e16, 1e-5, 5e-324, 1.7976931348623157e308, 0.1 + 0.2, 1769462954.011,
    math.nan, math.inf, -math.inf,
    "", "é", "日本語", "\U0001F600", "a" * 300, "é" * 300, "\x00", '"\\\n', True, False,
    [], (), {}, [None], (1, "two", 3.0), [shared, shared, {"k": shared}],
    keyed, {"nan": {math.nan: 1, math.inf: 2, -math.inf: 3}},
    {"id": 1, "run_id": "r", "timestamp": 1.25, "log_level": "INFO", "context": "c", "command": "x"},
    [{"id": i, "name": "host-%d" % (i % 3), "operations": [{"op": i}] * 2} for i in range(40)],
    json.loads("[" * 100 + "]" * 100), {2**1024: 1, -2**1024: 2}, 2**1024, -(2**1024),
] + [json.loads("[" * n + "]" * n) for n in range(122, 130)]
for n in (124, 125):  # a NaN's mark is one more level
    deep = math.nan
    for _ in range(n):
        deep = [deep]
    edges.append(deep)
# Keys JSON writes as str() gives them, and a set it writes sorted: frames the kit cannot read,
# which it asks for again as JSON.
asked_again = [{(1, 2): "a"}, {b"ab": 1}, {frozenset([1]): 1}, {1j: 1}, {"b", "a"}]
values.FRAME_CAP, longer = 1000, ["x" * 2000]
assert values.binary_reply(0, longer) is None and len(values.reply(0, longer)) > 2000
values.FRAME_CAP = 64 << 20
rng = random.Random(20261208)
atoms = [None, True, False, 0, -1, 2**40, 2**80, 0.5, -2.75e-300, math.inf, "", "x", "ü\n\"", "\u2603"]

def nest(depth):
    pick = rng.random()
    if depth > 4 or pick < 0.4:
        return rng.choice(atoms)
    n = rng.randrange(0, 5)
    if pick < 0.6:
        return [nest(depth + 1) for _ in range(n)]
    if pick < 0.7:
        return tuple(nest(depth + 1) for _ in range(n))
    keys = [rng.choice(["a", "b", "id", "é", 3, 2.5, True, None]) for _ in range(n)]
    return {k: nest(depth + 1) for k in keys}

results = [[e] for e in edges] + [{"r": nest(0), "k": [nest(0)]} for _ in range(400)]
results += [[e] for e in asked_again]
for rid, result in enumerate(results):
    frame = values.binary_reply(rid, result)
    print(json.dumps({"json": values.reply(rid, result).decode("utf-8"),
                      "frame": None if frame is None else frame.hex()}))
"#;

fn hex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
        .collect()
}

#[test]
fn a_binary_reply_reads_as_its_json_reply_does() {
    let printed = python(BOTH_WAYS, &[], "");
    let (mut framed, mut all, mut refused_alike, mut asked_again) = (0, 0, 0, 0);
    for line in printed.lines() {
        let both: Value = serde_json::from_str(line).unwrap();
        let read = bridge::protocol::read::<Reply>(both["json"].as_str().unwrap());
        let Ok(reply) = read else {
            // (past the JSON reply's nesting or a JSON number's range: the frame is refused alike)
            let frame = hex(both["frame"].as_str().unwrap());
            let refused = bridge::marshal::frame(&frame).unwrap_err();
            let why = ["containers nested", "range of a JSON number"];
            assert!(why.iter().any(|w| refused.contains(w)), "{refused}");
            refused_alike += 1;
            continue;
        };
        let Outcome::Ok(expected) = reply.outcome else {
            panic!("an error reply: {line}")
        };
        all += 1;
        let Some(frame) = both["frame"].as_str() else {
            continue;
        };
        framed += 1;
        match bridge::marshal::frame(&hex(frame)) {
            Ok((id, read)) => {
                assert_eq!(Some(id), reply.id, "{line}");
                assert_eq!(read, expected, "{line}");
            }
            // (the kit asks for it again, as JSON: `lanes_answer_again_what_the_kit_cannot_read`)
            Err(why) => {
                assert!(
                    why.contains("marshal type") || why.contains("key"),
                    "{why}: {line}"
                );
                asked_again += 1;
            }
        }
    }
    assert!(all > 400, "{all} results");
    assert_eq!(
        asked_again, 5,
        "the tuple, bytes, frozenset and complex keys, and the set"
    );
    // (nested 127 to 130 containers deep, a NaN's mark at 127, and 2^1024 and its negative)
    assert_eq!(
        refused_alike, 7,
        "results the JSON reply cannot carry either"
    );
    assert_eq!(
        framed, all,
        "every plain result (all but a write or a host id) takes a frame"
    );
}

/// What a frame the kit cannot read gives: why, never a panic or a wrong value.
#[test]
fn a_frame_that_is_not_a_plain_result_is_refused_with_why() {
    let framed = |body: &[u8]| {
        let mut frame = vec![bridge::marshal::FRAME];
        frame.extend(7u64.to_le_bytes());
        frame.extend((body.len() as u64).to_le_bytes());
        frame.extend(body);
        bridge::marshal::frame(&frame)
    };
    let refused = |body: &[u8]| framed(body).unwrap_err();
    assert_eq!(framed(b"N").unwrap(), (7, Value::Null));
    assert!(refused(b"s\x01\x00\x00\x00x").contains("marshal type 's'"));
    assert!(refused(b"[\x01\x00\x00\x00u\x05\x00\x00\x00ab").contains("ends early"));
    assert!(refused(b"[\xff\xff\xff\x7fN").contains("items in fewer bytes"));
    assert!(refused(b"z\x01\xff").contains("not UTF-8"));
    assert!(refused(b"r\x00\x00\x00\x00").contains("reference to object 0"));
    assert!(refused(b"NN").contains("1 bytes after the value"));
    let deep: Vec<u8> = (0..200)
        .flat_map(|_| *b"[\x01\x00\x00\x00")
        .chain(*b"N")
        .collect();
    assert!(refused(&deep).contains("more than 126 containers nested"));
    // (lists of 2, each the next list and a reference to it: 2^100 items from 1 KB; and a text of
    // 1 MiB referenced 65,536 times: each reference counts the text again)
    let mut doubling = Vec::new();
    for _ in 0..100 {
        doubling.extend(*b"\xdb\x02\x00\x00\x00"); // a list of 2, FLAG_REF
    }
    doubling.extend(*b"NN");
    for level in (1..100u32).rev() {
        doubling.push(b'r');
        doubling.extend(level.to_le_bytes());
    }
    assert!(refused(&doubling).contains("longer than 64 MiB"));
    let mut text = b"\xdb\x02\x00\x00\x00\xf5\x00\x00\x10\x00".to_vec(); // a list of 2; 1 MiB
    text.extend(std::iter::repeat_n(b'x', 1 << 20));
    text.extend(*b"\x5b\x00\x00\x01\x00"); // a list of 65,536 references to it
    for _ in 0..1 << 16 {
        text.extend(*b"r\x01\x00\x00\x00");
    }
    assert!(refused(&text).contains("longer than 64 MiB"));
    let mut long = b"l\xe8\x03\x00\x00".to_vec(); // an int of 1,000 15-bit digits
    long.extend(std::iter::repeat_n(*b"\x01\x00", 1000).flatten());
    assert!(refused(&long).contains("more than 4300 digits"));
    let short = bridge::marshal::frame(&[bridge::marshal::FRAME, 1, 2]).unwrap_err();
    assert!(short.contains("shorter than its header"), "{short}");
}

/// A lane's thread answers a plain result in a frame, and in a reply line with
/// `LIMANI_LANE_MARSHAL=0`; a write, a host id and an error always in a reply line.
#[test]
fn lanes_answer_in_frames_unless_told_not_to() {
    const ANSWERS: &str = r#"
import json
from limani_bridge.server import Server
class Harbor:
    def get_facts_for_timespan(self, run_id, start, end):
        return [{"id": 1, "run_id": run_id, "timestamp": start}]
    def get_or_create_host(self, run_id, name):
        return 4
    def get_run_summary_stats(self, run_id):
        raise ValueError("no such run")
server = Server(Harbor(), "chaos07", "h")
calls = [("get_facts_for_timespan", {"run_id": "r", "start_time": 1.5, "end_time": 2.0}),
         ("get_or_create_host", {"run_id": "r", "host_name": "h"}),
         ("get_run_summary_stats", {"run_id": "r"})]
for n, (method, params) in enumerate(calls):
    answer = server.answer({"id": n, "method": method, "params": params}, server.binary)
    print(answer.hex())
"#;
    let answers = |marshal: &str| {
        let printed = python(ANSWERS, &[("LIMANI_LANE_MARSHAL", marshal)], "");
        printed.lines().map(hex).collect::<Vec<_>>()
    };
    let framed = answers("1");
    let (id, rows) = bridge::marshal::frame(&framed[0]).unwrap();
    let expected = serde_json::json!([{"id": 1, "run_id": "r", "timestamp": 1.5}]);
    assert_eq!((id, rows), (0, expected));
    assert_eq!(framed[1], b"{\"id\": 1, \"ok\": 4}\n");
    assert!(framed[2].starts_with(b"{\"id\": 2, \"error\": {"));
    let lines = answers("0");
    assert!(lines.iter().all(|answer| answer.first() == Some(&b'{')));
}

/// A harbor whose timespan read returns, by run id, what a frame carries but JSON writes
/// otherwise or not at all.
const ODD_RESULTS: &str = r#"
def row(**extra):
    return dict({"id": 1, "run_id": "r", "timestamp": 1.5, "log_level": "INFO", "context": "c",
                 "command": "x"}, **extra)

ODD = {
    "plain": lambda: [row()],
    "set": lambda: [row(extra={"b", "a"})],
    "tuple key": lambda: [row(extra={(1, 2): "x"})],
    "bytes": lambda: [row(command=b"x")],
    "huge int": lambda: [row(id=10 ** 5000)],
    "ellipsis": lambda: [row(extra=...)],
}

class Odd:
    def __init__(self, config):
        pass
    def create_run(self, run_id, run_id_human, start_time, hailer_info, needed_secrets=None):
        pass
    def get_facts_for_timespan(self, run_id, start_time, end_time):
        return ODD[run_id]()
"#;

/// A frame the kit cannot read is asked for again and written as JSON: every result reads as
/// it does with `LIMANI_LANE_MARSHAL=0` (an error alike, its first line), and the harbor stays.
#[test]
fn lanes_answer_again_what_the_kit_cannot_read() {
    use conformance::Limani;
    let read = |marshal: &str| {
        let env = [("LIMANI_LANE_MARSHAL", marshal)];
        let (_dir, harbor) = inline::harbor(ODD_RESULTS, "odd:Odd", &env);
        let odd = [
            "plain",
            "set",
            "tuple key",
            "bytes",
            "huge int",
            "ellipsis",
            "plain",
        ];
        odd.map(|run| match harbor.get_facts_for_timespan(run, 0.0, 1.0) {
            Ok(rows) => format!("{run}: {rows:?}"),
            Err(e) => format!("{run}: {}", e.to_string().lines().next().unwrap_or("")),
        })
    };
    let framed = read("1");
    assert_eq!(framed, read("0"));
    assert!(framed[4].contains("4300"), "{}", framed[4]);
    assert!(framed[6].starts_with("plain: [FactLog"), "{}", framed[6]);
}
