"""The pytest plugin of limani-kit: certify a Limani harbor from pytest, one item per check.

    pytest --limani python:my_pkg.harbor:MyLimani --limani-python-path src \
           --limani-config '{"werehouse": "/tmp/t.db"}' --junitxml report.xml

Registered as the ``pytest11`` entry point ``limani`` of this package; from a ``conftest.py``
without installing: ``pytest_plugins = ["limani_bridge.pytest_plugin"]``. It runs
``limani checks --json`` to collect one item per check, named by its id (``-k timespan``
selects a group, counted as pytest counts any selection), then ``limani certify ... --json``
once per session, on the selected checks only (``--limani-bin``, ``$LIMANI_BIN`` or ``limani``
on PATH): a failed check fails with the kit's report for it, a skipped one is skipped with its
reason, a recommended one that failed warns (fails under ``--limani-strict``).
"""

import json
import os
import shutil
import subprocess
import tempfile
import warnings

import pytest


class LimaniWarning(UserWarning):
    """A recommended check failed: the harbor can still be certified."""


class LimaniFailure(Exception):
    """A check that counts failed; its message is the kit's report for it."""


def pytest_addoption(parser):
    group = parser.getgroup("limani", "certify a Limani harbor with limani-kit")
    group.addoption("--limani", metavar="TARGET", help="the harbor to certify: python:MODULE:CLASS, entry-point:NAME, exec:COMMAND, ...")
    group.addoption("--limani-python-path", metavar="DIR", action="append", default=[], help="a folder to import the harbor from (repeatable)")
    group.addoption("--limani-config", metavar="JSON", default="{}", help="the config dict the harbor is built with, as JSON")
    group.addoption("--limani-strict", action="store_true", help="recommended checks count too: a warned check fails")
    group.addoption("--limani-bin", metavar="PATH", help="the limani program (default: $LIMANI_BIN, else limani on PATH)")
    group.addoption("--limani-arg", metavar="ARG", action="append", default=[], help="one more argument for limani certify (repeatable)")


def pytest_configure(config):
    # The items' marks, registered so that --strict-markers runs take them.
    config.addinivalue_line("markers", "required: a check the Logbook needs")
    config.addinivalue_line("markers", "recommended: a check stricter than the Logbook needs")


def _limani(config):
    found = config.getoption("limani_bin") or os.environ.get("LIMANI_BIN") or shutil.which("limani")
    if not found:
        raise pytest.UsageError("no limani program on PATH: `cargo install --path cli` in limani-kit, or give $LIMANI_BIN or --limani-bin")
    return found


def _checks(config):
    """Every check of the kit, from ``limani checks --json``: the items, before anything runs."""
    if not hasattr(config, "_limani_checks"):
        done = subprocess.run([_limani(config), "checks", "--json"], capture_output=True, text=True)
        if done.returncode != 0:
            raise pytest.UsageError("limani checks failed (exit %d): %s" % (done.returncode, done.stderr.strip()))
        config._limani_checks = json.loads(done.stdout)
    return config._limani_checks


def _certify(config, only):
    """Runs the kit once, on the checks in ``only`` (every check when None); the JSON report."""
    command = [_limani(config), "certify", config.getoption("limani")]
    for folder in config.getoption("limani_python_path"):
        command += ["--python-path", os.path.abspath(folder)]
    command += ["--config", config.getoption("limani_config")]
    if config.getoption("limani_strict"):
        command.append("--strict")
    for check in only or ():
        command += ["--only", check]
    command += config.getoption("limani_arg")
    with tempfile.TemporaryDirectory(prefix="limani-pytest-") as folder:
        report_path = os.path.join(folder, "report.json")
        done = subprocess.run(command + ["--json", report_path], capture_output=True, text=True)
        if done.returncode not in (0, 1):
            said = (done.stderr.strip() or done.stdout.strip()).splitlines()
            said = "limani certify could not certify (exit %d): %s" % (done.returncode, " / ".join(said[:3]))
            # Said once, and the session ends with limani's own status (2: usage, 3: no harbor).
            pytest.exit(said, returncode=done.returncode)
        with open(report_path, encoding="utf-8") as report:
            return json.load(report)



@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector):
    # The checks are collected as the session's own tests, so that pytest counts them and -k,
    # -m and --deselect select among them as among any tests.
    outcome = yield
    report = outcome.get_result()
    if isinstance(collector, pytest.Session) and collector.config.getoption("limani") and report.passed:
        report.result.append(LimaniCollector.from_parent(collector, name="limani", nodeid="limani"))


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    verdict = getattr(config, "_limani_verdict", None)
    if verdict:
        terminalreporter.write_line("limani-kit verdict: %s" % verdict)


class LimaniCollector(pytest.Collector):
    """The checks of the kit, one item each; the kit runs once, for the items selected."""

    def collect(self):
        strict = self.config.getoption("limani_strict")
        for check in _checks(self.config):
            yield LimaniItem.from_parent(self, name=check["id"], check=check, strict=strict)

    def results(self):
        """The kit's results by check id, from one run on the selected checks."""
        if not hasattr(self, "_results"):
            items = self.session.items
            selected = [i.name for i in items if isinstance(i, LimaniItem)]
            total = len(_checks(self.config))
            report = _certify(self.config, None if len(selected) == total else selected)
            self._results = {r["id"]: r for r in report["results"]}
            self.config._limani_verdict = report["verdict"]
        return self._results


class LimaniItem(pytest.Item):
    """One check of the contract; its outcome is the kit's."""

    def __init__(self, *, check, strict, **kwargs):
        super().__init__(**kwargs)
        self.check = check
        self.strict = strict
        self.add_marker(check["level"])

    def runtest(self):
        result = self.parent.results().get(self.name)
        if result is None:
            pytest.skip("not run by the kit (left out by its own --only or --skip)")
        status, message = result["status"], result.get("message") or ""
        if self.check.get("cookbook") and status in ("failed", "warned"):
            message += "\nsee: %s" % self.check["cookbook"]
        if status == "failed":
            raise LimaniFailure(message)
        if status == "warned":
            if self.strict:
                raise LimaniFailure(message)
            warnings.warn_explicit(LimaniWarning("recommended check %s failed\n%s" % (self.name, message)),
                                   LimaniWarning, filename="limani", lineno=0)
        if status == "skipped":
            pytest.skip(message or "skipped by the kit")

    def repr_failure(self, excinfo):
        if isinstance(excinfo.value, LimaniFailure):
            return str(excinfo.value)
        return super().repr_failure(excinfo)

    def reportinfo(self):
        return "limani", None, "%s (%s)" % (self.name, self.check["level"])
