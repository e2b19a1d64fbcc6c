"""`make audit`: pip-audit over the locks, telling "could not ask" from "found something".

pip-audit alone cannot tell CI which of the two happened: it exits 1 both when it finds a
vulnerability and when it cannot reach the advisory service, and where PyPI is reached through
a mirror without the per-release JSON API it skips every package as "not found on PyPI" and
exits 0 with "No known vulnerabilities found". This reads its JSON report instead:

- a known vulnerability in a locked release: exit 1, listing each with its fixed versions;
- the service could not be asked (no network, refused, timed out, a 5xx, or every package
  skipped): a warning and exit 0, so an offline CI run is not failed by it
  (`--require-service` makes that exit 3, for a run that must have audited);
- pip-audit failing for another reason (a lock it cannot read, say): exit 2;
- otherwise exit 0, naming any package that could not be audited.

Vulnerabilities triaged as not applying are listed, one ID a line with the reason in a
comment, in requirements/audit-ignore.txt.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path

IGNORE_FILE = Path("requirements/audit-ignore.txt")
TIMEOUT_SECONDS = 10  # per request to the advisory service
OVERALL_SECONDS = 600  # the whole audit: a network that swallows packets counts as offline

# What pip-audit (or requests under it) writes to stderr when the service cannot be asked.
UNREACHABLE_MARKERS = (
    "your network may be blocking this service",
    "Could not connect to",
    "is not redirecting properly",
    "ServiceError",
    "ConnectionError",
    "ProxyError",
    "SSLError",
    "ConnectTimeout",
    "ReadTimeout",
    "Max retries exceeded",
    "NameResolutionError",
    "Failed to establish a new connection",
    "Temporary failure in name resolution",
    "Network is unreachable",
)


class Outcome(Enum):
    CLEAN = 0
    VULNERABLE = 1
    ERROR = 2
    UNREACHABLE = 3


@dataclass(frozen=True)
class Finding:
    package: str
    version: str
    id: str
    fixed_in: tuple[str, ...]
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Verdict:
    outcome: Outcome
    findings: list[Finding] = field(default_factory=list)
    audited: int = 0
    skipped: list[str] = field(default_factory=list)  # "name: reason"
    detail: str = ""  # the last lines pip-audit wrote to stderr, when they explain it


def _report(stdout: str) -> dict[str, object] | None:
    """pip-audit's JSON report, or None when it wrote none (it failed before the end)."""
    text = stdout.strip()
    if not text:
        return None
    try:
        report = json.loads(text)
    except json.JSONDecodeError:
        return None
    if not isinstance(report, dict) or not isinstance(report.get("dependencies"), list):
        return None
    return report


def _tail(stderr: str, lines: int = 1) -> str:
    return "\n".join(line for line in stderr.strip().splitlines()[-lines:])


def classify(returncode: int, stdout: str, stderr: str) -> Verdict:
    """What one run of `pip-audit -f json` means, from its exit code, stdout and stderr."""
    report = _report(stdout)
    if report is None:
        if returncode == 0:
            return Verdict(Outcome.ERROR, detail="pip-audit wrote no report")
        if any(marker in stderr for marker in UNREACHABLE_MARKERS):
            return Verdict(Outcome.UNREACHABLE, detail=_tail(stderr))
        return Verdict(Outcome.ERROR, detail=_tail(stderr))
    findings: list[Finding] = []
    skipped: list[str] = []
    audited = 0
    dependencies = report["dependencies"]
    assert isinstance(dependencies, list)
    for dependency in dependencies:
        name = str(dependency.get("name", "?"))
        if "skip_reason" in dependency:
            skipped.append(f"{name}: {dependency['skip_reason']}")
            continue
        audited += 1
        for vuln in dependency.get("vulns") or []:
            findings.append(
                Finding(
                    package=name,
                    version=str(dependency.get("version", "?")),
                    id=str(vuln.get("id", "?")),
                    fixed_in=tuple(str(v) for v in vuln.get("fix_versions") or []),
                    aliases=tuple(str(a) for a in vuln.get("aliases") or []),
                )
            )
    if findings:
        return Verdict(Outcome.VULNERABLE, findings, audited, skipped)
    if audited == 0 and skipped:
        # Every package "not found": the service did not answer for any of them.
        return Verdict(Outcome.UNREACHABLE, [], 0, skipped, "no package could be audited")
    if returncode != 0:
        return Verdict(Outcome.ERROR, [], audited, skipped, _tail(stderr))
    return Verdict(Outcome.CLEAN, [], audited, skipped)


