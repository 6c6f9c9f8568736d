"""The trace ``limani-recorder`` writes (``docs/trace-format.md``, version 1): each value as trace
JSON, each call's lane named, one line per call with its arguments, result or error and times.

Pure standard library: it runs inside the Logbook's own interpreter.
"""

import _thread
import base64
import inspect
import json
import math
import sys
import threading
import time
import weakref

TRACE_VERSION = 1
# Made once: json.dumps with options not its defaults makes a new encoder per call.
_ENCODE = json.JSONEncoder(ensure_ascii=False, allow_nan=False).encode

# ---------------------------------------------------------------- values


def encode(value):
    """A Python value as trace JSON: JSON types as themselves, the others as ``$``-tagged objects."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        if math.isnan(value):
            return {"$float": "nan"}
        if math.isinf(value):
            return {"$float": "inf" if value > 0 else "-inf"}
        return float(value)
    if isinstance(value, dict):
        if all(isinstance(k, str) for k in value):
            if value and all(k.startswith("$") for k in value):
                # Would read back as a tag: escaped.
                return {"$dict": [[k, encode(v)] for k, v in value.items()]}
            return {k: encode(v) for k, v in value.items()}
        return {"$dict": [[encode(k), encode(v)] for k, v in value.items()]}
    if isinstance(value, list):
        return [encode(v) for v in value]
    if isinstance(value, tuple):
        return {"$tuple": [encode(v) for v in value]}
    if isinstance(value, (set, frozenset)):
        try:
            items = sorted(value)
        except TypeError:
            items = list(value)
        return {"$set": [encode(v) for v in items]}
    if isinstance(value, (bytes, bytearray, memoryview)):
        return {"$bytes": base64.b64encode(bytes(value)).decode("ascii")}
    return {"$repr": repr(value), "$type": type(value).__name__}


def typed(value):
    return {"type": type(value).__name__, "value": encode(value)}


# ---------------------------------------------------------------- lanes


def _original_get_ident():
    monkey = sys.modules.get("gevent.monkey")
    if monkey is not None:
        try:
            if monkey.is_module_patched("thread") or monkey.is_module_patched("_thread"):
                return monkey.get_original("_thread", "get_ident")
        except Exception:
            pass
    return _thread.get_ident


class _Lanes:
    """Names the running OS thread (``main``, ``thread-N``) and, if one runs, the greenlet (``/greenlet-K``)."""

    def __init__(self):
        self.get_ident = _original_get_ident()
        self.main = threading.main_thread().ident
        self.threads = {}
        try:
            self.greenlets = weakref.WeakKeyDictionary()
        except Exception:  # pragma: no cover
            self.greenlets = {}
        self.greenlet_count = 0

    def current(self):
        """Called with the recorder's lock held."""
        ident = self.get_ident()
        if ident == self.main:
            name = "main"
        else:
            if ident not in self.threads:
                self.threads[ident] = "thread-%d" % (len(self.threads) + 1)
            name = self.threads[ident]
        module = sys.modules.get("greenlet")
        if module is not None:
            try:
                current = module.getcurrent()
                if current.parent is not None:
                    try:
                        number = self.greenlets.get(current)
                    except TypeError:
                        number = None
                    if number is None:
                        self.greenlet_count += 1
                        number = self.greenlet_count
                        try:
                            self.greenlets[current] = number
                        except TypeError:
                            pass
                    name += "/greenlet-%d" % number
            except Exception:
                pass
        return name


# ---------------------------------------------------------------- the trace


class Trace:
    def __init__(self, path, header):
        self.lock = threading.Lock()
        self.file = open(path, "a", encoding="utf-8")
        self.started = header["started"]
        # Offsets come from a clock that never steps back (time.time() can), so that the
        # calls of one lane keep their order by start and end.
        self.monotonic = time.monotonic()
        self.seq = 0
        self.lanes = _Lanes()
        self.handles = {}
        self._write(header)

    def _write(self, obj):
        self.file.write(_ENCODE(obj) + "\n")
        self.file.flush()

    def begin(self):
        with self.lock:
            seq = self.seq
            self.seq += 1
            lane = self.lanes.current()
            return seq, lane, time.monotonic() - self.monotonic

    def handle(self, kind):
        with self.lock:
            number = self.handles.get(kind, 0) + 1
            self.handles[kind] = number
            return "%s-%d" % (kind, number)

    def end(self, entry):
        entry["end"] = time.monotonic() - self.monotonic
        with self.lock:
            self._write(entry)


def _args(signature, args, kwargs):
    """The call's arguments in call order, named after the callee's parameters."""
    positional = []
    var_positional = None
    if signature is not None:
        for p in signature.parameters.values():
            if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD):
                positional.append(p.name)
            elif p.kind == p.VAR_POSITIONAL:
                var_positional = p.name
    out = []
    for i, value in enumerate(args):
        if i < len(positional):
            name = positional[i]
        elif var_positional:
            name = "*%s[%d]" % (var_positional, i - len(positional))
        else:
            name = "*%d" % i
        out.append({"name": name, "type": type(value).__name__, "value": encode(value)})
    for key, value in kwargs.items():
        out.append({"name": key, "type": type(value).__name__, "value": encode(value)})
    return out


def signature_of(func):
    try:
        return inspect.signature(func)
    except (TypeError, ValueError):
        return None


def recorded(trace, method, func, args, kwargs, wrap_result, signature=None):
    """Calls ``func`` and writes the line; ``wrap_result(result) -> (returned, recorded result)``."""
    seq, lane, start = trace.begin()
    entry = {
        "seq": seq,
        "lane": lane,
        "method": method,
        "shape": {"positional": len(args), "keywords": list(kwargs)},
        "args": _args(signature if signature is not None else signature_of(func), args, kwargs),
    }
    entry["start"] = start
    try:
        result = func(*args, **kwargs)
    except BaseException as exc:
        entry["error"] = {"type": type(exc).__name__, "message": str(exc)}
        _reorder(entry)
        trace.end(entry)
        raise
    returned, recorded = wrap_result(result)
    entry["result"] = recorded
    _reorder(entry)
    trace.end(entry)
    return returned


def _reorder(entry):
    """Keys in the documented order: ..., result|error, start (end is added last)."""
    start = entry.pop("start")
    entry["start"] = start


def as_typed(result):
    """A wrap_result for a plain result: returned as it is, recorded with its type."""
    return result, typed(result)
