"""A look-alike of Ch-aOS 0.7's Ch-rima, written here from its observable behaviour.

Module-level thread-local connections (sqlite3.Row rows, 10 s busy timeout, WAL, synchronous
NORMAL), foreign keys only on the connection that ran init_db, 0.7's five-argument create_run,
select-then-insert hosts, hosts in index order (by name), SQL SUM then round, timespan reads
without ORDER BY, updates of unknown runs ignored. The real Logbook runs it; the kit certifies
it and warns on its host race. Config: {"werehouse": NAME or absolute PATH, "busy_timeout":
seconds, 10 as Ch-rima's (a test's shorter one ends the race's lock waits sooner)}.
"""

import json
import os
import sqlite3
import threading
from pathlib import Path

from good_sqlite import SCHEMA

_local = threading.local()


class ChrimaLike:
    def __init__(self, config):
        self.config = config or {}
        self.werehouse = self.config.get("werehouse", "")

    def path(self):
        folder = Path(os.environ.get("CHAOS_LOGBOOK_DIR") or Path.home() / ".local/share/chaos/logbook")
        folder = folder / "ch-rima.db"
        folder.mkdir(parents=True, exist_ok=True)
        return folder / (self.werehouse or "ch-rima.db")

    def connect(self):
        if getattr(_local, "conn", None) is None:
            timeout = self.config.get("busy_timeout", 10)
            conn = sqlite3.connect(self.path(), timeout=timeout, check_same_thread=False)
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA journal_mode=WAL;")
            conn.execute("PRAGMA synchronous=NORMAL;")
            _local.conn = conn
        return _local.conn

    def disconnect(self):
        if getattr(_local, "conn", None) is not None:
            _local.conn.close()
            _local.conn = None

    def init_db(self):
        conn = self.connect()
        conn.execute("PRAGMA foreign_keys = ON;")
        conn.executescript(SCHEMA)
        conn.commit()

    def create_run(self, run_id, run_id_human, start_time, hailer_info, needed_secrets):
        conn = self.connect()
        conn.execute(
            "INSERT INTO runs (id, run_id_human, start_time, status, hailer_json, required_secrets)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (run_id, run_id_human, start_time, "in_progress", json.dumps(hailer_info),
             json.dumps(list(needed_secrets))))
        conn.commit()
        return run_id

    def start_update_run(self, run_id, status):
        conn = self.connect()
        conn.execute("UPDATE runs SET status = ? WHERE id = ?", (status, run_id))
        conn.commit()

    def end_run_update(self, run_id, end_time, status, summary):
        conn = self.connect()
        conn.execute("UPDATE runs SET end_time = ?, status = ?, summary_json = ? WHERE id = ?",
                     (end_time, status, json.dumps(summary), run_id))
        conn.commit()

    def get_or_create_host(self, run_id, host_name):
        conn = self.connect()
        cur = conn.cursor()
        cur.execute("SELECT id FROM hosts WHERE run_id = ? AND name = ?", (run_id, host_name))
        row = cur.fetchone()
        if row:
            return row["id"]
        cur.execute("INSERT INTO hosts (run_id, name) VALUES (?, ?)", (run_id, host_name))
        conn.commit()
        return cur.lastrowid

    def insert_operation(self, run_id, host_id, op_hash, name, changed, success, duration, timestamp,
                         logs, diff, arguments, retry_stats, command_n_facts):
        conn = self.connect()
        conn.execute(
            "INSERT INTO operations (run_id, host_id, op_hash, name, changed, success, duration, timestamp,"
            " logs_json, diff, arguments_json, retry_stats_json, command_n_facts_in_order_json)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (run_id, host_id, op_hash, name, int(changed), int(success), duration, timestamp, json.dumps(logs),
             diff, json.dumps(arguments), json.dumps(retry_stats), json.dumps(command_n_facts)))
        conn.commit()

    def insert_snapshot(self, run_id, host_id, stage, timestamp, metrics):
        conn = self.connect()
        conn.execute("INSERT INTO resource_snapshots (run_id, host_id, stage, timestamp, metrics_json)"
                     " VALUES (?, ?, ?, ?, ?)", (run_id, host_id, stage, timestamp, json.dumps(metrics)))
        conn.commit()

    def insert_fact_log(self, run_id, timestamp, log_level, context, command):
        conn = self.connect()
        conn.execute("INSERT INTO command_n_facts_in_order (run_id, timestamp, log_level, context, command)"
                     " VALUES (?, ?, ?, ?, ?)", (run_id, timestamp, log_level, context, command))
        conn.commit()

    def get_facts_for_timespan(self, run_id, start_time, end_time):
        cur = self.connect().execute(
            "SELECT * FROM command_n_facts_in_order WHERE run_id = ? AND timestamp >= ? AND timestamp < ?",
            (run_id, start_time, end_time))
        return [dict(r) for r in cur.fetchall()]

    def get_run_summary_stats(self, run_id):
        conn = self.connect()

        def one(sql):
            return conn.execute(sql, (run_id,)).fetchone()[0]

        total = one("SELECT COUNT(*) FROM operations WHERE run_id = ?")
        changed = one("SELECT COUNT(*) FROM operations WHERE run_id = ? AND changed = 1")
        failed = one("SELECT COUNT(*) FROM operations WHERE run_id = ? AND success = 0")
        duration = one("SELECT SUM(duration) FROM operations WHERE run_id = ?")
        return {
            "total_operations": total,
            "changed_operations": changed,
            "successful_operations": total - failed,
            "failed_operations": failed,
            "total_duration": round(duration, 4) if duration else 0.0,
        }

    def get_run_data(self, run_id):
        conn = self.connect()
        run = conn.execute("SELECT * FROM runs WHERE id = ?", (run_id,)).fetchone()
        if run is None:
            return None
        hosts = []
        for host in conn.execute("SELECT * FROM hosts WHERE run_id = ?", (run_id,)).fetchall():
            host = dict(host)
            host["operations"] = [dict(r) for r in conn.execute(
                "SELECT * FROM operations WHERE host_id = ? ORDER BY timestamp", (host["id"],)).fetchall()]
            hosts.append(host)
        snapshots = conn.execute(
            "SELECT s.*, h.name AS host_name FROM resource_snapshots s JOIN hosts h ON s.host_id = h.id"
            " WHERE s.run_id = ? ORDER BY s.timestamp", (run_id,)).fetchall()
        facts = conn.execute(
            "SELECT * FROM command_n_facts_in_order WHERE run_id = ? ORDER BY timestamp", (run_id,)).fetchall()
        return {"run": dict(run), "hosts": hosts, "snapshots": [dict(r) for r in snapshots],
                "fact_logs": [dict(r) for r in facts]}
