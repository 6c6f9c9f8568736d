"""JSON in and out of the bridge: exact numbers, marked non-finite floats, rows made plain."""

import json
import marshal
import math
import struct

try:
    from sqlite3 import Row as _SQLITE_ROW
except ImportError:  # a Python built without sqlite3
    _SQLITE_ROW = None

MARKS = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}


def number(value):
    """A float the kit sent: a number, or ``{"$float": "nan" | "inf" | "-inf"}``.

    Only the protocol's float fields are read this way, so payloads are never touched.
    """
    if isinstance(value, dict) and set(value) == {"$float"} and value["$float"] in MARKS:
        return MARKS[value["$float"]]
    return value


def payload(text):
    """A payload the kit sent (``logs``, ``arguments``, a summary, ...): JSON text, read as the
    Logbook's own ``json.loads`` would give it (dicts in key order, exact ints, nearest floats),
    scanned at once (``loads_text``) when it is text. In a binary request it may come read
    already, as ``(value,)``: the kit wrote the very value ``json.loads`` gives
    (``bridge/src/marshal_codes.rs``; JSON has no tuple)."""
    kind = type(text)
    if kind is str:
        return loads_text(text)
    if kind is tuple:
        return text[0]
    return json.loads(text)


def loads(line):
    """A request line (bytes are decoded here: ``json.loads`` of bytes first guesses their
    encoding, in Python, and a line the kit writes starts ``{"``, which it reads as UTF-8)."""
    if isinstance(line, bytes) and line[:2] == b'{"':
        return loads_text(line.decode("utf-8", "surrogatepass"))
    return json.loads(line)


_SCAN = json.JSONDecoder().scan_once


def loads_text(text):
    """``json.loads(text)`` of a line holding one JSON value, scanned at once (no regular
    expressions around it); anything else is read by ``json.loads``, which says why."""
    try:
        value, end = _SCAN(text, 0)
    except StopIteration:
        return json.loads(text)
    if end == len(text) or not text[end:].strip(" \t\n\r"):
        return value
    return json.loads(text)


def plain(value):
    """A harbor's result as JSON-able data: rows and mappings as dicts, non-finite floats marked."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        if math.isnan(value):
            return {"$float": "nan"}
        if math.isinf(value):
            return {"$float": "inf" if value > 0 else "-inf"}
        return value
    if isinstance(value, dict):
        return {_key(k): plain(v) for k, v in value.items()}
    if hasattr(value, "keys") and hasattr(value, "__getitem__"):  # sqlite3.Row and the like
        return {k: plain(value[k]) for k in value.keys()}
    if isinstance(value, (set, frozenset)):
        return sorted(plain(v) for v in value)
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, (bytes, bytearray, memoryview)):
        raise TypeError("the harbor returned bytes where the Logbook expects text: %r" % bytes(value)[:40])
    raise TypeError("the harbor returned a %s, which the Logbook cannot export" % type(value).__name__)


def _key(key):
    """A mapping's key as the Logbook's ``json.dumps`` writes it (``True`` as ``true``)."""
    if key is True or key is False or key is None:
        return json.dumps(key)
    if isinstance(key, int):
        return int.__repr__(key)
    if isinstance(key, float) and math.isfinite(key):
        return float.__repr__(key)
    return key if isinstance(key, str) else str(key)


def _encoder(ensure_ascii, default=None):
    """``JSONEncoder(ensure_ascii=..., allow_nan=False, default=...).encode``, its C encoder
    made once (``JSONEncoder.encode`` makes a new one on every call). No check for cycles: a
    cyclic value raises RecursionError instead of ValueError."""
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:  # a Python without the C accelerator
        return json.JSONEncoder(ensure_ascii=ensure_ascii, allow_nan=False, default=default).encode
    strings = json.encoder.c_encode_basestring_ascii if ensure_ascii else json.encoder.c_encode_basestring
    chunks = make(None, default or _refuse, strings, None, ": ", ", ", False, False, False)
    return lambda value: "".join(chunks(value, 0))


def _refuse(value):
    raise TypeError("Object of type %s is not JSON serializable" % type(value).__name__)


_ENCODE_LINE = _encoder(ensure_ascii=True)


def dumps(message):
    """One protocol line (no newline inside)."""
    return _ENCODE_LINE(message)


def line(message):
    """One protocol line as bytes, with its newline."""
    return (_ENCODE_LINE(message) + "\n").encode("utf-8")


# A reply straight from the harbor's result: UTF-8 as it is, no float marked (a NaN refused);
# a row of sqlite3 made plain where the encoder meets it.
_ENCODE_REPLY = _encoder(ensure_ascii=False, default=plain)

_SCALARS = frozenset([str, int, float, bool, type(None)])


def _encodes_as_plain(result):
    """Whether the C encoder writes ``result`` as ``plain`` makes it, running no code of the
    harbor's: dicts, lists and tuples of those very types, text, numbers, None and sqlite3 rows
    only (a list that also reads by key, psycopg2's DictRow, say, is a row to ``plain``)."""
    todo = [result]
    pop, extend = todo.pop, todo.extend
    while todo:
        value = pop()
        kind = type(value)
        if kind in _SCALARS:
            continue
        if kind is dict:
            extend(value.values())
        elif kind is list or kind is tuple:
            extend(value)
        elif kind is not _SQLITE_ROW:
            return False
    return True


_FRAME = struct.Struct("<BQQ")
FRAME_CAP = 64 << 20  # the kit's cap of a reply line, and of a frame


def binary_reply(rid, result):
    """A lane's reply as a binary frame (``bridge/src/marshal.rs``): a zero byte, the request id
    and the body's length, then the result in ``marshal`` version 4, which CPython writes several
    times quicker than JSON; the kit reads it into the value the JSON reply gives, and asks for a
    result it cannot read so (a set, bytes, a tuple as a key, ...) again as JSON. ``None`` where
    the JSON reply is written instead: an id the header cannot hold, a value marshal cannot write
    (a row, a subclass, ...) or nests too deep, or longer than the kit's cap (small numbers take
    more bytes here than in JSON)."""
    if type(rid) is not int or not 0 <= rid < 1 << 64:
        return None
    try:
        body = marshal.dumps(result, 4)
    except ValueError:
        return None
    if len(body) > FRAME_CAP:
        return None
    return _FRAME.pack(0, rid, len(body)) + body


def reply(rid, result, framed=False):
    """The reply line of a result, as bytes with its newline: in one pass of the C encoder where
    that gives what ``plain`` would (see ``_encodes_as_plain``; a non-finite float, a key JSON has
    no rule for, a lone surrogate fall back too), else made ``plain`` first and written in ASCII,
    as every reply was before: the same JSON value either way, the harbor's code run once. Where
    ``framed`` (a lane's reply), a binary frame instead when marshal writes the result
    (``binary_reply``); a write and a host id are written by hand either way, as quick."""
    if type(rid) is int and (result is None or type(result) is int):  # a write, a host id
        return b'{"id": %d, "ok": %s}\n' % (rid, b"null" if result is None else b"%d" % result)
    frame = binary_reply(rid, result) if framed else None
    if frame is not None:
        return frame
    if _encodes_as_plain(result):
        try:
            return (_ENCODE_REPLY({"id": rid, "ok": result}) + "\n").encode("utf-8")
        except (ValueError, TypeError, UnicodeEncodeError, RecursionError):
            pass
    return line({"id": rid, "ok": plain(result)})
