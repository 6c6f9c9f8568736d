"""JSON in and out of the bridge: exact numbers, marked non-finite floats, rows made plain."""

import json
import math

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
    Logbook's own ``json.loads`` would give it (dicts in key order, exact ints, nearest floats)."""
    return json.loads(text)


def loads(line):
    """A request line."""
    return json.loads(line)


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
        return {str(k): plain(v) for k, v in value.items()}
    if hasattr(value, "keys") and hasattr(value, "__getitem__"):  # sqlite3.Row and the like
        return {k: plain(value[k]) for k in value.keys()}
    if isinstance(value, (set, frozenset)):
        return sorted(plain(v) for v in value)
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, (bytes, bytearray, memoryview)):
        raise TypeError("the harbor returned bytes where the Logbook expects text: %r" % bytes(value)[:40])
    raise TypeError("the harbor returned a %s, which the Logbook cannot export" % type(value).__name__)


# Made once: ``json.dumps`` with any option not its default makes a new encoder on every call.
_ENCODE_LINE = json.JSONEncoder(ensure_ascii=True, allow_nan=False).encode


def dumps(message):
    """One protocol line (no newline inside)."""
    return _ENCODE_LINE(message)
