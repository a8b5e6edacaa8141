"""Test-wide fixtures and the check that forbids skipped tests where the services run."""

import os

import pytest

# With TESTS_FORBID_SKIPS=1 (set by .ci/run) a skipped test fails the run, because
# there every service and client the suite needs is installed.
FORBID_SKIPS = os.environ.get("TESTS_FORBID_SKIPS") == "1"


def pytest_sessionfinish(session, exitstatus):
    if not FORBID_SKIPS:
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    if skipped:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
        if reporter:
            reporter.write_line(
                f"{len(skipped)} tests were skipped, and TESTS_FORBID_SKIPS=1 forbids skips: "
                "install what their reasons name.",
                red=True,
            )
