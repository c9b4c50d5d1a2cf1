"""`orchestrator`: the command-line client for ops staff.

Reads the service URL and key from --url/--api-key, ORCHESTRATOR_URL/ORCHESTRATOR_API_KEY, or
~/.config/ops-orchestrator/config.toml (`url = "..."`, `api_key = "..."`). The global options
(--url, --api-key, --json, --timeout) go before or after the command. Exit codes: 0 success,
1 error (connection, HTTP, bad key, a followed run that did not complete), 2 bad usage (nothing
was run), 3 the run found something critical, 130 interrupted."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import httpx

from app.cli.client import call, connect, error_message, service
from app.cli.errors import EXIT_CRITICAL, EXIT_ERROR, EXIT_INTERRUPTED, EXIT_OK, CliError, UsageError
from app.cli.inputs import INPUT_HELP, coerce_inputs, group_inputs, parse_json
from app.cli.output import Output

Handler = Callable[[argparse.Namespace, Output], int]
RUN_COLUMNS = ["EXECUTION", "KIND", "STATUS", "AGENTS", "CREATED", "TASK"]


def _findings_exit(results: list[dict[str, Any]]) -> int:
    critical = any(f.get("severity") == "critical" for r in results for f in r.get("findings", []))
    return EXIT_CRITICAL if critical else EXIT_OK


def cmd_ask(args: argparse.Namespace, out: Output) -> int:
    context = parse_json("--context", args.context, dict) if args.context else {}
    body: dict[str, Any] = {"task": args.task, "context": context}
    if args.agent:
        body["agent_id"] = args.agent
    with connect(args) as client:
        run = call(client, "POST", "/api/v1/orchestrate", json=body)
    if out.as_json:
        out.json(run)
    else:
        print(run["summary"])
        print()
        out.results(run["results"])
        print(f"\nexecution {run['execution_id']} ({run['status']}); routing: {run['routing']['reason']}")
    return _findings_exit(run["results"])


def cmd_agents(args: argparse.Namespace, out: Output) -> int:
    with connect(args) as client:
        agents = call(client, "GET", "/api/v1/agents")["agents"]
    if out.as_json:
        out.json(agents)
    else:
        out.table(
            [[a["id"], a["version"], ", ".join(a["capabilities"])] for a in agents],
            ["AGENT", "VERSION", "CAPABILITIES"],
        )
    return EXIT_OK


def cmd_workflows(args: argparse.Namespace, out: Output) -> int:
    with connect(args) as client:
        if args.action == "list":
            flows = call(client, "GET", "/api/v1/workflows")["workflows"]
            if out.as_json:
                out.json(flows)
            else:
                out.table(
                    [[w["id"], _input_types(w["inputs"]), w["name"]] for w in flows],
                    ["WORKFLOW", "INPUTS", "NAME"],
                )
            return EXIT_OK
        if not args.workflow_id:
            raise UsageError("workflows run needs a workflow id (`workflows list` shows them)")
        given = group_inputs(args.input or [])
        definition = call(client, "GET", f"/api/v1/workflows/{quote(args.workflow_id, safe='')}")
        types = {name: spec.get("type", "string") for name, spec in definition.get("inputs", {}).items()}
        body = {"workflow_id": args.workflow_id, "input_data": coerce_inputs(given, types)}
        record = call(client, "POST", "/api/v1/workflows", json={**body, "wait": not args.no_wait})
    if args.no_wait:
        out.json(record)
        return EXIT_OK
    if out.as_json:
        out.json(record)
        return _findings_exit(record["results"])
    print(f"{record['summary']}\n")
    out.results(record["results"])
    print(f"\nexecution {record['execution_id']} ({record['status']})")
    return _findings_exit(record["results"])


def _input_types(inputs: dict[str, Any]) -> str:
    return ", ".join(f"{name}:{(spec or {}).get('type', 'string')}" for name, spec in inputs.items())


def cmd_runs(args: argparse.Namespace, out: Output) -> int:
    with connect(args) as client:
        if args.action == "list":
            params = {"limit": args.limit, **({"status": args.status} if args.status else {})}
            runs = call(client, "GET", "/api/v1/executions", params=params)["executions"]
            if out.as_json:
                out.json(runs)
            else:
                out.table([_run_row(r) for r in runs], RUN_COLUMNS, fit_last=True)
            return EXIT_OK
        if not args.execution_id:
            raise UsageError(f"runs {args.action} needs an execution id (`runs list` shows them)")
        if args.action == "show":
            record = call(client, "GET", f"/api/v1/executions/{quote(args.execution_id, safe='')}")
            if out.as_json:
                out.json(record)
            else:
                print(f"{record['kind']} {record['execution_id']}: {record['status']}")
                print(f"{record['summary'] or ''}\n")
                out.results(record["results"])
            return _findings_exit(record["results"])
        return _follow(client, args.execution_id, out)


def _run_row(run: dict[str, Any]) -> list[str]:
    """A row of `runs list`: the task a person typed, or the workflow's name (or id)."""
    task = run.get("task") or run.get("workflow_id") or ""
    return [
        run["execution_id"],
        run["kind"],
        run["status"],
        ",".join(run["agents"]),
        run["created_at"][:19],
        task,
    ]


