//! The Python side's replies: written in one pass of the C encoder, the same JSON value the
//! slow path (`plain`, then the ASCII encoder) gives, errors and keys included; a request
//! line read as `json.loads` reads it.

use std::process::Command;

/// What `code` printed, run by Python with the kit's package importable; its stderr on failure.
fn python(code: &str) -> String {
    let package = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("python");
    let mut python = Command::new(bridge::python::interpreter());
    let out = python.env("PYTHONPATH", package).args(["-c", code]);
    match out.output() {
        Ok(done) if done.status.success() => String::from_utf8_lossy(&done.stdout).into_owned(),
        Ok(done) => panic!("Python failed:\n{}", String::from_utf8_lossy(&done.stderr)),
        Err(e) => panic!("no Python: {e}"),
    }
}

#[test]
fn a_quick_reply_is_the_value_plain_gives() {
    let out = python(
        r#"
import enum, json, math, sqlite3
from limani_bridge.values import dumps, plain, reply
row = sqlite3.connect(":memory:")
row.row_factory = sqlite3.Row
row = row.execute("SELECT 1 AS a, 'ü' AS b, 2.5 AS c").fetchone()
class Level(enum.IntEnum):
    HIGH = 9
results = [None, 1, True, "x", 2.5, math.nan, [1, -math.inf], {"a": {2, 1}}, row, [row, (row,)],
           {True: 1, None: 2, 3: 4, 1.5: 5, Level.HIGH: 6}, {(1, 2): 3}, {"s": "\ud800"},
           (1, 2), frozenset(["b", "a"]), {"k": Level.HIGH}, {math.nan: 1}, "ünï\n\"\\"]
class DictRow(list):  # psycopg2's DictRow: a list that also reads by key
    def keys(self):
        return ["a", "b"]
    def __getitem__(self, key):
        return list.__getitem__(self, {"a": 0, "b": 1}.get(key, key))
results += [[DictRow([1, 2])], {"rows": (DictRow([3, "ü"]),)}]
for result in results:
    quick = reply(7, result)
    assert quick.endswith(b"\n") and quick.count(b"\n") == 1, quick
    slow = dumps({"id": 7, "ok": plain(result)})
    assert json.loads(quick) == json.loads(slow), (result, quick, slow)
assert json.loads(reply(1, {True: 1, None: 2}))["ok"] == {"true": 1, "null": 2}
assert json.loads(reply(1, [DictRow([1, 2])]))["ok"] == [{"a": 1, "b": 2}]
class Once:  # the harbor's code runs once, whichever way the reply is written
    calls = 0
    def keys(self):
        Once.calls += 1
        return ["x"]
    def __getitem__(self, key):
        return math.nan
assert json.loads(reply(1, Once()))["ok"] == {"x": {"$float": "nan"}} and Once.calls == 1, Once.calls
for bad in [b"x", {"a": object()}, [bytearray(b"y")], {1, b"z"}]:
    try:
        reply(1, bad)
        raise AssertionError("no error for %r" % (bad,))
    except TypeError as quick:
        try:
            plain(bad)
        except TypeError as slow:
            assert str(quick) == str(slow), (quick, slow)
print("replies agree")
"#,
    );
    assert!(out.contains("replies agree"), "{out}");
}

#[test]
fn a_line_is_read_as_json_loads_reads_it() {
    let out = python(
        r#"
import json
from limani_bridge.values import loads, reply
lines = [b'{"id": 1, "method": "m"}\n', b'{"a": 1} x', b'{"a": 1}\x0b', b'{"a" 1}', b'{"', b'{"a": NaN}',
         b'{"a": 1}   \r\n', b'{"a":"\xff"}', b'{"a": 1}{"b": 2}', b'{"\xed\xa0\x80": 1}', b' {"a": 1}', b'[1]']
def outcome(read, line):
    try:
        return "ok", repr(read(line))
    except Exception as exc:
        return type(exc).__name__, str(exc)
for line in lines:
    assert outcome(loads, line) == outcome(json.loads, line), (line, outcome(loads, line), outcome(json.loads, line))
assert reply(3, None) == b'{"id": 3, "ok": null}\n' and reply(3, 7) == b'{"id": 3, "ok": 7}\n'
assert json.loads(reply(3, True)) == {"id": 3, "ok": True} and json.loads(reply(None, 1)) == {"id": None, "ok": 1}
print("lines agree")
"#,
    );
    assert!(out.contains("lines agree"), "{out}");
}
