"""Golden-case score: does each agent's top finding say what a senior engineer would say?

    .venv/bin/python -m bench.diagnosis                    # every batch
    .venv/bin/python -m bench.diagnosis --batch cases5.yaml  # one batch (a first measurement)
    .venv/bin/python -m bench.diagnosis --failures         # why seen cases fail; ids of unseen ones

Runs each case of tests/golden/cases*.yaml through the real app (ASGI, embedded defaults, targets
limited to loopback): one app answers every case but those served over TLS with a trusted
certificate, which go to an app trusting that certificate's CA (one per kind of certificate); the
servers the network cases ask for are started on 127.0.0.1. A case
passes when its top finding has an allowed severity and one of the expected phrases, and no
forbidden phrase appears in any finding or the summary. Cases listed under `seen` in
tests/golden/seen.yaml were looked at while tuning: reported, never counted.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import socket
import sys
import tempfile
from collections.abc import AsyncIterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import yaml
from asgi_lifespan import LifespanManager

from app.main import create_app
from app.settings import Settings
from tests.loopback_servers import Certificates, make_certificates, server_context, server_port, start_http

GOLDEN = Path(__file__).resolve().parent.parent / "tests" / "golden"
KEY = "golden-bench-key"
SERVED_AT_ONCE = 8  # network cases in flight at once in one process


@dataclass
class Outcome:
    case_id: str
    agent: str
    passed: bool
    problems: list[str] = field(default_factory=list)


def batches() -> list[str]:
    """The case files in the order they were written: cases.yaml, cases2.yaml, ..."""
    return sorted((p.name for p in GOLDEN.glob("cases*.yaml")), key=lambda n: (len(n), n))


def load_cases(names: list[str] | None = None) -> tuple[list[dict[str, Any]], set[str]]:
    """The cases of the named batches (every batch by default), and the ids looked at while tuning."""
    cases = [
        case for name in names or batches() for case in yaml.safe_load((GOLDEN / name).read_text()) or []
    ]
    seen_file = GOLDEN / "seen.yaml"
    seen = set(yaml.safe_load(seen_file.read_text()) or []) if seen_file.exists() else set()
    return cases, seen


_MADE: dict[Path, Certificates] = {}  # certificates made in this process, by folder


def certificates(spec: dict[str, Any] | None, folder: Path) -> tuple[Certificates | None, Path | None]:
    """The certificates a TLS case's server presents (made once per kind in `folder`, shared by the
    cases that ask for that kind), and the CA file the app must trust for it (None: none)."""
    if not spec or spec.get("kind") != "tls":
        return None, None
    cert = spec.get("cert", "valid")
    days = {"expired": -1}.get(cert, int(spec.get("days", 90)))
    where = folder / f"certs-{cert}-{days}"
    if where not in _MADE:
        where.mkdir()
        names = ("other.example.net",) if cert == "wrong_name" else ("localhost",)
        _MADE[where] = make_certificates(where, days_valid=days, names=names, ip_san=cert != "wrong_name")
    return _MADE[where], None if cert == "unknown_ca" else _MADE[where].ca_file


def case_context(case: dict[str, Any]) -> dict[str, Any]:
    """A case's context, the files it names read in (`context_files`: key -> a file here)."""
    context = dict(case.get("context") or {})
    for key, relative in (case.get("context_files") or {}).items():
        context[key] = (GOLDEN / relative).read_text()
    return context


@asynccontextmanager
async def served(spec: dict[str, Any] | None, folder: Path) -> AsyncIterator[tuple[int | None, Path | None]]:
    """The loopback server a network case asks for; yields its port (or a closed one) and the CA
    file the app must trust for it."""
    if not spec:
        yield None, None
        return
    if spec.get("kind") == "closed":
        # Bound but not listening: connections are refused, and no other socket can take the port
        # while the case runs (a port closed before the probe was once reused in between).
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as holder:
            holder.bind(("127.0.0.1", 0))
            yield holder.getsockname()[1], None
        return
    certs, trusted = certificates(spec, folder)
    status = int(spec.get("status", 200))
    server = await start_http(certs and server_context(certs), routes=lambda path: (status, "Status", {}))
    try:
        yield server_port(server), trusted
    finally:
        server.close()
        await server.wait_closed()


def _substitute(value: Any, port: int | None) -> Any:
    if isinstance(value, str) and port is not None and "$PORT" in value:
        return port if value == "$PORT" else value.replace("$PORT", str(port))
    if isinstance(value, dict):
        return {k: _substitute(v, port) for k, v in value.items()}
    if isinstance(value, list):
        return [_substitute(v, port) for v in value]
    return value


