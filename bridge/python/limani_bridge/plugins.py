"""The kit's reference harbors as Ch-aOS Limani plugins: ``limani-sqlite`` and ``limani-postgres``.

``chaos apply --logbook --limani limani-sqlite`` (or ``limani: limani-sqlite`` in
``~/.config/chaos/config.yml``) builds ``LimaniSqlite(global_config)``; its first call starts
``limani serve`` on the store the config names and forwards every call to it over the bridge
protocol (``docs/bridge-protocol.md``). Config keys (the rest of Ch-aOS's config is ignored):

- ``limani-sqlite``: ``werehouse`` (a file name under Ch-aOS's logbook folder,
  ``$CHAOS_LOGBOOK_DIR``, default ``~/.local/share/chaos/logbook``; or an absolute path) or
  ``path`` (a path); default ``limani-sqlite.db`` in that folder.
- ``limani-postgres``: ``dsn``, a ``postgres://`` or ``postgresql://`` URL; ``async: true``
  serves the async harbor. The logbook lives in the schema ``chaos_logbook``.
- both: ``limani_bin``, the ``limani`` program (default ``$LIMANI_BIN``, then the one installed
  beside this package, then ``PATH``).
"""

import json
import math
import os
import shutil
import sysconfig
import threading

from .client import Server
from .errors import LimaniError, UnknownRun


class ConfigError(LimaniError, ValueError):
    """A config key of the harbor holds what it cannot use; the message names the key."""

    limani_kind = "invalid_value"


def _text(config, key):
    value = config.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ConfigError("config key %r must be text, not %s %r" % (key, type(value).__name__, value))
    return value


def limani_program(config):
    """The ``limani`` program to serve with."""
    given = _text(config, "limani_bin") or os.environ.get("LIMANI_BIN")
    if given:
        if not os.access(given, os.X_OK):
            raise ConfigError("config key 'limani_bin' (or $LIMANI_BIN): %r is not a program" % given)
        return given
    beside = os.path.join(sysconfig.get_path("scripts"), "limani")
    if os.access(beside, os.X_OK):
        return beside
    found = shutil.which("limani")
    if found:
        return found
    raise ConfigError("no limani program: install limani-bridge, or set config key 'limani_bin' or $LIMANI_BIN")


