"""A correct Limani harbor in Python on SQLite: the kit's proof that Python harbors can certify.

Per-thread connections (WAL, foreign keys, busy timeout), race-free hosts, ordered reads,
finite times, Ch-aOS 0.7's create_run. Config: {"werehouse": PATH}; without it, as Ch-rima does,
a file in Ch-aOS's logbook folder ($CHAOS_LOGBOOK_DIR, default ~/.local/share/chaos/logbook):
never an in-memory database, which each thread's connection would see empty.
"""

import json
import math
import os
import sqlite3
import threading

SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (id TEXT PRIMARY KEY, run_id_human TEXT NOT NULL, start_time REAL NOT NULL,
  end_time REAL, status TEXT NOT NULL CHECK(status IN ('in_progress', 'success', 'failure')),
  summary_json TEXT, hailer_json TEXT, required_secrets TEXT);
CREATE TABLE IF NOT EXISTS hosts (id INTEGER PRIMARY KEY AUTOINCREMENT, run_id TEXT NOT NULL REFERENCES runs (id),
  name TEXT NOT NULL, summary_json TEXT, UNIQUE (run_id, name));
CREATE TABLE IF NOT EXISTS operations (id INTEGER PRIMARY KEY AUTOINCREMENT, run_id TEXT NOT NULL REFERENCES runs (id),
  host_id INTEGER NOT NULL REFERENCES hosts (id), op_hash TEXT, name TEXT NOT NULL, changed INTEGER NOT NULL,
  success INTEGER NOT NULL, duration REAL NOT NULL, timestamp REAL NOT NULL, logs_json TEXT, diff TEXT,
  arguments_json TEXT, retry_stats_json TEXT, command_n_facts_in_order_json TEXT);
CREATE TABLE IF NOT EXISTS resource_snapshots (id INTEGER PRIMARY KEY AUTOINCREMENT, run_id TEXT NOT NULL REFERENCES runs (id),
  host_id INTEGER NOT NULL REFERENCES hosts (id), stage TEXT, timestamp REAL NOT NULL, metrics_json TEXT);
CREATE TABLE IF NOT EXISTS command_n_facts_in_order (id INTEGER PRIMARY KEY AUTOINCREMENT,
  run_id TEXT NOT NULL REFERENCES runs (id), timestamp REAL NOT NULL, log_level TEXT, context TEXT, command TEXT);
CREATE INDEX IF NOT EXISTS idx_facts_run_timestamp ON command_n_facts_in_order (run_id, timestamp);
"""


class KindError(Exception):
    """An error with the bridge's kind attached."""

    def __init__(self, kind, message):
        super().__init__(message)
        self.limani_kind = kind


def finite(name, value):
    if not math.isfinite(value):
        raise ValueError("%s must be a finite time, not %r" % (name, value))


def default_path():
    """good-sqlite.db in Ch-aOS's logbook folder, made if missing."""
    folder = os.environ.get("CHAOS_LOGBOOK_DIR") or os.path.expanduser("~/.local/share/chaos/logbook")
    os.makedirs(folder, exist_ok=True)
    return os.path.join(folder, "good-sqlite.db")


