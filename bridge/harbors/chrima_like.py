"""A harbor with Ch-rima's weak spots (our own code): module-level thread-local connections,
select-then-insert hosts, a 10 s lock timeout, foreign keys only where init_db ran, no ORDER BY."""

import json
import sqlite3
import threading

from good_sqlite import SCHEMA

_local = threading.local()


class ChrimaLike:
    def __init__(self, config):
        self.config = config or {}
        self.werehouse = self.config.get("werehouse", "")

    def connect(self):
        if not hasattr(_local, "conn"):
            conn = sqlite3.connect(self.werehouse, timeout=10)
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA journal_mode=WAL;")
            conn.execute("PRAGMA synchronous=NORMAL;")
            _local.conn = conn
        return _local.conn

    def disconnect(self):
        if hasattr(_local, "conn"):
            _local.conn.close()
            del _local.conn

    def init_db(self):
        conn = self.connect()
        conn.execute("PRAGMA foreign_keys = ON;")
        conn.executescript(SCHEMA)
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

    def create_run(self, run_id, run_id_human, start_time, hailer_info):
        conn = self.connect()
        conn.execute("INSERT INTO runs (id, run_id_human, start_time, status, hailer_json) VALUES (?, ?, ?, ?, ?)",
                     (run_id, run_id_human, start_time, "in_progress", json.dumps(hailer_info)))
        conn.commit()
        return run_id

    def get_facts_for_timespan(self, run_id, start_time, end_time):
        cur = self.connect().execute(
            "SELECT * FROM command_n_facts_in_order WHERE run_id = ? AND timestamp >= ? AND timestamp < ?",
            (run_id, start_time, end_time))
        return [dict(r) for r in cur.fetchall()]