def _mask(value: Any, port: str) -> Any:
    """`value` with the port number written as `$PORT` in its strings (numbers are left alone)."""
    if isinstance(value, str):
        return value.replace(port, "$PORT")
    if isinstance(value, dict):
        return {k: _mask(v, port) for k, v in value.items()}
    if isinstance(value, list):
        return [_mask(v, port) for v in value]
    return value


def judge(case: dict[str, Any], body: dict[str, Any], port: int | None = None) -> list[str]:
    """What is wrong with an answer. The served port is masked first: a random port such as 45031
    would otherwise show a forbidden "503" or supply an expected one (three CI runs failed on it)."""
    if port is not None:
        body = _mask(body, str(port))
        case = {**case, "task": _mask(case["task"], str(port))}
    problems: list[str] = []
    results = body.get("results") or []
    if not results:
        return [f"no result: {json.dumps(body.get('error') or body)[:200]}"]
    result = results[0]
    findings = result.get("findings") or []
    expect = case.get("expect_top") or {}
    if not findings:
        return ["no findings"]
    top = findings[0]
    allowed = expect.get("severity") or ["info", "warning", "critical"]
    if top["severity"] not in allowed:
        problems.append(f"top severity {top['severity']} not in {allowed}")
    phrases = [p.lower() for p in expect.get("any_of") or []]
    where = top["message"]
    if expect.get("where") == "top_or_summary":
        # The summary counts too, less any echo of the question itself.
        where += " " + (result.get("summary") or "").replace(case["task"], "")
    if phrases and not any(p in where.lower() for p in phrases):
        problems.append("top finding has none of the expected phrases")
    text = " ".join([result.get("summary") or "", *(f["message"] for f in findings)]).lower()
    for forbidden in case.get("must_not") or []:
        if str(forbidden).lower() in text:
            problems.append(f"forbidden item shown: {forbidden!r}")
    return problems


class Apps:
    """The apps that answer the cases, kept to the end of the run: one trusting no CA (every case
    but TLS ones with a trusted certificate), one per CA file."""

    def __init__(self, folder: Path, stack: AsyncExitStack) -> None:
        self._folder, self._stack = folder, stack
        self._clients: dict[Path | None, httpx.AsyncClient] = {}

    async def start(self, trusted_ca: Path | None) -> None:
        """Starts the app trusting `trusted_ca` if it is not running, in the task that will stop it
        (an app's lifespan may not be entered in one task and left in another)."""
        if trusted_ca not in self._clients:
            app = app_client(self._folder / f"golden-{len(self._clients)}.db", trusted_ca)
            self._clients[trusted_ca] = await self._stack.enter_async_context(app)

    def client(self, trusted_ca: Path | None) -> httpx.AsyncClient:
        return self._clients[trusted_ca]


async def run_case(case: dict[str, Any], folder: Path, apps: Apps) -> Outcome:
    """One case through the app that trusts what its server was given (see `Apps`)."""
    context = case_context(case)
    async with served(case.get("serve"), folder) as (port, trusted):
        task = str(_substitute(case["task"], port))  # the README: $PORT everywhere, task included
        body = {"task": task, "agent_id": case["agent"], "context": _substitute(context, port)}
        response = await _ask(apps.client(trusted), body)
    problems = judge({**case, "task": task}, response.json(), port)
    return Outcome(case["id"], case["agent"], not problems, problems)


@asynccontextmanager
async def app_client(database: Path, trusted_ca: Path | None = None) -> AsyncIterator[httpx.AsyncClient]:
    """The app on its embedded defaults, targets limited to loopback, started once for its client."""
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        api_keys=[f"bench:{KEY}"],
        database_url=f"sqlite+aiosqlite:///{database}",
        network_allow_targets=["127.0.0.0/8", "localhost"],
        network_default_policy="deny",  # nothing beyond this machine, whatever a case names
        tls_ca_file=str(trusted_ca) if trusted_ca else None,
        log_level="ERROR",
        agent_plugins_enabled=False,
        rate_limit="100000000/minute",  # hundreds of cases through one app
    )
    app = create_app(settings)
    async with LifespanManager(app) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://golden") as client:
            yield client


async def _ask(client: httpx.AsyncClient, body: dict[str, Any]) -> httpx.Response:
    return await client.post("/api/v1/orchestrate", headers={"X-API-Key": KEY}, json=body, timeout=60)