def _follow(client: httpx.Client, execution_id: str, out: Output) -> int:
    status = "unknown"
    path = f"/api/v1/executions/{quote(execution_id, safe='')}/events"
    try:
        with client.stream("GET", path, timeout=None) as response:
            if response.status_code >= 400:
                response.read()
                raise CliError(error_message(response))
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
    except (ValueError, KeyError, TypeError, AttributeError):
        raise CliError("the event stream carried an event this client cannot read") from None
    return EXIT_OK if status in ("completed", "partial") else EXIT_ERROR


def cmd_mcp(args: argparse.Namespace, out: Output) -> int:
    """Proxy MCP between stdio and the service's /mcp, with the key from this client's settings."""
    import anyio

    from app.mcp.proxy import proxy

    with connect(args) as client:  # a wrong key or URL is told here, once, not per message
        call(client, "GET", "/api/v1/me")
    anyio.run(proxy, *service(args))
    return EXIT_OK


def cmd_serve(args: argparse.Namespace, out: Output) -> int:
    import uvicorn

    uvicorn.run(
        "app.main:app",
        host=args.host,
        port=args.port,
        workers=args.workers,
        proxy_headers=False,  # X-Forwarded-For is believed from TRUSTED_PROXIES only, by the app
        access_log=False,
    )
    return EXIT_OK


def _global_options(parser: argparse.ArgumentParser, root: bool) -> None:
    """The options every command takes, before or after its name. Only the root has defaults: a
    command's copy sets a value only when given after the command, never undoing one given before."""

    def default(value: object) -> object:
        return value if root else argparse.SUPPRESS

    group = parser.add_argument_group("global options (before or after the command)")
    group.add_argument(
        "--url",
        default=default(None),
        help="service URL (default: ORCHESTRATOR_URL, the config file or http://127.0.0.1:8000)",
    )
    group.add_argument(
        "--api-key", default=default(None), help="API key (default: ORCHESTRATOR_API_KEY or the config file)"
    )
    group.add_argument("--json", action="store_true", default=default(False), help="machine-readable output")
    group.add_argument(
        "--timeout", type=float, default=default(120.0), help="seconds to wait for the service (default: 120)"
    )


def parser() -> argparse.ArgumentParser:
    raw = argparse.RawDescriptionHelpFormatter
    root = argparse.ArgumentParser(prog="orchestrator", description=__doc__, formatter_class=raw)
    _global_options(root, root=True)
    commands = root.add_subparsers(dest="command", required=True)

    def command(name: str, handler: Handler, summary: str, **kwargs: Any) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=summary, description=summary, formatter_class=raw, **kwargs)
        _global_options(sub, root=False)
        sub.set_defaults(handler=handler)
        return sub

    ask = command("ask", cmd_ask, "run a task, e.g. ask 'check connectivity to db01 on 5432'")
    ask.add_argument("task")
    ask.add_argument("--agent", help="skip routing: run this agent")
    ask.add_argument(
        "--context", help="""context as a JSON object, e.g. '{"hostname": "db01", "port": 5432}'"""
    )
    command("agents", cmd_agents, "list the agents")
    flows = command("workflows", cmd_workflows, "list or run workflows", epilog=INPUT_HELP)
    flows.add_argument("action", choices=["list", "run"])
    flows.add_argument("workflow_id", nargs="?")
    flows.add_argument(
        "--input", action="append", metavar="KEY=VALUE", help="a workflow input (repeatable; see below)"
    )
    flows.add_argument("--no-wait", action="store_true", help="start in the background and print the id")
    runs = command("runs", cmd_runs, "history: list, show or follow runs")
    runs.add_argument("action", choices=["list", "show", "follow"])
    runs.add_argument("execution_id", nargs="?")
    runs.add_argument("--status")
    runs.add_argument("--limit", type=int, default=20)
    command(
        "mcp",
        cmd_mcp,
        "serve MCP on stdio for a desktop assistant, proxied to the service's /mcp with this key",
    )
    serve = command("serve", cmd_serve, "start the API (uvicorn)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    return root


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    out = Output(args.json)
    try:
        code: int = args.handler(args, out)
    except CliError as exc:
        print(f"orchestrator: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("orchestrator: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # `orchestrator runs list | head`: the reader left; say nothing more
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_ERROR
    return code
