"""The router against the phrasings the keyword router was built on (a regression set, not the
evaluation: that is tests/routing_eval/heldout.yaml, see test_routing_eval.py).

Each case names the agent a human would pick (or None). Cases for agents not registered in this
build expect no match, so the set stays valid as agents are added.
"""

from __future__ import annotations

import pytest

from app.container import build_registry, build_router
from app.errors import NoMatchingAgent
from app.orchestration.orchestrator import Orchestrator
from app.orchestration.router import SemanticRouter
from app.security.target_policy import TargetPolicy
from app.settings import Settings

NET = "network_diagnostics"
SYS = "system_monitoring"
LOG = "log_analysis"
INFRA = "infrastructure"

INVENTORY = {"inventory": {"services": [{"name": "api", "url": "https://api.example.com/health"}]}}
COMPOSE = "services:\n  db:\n    image: postgres\n    environment:\n      POSTGRES_PASSWORD: hunter2"
CASES: list[tuple[str, str | None] | tuple[str, str | None, dict[str, object]]] = [
    ("Check connectivity to example.com on port 443", NET),
    ("check connectivity to db01 on 5432", NET),
    ("Is https://status.example.org up?", NET),
    ("ping 10.0.0.5", NET),
    ("can you ping gateway01 for me", NET),
    ("Are ports 22, 80 and 443 open on 10.0.0.12?", NET),
    ("scan ports 8080 and 8443 on web-1.corp.example", NET),
    ("when does the TLS certificate of mail.example.net:993 expire?", NET),
    ("SSL cert expiry for api.example.com", NET),
    ("is the certificate on https://shop.example.com still valid", NET),
    ("DNS lookup of example.com including MX records", NET),
    ("what does api.internal.example resolve to?", NET),
    ("nslookup grafana.example.org", NET),
    ("Traceroute to 203.0.113.10", NET),
    ("show me the route and hops to 198.51.100.7", NET),
    ("why can't I reach 192.168.1.20?", NET),
    ("Is redis01.prod reachable on 6379", NET),
    ("users say the website https://www.example.com is down", NET),
    ("what HTTP status code does https://example.org/health return", NET),
    ("check latency to 8.8.8.8", NET),
    ("is there packet loss to vpn.example.com", NET),
    ("test tcp connection to kafka-2.example.net:9092", NET),
    ("is port 25 blocked by the firewall on smtp.example.com", NET),
    ("does example.com have a CNAME record", NET),
    ("diagnose network connectivity to 10.1.2.3", NET),
    ("the API endpoint https://api.example.com/v1 is timing out", NET),
    ("check if ldap.corp.example:636 is listening", NET),
    ("is postgres on db.example.internal:5432 accepting connections", NET),
    ("connectivity check for 2001:db8::1 port 443", NET),
    ("verify tls on 10.0.0.7:8443", NET),
    ("host unreachable: app02.example.com, please investigate", NET),
    ("check http://intranet.example.local/login", NET),
    ("resolve the name ci.example.dev", NET),
    ("How is the CPU and memory usage on this host right now?", SYS),
    ("sample system load for 10 seconds", SYS),
    ("which processes use the most memory?", SYS),
    ("is the disk full on this server", SYS),
    ("read the node exporter of db01 and tell me if it is overloaded", SYS),
    ("check memory on web03 via node_exporter", SYS),
    (
        "Find the errors in these logs:\n2024-05-01T10:00:00Z ERROR db timeout\n2024-05-01T10:00:01Z ERROR db timeout",
        LOG,
    ),
    ("analyse /var/log/nginx/error.log for spikes", LOG),
    ('what is the root cause of this stack trace?\nTraceback (most recent call last):\n  File "x.py"', LOG),
    (
        "audit this docker-compose file for risky settings:\nservices:\n  web:\n    image: nginx:latest\n    privileged: true",
        INFRA,
    ),
    ("check this kubernetes manifest for security issues:\napiVersion: v1\nkind: Pod", INFRA),
    ("verify our service inventory against reality", INFRA, INVENTORY),
    ("check for drift", INFRA, INVENTORY),
    ("audit this config", INFRA, {"config": COMPOSE}),
    (f"is anything risky in this compose file?\n{COMPOSE}", INFRA),
    (
        "kubernetes manifest review please:\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web",
        INFRA,
    ),
    ("how much RAM is free and is swap in use", SYS),
    ("show me the top processes by cpu", SYS),
    ("sample cpu and memory", SYS, {"duration": 5, "interval": 1}),
    ("why is this machine so slow, check cpu load", SYS),
    ("summarise these logs", LOG, {"logs": "2024-05-01T10:00:00Z ERROR boom"}),
    ("what happened in /var/log/syslog this morning", LOG),
    ("Traceback (most recent call last):\n  File \"a.py\", line 1\nKeyError: 'x'", LOG),
    (
        "find the exception in this output:\njava.lang.IllegalStateException: closed\n\tat a.B.c(B.java:1)",
        LOG,
    ),
    ("write me a poem about autumn", None),
    ("what's the weather in Paris tomorrow?", None),
    ("hello", None),
    ("tell me a joke", None),
    ("translate 'good morning' into Spanish", None),
    ("who won the football match yesterday", None),
    ("summarise the plot of Hamlet", None),
    ("what is 17 times 23", None),
    ("recommend a good book on gardening", None),
    ("how do I bake sourdough bread", None),
    ("thanks, that's all", None),
    ("convert 30 degrees celsius to fahrenheit", None),
]