def ignored_ids(path: Path) -> list[str]:
    """The vulnerability IDs of the ignore file (one a line, `#` starts a comment)."""
    if not path.exists():
        return []
    ids = []
    for line in path.read_text(encoding="utf-8").splitlines():
        entry = line.split("#", 1)[0].strip()
        if entry:
            ids.append(entry)
    return ids


def command(locks: Sequence[str], ignore: Sequence[str], osv_url: str | None = None) -> list[str]:
    """pip-audit on the hashed locks themselves: nothing is installed or resolved. PyPI's
    advisories by default, or an OSV server's."""
    args = [sys.executable, "-m", "pip_audit", "--format", "json", "--progress-spinner", "off"]
    args += ["--disable-pip", "--timeout", str(TIMEOUT_SECONDS)]
    if osv_url is not None:
        args += ["--vulnerability-service", "osv", "--osv-url", osv_url]
    for lock in locks:
        args += ["--requirement", lock]
    for vuln in ignore:
        args += ["--ignore-vuln", vuln]
    return args


def run(locks: Sequence[str], ignore: Sequence[str], osv_url: str | None = None) -> Verdict:
    try:
        done = subprocess.run(
            command(locks, ignore, osv_url),
            capture_output=True,
            text=True,
            timeout=OVERALL_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return Verdict(Outcome.UNREACHABLE, detail=f"no answer in {OVERALL_SECONDS} s")
    return classify(done.returncode, done.stdout, done.stderr)


def explain(verdict: Verdict) -> str:
    """What to print for the person reading the CI log."""
    if verdict.outcome is Outcome.VULNERABLE:
        lines = [f"audit: {len(verdict.findings)} known vulnerabilities in the locked versions:"]
        for finding in verdict.findings:
            fixed = ", ".join(finding.fixed_in) or "no fixed release yet"
            aliases = f" ({', '.join(finding.aliases)})" if finding.aliases else ""
            lines.append(
                f"  {finding.package} {finding.version}: {finding.id}{aliases}; fixed in {fixed}"
            )
        lines.append(
            "Raise the pin (pyproject.toml if needed, then `make lock UPGRADE=1`), or list the "
            f"ID in {IGNORE_FILE} with the reason it does not apply."
        )
        return "\n".join(lines)
    if verdict.outcome is Outcome.UNREACHABLE:
        return (
            "audit: WARNING: the advisory service could not be reached; dependencies NOT "
            f"audited ({verdict.detail.strip() or 'no detail'})"
        )
    if verdict.outcome is Outcome.ERROR:
        return f"audit: pip-audit failed: {verdict.detail.strip() or 'no detail'}"
    text = f"audit: no known vulnerabilities in {verdict.audited} locked packages"
    if verdict.skipped:
        text += f"; not audited: {'; '.join(verdict.skipped)}"
    return text


def exit_code(verdict: Verdict, *, require_service: bool) -> int:
    if verdict.outcome is Outcome.UNREACHABLE:
        return int(Outcome.UNREACHABLE.value) if require_service else 0
    return int(verdict.outcome.value)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.audit", description=__doc__)
    parser.add_argument("locks", nargs="+", help="hashed requirement files to audit")
    parser.add_argument(
        "--require-service",
        action="store_true",
        help="fail (exit 3) when the advisory service cannot be reached",
    )
    parser.add_argument("--osv-url", help="ask this OSV server (…/v1/query) instead of PyPI")
    args = parser.parse_args(argv)
    verdict = run(args.locks, ignored_ids(IGNORE_FILE), args.osv_url)
    print(explain(verdict), file=sys.stderr if verdict.outcome is not Outcome.CLEAN else sys.stdout)
    return exit_code(verdict, require_service=args.require_service)


if __name__ == "__main__":
    sys.exit(main())
