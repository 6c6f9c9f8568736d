"""The pytest plugin of limani-kit: certify a Limani harbor from pytest, one item per check.

    pytest --limani python:my_pkg.harbor:MyLimani --limani-python-path src \
           --limani-config '{"werehouse": "/tmp/t.db"}' --junitxml report.xml

Registered as the ``pytest11`` entry point ``limani`` of this package; from a ``conftest.py``
without installing: ``pytest_plugins = ["limani_bridge.pytest_plugin"]``. It runs
``limani certify ... --json`` once per session (``--limani-bin``, ``$LIMANI_BIN`` or ``limani``
on PATH) and makes each check an item named by its id (``-k timespan`` selects a group): a
failed check fails with the kit's report for it, a skipped one is skipped with its reason, a
recommended one that failed warns (fails under ``--limani-strict``).
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


def _certify(config):
    """Runs the kit once; the JSON report, and what limani said."""
    command = [_limani(config), "certify", config.getoption("limani")]
    for folder in config.getoption("limani_python_path"):
        command += ["--python-path", os.path.abspath(folder)]
    command += ["--config", config.getoption("limani_config")]
    if config.getoption("limani_strict"):
        command.append("--strict")
    command += config.getoption("limani_arg")
    with tempfile.TemporaryDirectory(prefix="limani-pytest-") as folder:
        report_path = os.path.join(folder, "report.json")
        done = subprocess.run(command + ["--json", report_path], capture_output=True, text=True)
        if done.returncode not in (0, 1):
            said = (done.stderr.strip() or done.stdout.strip()).splitlines()
            raise pytest.UsageError("limani certify could not certify (exit %d): %s" % (done.returncode, " / ".join(said[:3])))
        with open(report_path, encoding="utf-8") as report:
            return json.load(report)


def pytest_collection_modifyitems(session, config, items):
    if not config.getoption("limani"):
        return
    report = _certify(config)
    collector = LimaniCollector.from_parent(session, name="limani", nodeid="limani")
    for result in report["results"]:
        items.append(LimaniItem.from_parent(collector, name=result["id"], result=result,
                                            strict=config.getoption("limani_strict")))
    config._limani_verdict = report["verdict"]


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    verdict = getattr(config, "_limani_verdict", None)
    if verdict:
        terminalreporter.write_line("limani-kit verdict: %s" % verdict)


class LimaniCollector(pytest.Collector):
    """The checks of one run of the kit."""

    def collect(self):
        return []


class LimaniItem(pytest.Item):
    """One check of the contract, as the kit ran it."""

    def __init__(self, *, result, strict, **kwargs):
        super().__init__(**kwargs)
        self.result = result
        self.strict = strict
        self.add_marker(result["level"])

    def runtest(self):
        status, message = self.result["status"], self.result.get("message") or ""
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
        return "limani", None, "%s (%s)" % (self.name, self.result["level"])
