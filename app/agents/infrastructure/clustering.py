"""Checks of clustered software against the replicas it runs on (Kubernetes): consensus ensembles
of an even size, internal topics kept in one copy, ordered starts that wait for the whole
cluster, and sessions each replica keeps to itself."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from app.agents.base import Finding
from app.agents.infrastructure.audit_rules import rule_finding
from app.agents.infrastructure.container_checks import (
    as_list,
    as_mapping,
    command_line,
    command_words,
    image_name,
    text_of,
)
from app.agents.infrastructure.secret_scan import env_pairs

# Consensus systems whose members vote: an even count buys nothing.
_ENSEMBLES = {"zookeeper": "ZooKeeper", "etcd": "etcd", "consul": "Consul", "galera": "Galera"}
# Databases whose nodes must bootstrap into the ring one after another.
_RING_JOINERS = {"cassandra": "Cassandra", "scylla": "ScyllaDB"}
# Kafka's internal topics, as the Bitnami and Confluent images and server.properties name them.
_INTERNAL_TOPICS = re.compile(
    r"^(?:KAFKA_CFG_|KAFKA_)?(OFFSETS_TOPIC|TRANSACTION_STATE_LOG)_REPLICATION_FACTOR$", re.IGNORECASE
)
_TOPIC_NAMES = {"OFFSETS_TOPIC": "__consumer_offsets", "TRANSACTION_STATE_LOG": "__transaction_state"}
# A readiness check that waits for the whole cluster, not the local node.
_CLUSTER_READINESS = re.compile(r"_cluster/health\S*wait_for_status=(?:green|yellow)")


# Settings, in a mounted configuration, that keep state in each replica's memory.
_DEX_MEMORY = re.compile(r"^storage:\s*\n\s+type:\s*memory\b", re.MULTILINE)
_SINGLE_NODE = re.compile(r"discovery\.type[\"']?\s*[:=]\s*[\"']?single-node\b")
# Traces kept inside each pod: Jaeger's SPAN_STORAGE_TYPE=memory (or badger) or flag, Zipkin's mem.
_SPANS_IN_POD = re.compile(
    r"\bSPAN_STORAGE_TYPE=(?:memory|badger)\b|--span-storage\.type=(?:memory|badger)\b|"
    r"\bSTORAGE_TYPE=mem\b"  # Zipkin
)
_LOKI_FILESYSTEM = re.compile(r"object_store:\s*filesystem\b")
_QUARTZ_IN_MEMORY = re.compile(r"job-store-type:\s*memory\b|org\.quartz\.simpl\.RAMJobStore")

# A database in one SQLite file, said in a mounted configuration or the environment (Gitea's app.ini
# DB_TYPE = sqlite3, GITEA__database__DB_TYPE, DATABASE_URL=sqlite:///...), and images that only
# have SQLite.
_SQLITE = re.compile(
    r"\b(?:\w*__)?(?:DB_TYPE|DATABASE_TYPE|DB_ENGINE|DB_CONNECTION|DB_DRIVER|DATABASE_ENGINE)\s*[=:]\s*[\"']?"
    r"(?:django\.db\.backends\.)?sqlite3?\b|\b(?:DATABASE_URL|DB_URL)\s*=\s*[\"']?sqlite3?:",
    re.IGNORECASE,
)
# Servers whose data directory takes one writing process (an embedded LMDB or similar store).
_ONE_WRITER = {"meilisearch": "Meilisearch keeps its index in LMDB, which one process may write"}
_SERVER_DATABASE = re.compile(r"DB_TYPE\s*=\s*[\"']?(?:mariadb|mysql|postgres)", re.IGNORECASE)
_SQLITE_ONLY = {"uptime-kuma": "Uptime Kuma keeps everything in one SQLite file (kuma.db)"}


def clustering_findings(
    obj: dict[str, Any], name: str, pod: dict[str, Any], replicas: Any, configs: list[str] | None = None
) -> Iterator[Finding]:
    """`configs`: the text of the ConfigMaps the pod mounts."""
    if not isinstance(replicas, int) or replicas < 2:
        return
    containers = [c for c in map(as_mapping, as_list(pod.get("containers"))) if c]
    mounted = "\n".join(configs or [])
    yield from _state_per_replica(name, containers, replicas, mounted)
    yield from _one_writer_on_one_claim(name, pod, containers, replicas)
    for container in containers:
        yield from _container_findings(name, container, replicas)
    if obj.get("kind") == "StatefulSet":
        yield from _statefulset_start(name, as_mapping(obj.get("spec")), containers, replicas)


def _one_writer_on_one_claim(
    name: str, pod: dict[str, Any], containers: list[dict[str, Any]], replicas: int
) -> Iterator[Finding]:
    """Replicas of a server that takes one writing process, all mounting the same claim."""
    shared_claim = any("persistentVolumeClaim" in as_mapping(v) for v in as_list(pod.get("volumes")))
    for writer, what in _ONE_WRITER.items():
        if shared_claim and any(writer in image_name(c.get("image")) for c in containers):
            yield rule_finding(
                "single_instance_replicated",
                name,
                f"{what}, and its {replicas} replicas mount one claim: they write the same files (or wait on "
                "each other's lock), and the copies the Service spreads reads over are one",
            )


def _container_findings(name: str, container: dict[str, Any], replicas: int) -> Iterator[Finding]:
    """What one container's image, environment and command do wrong when it runs as several replicas."""
    image = image_name(container.get("image"))
    env = env_pairs(container.get("env"))
    product = next((label for key, label in _ENSEMBLES.items() if key in image), None)
    words = command_line(container.get("command"), container.get("args"))
    if "seaweedfs" in image and "master" in words:  # its masters elect a leader by Raft
        product = "SeaweedFS master (Raft)"
    if product and replicas % 2 == 0:
        yield rule_finding(
            "quorum_even_size",
            name,
            f"runs a {product} ensemble of {replicas} members: a quorum needs {replicas // 2 + 1}, so it "
            f"survives {replicas // 2 - 1} failure(s), no more than {replicas - 1} members would",
        )
    yield from _internal_topics_in_one_copy(name, env, replicas)
    if text_of(env_value(env, "KC_CACHE")).lower() == "local":
        yield rule_finding(
            "sessions_not_shared",
            name,
            f"KC_CACHE=local on {replicas} replicas: each Keycloak pod keeps its own sessions (no "
            "Infinispan cluster), so users sent to another pod are logged out or get 'session not found'",
        )
    scheduler = _scheduler(words)
    if scheduler:
        yield rule_finding(
            "scheduler_not_singleton",
            name,
            f"runs {scheduler} on {replicas} replicas: each is its own scheduler and sends every "
            f"periodic task, so each runs {replicas} times",
        )