class GoodSqlite:
    # The order of a host's operations in run data: by time, then insertion.
    operations_order = "timestamp, id"

    def __init__(self, config):
        self.config = config or {}
        self.path = self.config.get("werehouse") or default_path()
        self.local = threading.local()

    def connect(self):
        """The calling thread's connection: the Logbook's end_run queries it directly."""
        return self._conn()

    def _conn(self):
        if getattr(self.local, "conn", None) is None:
            conn = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA journal_mode=WAL")
            # Safe against a crash of the process, as Ch-rima chooses (FULL adds an fsync per write).
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA foreign_keys=ON")
            self.local.conn = conn
        return self.local.conn

    def disconnect(self):
        conn = getattr(self.local, "conn", None)
        if conn is not None:
            conn.close()
            self.local.conn = None

    def init_db(self):
        self._conn().executescript(SCHEMA)

    def create_run(self, run_id, run_id_human, start_time, hailer_info, needed_secrets=None):
        finite("start_time", start_time)
        secrets = None if needed_secrets is None else json.dumps(sorted(needed_secrets))
        try:
            self._conn().execute(
                "INSERT INTO runs (id, run_id_human, start_time, status, hailer_json, required_secrets) VALUES (?, ?, ?, 'in_progress', ?, ?)",
                (run_id, run_id_human, start_time, json.dumps(hailer_info), secrets))
        except sqlite3.IntegrityError as exc:
            raise KindError("duplicate_run", "run %r exists: %s" % (run_id, exc))
        return run_id

    def _update(self, sql, args, run_id):
        if self._conn().execute(sql, args).rowcount == 0:
            raise KindError("unknown_run", "no run %r" % run_id)

    def start_update_run(self, run_id, status):
        if status not in ("in_progress", "success", "failure"):
            raise KindError("invalid_status", "invalid status %r" % status)
        self._update("UPDATE runs SET status = ? WHERE id = ?", (status, run_id), run_id)

    def end_run_update(self, run_id, end_time, status, summary):
        if status not in ("in_progress", "success", "failure"):
            raise KindError("invalid_status", "invalid status %r" % status)
        finite("end_time", end_time)
        self._update("UPDATE runs SET end_time = ?, status = ?, summary_json = ? WHERE id = ?",
                     (end_time, status, json.dumps(summary), run_id), run_id)

    def get_or_create_host(self, run_id, host_name):
        conn = self._conn()
        conn.execute("INSERT INTO hosts (run_id, name) VALUES (?, ?) ON CONFLICT (run_id, name) DO NOTHING", (run_id, host_name))
        return conn.execute("SELECT id FROM hosts WHERE run_id = ? AND name = ?", (run_id, host_name)).fetchone()[0]

    def _host_of_run(self, conn, run_id, host_id):
        if conn.execute("SELECT 1 FROM hosts WHERE id = ? AND run_id = ?", (host_id, run_id)).fetchone() is None:
            if conn.execute("SELECT 1 FROM runs WHERE id = ?", (run_id,)).fetchone() is None:
                raise KindError("unknown_run", "no run %r" % run_id)
            raise KindError("unknown_host", "host %r is not a host of run %r" % (host_id, run_id))

    def insert_operation(self, run_id, host_id, op_hash, name, changed, success, duration, timestamp, logs, diff,
                         arguments, retry_stats, command_n_facts):
        finite("duration", duration)
        finite("timestamp", timestamp)
        conn = self._conn()
        self._host_of_run(conn, run_id, host_id)
        conn.execute(
            "INSERT INTO operations (run_id, host_id, op_hash, name, changed, success, duration, timestamp, logs_json, diff,"
            " arguments_json, retry_stats_json, command_n_facts_in_order_json) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (run_id, host_id, op_hash, name, self._flag(changed), self._flag(success), duration, timestamp, json.dumps(logs), diff,
             json.dumps(arguments), json.dumps(retry_stats), json.dumps(command_n_facts)))

    def _flag(self, value):
        return int(value)

    def insert_snapshot(self, run_id, host_id, stage, timestamp, metrics):
        finite("timestamp", timestamp)
        conn = self._conn()
        self._host_of_run(conn, run_id, host_id)
        conn.execute("INSERT INTO resource_snapshots (run_id, host_id, stage, timestamp, metrics_json) VALUES (?, ?, ?, ?, ?)",
                     (run_id, host_id, stage, timestamp, json.dumps(metrics)))

    def insert_fact_log(self, run_id, timestamp, log_level, context, command):
        finite("timestamp", timestamp)
        self._conn().execute(
            "INSERT INTO command_n_facts_in_order (run_id, timestamp, log_level, context, command) VALUES (?, ?, ?, ?, ?)",
            (run_id, timestamp, log_level, context, command))

    def get_facts_for_timespan(self, run_id, start_time, end_time):
        if math.isnan(start_time) or math.isnan(end_time):
            raise ValueError("a timespan bound is NaN")
        rows = self._conn().execute(
            "SELECT id, run_id, timestamp, log_level, context, command FROM command_n_facts_in_order"
            " WHERE run_id = ? AND timestamp >= ? AND timestamp < ? ORDER BY timestamp, id",
            (run_id, start_time, end_time))
        return [dict(r) for r in rows]

    def _durations_total(self, durations):
        total = math.fsum(durations)
        return round(total, 4) if total else 0.0

    def get_run_summary_stats(self, run_id):
        rows = self._conn().execute("SELECT changed, success, duration FROM operations WHERE run_id = ?", (run_id,)).fetchall()
        failed = sum(1 for r in rows if not r["success"])
        return {
            "total_operations": len(rows),
            "changed_operations": sum(1 for r in rows if r["changed"]),
            "successful_operations": len(rows) - failed,
            "failed_operations": failed,
            "total_duration": self._durations_total([r["duration"] for r in rows]),
        }

    def _facts(self, conn, run_id):
        return conn.execute("SELECT * FROM command_n_facts_in_order WHERE run_id = ? ORDER BY timestamp, id", (run_id,))

    def get_run_data(self, run_id):
        conn = self._conn()
        conn.execute("BEGIN")
        try:
            run = conn.execute("SELECT * FROM runs WHERE id = ?", (run_id,)).fetchone()
            if run is None:
                return None
            operations = {}
            for op in conn.execute("SELECT * FROM operations WHERE run_id = ? ORDER BY " + self.operations_order, (run_id,)):
                operations.setdefault(op["host_id"], []).append(dict(op))
            hosts = [dict(h, operations=operations.get(h["id"], []))
                     for h in conn.execute("SELECT * FROM hosts WHERE run_id = ? ORDER BY id", (run_id,))]
            snapshots = [dict(s) for s in conn.execute(
                "SELECT s.*, h.name AS host_name FROM resource_snapshots s JOIN hosts h ON s.host_id = h.id"
                " WHERE s.run_id = ? ORDER BY s.timestamp, s.id", (run_id,))]
            facts = [dict(f) for f in self._facts(conn, run_id)]
            return {"run": dict(run), "hosts": hosts, "snapshots": snapshots, "fact_logs": facts}
        finally:
            conn.execute("COMMIT")
