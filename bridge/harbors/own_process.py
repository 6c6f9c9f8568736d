"""Harbors correct through the bridge that fail only in their own process, where ``limani
bench`` runs the same workload under a run id ending ``-in-process``: the kit's proof that such
a failure ends the bench with a diagnosis, never a hang."""

import os
import sys
import time

from good_sqlite import GoodSqlite


def _own(run_id):
    return run_id.endswith("-in-process")


class DiesInItsOwnProcess(GoodSqlite):
    """Exits (status 7) at the first fact log of its own process's run."""

    def insert_fact_log(self, run_id, timestamp, log_level, context, command):
        if _own(run_id):
            sys.stderr.write("dying on purpose in its own process\n")
            sys.stderr.flush()
            os._exit(7)
        super().insert_fact_log(run_id, timestamp, log_level, context, command)


class HangsInItsOwnProcess(GoodSqlite):
    """Never returns the run data of its own process's run."""

    def get_run_data(self, run_id):
        if _own(run_id):
            while True:
                time.sleep(1)
        return super().get_run_data(run_id)