def _internal_topics_in_one_copy(name: str, env: list[tuple[str, Any]], replicas: int) -> Iterator[Finding]:
    """Kafka's internal topics set, in the environment, to one copy on several brokers."""
    for key, value in env:
        topic = _INTERNAL_TOPICS.match(key)
        if topic and text_of(value).strip() == "1":
            internal = _TOPIC_NAMES[topic.group(1).upper()]
            yield rule_finding(
                "single_copy_replication",
                name,
                f"{key}=1 on {replicas} brokers: {internal} is created with one copy, so the broker "
                "holding a partition of it going down stops the consumer groups (or transactions)",
            )


def _statefulset_start(
    name: str, spec: dict[str, Any], containers: list[dict[str, Any]], replicas: int
) -> Iterator[Finding]:
    """How a StatefulSet's pods are started, against what the software needs: ring nodes that must
    join one at a time, or a readiness that waits for pods not yet started."""
    ring = next((i for c in containers if (i := image_name(c.get("image"))) in _RING_JOINERS), None)
    if spec.get("podManagementPolicy") == "Parallel" and ring:
        yield rule_finding(
            "bootstrap_in_parallel",
            name,
            f"starts its {replicas} {_RING_JOINERS[ring]} nodes at once (podManagementPolicy: Parallel): "
            "nodes must join the ring one at a time, so concurrent bootstraps fail or take overlapping "
            "token ranges; use OrderedReady",
        )
    if spec.get("podManagementPolicy", "OrderedReady") != "OrderedReady":
        return
    # One finding is enough: the first pod stuck keeps all the others from starting.
    waited = next((w for c in containers if (w := _cluster_readiness(c))), None)
    if waited:
        yield rule_finding(
            "ordered_start_deadlock",
            name,
            f"pods start one at a time (podManagementPolicy OrderedReady) and the readiness probe "
            f"waits for {waited}, which needs the pods not yet created: the first pod never "
            "becomes Ready and the rest never start",
        )