def _router() -> SemanticRouter:
    settings = Settings(_env_file=None, agent_plugins_enabled=False)  # type: ignore[call-arg]
    return build_router(settings, build_registry(settings))


async def route_all() -> tuple[list[tuple[str, str | None, str | None]], float]:
    router = _router()
    orchestrator = Orchestrator(router.registry, router, TargetPolicy())
    outcomes = []
    for case in CASES:
        task, expected = case[0], case[1]
        context = case[2] if len(case) > 2 else {}  # type: ignore[misc]
        if expected is not None and expected not in router.registry:
            expected = None
        try:
            got: str | None = (await orchestrator.route_task(task, context)).agents[0]
        except NoMatchingAgent:
            got = None
        outcomes.append((task, expected, got))
    accuracy = sum(1 for _, e, g in outcomes if e == g) / len(outcomes)
    return outcomes, accuracy


async def test_router_gets_at_least_95_percent_of_the_regression_set_right(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert len(CASES) >= 40
    outcomes, accuracy = await route_all()
    misses = [(task, expected, got) for task, expected, got in outcomes if expected != got]
    with capsys.disabled():
        print(f"\nrouting accuracy: {accuracy:.1%} of {len(outcomes)} phrasings")
        for task, expected, got in misses:
            print(f"  miss: {task[:60]!r}: expected {expected}, got {got}")
    assert accuracy >= 0.95, misses


async def test_routing_reason_names_the_nearest_example_and_the_targets() -> None:
    decision = await _router().route("Check connectivity to example.com on port 443", {})
    assert decision.agents == [NET] and decision.strategy == "single"
    assert 0.5 <= decision.confidence <= 1
    assert "closest to the example" in decision.reason
    assert "example.com" in decision.reason and "443" in decision.reason


async def test_structured_context_routes_like_text() -> None:
    decision = await _router().route("check this", {"hostname": "db01", "port": 5432})
    assert decision.agents == [NET]


@pytest.mark.parametrize(
    ("task", "agents"),
    [
        ("why is the server slow", [SYS]),
        ("are we swapping?", [SYS]),
        ("check load average", [SYS]),
        ("check db01 port 5432", [NET]),
        ("is anything listening on localhost port 8080?", [NET]),
        ("can you check our TLS certificate?", [NET]),
        ("Analyse /var/log/nginx/error.log for spikes", [LOG]),
        ("check CPU here and whether db01:5432 is reachable", [NET, SYS]),
        ("restart nginx on web-3", []),
        ("write me a poem about autumn", []),
    ],
)
async def test_phrasings_from_the_issue_route_where_a_person_expects(task: str, agents: list[str]) -> None:
    assert sorted((await _router().route(task, {})).agents) == sorted(agents)


async def test_an_agent_without_examples_is_routed_by_its_card() -> None:
    from app.agents.base import AgentCard
    from app.agents.registry import AgentRegistry
    from app.orchestration.semantic import default_encoder
    from tests.orchestration.test_orchestrator import AnyInput

    class Certs:
        card = AgentCard(
            id="cert_inventory", name="Certificate inventory", version="1", input_model=AnyInput,
            description="Lists certificates stored in the vault and when each one expires",
            capabilities=("certificates",), keywords={"vault": 1.5, "certificate inventory": 1.5},
        )  # fmt: skip

        async def execute(self, task: str, context: object) -> object:
            raise AssertionError("routing only")

    registry = AgentRegistry()
    registry.register(Certs())
    router = SemanticRouter(registry, default_encoder())
    assert (await router.route("which certificates in the vault expire soon", {})).agents == [
        "cert_inventory"
    ]
    assert (await router.route("tell me a joke", {})).agents == []