async def run_all(
    names: list[str] | None = None, unseen_only: bool = False
) -> tuple[list[Outcome], set[str]]:
    """Every case of the named batches (or only those never looked at), through a few apps kept
    for the whole run (starting an app per case cost most of the run's time). The cases that serve
    something go first, several at a time: they mostly wait (a ping's interval, a handshake), and
    no CPU-bound case runs beside them to slow their answers down."""
    cases, seen = load_cases(names)
    cases = [case for case in cases if not (unseen_only and case["id"] in seen)]
    gate = asyncio.Semaphore(SERVED_AT_ONCE)
    with tempfile.TemporaryDirectory() as tmp:
        async with AsyncExitStack() as stack:
            apps = Apps(Path(tmp), stack)

            async def run_served(case: dict[str, Any]) -> Outcome:
                async with gate:
                    return await run_case(case, Path(tmp), apps)

            served_cases = [case for case in cases if case.get("serve")]
            for case in [{}, *served_cases]:
                await apps.start(certificates(case.get("serve"), Path(tmp))[1])
            outcomes = list(await asyncio.gather(*map(run_served, served_cases)))
            for case in cases:
                if not case.get("serve"):
                    outcomes.append(await run_case(case, Path(tmp), apps))
    order = {case["id"]: i for i, case in enumerate(cases)}
    return sorted(outcomes, key=lambda o: order[o.case_id]), seen


def _run_part(names: list[str], unseen_only: bool) -> tuple[list[Outcome], set[str]]:
    return asyncio.run(run_all(names, unseen_only))


def run_all_in_processes(
    names: list[str] | None = None, unseen_only: bool = False
) -> tuple[list[Outcome], set[str]]:
    """`run_all` with the batches shared out over one process per core (the cases are independent
    and CPU-bound), outcomes in the order of the cases."""
    names = names or batches()
    workers = max(1, min(len(names), os.cpu_count() or 1))
    if workers == 1:
        return _run_part(names, unseen_only)
    # Batches to the least loaded process, heaviest first, weighed by what their cases cost: a
    # log case is analysed, a network case mostly waits (several run at once), a manifest is quick.
    cost = {"network_diagnostics": 0.8, "log_analysis": 1.0, "infrastructure": 0.2}
    per_batch = {name: load_cases([name])[0] for name in names}
    weight = {name: sum(cost.get(c["agent"], 1.0) for c in cases) for name, cases in per_batch.items()}
    parts: list[list[str]] = [[] for _ in range(workers)]
    for name in sorted(names, key=lambda n: -weight[n]):
        min(parts, key=lambda part: sum(weight[n] for n in part)).append(name)
    # spawn: a forked child would inherit the parent's event loop, threads and open connections
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        results = list(pool.map(_run_part, parts, [unseen_only] * workers))
    order = {case["id"]: i for i, case in enumerate(c for name in names for c in per_batch[name])}
    outcomes = sorted((o for part, _ in results for o in part), key=lambda o: order[o.case_id])
    seen = results[0][1]
    return outcomes, seen


def score(show_failures: bool, names: list[str] | None = None) -> int:
    outcomes, seen = run_all_in_processes(names)
    counted = [o for o in outcomes if o.case_id not in seen]
    passed = sum(o.passed for o in counted)
    print(f"golden cases: {len(outcomes)} ({len(seen)} seen while tuning, not counted)")
    print(
        f"top-finding agreement with nothing forbidden shown: {passed}/{len(counted)} = {passed / max(len(counted), 1):.1%}"
    )
    for agent in sorted({o.agent for o in counted}):
        mine = [o for o in counted if o.agent == agent]
        print(f"  {agent:22} {sum(o.passed for o in mine)}/{len(mine)}")
    forbidden = sum(1 for o in counted if any("forbidden" in p for p in o.problems))
    print(f"cases showing a forbidden item: {forbidden}")
    if show_failures:
        # Why an unseen case fails is not printed: reading it would make it seen.
        for outcome in outcomes:
            if not outcome.passed and outcome.case_id in seen:
                print(f"  FAIL {outcome.case_id} (seen): {'; '.join(outcome.problems)}")
        unseen = [o.case_id for o in outcomes if not o.passed and o.case_id not in seen]
        if unseen:
            print("  failing, not yet seen (add to seen.yaml before reading them):")
            print("".join(f"    - {case_id}\n" for case_id in unseen), end="")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--failures", action="store_true", help="why seen cases fail; ids of unseen ones")
    parser.add_argument(
        "--batch", action="append", choices=batches(), help="only this case file (repeatable)"
    )
    args = parser.parse_args()
    return score(args.failures, args.batch)


if __name__ == "__main__":
    sys.exit(main())