def _cluster_readiness(container: dict[str, Any]) -> str | None:
    """The whole-cluster health a container's readiness probe waits for, if it does."""
    probe = as_mapping(container.get("readinessProbe"))
    checked = " ".join(
        [*command_words(as_mapping(probe.get("exec")).get("command")),
         text_of(as_mapping(probe.get("httpGet")).get("path"))]
    )  # fmt: skip
    match = _CLUSTER_READINESS.search(checked)
    return match.group(0) if match else None


@dataclass(frozen=True)
class _Replicated:
    """A pod run as several replicas, as the checks of state kept in each replica read it."""

    name: str
    replicas: int
    containers: list[dict[str, Any]]
    images: set[str]
    mounted: str  # the text of the ConfigMaps the pod mounts
    env_text: str  # every container's environment, one `KEY=value` a line


def _state_per_replica(
    name: str, containers: list[dict[str, Any]], replicas: int, mounted: str
) -> Iterator[Finding]:
    env_text = "\n".join(f"{k}={text_of(v)}" for c in containers for k, v in env_pairs(c.get("env")))
    pod = _Replicated(
        name, replicas, containers, {image_name(c.get("image")) for c in containers}, mounted, env_text
    )
    for check in _STATE_CHECKS:
        finding = check(pod)
        if finding is not None:
            yield finding


def _dex_in_memory(pod: _Replicated) -> Finding | None:
    if "dex" not in pod.images or not _DEX_MEMORY.search(pod.mounted):
        return None
    return rule_finding(
        "sessions_not_shared",
        pod.name,
        f"Dex with storage type: memory on {pod.replicas} replicas: each pod keeps its own auth requests, "
        "codes, refresh tokens and signing keys, so a login started on one fails on another ('invalid "
        "state') and all of it is lost at a restart",
    )


def _quartz_in_memory(pod: _Replicated) -> Finding | None:
    if not _QUARTZ_IN_MEMORY.search(pod.mounted):
        return None
    return rule_finding(
        "scheduler_not_singleton",
        pod.name,
        "Quartz keeps its jobs in the in-memory RAMJobStore (job-store-type: memory) on "
        f"{pod.replicas} replicas: the instances do not coordinate, so every trigger fires "
        f"{pod.replicas} times",
    )


def _single_node_discovery(pod: _Replicated) -> Finding | None:
    if not (_SINGLE_NODE.search(pod.mounted) or _SINGLE_NODE.search(pod.env_text)):
        return None
    return rule_finding(
        "independent_clusters",
        pod.name,
        f"discovery.type: single-node on {pod.replicas} replicas: each pod forms its own one-node cluster, "
        f"so the Service spreads requests over {pod.replicas} separate clusters with different data",
    )


def _sqlite_database(pod: _Replicated) -> Finding | None:
    sqlite = _SQLITE.search(pod.mounted) or _SQLITE.search(pod.env_text)
    product = next((label for key, label in _SQLITE_ONLY.items() if key in pod.images), None)
    if _SERVER_DATABASE.search(pod.env_text):  # Uptime Kuma 2 on MariaDB, for one
        product = None
    if not (product or sqlite):
        return None
    what = product or "keeps its database in SQLite"
    return rule_finding(
        "single_instance_replicated",
        pod.name,
        f"{what} ({sqlite.group(0).strip() if sqlite else 'one SQLite file'}) on {pod.replicas} replicas: "
        "SQLite takes one writer per file and its locks do not hold on NFS, so the replicas corrupt the "
        "shared database or fail with 'database is locked'",
    )


def _loki_on_filesystem(pod: _Replicated) -> Finding | None:
    if "loki" not in pod.images or not _LOKI_FILESYSTEM.search(pod.mounted):
        return None
    return rule_finding(
        "single_instance_replicated",
        pod.name,
        f"Loki keeps its chunks and index on the filesystem (object_store: filesystem) on {pod.replicas} "
        "replicas: each pod stores and answers only what it ingested, so queries miss data and a pod's "
        "disk takes its data with it; replicated Loki needs object storage (S3, GCS, MinIO)",
    )


