"""The audit wrapper (scripts/audit.py) tells "the advisory service could not be asked" (CI
goes on, with a warning) from "a locked release has a known vulnerability" (CI fails): first
from canned pip-audit outputs and exit codes, then with the real pip-audit against a fake OSV
server on localhost, answering, finding something, or not listening at all."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest

from scripts.audit import (
    Outcome,
    classify,
    command,
    exit_code,
    explain,
    ignored_ids,
    main,
)

# ------------------------------------------------------------------ canned pip-audit outputs


def _report(*dependencies: dict[str, Any]) -> str:
    return json.dumps({"dependencies": list(dependencies), "fixes": []})


CLEAN = _report(
    {"name": "aiosqlite", "version": "0.22.1", "vulns": []},
    {"name": "pymupdf", "version": "1.28.2", "vulns": []},
)
VULNERABLE = _report(
    {"name": "aiosqlite", "version": "0.22.1", "vulns": []},
    {
        "name": "requests",
        "version": "2.5.0",
        "vulns": [
            {
                "id": "PYSEC-2015-17",
                "fix_versions": ["2.6.0"],
                "aliases": ["CVE-2015-2296"],
                "description": "session fixation",
            }
        ],
    },
)
# A PyPI mirror without the per-release JSON API: 404 for every package, exit 0 and
# "No known vulnerabilities found" on stderr.
ALL_SKIPPED = _report(
    {
        "name": "aiosqlite",
        "skip_reason": "Dependency not found on PyPI and could not be audited: aiosqlite (0.22.1)",
    },
    {
        "name": "pymupdf",
        "skip_reason": "Dependency not found on PyPI and could not be audited: pymupdf (1.28.2)",
    },
)
ONE_SKIPPED = _report(
    {"name": "aiosqlite", "version": "0.22.1", "vulns": []},
    {
        "name": "in-house",
        "skip_reason": "Dependency not found on PyPI and could not be audited: in-house (1.0)",
    },
)
NO_DNS = """Traceback (most recent call last):
  File "/venv/lib/python3.11/site-packages/requests/adapters.py", line 729, in send
    raise ConnectionError(e, request=request)
requests.exceptions.ConnectionError: HTTPSConnectionPool(host='pypi.org', port=443): Max \
retries exceeded with url: /pypi/aiosqlite/0.22.1/json (Caused by NameResolutionError(\
"HTTPSConnection(host='pypi.org', port=443): Failed to resolve 'pypi.org' ([Errno -2] Name or \
service not known)"))
"""
CONNECT_TIMEOUT = """ERROR:pip_audit._cli:Could not connect to PyPI's vulnerability feed
ERROR:pip_audit._cli:Tip: your network may be blocking this service. Try another service with \
`-s SERVICE`
"""
SERVER_ERROR = """  File "/venv/.../pip_audit/_service/pypi.py", line 86, in query
    raise ServiceError from http_error