def _number(value, name):
    """A time or duration as the protocol's float (an int the Logbook could pass, as itself)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError("%s must be a number, not %s %r" % (name, type(value).__name__, value))
    value = float(value)
    if math.isfinite(value):
        return value
    return {"$float": "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")}


def _payload(value, name):
    """A payload as the JSON text the kit holds (what Ch-rima's ``json.dumps`` would store)."""
    try:
        return _dumps(value)
    except (TypeError, ValueError) as exc:
        raise TypeError("%s cannot be stored as JSON: %s" % (name, exc)) from None


_dumps = json.JSONEncoder(allow_nan=False).encode  # made once: json.dumps(.., allow_nan=False) makes one per call
_text_json = json.encoder.encode_basestring_ascii  # a str as JSON text, as the encoder writes it


def _all_text(*values):
    return all(type(v) is str for v in values)


def _finite(value):
    """A float the protocol writes as itself (``%r`` is how json writes a float)."""
    return type(value) is float and math.isfinite(value)


FACT_COLUMNS = ("id", "run_id", "timestamp", "log_level", "context", "command")


class ServedLimani:
    """A Limani whose calls are served by ``limani serve TARGET`` (one server per instance)."""

    def __init__(self, config=None):
        self.config = config if config is not None else {}
        self._server = None
        self._starting = threading.Lock()
        self._hosts = {}

    def target(self):
        raise NotImplementedError

    def _serve(self):
        server = self._server
        if server is None:
            with self._starting:
                if self._server is None:
                    if not hasattr(self.config, "get"):
                        raise ConfigError("the config must be a mapping, not %s" % type(self.config).__name__)
                    target = self.target()
                    self._server = Server(limani_program(self.config), target, type(self).__name__)
                server = self._server
        return server

    def _call(self, method, params):
        return self._serve().call(method, params)

    def server_pid(self):
        """The process id of this harbor's ``limani serve`` (started if it was not)."""
        return self._serve().pid

    def close(self):
        """Ends this harbor's server (also done when the process ends: the server's stdin closes)."""
        with self._starting:
            server, self._server = self._server, None
        if server is not None:
            server.close()

    # ---------------------------------------------------------------- the seed's methods

    def init_db(self):
        self._call("init_db", {})

    def connect(self):
        """Returns a connection that answers the Logbook's status query through the harbor."""
        self._call("connect", {})
        return StatusConnection(self)

    def disconnect(self):
        self._call("disconnect", {})

    def create_run(self, run_id, run_id_human, start_time, hailer_info, needed_secrets=None):
        secrets = None if needed_secrets is None else sorted(needed_secrets)
        run = {"run_id": run_id, "run_id_human": run_id_human, "start_time": _number(start_time, "start_time"),
               "hailer_info": _payload(hailer_info, "hailer_info"), "required_secrets": secrets}
        return self._call("create_run", {"run": run})

    def start_update_run(self, run_id, status):
        self._call("start_update_run", {"run_id": run_id, "status": status})

    def end_run_update(self, run_id, end_time, status, summary):
        self._call("end_run_update", {"run_id": run_id, "end_time": _number(end_time, "end_time"),
                                      "status": status, "summary": _payload(summary, "summary")})

    def get_or_create_host(self, run_id, host_name):
        # A host's id never changes once given (no call removes a host): each instance remembers
        # the ids it was given, so the Logbook's lookup per operation is no round trip.
        key = (run_id, host_name) if type(run_id) is str and type(host_name) is str else None
        known = self._hosts.get(key)
        if known is not None:
            return known
        host_id = self._call("get_or_create_host", {"run_id": run_id, "host_name": host_name})
        if key is not None and type(host_id) is int:
            self._hosts[key] = host_id
        return host_id

    def insert_operation(self, run_id, host_id, op_hash, name, changed, success, duration, timestamp,
                         logs, diff, arguments, retry_stats, command_n_facts):
        operation = {
            "run_id": run_id, "host_id": host_id, "op_hash": op_hash, "name": name, "changed": bool(changed),
            "success": bool(success), "duration": _number(duration, "duration"),
            "timestamp": _number(timestamp, "timestamp"), "logs": _payload(logs, "logs"), "diff": diff,
            "arguments": _payload(arguments, "arguments"), "retry_stats": _payload(retry_stats, "retry_stats"),
            "command_n_facts": _payload(command_n_facts, "command_n_facts"),
        }
        self._call("insert_operation", {"operation": operation})

    def insert_snapshot(self, run_id, host_id, stage, timestamp, metrics):
        snapshot = {"run_id": run_id, "host_id": host_id, "stage": stage,
                    "timestamp": _number(timestamp, "timestamp"), "metrics": _payload(metrics, "metrics")}
        self._call("insert_snapshot", {"snapshot": snapshot})

    def insert_fact_log(self, run_id, timestamp, log_level, context, command):
        if _all_text(run_id, log_level, context, command) and _finite(timestamp):
            # The Logbook's own types: the params' JSON made here at once (what dumps would give).
            self._call("insert_fact_log", '{"fact_log":{"run_id":%s,"timestamp":%r,"log_level":%s,'
                       '"context":%s,"command":%s}}' % (_text_json(run_id), timestamp, _text_json(log_level),
                                                       _text_json(context), _text_json(command)))
            return
        fact_log = {"run_id": run_id, "timestamp": _number(timestamp, "timestamp"), "log_level": log_level,
                    "context": context, "command": command}
        self._call("insert_fact_log", {"fact_log": fact_log})

    def get_facts_for_timespan(self, run_id, start_time, end_time):
        if _all_text(run_id) and _finite(start_time) and _finite(end_time):
            params = '{"run_id":%s,"start_time":%r,"end_time":%r}' % (_text_json(run_id), start_time, end_time)
        else:
            params = {"run_id": run_id, "start_time": _number(start_time, "start_time"),
                      "end_time": _number(end_time, "end_time")}
        rows = self._call("get_facts_for_timespan", params)
        # In the columns' order, as Ch-rima's dict(row) gives them (the Logbook stores these rows).
        return [{k: row.get(k) for k in FACT_COLUMNS} for row in rows]

    def get_run_summary_stats(self, run_id):
        return self._call("get_run_summary_stats", {"run_id": run_id})

    def get_run_data(self, run_id):
        return self._call("get_run_data", {"run_id": run_id})

    def run_status(self, run_id):
        """The stored status of the run, or None for no such run."""
        status = self._call("logbook_status", {"run_id": run_id})
        if isinstance(status, dict) and status.get("offered") is False:
            data = self.get_run_data(run_id)
            return None if data is None else data["run"]["status"]
        return status


class StatusConnection:
    """What ``connect()`` returns: the Logbook's ``end_run`` runs ``SELECT status FROM runs WHERE
    id = ?`` on it and reads ``fetchone()["status"]``; that statement is answered through the
    harbor, any other raises ``NotImplementedError`` naming it."""

    STATUS = "SELECT status FROM runs WHERE id = ?"

    def __init__(self, harbor):
        self._harbor = harbor

    def execute(self, sql, params=()):
        if " ".join(str(sql).split()).rstrip(";").strip().lower() != self.STATUS.lower():
            raise NotImplementedError(
                "%s's connection answers only the Logbook's status query (%r), not %r"
                % (type(self._harbor).__name__, self.STATUS, sql))
        if len(params) != 1:
            raise UnknownRun("the status query takes one run id, not %r" % (params,))
        return _Rows(self._harbor.run_status(params[0]))

    def close(self):
        pass


class _Rows:
    def __init__(self, status):
        self._row = None if status is None else {"status": status}

    def fetchone(self):
        row, self._row = self._row, None
        return row

    def fetchall(self):
        row = self.fetchone()
        return [] if row is None else [row]


class LimaniSqlite(ServedLimani):
    """The kit's reference SQLite harbor (Ch-rima's schema), as the Ch-aOS plugin ``limani-sqlite``."""

    def target(self):
        path, werehouse = _text(self.config, "path"), _text(self.config, "werehouse")
        if path and werehouse:
            raise ConfigError("config keys 'path' and 'werehouse' both name the store: give one")
        key = "'path'" if path else "'werehouse' (or $CHAOS_LOGBOOK_DIR)"
        if not path:
            folder = os.environ.get("CHAOS_LOGBOOK_DIR") or os.path.expanduser("~/.local/share/chaos/logbook")
            path = os.path.join(folder, werehouse or "limani-sqlite.db")
        path = os.path.abspath(os.path.expanduser(path))
        folder = os.path.dirname(path)
        try:
            os.makedirs(folder, exist_ok=True)
        except OSError as exc:
            raise ConfigError("config key %s: cannot make the folder %r: %s" % (key, folder, exc)) from None
        if os.path.isdir(path):
            raise ConfigError("config key %s: %r is a folder, not a database file" % (key, path))
        return "sqlite:" + path


class LimaniPostgres(ServedLimani):
    """The kit's reference PostgreSQL harbor, as the Ch-aOS plugin ``limani-postgres``."""

    def target(self):
        dsn = _text(self.config, "dsn")
        if not dsn:
            raise ConfigError("config key 'dsn' is missing: give a postgres:// URL of the logbook's database")
        scheme, sep, rest = dsn.partition("://")
        if not sep or scheme not in ("postgres", "postgresql") or not rest:
            raise ConfigError("config key 'dsn' must be a postgres:// or postgresql:// URL, not %r"
                              % _hidden(dsn))
        asynchronous = self.config.get("async", False)
        if not isinstance(asynchronous, bool):
            raise ConfigError("config key 'async' must be true or false, not %r" % (asynchronous,))
        return ("postgres-async://" if asynchronous else "postgres://") + rest


def _hidden(dsn):
    """A DSN as an error shows it: no password."""
    head, sep, rest = dsn.partition("://")
    userinfo, at, host = rest.rpartition("@")
    if at and ":" in userinfo:
        return "%s%s%s:***@%s" % (head, sep, userinfo.split(":", 1)[0], host)
    return dsn