def _spans_in_each_pod(pod: _Replicated) -> Finding | None:
    storage = _SPANS_IN_POD.search(pod.env_text) or _SPANS_IN_POD.search(
        " ".join(" ".join(command_line(c.get("command"), c.get("args"))) for c in pod.containers)
    )
    if not storage:
        return None
    return rule_finding(
        "single_instance_replicated",
        pod.name,
        f"traces are kept in each pod's own storage ({storage.group(0)}) on {pod.replicas} replicas: each "
        "pod holds only the spans sent to it, so traces are split across pods and a query sees a part "
        "of them; use one replica or a shared backend (Elasticsearch, Cassandra)",
    )


def _unclustered_alertmanager(pod: _Replicated) -> Finding | None:
    alertmanagers = [
        c for c in pod.containers if image_name(c.get("image")) == "alertmanager"
        and "--cluster.listen-address=" in command_line(c.get("command"), c.get("args"))
    ]  # fmt: skip
    if not alertmanagers:
        return None
    return rule_finding(
        "independent_clusters",
        pod.name,
        f"Alertmanager with --cluster.listen-address= (empty, clustering off) on {pod.replicas} replicas: "
        f"they do not gossip, so every alert is notified {pod.replicas} times and a silence holds on one "
        "replica only",
    )


def _jenkins_controller(pod: _Replicated) -> Finding | None:
    if "jenkins" not in pod.images:
        return None
    return rule_finding(
        "single_instance_replicated",
        pod.name,
        f"runs the Jenkins controller on {pod.replicas} replicas: Jenkins supports one controller per "
        "JENKINS_HOME, so they write the same configuration, build records and queue (active-active "
        "is not supported)",
    )


# The checks of state each replica keeps to itself, in the order their findings are reported.
_STATE_CHECKS: tuple[Callable[[_Replicated], Finding | None], ...] = (
    _dex_in_memory,
    _quartz_in_memory,
    _single_node_discovery,
    _sqlite_database,
    _loki_on_filesystem,
    _spans_in_each_pod,
    _unclustered_alertmanager,
    _jenkins_controller,
)


def env_value(env: list[tuple[str, Any]], name: str) -> Any:
    return next((value for key, value in env if key == name), None)


def _scheduler(words: list[str]) -> str | None:
    """`celery -A app beat` (not a worker with an embedded beat, which has the same problem but is
    rarely replicated on purpose), rq-scheduler, clockwork, cron daemons, and the cron entry points of
    PHP applications (Magento's `cron:run`, Laravel's `schedule:work`)."""
    programs = [w.rsplit("/", 1)[-1].strip(";&|") for w in words]
    if "celery" in programs and "beat" in programs:
        return "celery beat"
    for program in ("rqscheduler", "rq-scheduler", "clockwork", "supercronic", "crond", "cron"):
        if program in programs:
            return program
    if "cron:run" in programs:
        return "Magento's cron (bin/magento cron:run)"
    if "artisan" in programs and ("schedule:work" in programs or "schedule:run" in programs):
        return "Laravel's scheduler (artisan schedule)"
    return None


# Strimzi's settings of the internal topics and the default, in a Kafka resource's spec.kafka.config.
_STRIMZI_ONE_COPY = ("offsets.topic.replication.factor", "transaction.state.log.replication.factor",
                     "default.replication.factor")  # fmt: skip


