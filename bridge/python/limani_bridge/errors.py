"""Exceptions a Python harbor raises so that the kit (and a reader of the Logbook) knows what
went wrong: each carries ``limani_kind``, the bridge protocol's error kind. Raise them, or
subclass them, or set ``limani_kind`` on your own exception class."""


class LimaniError(Exception):
    """A failed harbor call the kit counts as a storage failure."""

    limani_kind = "storage"


class UnknownRun(LimaniError):
    """A write or host lookup named a run that create_run never created."""

    limani_kind = "unknown_run"


class UnknownHost(LimaniError):
    """An operation or snapshot named a host id that is not a host of its run."""

    limani_kind = "unknown_host"


class DuplicateRun(LimaniError):
    """create_run was given a run id that exists already."""

    limani_kind = "duplicate_run"


class InvalidStatus(LimaniError):
    """A status other than in_progress, success and failure."""

    limani_kind = "invalid_status"


class InvalidValue(LimaniError, ValueError):
    """A value the Logbook never sends and the store cannot keep (a NaN time, say)."""

    limani_kind = "invalid_value"


class StatusConnection:
    """What ``connect()`` of a harbor without a DB-API connection can return: the Logbook's
    ``end_run`` runs ``connect().execute("SELECT status FROM runs WHERE id = ?", (run_id,))``,
    calls ``fetchone()`` and reads ``row["status"]``. Give it a function from a run id to the
    run's status (or None for no such run)."""

    def __init__(self, status_of):
        self._status_of = status_of

    def execute(self, sql, params=()):
        if "status" not in sql.lower() or not params:
            raise InvalidValue("StatusConnection answers only the Logbook's status query, not %r" % sql)
        return _Cursor(self._status_of(params[0]))

    def close(self):
        pass


class _Cursor:
    def __init__(self, status):
        self._status = status

    def fetchone(self):
        return None if self._status is None else {"status": self._status}