pip_audit._service.interface.ServiceError
"""
BAD_LOCK = "ERROR:pip_audit._cli:invalid requirements input: requirements/nope.txt\n"


def test_a_clean_report_passes() -> None:
    verdict = classify(0, CLEAN, "No known vulnerabilities found\n")
    assert verdict.outcome is Outcome.CLEAN
    assert verdict.audited == 2
    assert exit_code(verdict, require_service=True) == 0
    assert "no known vulnerabilities in 2 locked packages" in explain(verdict)


def test_a_known_vulnerability_fails_naming_it_and_its_fix() -> None:
    verdict = classify(1, VULNERABLE, "Found 1 known vulnerability in 1 package\n")
    assert verdict.outcome is Outcome.VULNERABLE
    [finding] = verdict.findings
    assert (finding.package, finding.version, finding.id) == ("requests", "2.5.0", "PYSEC-2015-17")
    assert finding.fixed_in == ("2.6.0",)
    assert exit_code(verdict, require_service=False) == 1
    text = explain(verdict)
    assert "requests 2.5.0: PYSEC-2015-17 (CVE-2015-2296); fixed in 2.6.0" in text
    assert "audit-ignore.txt" in text


def test_a_vulnerability_fails_even_when_other_packages_were_skipped() -> None:
    report = json.loads(VULNERABLE)
    report["dependencies"].append({"name": "x", "skip_reason": "not found"})
    verdict = classify(1, json.dumps(report), "")
    assert verdict.outcome is Outcome.VULNERABLE
    assert exit_code(verdict, require_service=False) == 1


@pytest.mark.parametrize("stderr", [NO_DNS, CONNECT_TIMEOUT, SERVER_ERROR])
def test_an_unreachable_service_warns_and_passes(stderr: str) -> None:
    verdict = classify(1, "", stderr)
    assert verdict.outcome is Outcome.UNREACHABLE
    assert exit_code(verdict, require_service=False) == 0
    assert exit_code(verdict, require_service=True) == 3
    assert "could not be reached" in explain(verdict)
    assert "NOT audited" in explain(verdict)


def test_every_package_skipped_is_an_unreachable_service_not_a_clean_audit() -> None:
    verdict = classify(0, ALL_SKIPPED, "No known vulnerabilities found\n")
    assert verdict.outcome is Outcome.UNREACHABLE
    assert exit_code(verdict, require_service=False) == 0
    assert exit_code(verdict, require_service=True) == 3


def test_a_few_skipped_packages_are_named_but_pass() -> None:
    verdict = classify(0, ONE_SKIPPED, "No known vulnerabilities found\n")
    assert verdict.outcome is Outcome.CLEAN
    assert verdict.audited == 1
    assert "not audited: in-house" in explain(verdict)


@pytest.mark.parametrize(
    ("returncode", "stdout", "stderr"),
    [
        (1, "", BAD_LOCK),  # a lock pip-audit cannot read
        (1, "", "Traceback ...\nKeyError: 'vulns'\n"),  # pip-audit itself broken
        (0, "", ""),  # no report at all
        (1, "not json", BAD_LOCK),
        (1, CLEAN, BAD_LOCK),  # a report, but a failure no vulnerability explains
    ],
)
def test_other_failures_of_pip_audit_fail_the_audit(
    returncode: int, stdout: str, stderr: str
) -> None:
    verdict = classify(returncode, stdout, stderr)
    assert verdict.outcome is Outcome.ERROR
    assert exit_code(verdict, require_service=False) == 2
    assert explain(verdict).startswith("audit: pip-audit failed")


def test_the_ignore_file_lists_ids_with_reasons_in_comments(tmp_path: Path) -> None:
    path = tmp_path / "audit-ignore.txt"
    assert ignored_ids(path) == []
    path.write_text(
        "# triaged\nPYSEC-2015-17  # only the CLI is affected\n\n  GHSA-xxxx-yyyy-zzzz\n",
        encoding="utf-8",
    )
    assert ignored_ids(path) == ["PYSEC-2015-17", "GHSA-xxxx-yyyy-zzzz"]
    args = command(["requirements/run.txt"], ignored_ids(path))
    assert args[args.index("--requirement") + 1] == "requirements/run.txt"
    assert args[-2:] == ["--ignore-vuln", "GHSA-xxxx-yyyy-zzzz"]
    assert "--disable-pip" in args  # the hashed lock is read, nothing installed


# ------------------------------------------------------ the real pip-audit, a fake OSV server


class _FakeOsv(BaseHTTPRequestHandler):
    vulnerable: frozenset[str] = frozenset()

    def do_POST(self) -> None:
        query = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        name = query["package"]["name"]
        body: dict[str, Any] = {}
        if name in self.vulnerable:
            body = {
                "vulns": [
                    {
                        "id": "PYSEC-2015-17",
                        "aliases": ["CVE-2015-2296"],
                        "summary": "session fixation",
                        "affected": [
                            {
                                "package": {"name": name, "ecosystem": "PyPI"},
                                "ranges": [
                                    {
                                        "type": "ECOSYSTEM",
                                        "events": [{"introduced": "0"}, {"fixed": "2.6.0"}],
                                    }
                                ],
                            }
                        ],
                    }
                ]
            }
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def lock(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.chdir(tmp_path)  # no requirements/audit-ignore.txt here
    path = tmp_path / "lock.txt"
    fake = "0" * 64  # read, never checked: nothing is downloaded
    path.write_text(
        f"requests==2.5.0 --hash=sha256:{fake}\naiosqlite==0.22.1 --hash=sha256:{fake}\n",
        encoding="utf-8",
    )
    return path


@pytest.fixture
def osv(request: pytest.FixtureRequest) -> Iterator[str]:
    handler = type("Osv", (_FakeOsv,), {"vulnerable": frozenset(request.param)})
    server = HTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1/query"
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("osv", [["requests"]], indirect=True)
def test_pip_audit_finding_a_vulnerability_fails(
    lock: Path, osv: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([str(lock), "--osv-url", osv]) == 1
    assert "requests 2.5.0: PYSEC-2015-17" in capsys.readouterr().err


@pytest.mark.parametrize("osv", [[]], indirect=True)
def test_pip_audit_finding_nothing_passes(
    lock: Path, osv: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([str(lock), "--osv-url", osv]) == 0
    assert "no known vulnerabilities in 2 locked packages" in capsys.readouterr().out


def test_pip_audit_with_no_service_listening_passes_with_a_warning(
    lock: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}/v1/query"
    assert main([str(lock), "--osv-url", url]) == 0
    assert "could not be reached" in capsys.readouterr().err
    assert main([str(lock), "--osv-url", url, "--require-service"]) == 3