def strimzi_findings(objects: list[dict[str, Any]]) -> Iterator[Finding]:
    """A Strimzi Kafka cluster of several brokers whose internal topics (or default, or a
    KafkaTopic) keep one copy."""
    pools = {
        text_of(
            as_mapping(as_mapping(o.get("metadata")).get("labels")).get("strimzi.io/cluster")
        ): as_mapping(o.get("spec")).get("replicas")
        for o in objects
        if text_of(o.get("kind")) == "KafkaNodePool"
    }
    brokers: dict[str, int] = {}
    for obj in objects:
        if text_of(obj.get("kind")) != "Kafka" or "strimzi" not in text_of(obj.get("apiVersion")):
            continue
        cluster = text_of(as_mapping(obj.get("metadata")).get("name"))
        kafka = as_mapping(as_mapping(obj.get("spec")).get("kafka"))
        count = kafka.get("replicas", pools.get(cluster))
        if not isinstance(count, int) or count < 2:
            continue
        brokers[cluster] = count
        config = as_mapping(kafka.get("config"))
        ones = [key for key in _STRIMZI_ONE_COPY if text_of(config.get(key)).strip() == "1"]
        if ones:
            yield rule_finding(
                "single_copy_replication",
                f"Kafka {cluster}",
                f"{', '.join(ones)} = 1 on {count} brokers: those topics keep one copy, so every broker "
                "restart (each rolling update) makes their partitions unavailable and a lost volume loses "
                "them; use 3 with min.insync.replicas 2",
            )
    for obj in objects:
        if text_of(obj.get("kind")) != "KafkaTopic":
            continue
        metadata = as_mapping(obj.get("metadata"))
        cluster = text_of(as_mapping(metadata.get("labels")).get("strimzi.io/cluster"))
        if as_mapping(obj.get("spec")).get("replicas") == 1 and brokers.get(cluster, 0) > 1:
            yield rule_finding(
                "single_copy_replication",
                f"KafkaTopic {text_of(metadata.get('name'))}",
                f"replicas: 1 on a cluster of {brokers[cluster]} brokers: each partition has one copy, "
                "unavailable whenever its broker restarts",
            )


# Images whose members must run one version to form a cluster.
_SAME_VERSION = ("ray", "spark", "flink", "dask")


def version_mismatch(members: list[tuple[str, Any]]) -> Iterator[Finding]:
    """`members`: (where, image) of every container or service of the file. Members of one
    cluster product on different tags of the same image."""
    tags: dict[tuple[str, str], dict[str, str]] = {}
    for where, image in members:
        reference = text_of(image).split("@", 1)[0]
        repository, _, tag = (
            reference.rpartition(":") if ":" in reference.rsplit("/", 1)[-1] else (reference, "", "")
        )
        name = image_name(image)
        if tag and any(name == p or name.startswith(p + "-") for p in _SAME_VERSION):
            tags.setdefault((repository, name), {}).setdefault(_version(tag), where)
    for (repository, _name), seen in tags.items():
        if len(seen) > 1:
            versions = sorted(
                seen, key=lambda v: [(int(p), "") if p.isdigit() else (-1, p) for p in v.split(".")]
            )
            places = ", ".join(f"{seen[v]} on {v}" for v in versions)
            yield rule_finding(
                "cluster_version_mismatch",
                seen[versions[-1]],  # said of the newest: usually the members added or upgraded last
                f"{repository} runs different versions in one cluster ({places}): members of different "
                "versions refuse to join each other; pin them to one tag",
            )


def _version(tag: str) -> str:
    """2.9.3-py310 -> 2.9.3: the release, without the variant suffix."""
    return re.split(r"[-_]", tag, maxsplit=1)[0]


def storage_pool_findings(objects: list[dict[str, Any]]) -> Iterator[Finding]:
    """A Rook CephBlockPool or CephFilesystem data pool replicated to one copy: every OSD restart
    makes its data unavailable and a lost disk loses it."""
    for obj in objects:
        kind = text_of(obj.get("kind"))
        if kind not in ("CephBlockPool", "CephObjectStore", "CephFilesystem") or "rook" not in text_of(
            obj.get("apiVersion")
        ):
            continue
        spec = as_mapping(obj.get("spec"))
        pools = [spec] if kind == "CephBlockPool" else [
            as_mapping(spec.get("metadataPool")), *map(as_mapping, as_list(spec.get("dataPools"))),
            as_mapping(spec.get("dataPool")),
        ]  # fmt: skip
        for pool in pools:
            replicated = as_mapping(pool.get("replicated"))
            if replicated.get("size") == 1:
                safety = (
                    " and requireSafeReplicaSize: false"
                    if replicated.get("requireSafeReplicaSize") is False
                    else ""
                )
                yield rule_finding(
                    "single_copy_replication",
                    f"{kind} {text_of(as_mapping(obj.get('metadata')).get('name'))}",
                    f"replicated.size: 1{safety}: one copy of every object, so a single OSD or disk lost "
                    "takes data with it and every OSD restart makes part of the pool unavailable; use size 3",
                )
                break
