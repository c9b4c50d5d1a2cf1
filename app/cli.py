"""`orchestrator`: the command-line client for ops staff.

Reads the service URL and key from --url/--api-key, ORCHESTRATOR_URL/ORCHESTRATOR_API_KEY, or
~/.config/ops-orchestrator/config.toml (`url = "..."`, `api_key = "..."`). Exit codes: 0 success,
1 error (connection, HTTP, bad key), 2 bad usage, 3 the run found something critical."""

from __future__ import annotations

import argparse
import json
import os
import sys
import tomllib
from pathlib import Path
from typing import Any

import httpx

EXIT_OK, EXIT_ERROR, EXIT_CRITICAL = 0, 1, 3
CONFIG_FILE = Path("~/.config/ops-orchestrator/config.toml").expanduser()
_COLOURS = {
    "critical": "\033[31m",
    "warning": "\033[33m",
    "info": "\033[32m",
    "bold": "\033[1m",
    "end": "\033[0m",
}


class CliError(Exception):
    pass


class Output:
    def __init__(self, as_json: bool) -> None:
        self.as_json = as_json
        self.colour = sys.stdout.isatty() and not os.environ.get("NO_COLOR") and not as_json

    def paint(self, text: str, style: str) -> str:
        return f"{_COLOURS[style]}{text}{_COLOURS['end']}" if self.colour and style in _COLOURS else text

    def json(self, data: Any) -> None:
        print(json.dumps(data, indent=2, default=str))

    def table(self, rows: list[list[str]], header: list[str]) -> None:
        widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
        print(self.paint("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)), "bold"))
        for row in rows:
            print("  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)))


def _settings(args: argparse.Namespace) -> tuple[str, str | None]:
    config: dict[str, Any] = {}
    if CONFIG_FILE.is_file():
        config = tomllib.loads(CONFIG_FILE.read_text(encoding="utf-8"))
    url = args.url or os.environ.get("ORCHESTRATOR_URL") or config.get("url") or "http://127.0.0.1:8000"
    key = args.api_key or os.environ.get("ORCHESTRATOR_API_KEY") or config.get("api_key")
    return str(url).rstrip("/"), key


def _client(args: argparse.Namespace) -> httpx.Client:
    url, key = _settings(args)
    headers = {"X-API-Key": key} if key else {}
    return httpx.Client(base_url=url, headers=headers, timeout=args.timeout)


def _call(client: httpx.Client, method: str, path: str, **kwargs: Any) -> Any:
    try:
        response = client.request(method, path, **kwargs)
    except httpx.HTTPError as exc:
        raise CliError(f"cannot reach {client.base_url}: {exc}") from None
    if response.status_code >= 400:
        try:
            error = response.json()["error"]
            raise CliError(f"{response.status_code} {error['code']}: {error['message']}")
        except (ValueError, KeyError, TypeError):
            raise CliError(f"HTTP {response.status_code}: {response.text[:200]}") from None
    return response.json()


def _findings_exit(results: list[dict[str, Any]]) -> int:
    critical = any(f.get("severity") == "critical" for r in results for f in r.get("findings", []))
    return EXIT_CRITICAL if critical else EXIT_OK


def _print_results(out: Output, results: list[dict[str, Any]]) -> None:
    for result in results:
        print(out.paint(f"{result.get('agent_id') or result.get('step')} ({result.get('status')})", "bold"))
        for finding in result.get("findings", []):
            severity = finding.get("severity", "info")
            print(f"  {out.paint(severity.upper().ljust(8), severity)} {finding.get('message')}")


def cmd_ask(args: argparse.Namespace, out: Output) -> int:
    body: dict[str, Any] = {"task": args.task, "context": json.loads(args.context) if args.context else {}}
    if args.agent:
        body["agent_id"] = args.agent
    with _client(args) as client:
        run = _call(client, "POST", "/api/v1/orchestrate", json=body)
    if out.as_json:
        out.json(run)
    else:
        print(run["summary"])
        print()
        _print_results(out, run["results"])
        print(f"\nexecution {run['execution_id']} ({run['status']}); routing: {run['routing']['reason']}")
    return _findings_exit(run["results"])


def cmd_agents(args: argparse.Namespace, out: Output) -> int:
    with _client(args) as client:
        agents = _call(client, "GET", "/api/v1/agents")["agents"]
    if out.as_json:
        out.json(agents)
    else:
        out.table(
            [[a["id"], a["version"], ", ".join(a["capabilities"])] for a in agents],
            ["AGENT", "VERSION", "CAPABILITIES"],
        )
    return EXIT_OK


def cmd_workflows(args: argparse.Namespace, out: Output) -> int:
    with _client(args) as client:
        if args.action == "list":
            flows = _call(client, "GET", "/api/v1/workflows")["workflows"]
            if out.as_json:
                out.json(flows)
            else:
                out.table(
                    [[w["id"], ", ".join(w["inputs"]), w["name"]] for w in flows],
                    ["WORKFLOW", "INPUTS", "NAME"],
                )
            return EXIT_OK
        if not args.workflow_id:
            raise CliError("workflows run needs a workflow id")
        inputs = dict(_pair(item) for item in args.input or [])
        record = _call(
            client,
            "POST",
            "/api/v1/workflows",
            json={"workflow_id": args.workflow_id, "input_data": inputs, "wait": not args.no_wait},
        )
    if args.no_wait:
        out.json(record)
        return EXIT_OK
    if out.as_json:
        out.json(record)
        return _findings_exit(record["results"])
    print(f"{record['summary']}\n")
    _print_results(out, record["results"])
    print(f"\nexecution {record['execution_id']} ({record['status']})")
    return _findings_exit(record["results"])


def _pair(item: str) -> tuple[str, Any]:
    key, sep, value = item.partition("=")
    if not sep:
        raise CliError(f"--input takes key=value, not {item!r}")
    try:
        return key, json.loads(value)
    except json.JSONDecodeError:
        return key, value


def cmd_runs(args: argparse.Namespace, out: Output) -> int:
    with _client(args) as client:
        if args.action == "list":
            params = {"limit": args.limit, **({"status": args.status} if args.status else {})}
            runs = _call(client, "GET", "/api/v1/executions", params=params)["executions"]
            if out.as_json:
                out.json(runs)
            else:
                out.table(
                    [
                        [
                            r["execution_id"],
                            r["kind"],
                            r["status"],
                            ",".join(r["agents"]),
                            r["created_at"][:19],
                        ]
                        for r in runs
                    ],
                    ["EXECUTION", "KIND", "STATUS", "AGENTS", "CREATED"],
                )
            return EXIT_OK
        if not args.execution_id:
            raise CliError(f"runs {args.action} needs an execution id")
        if args.action == "show":
            record = _call(client, "GET", f"/api/v1/executions/{args.execution_id}")
            if out.as_json:
                out.json(record)
            else:
                print(f"{record['kind']} {record['execution_id']}: {record['status']}")
                print(f"{record['summary'] or ''}\n")
                _print_results(out, record["results"])
            return _findings_exit(record["results"])
        return _follow(client, args.execution_id, out)


def _follow(client: httpx.Client, execution_id: str, out: Output) -> int:
    status = "unknown"
    try:
        with client.stream("GET", f"/api/v1/executions/{execution_id}/events", timeout=None) as response:
            if response.status_code >= 400:
                response.read()
                raise CliError(f"{response.status_code}: {response.text[:200]}")
            for line in response.iter_lines():
                if not line.startswith("data:"):
                    continue
                event = json.loads(line[5:])
                if out.as_json:
                    print(json.dumps(event))
                else:
                    data = event.get("data") or {}
                    detail = data.get("step") or data.get("agent_id") or data.get("status") or ""
                    print(f"{event['seq']:>4} {event['type']:<20} {detail}")
                if event["type"] == "execution_finished":
                    status = (event.get("data") or {}).get("status", "unknown")
                    break
    except httpx.HTTPError as exc:
        raise CliError(f"lost the event stream: {exc}") from None
    return EXIT_OK if status in ("completed", "partial") else EXIT_ERROR


def cmd_serve(args: argparse.Namespace, out: Output) -> int:
    import uvicorn

    uvicorn.run(
        "app.main:app",
        host=args.host,
        port=args.port,
        workers=args.workers,
        proxy_headers=True,
        access_log=False,
    )
    return EXIT_OK


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(
        prog="orchestrator", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    root.add_argument("--url", help="service URL (default: ORCHESTRATOR_URL or http://127.0.0.1:8000)")
    root.add_argument("--api-key", help="API key (default: ORCHESTRATOR_API_KEY)")
    root.add_argument("--json", action="store_true", help="machine-readable output")
    root.add_argument("--timeout", type=float, default=120.0, help="seconds to wait for the service")
    commands = root.add_subparsers(dest="command", required=True)
    ask = commands.add_parser("ask", help="run a task, e.g. ask 'check connectivity to db01 on 5432'")
    ask.add_argument("task")
    ask.add_argument("--agent", help="skip routing: run this agent")
    ask.add_argument("--context", help="context as a JSON object")
    commands.add_parser("agents", help="list the agents")
    flows = commands.add_parser("workflows", help="list or run workflows")
    flows.add_argument("action", choices=["list", "run"])
    flows.add_argument("workflow_id", nargs="?")
    flows.add_argument("--input", action="append", metavar="KEY=VALUE", help="input_data entry (repeatable)")
    flows.add_argument("--no-wait", action="store_true", help="start in the background and print the id")
    runs = commands.add_parser("runs", help="history: list, show or follow runs")
    runs.add_argument("action", choices=["list", "show", "follow"])
    runs.add_argument("execution_id", nargs="?")
    runs.add_argument("--status")
    runs.add_argument("--limit", type=int, default=20)
    serve = commands.add_parser("serve", help="start the API (uvicorn)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    return root


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    out = Output(args.json)
    handlers = {
        "ask": cmd_ask,
        "agents": cmd_agents,
        "workflows": cmd_workflows,
        "runs": cmd_runs,
        "serve": cmd_serve,
    }
    try:
        return handlers[args.command](args, out)
    except CliError as exc:
        print(f"orchestrator: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except json.JSONDecodeError as exc:
        print(f"orchestrator: --context is not valid JSON: {exc}", file=sys.stderr)
        return EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())
