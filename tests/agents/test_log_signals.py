"""What an engineer sees in a log beyond its errors: a login that succeeds after a brute force,
a job whose output shrank to nothing while it reports success, a warning that names a cause in
a log without errors; and what is not a cause: a failed request, a background warning."""

from __future__ import annotations

import datetime as dt

import pytest

from app.agents.logs.agent import analyse
from app.agents.logs.parsing import parse_lines

pytestmark = pytest.mark.database_free  # left out of the PostgreSQL pass: tests/conftest.py

START = dt.datetime(2024, 5, 14, 3, 0, tzinfo=dt.UTC)


def at(seconds: int) -> str:
    return (START + dt.timedelta(seconds=seconds)).strftime("%b %d %H:%M:%S")


def auth_log(success_from: str | None) -> list[str]:
    lines = [f"{at(0)} bastion CRON[700]: pam_unix(cron:session): session opened for user root by (uid=0)"]
    for i in range(30):
        user = ("admin", "oracle", "deploy", "test")[i % 4]
        lines.append(
            f"{at(i + 1)} bastion sshd[{900 + i}]: Failed password for {user} from 203.0.113.45 port {40000 + i} ssh2"
        )
    lines.append(f"{at(40)} bastion sshd[990]: Accepted publickey for alice from 192.0.2.10 port 50000 ssh2")
    if success_from:
        lines.append(
            f"{at(60)} bastion sshd[999]: Accepted password for deploy from {success_from} port 41000 ssh2"
        )
        lines.append(
            f"{at(60)} bastion sshd[999]: pam_unix(sshd:session): session opened for user deploy by (uid=0)"
        )
    return lines


def test_a_login_after_a_brute_force_from_the_same_address_is_the_top_finding() -> None:
    report = analyse(auth_log("203.0.113.45"), None, None)
    top = report["findings"][0]
    assert (top.severity, top.code) == ("critical", "login_after_brute_force")
    assert "Accepted password for deploy from 203.0.113.45" in top.message
    assert "after 30 failed logins" in top.message


def test_a_brute_force_that_never_succeeded_is_a_warning_and_a_normal_login_is_nothing() -> None:
    report = analyse(auth_log(None), None, None)
    assert [(f.severity, f.code) for f in report["findings"]] == [("warning", "brute_force")]
    assert "30 failed logins from 203.0.113.45 for 4 user name(s)" in report["findings"][0].message
    assert "alice" not in report["findings"][0].message


def test_a_success_from_another_address_is_not_a_compromise() -> None:
    report = analyse(auth_log("192.0.2.99"), None, None)
    assert "login_after_brute_force" not in {f.code for f in report["findings"]}


def nightly(sizes: list[str]) -> list[str]:
    lines = []
    for day, size in enumerate(sizes, start=1):
        stamp = f"2024-05-{day:02d} 02:00:0{day % 10}"
        lines.append(
            f"{stamp} INFO backup[{4100 + day}]: dump written /backups/db-202405{day:02d}.sql.gz size={size} duration={day}m"
        )
        lines.append(f"{stamp} INFO backup[{4100 + day}]: upload ok rc=0")
    return lines


def test_a_dump_that_shrank_to_bytes_is_found_while_the_job_says_ok() -> None:
    report = analyse(nightly(["4.21 GiB", "4.22 GiB", "4.24 GiB", "20 B", "20 B"]), None, None)
    top = report["findings"][0]
    assert (top.severity, top.code) == ("warning", "output_shrank")
    assert "report 20 B since 2024-05-04" in top.message and "usual 4.5 GB" in top.message


def test_sizes_that_vary_or_start_small_are_not_an_anomaly() -> None:
    for sizes in (
        ["4.2 GiB", "3.1 GiB", "900 MiB", "4.0 GiB", "4.1 GiB"],
        ["20 B", "22 B", "19 B", "0 B", "0 B"],
    ):
        assert [f.code for f in analyse(nightly(sizes), None, None)["findings"]] == ["no_errors"]


def test_rows_exported_dropping_to_zero_is_found() -> None:
    lines = [f"2024-05-{d:02d}T01:00:00Z INFO export: wrote {n} rows to s3://exports/orders" for d, n in
             enumerate([120400, 118800, 121000, 0, 0], start=1)]  # fmt: skip
    top = analyse(lines, None, None)["findings"][0]
    assert top.code == "output_shrank" and "0 rows" in top.message


def test_a_warning_that_names_a_cause_is_found_in_a_log_without_errors() -> None:
    lines = [f"May 14 18:0{i}:00 edge-gw-2 dhclient[512]: DHCPREQUEST for 10.0.0.5 on eth0" for i in range(5)]
    lines += [
        f"May 14 18:1{i}:00 edge-gw-2 kernel: nf_conntrack: nf_conntrack: table full, dropping packet"
        for i in range(5)
    ]
    report = analyse(lines, None, None)
    assert "table full" in report["findings"][0].message
    assert "DHCP" not in " ".join(f.message for f in report["findings"])


def test_a_log_with_background_warnings_only_is_healthy_and_says_why() -> None:
    lines = [
        f"2024-05-14T02:0{i}:00Z WARN app: DeprecationWarning: pkg_resources is deprecated" for i in range(4)
    ]
    lines += [f"2024-05-14T02:1{i}:00Z INFO app: processed batch {i}" for i in range(6)]
    report = analyse(lines, None, None)
    assert [f.severity for f in report["findings"]] == ["info"]
    assert "4 warning(s) name no cause" in report["findings"][0].message


def test_a_request_that_failed_in_an_app_log_is_a_symptom_of_the_schema_error_before_it() -> None:
    lines = [
        "2024-05-14T10:00:00Z INFO deploy: running alembic upgrade head",
        '2024-05-14T10:00:01Z ERROR migrate: psycopg2.errors.DuplicateTable: relation "invoices_v2" already exists',
        "2024-05-14T10:00:02Z ERROR deploy: pre-deploy hook failed (exit 1)",
    ] + [f"2024-05-14T10:01:{i:02d}Z ERROR api: GET /v2/invoices/{i} 500 - ProgrammingError: column x does not exist"
         for i in range(10)]  # fmt: skip
    root = analyse(lines, None, None)["root_cause"]
    assert "already exists" in root["template"]


def test_a_cause_still_happening_at_the_end_is_said_so() -> None:
    lines = [
        f"2024-09-02 11:0{i}:00 UTC [88] FATAL: could not receive data from WAL stream: SSL SYSCALL error: EOF detected"
        for i in range(4)
    ]
    lines += [
        f"2024-09-02 11:{m:02d}:00 UTC [88] FATAL: requested WAL segment 000000010000003A000000C1 has already been removed"
        for m in range(10, 60, 5)
    ]  # fmt: skip
    root = analyse(lines, None, None)["root_cause"]
    assert "already been removed" in root["template"]
    assert "still happening at the end" in root["why"]
    stopped = analyse(lines[:8], None, None)["root_cause"]  # the log ends before the cause stops
    assert "still happening at the end" in stopped["why"]
    ended = lines + [f"2024-09-02 13:{m:02d}:00 UTC [88] LOG: restartpoint complete" for m in range(0, 60, 5)]
    assert "still happening at the end" not in analyse(ended, None, None)["root_cause"]["why"]


def test_a_change_just_before_timeouts_is_named_as_the_likely_trigger() -> None:
    lines = [f"2024-05-21T14:0{i}:00Z INFO api: GET /api/orders/{i} 200 30ms" for i in range(4)]
    lines.append(
        "2024-05-21T14:04:30Z WARN config: Applying refreshed datasource settings: maximum-pool-size 40 -> 4"
    )
    lines += [
        f"2024-05-21T14:05:{i:02d}Z ERROR api: Connection is not available, request timed out after 30000ms"
        for i in range(8)
    ]
    report = analyse(lines, None, None)
    top = report["findings"][0]
    assert top.code == "likely_trigger" and "maximum-pool-size 40 -> 4" in top.message
    assert "30 s before the first error" in top.message


def test_no_trigger_is_named_when_the_errors_name_their_cause() -> None:
    lines = ["2024-05-21T14:04:30Z INFO deploy: deployed version 4.2.1"]
    lines += [f"2024-05-21T14:05:{i:02d}Z ERROR app: write failed: No space left on device" for i in range(5)]
    assert "likely_trigger" not in {f.code for f in analyse(lines, None, None)["findings"]}


def test_an_authentication_error_outranks_the_dropped_connection_before_it() -> None:
    lines = [
        "2024-08-19T06:00:01Z ERROR worker: redis.exceptions.ConnectionError: Connection closed by server.",
        *(f"2024-08-19T06:00:{i + 2:02d}Z ERROR worker: Cannot connect to redis: invalid username-password pair" for i in range(6)),
    ]  # fmt: skip
    assert "invalid username-password" in analyse(lines, None, None)["root_cause"]["template"]


def test_warnings_are_not_listed_beside_errors() -> None:
    lines = [
        '2024-06-11T10:14:00Z WARN kubelet: Unable to retrieve pull secret: secret "regcred-legacy" not found',
        "2024-06-11T10:15:00Z node-7 kernel: nf_conntrack: nf_conntrack: table full, dropping packet",
        *(
            f"2024-06-11T10:16:0{i}Z ERROR kubelet: Liveness probe failed: context deadline exceeded"
            for i in range(3)
        ),
    ]
    findings = analyse(lines, None, None)["findings"]
    assert "table full" in findings[0].message
    assert "regcred" not in " ".join(f.message for f in findings)


def test_a_warning_that_caused_an_outage_is_critical() -> None:
    lines = [
        *(
            f"2024-06-11T10:15:0{i}Z WARN lb: target api-{i} is unhealthy: health checks failed with code 404"
            for i in range(2)
        ),
        *(
            f"2024-06-11T10:16:0{i}Z ERROR proxy: upstream connect error or disconnect/reset before headers"
            for i in range(5)
        ),
    ]
    top = analyse(lines, None, None)["findings"][0]
    assert (top.code, top.severity) == ("likely_root_cause", "critical")
    assert "unhealthy" in top.message


def test_one_readiness_failure_during_a_rollout_is_not_a_problem() -> None:
    lines = [
        "5m Normal ScalingReplicaSet deployment/web Scaled up replica set web-7d9f to 3",
        '5m Normal Pulled pod/web-7d9f-abcde Container image "registry.example.com/web:2.31.0" already present',
        "5m Normal Started pod/web-7d9f-abcde Started container web",
        '4m Warning Unhealthy pod/web-7d9f-abcde Readiness probe failed: Get "http://10.244.1.70:8080/ready": '
        "dial tcp 10.244.1.70:8080: connect: connection refused",
        "4m Normal ScalingReplicaSet deployment/web Scaled down replica set web-5c4b to 0",
    ]
    assert [f.severity for f in analyse(lines, None, None)["findings"]] == ["info"]


def test_a_limit_that_was_reached_is_a_cause() -> None:
    lines = ["2024-06-11T10:00:00Z INFO app: starting"] + [
        f"2024-06-11T10:00:0{i}Z ERROR app: request failed: upstream timed out" for i in range(1, 5)
    ]
    lines.insert(
        1,
        "2024-06-11T10:00:01Z ERROR app: The configured user limit (128) on inotify instances has been reached",
    )
    assert "limit (128)" in analyse(lines, None, None)["root_cause"]["template"].replace("<NUM>", "128")


@pytest.mark.parametrize(
    "cause",
    [
        "write to /data failed: operation not permitted",
        "Pod evicted: The node was low on resource: memory (memory pressure)",
        "upstream API answered 429 Too Many Requests: rate limit exceeded for key k-12",
        "Lock wait timeout exceeded; try restarting transaction",
        "protocol version mismatch: client 3, server 4",
        "missing required environment variable DATABASE_URL",
        "invalid configuration: listen address ':http' could not be parsed",
    ],
)
def test_general_kinds_of_cause_outrank_the_timeouts_after_them(cause: str) -> None:
    lines = [f"2024-06-11T10:00:0{i}Z ERROR api: request to /orders timed out after 30s" for i in range(1, 6)]
    lines.insert(2, f"2024-06-11T10:00:02Z ERROR worker: {cause}")
    assert "names a cause" in analyse(lines, None, None)["root_cause"]["why"]


def slow_queries(after_ms: int, change: str | None) -> list[str]:
    lines = [
        f'{{"t":{{"$date":"2024-06-11T13:5{i}:00Z"}},"s":"I","c":"COMMAND","msg":"Slow query",'
        f'"attr":{{"ns":"shop.orders","durationMillis":{150 + i}}}}}'
        for i in range(5)
    ]
    if change:
        lines.append(f'{{"t":{{"$date":"2024-06-11T14:02:00Z"}},"s":"I","c":"COMMAND","msg":"{change}"}}')
    lines += [
        f'{{"t":{{"$date":"2024-06-11T14:0{i + 3}:00Z"}},"s":"I","c":"COMMAND","msg":"Slow query",'
        f'"attr":{{"ns":"shop.orders","durationMillis":{after_ms + i}}}}}'
        for i in range(5)
    ]
    return lines


def test_a_slowdown_after_a_schema_change_names_the_change() -> None:
    findings = analyse(slow_queries(11_300, "CMD: dropIndexes"), None, None)["findings"]
    assert [f.code for f in findings] == ["likely_trigger", "slowdown"]
    assert "dropIndexes" in findings[0].message and "things got slow" in findings[0].message
    assert "median 11.3 s" in findings[1].message and "against 152 ms before" in findings[1].message


def test_a_slowdown_without_a_change_is_still_reported_and_a_small_one_is_not() -> None:
    assert [f.code for f in analyse(slow_queries(11_300, None), None, None)["findings"]] == ["slowdown"]
    assert [f.code for f in analyse(slow_queries(400, None), None, None)["findings"]] == ["no_errors"]


@pytest.mark.parametrize(
    ("line", "words"),
    [
        ('ERROR gw: charge failed: Post "https://acquirer.example.net": remote error: tls: expired certificate',
         "client certificate we present (mTLS)"),
        ("ERROR ingest: write failed: [Errno 28] No space left on device", "df -i"),
        ("ERROR worker: CommitFailedException: the consumer was kicked out of the group", "max.poll.interval.ms"),
    ],
)  # fmt: skip
def test_the_root_cause_says_what_a_well_known_error_means(line: str, words: str) -> None:
    lines = [f"2024-06-11T10:00:0{i}Z {line}" for i in range(3)]
    top = analyse(lines, None, None)["findings"][0]
    assert top.code == "likely_root_cause" and "It means: " in top.message and words in top.message


def test_known_harmless_kubelet_errors_are_never_the_cause() -> None:
    lines = [
        "Mar 12 16:30:00 node-3 kubelet[1187]: E0312 16:30:00.1 1187 summary_sys_containers.go:48] "
        '"Failed to get system container stats" err="failed to get cgroup stats"',
        'Mar 12 16:31:07 node-3 kubelet[1187]: I0312 16:31:07.8 1187 eviction_manager.go:176] "Evicting pod" '
        'pod="reporting/report-builder" message="The node was low on resource: ephemeral-storage."',
    ]
    findings = analyse(lines * 3, None, None)["findings"]
    assert "low on resource" in findings[0].message
    assert "system container stats" not in " ".join(f.message for f in findings)


def test_a_healthy_build_log_quotes_its_last_success() -> None:
    lines = [
        "tests/test_errors.py::test_error_page_renders PASSED",
        "WARNING: Running pip as the 'root' user can result in broken permissions",
        "============ 34 passed, 2 skipped, 1 xfailed in 9.84s ============",
    ]
    (finding,) = analyse(lines, None, None)["findings"]
    assert finding.severity == "info" and '"============ 34 passed, 2 skipped' in finding.message
    assert finding.message.startswith("No action needed")


def test_a_job_that_says_it_passed_is_healthy_whatever_its_lines_say() -> None:
    lines = [
        "$ git describe --tags",
        "fatal: No names found, cannot describe anything.",
        "tests/test_api.py::test_upstream_refused_returns_502 PASSED",
        "============ 59 passed, 1 skipped in 41.20s ============",
        "Job succeeded",
    ]
    assert [f.severity for f in analyse(lines, None, None)["findings"]] == ["info"]
    assert analyse([*lines[:-2], "============ 1 failed, 58 passed in 41.20s ============", "ERROR: Job failed"],
                   None, None)["findings"][0].severity != "info"  # fmt: skip


def test_a_rails_error_after_its_request_tag_is_one_entry_with_its_exception() -> None:
    lines = []
    for i in range(3):
        tag = f"3dc99996-3b0e-3576-c6d8-b4ddb9d8dd4{i}"
        lines += [
            f"web F, [2024-05-14T15:01:5{i}.135509 #1] FATAL -- : [{tag}]   ",
            f"web [{tag}] RedisClient::OutOfMemoryError (OOM command not allowed when used memory > 'maxmemory'.):",
        ]
    report = analyse(lines, None, None)
    assert report["entries"] == 3 and "maxmemory" in report["root_cause"]["template"]


def test_a_close_change_is_mentioned_even_when_the_errors_name_their_cause() -> None:
    lines = [
        "2024-05-14T11:29:40Z INFO puppet-agent: /Stage[main]/Dns/File[/etc/resolv.conf]/content: content changed"
    ]
    lines += [f"2024-05-14T11:30:0{i}Z ERROR api: write failed: No space left on device" for i in range(5)]
    codes = [f.code for f in analyse(lines, None, None)["findings"]]
    assert codes[0] == "likely_root_cause" and "change_before_errors" in codes


def test_nginx_handshake_noise_and_missing_files_are_never_the_cause() -> None:
    lines = [
        "2024/05/27 09:14:00 [crit] 31#31: *18115 SSL_do_handshake() failed (SSL: error:0A00006C:SSL routines::bad "
        "key share) while SSL handshaking, client: 203.0.113.9, server: 0.0.0.0:443",
        '2024/05/27 09:14:10 [error] 31#31: *18120 open() "/usr/share/nginx/html/wp-login.php" failed '
        "(2: No such file or directory), client: 203.0.113.9, server: _",
    ] + [
        f"2024/05/27 09:15:{i:02d} [error] 31#31: *182{i:02d} upstream sent too big header while reading response "
        'header from upstream, client: 10.0.0.5, server: app.example.com, request: "GET /auth/callback HTTP/1.1"'
        for i in range(5)
    ]  # fmt: skip
    findings = analyse(lines, None, None)["findings"]
    assert "too big header" in findings[0].message
    shown = " ".join(f.message for f in findings)
    assert "bad key share" not in shown and "wp-login" not in shown


def test_writes_a_full_elasticsearch_refuses_are_found_though_logged_at_info() -> None:
    lines = [
        f"[2024-05-27T02:14:{i:02d},737][INFO ][logstash.outputs.elasticsearch][main] Retrying failed action "
        '{:status=>429, :error=>{"type"=>"cluster_block_exception", "reason"=>"index [app-logs] blocked by: '
        '[TOO_MANY_REQUESTS/12/disk usage exceeded flood-stage watermark, index has read-only-allow-delete block];"}}'
        for i in range(4)
    ]  # fmt: skip
    top = analyse(lines, None, None)["findings"][0]
    assert top.code == "likely_root_cause" and "flood-stage" in top.message


def test_a_clock_that_is_wrong_is_the_cause_of_token_errors() -> None:
    lines = [
        f"May 14 06:0{i}:00 api-02 orders-api[812]: WARN auth: token rejected: iat is in the future"
        for i in range(5)
    ]
    lines.insert(
        1, "May 14 06:00:30 api-02 chronyd[501]: System clock wrong by -212.345 seconds, adjustment started"
    )
    top = analyse(lines, None, None)["findings"][0]
    assert top.code == "likely_root_cause" and "clock wrong" in top.message


def test_duplicate_key_errors_are_an_application_race_not_the_incident() -> None:
    lines = [
        '2024-03-19 02:40:00 UTC [812] ERROR:  duplicate key value violates unique constraint "idempotency_keys_pkey"',
        '2024-03-19 02:47:00 UTC [813] PANIC:  could not write to file "pg_wal/xlogtemp.1": No space left on device',
    ]
    findings = analyse(lines, None, None)["findings"]
    assert "No space left" in findings[0].message
    assert "idempotency_keys_pkey" not in " ".join(f.message for f in findings)


def klog(level: str, second: int, text: str) -> str:
    return f"{level}0312 10:{second // 60:02d}:{second % 60:02d}.000000       1 sync.go:190] {text}"


def test_an_acme_challenge_that_404s_is_the_cause_not_background() -> None:
    lines = [klog("I", 0, '"cert-manager/controller: starting controller" controller="orders"')]
    for i in range(1, 20):
        lines.append(
            klog("E", i * 30, '"cert-manager/challenges: propagation check failed" err="failed to perform self check '
                 "GET request 'http://shop.example.com/.well-known/acme-challenge/abc123': wrong status code '404', "
                 "expected '200'\" type=\"HTTP-01\"")
        )  # fmt: skip
        lines.append(
            klog("E", i * 30 + 1, '"cert-manager/certificates-issuing: re-queuing item due to optimistic locking on '
                 'resource" error="Operation cannot be fulfilled on certificates.cert-manager.io \\"api\\": the object '
                 'has been modified; please apply your changes to the latest version and try again"')
        )  # fmt: skip
    report = analyse(lines, None, None)
    top = report["findings"][0]
    assert top.severity == "critical" and "acme-challenge" in top.message and "404" in top.message
    assert not any("optimistic locking" in f.message for f in report["findings"])


def test_errors_that_are_all_known_background_make_a_healthy_log_that_says_so() -> None:
    lines = []
    for i in range(10):
        lines.append(
            f"{at(i * 60)} node-1 node_exporter[812]: ts=2024-05-14T03:0{i}:00.000Z caller=collector.go:169 "
            'level=error msg="collector failed" name=hwmon duration_seconds=0.01 '
            'err="open /sys/class/hwmon/hwmon0/temp1_input: no such file or directory"'
        )
        lines.append(f"{at(i * 60 + 1)} node-1 systemd[1]: Started Session {i} of user deploy.")
    report = analyse(lines, None, None)
    [finding] = report["findings"]
    assert finding.severity == "info"
    assert "the 10 error line(s) are known, expected background" in finding.message
    assert "No errors" not in finding.message


@pytest.mark.parametrize(
    ("line", "words"),
    [
        ("cron[611]: (*system*pgbackup) WRONG FILE OWNER (/etc/cron.d/pgbackup)", "WRONG FILE OWNER"),
        (
            "sshd[3227]: Authentication refused: bad ownership or modes for directory /home/deploy",
            "bad ownership",
        ),
        (
            "gitlab-runner[44]: verifying go.example.com/ratelimit@v1.4.2: checksum mismatch",
            "checksum mismatch",
        ),
    ],
)
def test_a_refusal_for_ownership_modes_or_integrity_is_a_cause_whatever_its_level(
    line: str, words: str
) -> None:
    lines = [f"{at(i)} host-1 systemd[1]: Started Session {i} of user deploy." for i in range(30)]
    lines.insert(12, f"{at(12)} host-1 {line}")
    top = analyse(lines, None, None)["findings"][0]
    assert top.severity == "critical" and words in top.message


def test_an_exhausted_resource_outranks_an_earlier_warning_that_names_a_lesser_cause() -> None:
    lines = [
        f"[2024-05-20T02:4{i}:00,000][WARN ][o.e.m.j.JvmGcMonitorService] [es-master-1] [gc][7680{i}] overhead, "
        f"spent [409ms] collecting in the last [1s]"
        for i in range(5)
    ] + [
        f"[2024-05-20T03:0{i}:00,000][WARN ][o.e.c.r.a.DiskThresholdMonitor] [es-master-1] flood stage disk "
        "watermark [95%] exceeded on [abc][es-data-2][/usr/share/elasticsearch/data] free: 4.8gb[4.8%], all "
        "indices on this node will be marked read-only"
        for i in range(5)
    ]
    top = analyse(lines, None, None)["findings"][0]
    assert "flood stage disk watermark" in top.message and "a definite cause" in top.message


def test_a_pool_that_cannot_hand_out_connections_is_a_cause_even_at_warning_level() -> None:
    lines = []
    for i in range(20):
        lines.append(f"2024-07-08T09:00:{i:02d}.000Z pid=7 tid=w{i} class=SyncJob jid=a{i} INFO: start")
        lines.append(
            f"2024-07-08T09:00:{i:02d}.500Z pid=7 tid=w{i} WARN: ActiveRecord::ConnectionTimeoutError: could not "
            "obtain a connection from the pool within 5.000 seconds (waited 5.001 seconds); all pooled connections "
            "were in use"
        )
    top = analyse(lines, None, None)["findings"][0]
    assert (
        top.severity in ("warning", "critical")
        and "could not obtain a connection from the pool" in top.message
    )


def test_durations_of_different_tasks_are_not_compared_as_one_slowdown() -> None:
    lines = []
    for i in range(10):
        lines.append(
            f"[2024-05-14 10:00:{i:02d},000: INFO/ForkPoolWorker-1] Task reports.tasks.send_mail[{i:08x}-aaaa] "
            f"succeeded in 0.18{i}s: None"
        )
    for i in range(10):
        lines.append(
            f"[2024-05-14 10:01:{i:02d},000: INFO/ForkPoolWorker-2] Task reports.tasks.refresh_views[{i:08x}-bbbb] "
            f"succeeded in 4.6{i}s: None"
        )
    findings = analyse(lines, None, None)["findings"]
    assert [f.severity for f in findings] == ["info"]
    assert not any(f.code == "slowdown" for f in findings)


def test_a_key_ring_that_differs_between_replicas_is_explained() -> None:
    lines = []
    for i in range(6):
        lines.append(
            f"info: Microsoft.AspNetCore.Hosting.Diagnostics[1] Request starting HTTP/1.1 GET /cart {i}"
        )
        lines.append("fail: Microsoft.AspNetCore.Antiforgery.DefaultAntiforgery[7]")
        lines.append(
            "      Microsoft.AspNetCore.Antiforgery.AntiforgeryValidationException: The antiforgery token could "
            "not be decrypted."
        )
    top = analyse(lines, None, None)["findings"][0]
    assert "Data Protection keys differ between instances" in top.message


@pytest.mark.parametrize(
    "noise",
    [
        "14-May-2024 09:02:03.018 lame-servers: info: connection refused resolving 'cdn.example.net/A/IN': 203.0.113.77#53",
        "May 14 09:02:03 ns2 named[905]: network unreachable resolving './DNSKEY/IN': 2001:db8:2::53#53",
        "May 14 09:02:03 mx-out-1 postfix/smtpd[812]: warning: hostname scanner.example.net does not resolve to "
        "address 203.0.113.77: Name or service not known",
        "May 14 09:02:03 mx-out-1 postfix/smtpd[812]: NOQUEUE: reject: RCPT from unknown[203.0.113.77]: 554 5.7.1 "
        "<a@example.net>: Relay access denied",
        "WARNING: cache.zip: chmod cache.zip: operation not permitted (suppressing repeats)",
        "ERROR: No files to upload",
    ],
)  # fmt: skip
def test_background_a_resolver_a_mail_server_or_a_ci_runner_writes_all_day_is_no_cause(noise: str) -> None:
    lines = [f"{at(i)} host-1 systemd[1]: Started Session {i} of user deploy." for i in range(20)]
    lines.insert(10, noise)
    assert analyse(lines, None, None)["root_cause"] is None


@pytest.mark.parametrize(
    ("cause", "words"),
    [
        ("fatal error: concurrent map writes", "concurrent map writes"),
        (
            "ERROR: THESE PACKAGES DO NOT MATCH THE HASHES FROM THE REQUIREMENTS FILE.",
            "DO NOT MATCH THE HASHES",
        ),
        ("transfer of 'corp.example.internal/IN' from 10.60.0.10#53: Transfer status: REFUSED", "REFUSED"),
    ],
)
def test_a_definite_cause_outranks_the_louder_errors_it_causes(cause: str, words: str) -> None:
    lines = [
        f'{at(i)} host-1 app[7]: level=ERROR msg="request failed" err="context canceled" req={i}'
        for i in range(8)
    ]
    lines.insert(5, f"{at(5)} host-1 app[7]: {cause}")
    top = analyse(lines, None, None)["findings"][0]
    assert top.code == "likely_root_cause" and words in top.message


@pytest.mark.parametrize(
    ("line", "meaning"),
    [
        ("npm ERR! code EUSAGE", "package.json and package-lock.json are out of sync"),
        ('[logstash.outputs.elasticsearch] retrying failed action with response code: 403 ({"type"=>'
         '"cluster_block_exception", "reason"=>"blocked by: [FORBIDDEN/12/index read-only / allow delete (api)];"})',
         "flood-stage disk watermark"),
        ("Microsoft.Data.SqlClient.SqlException (0x80131904): Connection Timeout Expired. The timeout period "
         "elapsed while attempting to consume the pre-login handshake acknowledgement.", "thread pool starvation"),
    ],
)  # fmt: skip
def test_the_root_cause_explains_npm_elasticsearch_and_sql_client_errors(line: str, meaning: str) -> None:
    lines = [f"{at(i)} host-1 systemd[1]: Started Session {i} of user deploy." for i in range(10)]
    lines.insert(5, f"{at(5)} host-1 app[7]: ERROR {line}")
    top = analyse(lines, None, None)["findings"][0]
    assert top.code == "likely_root_cause" and "It means: " in top.message and meaning in top.message


def test_a_health_check_that_reports_unhealthy_is_a_symptom_not_the_cause() -> None:
    lines = [
        f"[14:0{i}:00 WRN] Health check sql with status Unhealthy completed after 13270ms with message "
        "'The operation was canceled.'"
        for i in range(6)
    ]
    lines.insert(
        1,
        '[14:00:30 WRN] As of "06/03/2024 14:00:30 +00:00", the heartbeat has been running for "00:00:02.84" '
        'which is longer than "00:00:01". This could be caused by thread pool starvation.',
    )
    top = analyse(lines, None, None)["findings"][0]
    assert "thread pool starvation" in top.message


@pytest.mark.parametrize(
    ("cause", "words"),
    [
        ("WARN 1 --- [housekeeper] com.zaxxer.hikari.pool.ProxyLeakTask : Connection leak detection triggered for "
         "conn0 on thread http-nio-8080-exec-3, stack trace follows", "Connection leak"),
        ("[14-May-2024 19:02:11] WARNING: [pool shop] server reached pm.max_children setting (20), consider raising it",
         "pm.max_children"),
    ],
)  # fmt: skip
def test_an_exhausted_worker_or_connection_pool_outranks_the_timeouts_it_causes(
    cause: str, words: str
) -> None:
    lines = [
        f"{at(i)} web-1 nginx[900]: 2024/05/14 19:0{i % 10}:00 [error] 901#901: *{i} upstream timed out "
        "(110: Connection timed out) while reading response header from upstream"
        for i in range(30)
    ]
    lines.insert(3, cause)
    top = analyse(lines, None, None)["findings"][0]
    assert words in top.message


def _ssh_noise(count: int) -> list[str]:
    return [f"{at(100 + i)} host-1 sshd[{800 + i}]: Accepted publickey for deploy from 10.0.0.{i} port 5{i:04d} ssh2"
            for i in range(count)]  # fmt: skip


@pytest.mark.parametrize(
    ("lines", "words"),
    [
        # A spool without room refuses mail: warnings only, the refusals at info level.
        ([f"{at(200 + 2 * i)} mx-1 postfix/smtpd[{700 + i}]: warning: not enough free space in mail queue: "
          f"{90000000 - i} bytes < 1.5*message size limit" for i in range(4)]
         + [f"{at(201 + 2 * i)} mx-1 postfix/smtpd[{700 + i}]: NOQUEUE: reject: MAIL from app-{i}.internal"
            f"[10.1.0.{i}]: 452 4.3.1 Insufficient system storage; proto=ESMTP" for i in range(4)],
         "not enough free space"),
        # A replica whose SQL thread stopped outranks the warning MySQL prints at every start.
        (["2024-05-14T01:59:01.400090Z 0 [Warning] [MY-010068] [Server] CA certificate ca.pem is self signed.",
          "2024-05-14T02:10:59.449799Z 0 [Error] [MY-010584] [Repl] Replica SQL for channel '': Worker 1 failed "
          "executing transaction 'ANONYMOUS'; Could not execute Write_rows event on table orders.order_items; "
          "Duplicate entry '48213-7' for key 'order_items.PRIMARY', Error_code: 1062"]
         + [f"2024-05-14T03:{i:02d}:00.000000Z 9{i} [Note] [MY-010914] [Server] Aborted connection 9{i} to db: "
            "'orders' user: 'report' host: '10.0.3.9' (Got an error reading communication packets)"
            for i in range(10)],
         "Replica SQL"),
        # Logins fail because the clock drifted after chrony lost its sources, long before.
        ([f"{at(10)} bastion chronyd[610]: Can't synchronise: no selectable sources"]
         + [f"{at(300 + i)} bastion sshd[{900 + i}]: error: PAM: Authentication failure for alice from 10.4.0.{i}"
            for i in range(4)]
         + [f"{at(310 + i)} bastion krb5_child[{950 + i}]: Clock skew too great" for i in range(16)],
         "no selectable sources"),
    ],
)  # fmt: skip
def test_a_quiet_line_that_names_the_cause_outranks_what_it_causes(lines: list[str], words: str) -> None:
    top = analyse(_ssh_noise(20) + lines, None, None)["findings"][0]
    assert top.severity in ("critical", "warning") and words in top.message


def _kubelet(i: int, text: str) -> str:
    return f"{at(i)} node-3 kubelet[812]: E0514 03:00:{i % 60:02d}.000000     812 pod_workers.go:1298] {text}"


def _dmesg(minute: int, text: str) -> str:
    return f"[Tue May 14 04:{minute:02d}:33 2024] {text}"


def _haproxy(i: int, path: str, status: int, server: str, state: str) -> str:
    return (
        f"{at(i)} lb-1 haproxy[2231]: 10.0.4.{i % 200}:5{i:04d} [14/May/2024:03:00:{i % 60:02d}.120] fe_https~ "
        f'{server} 0/0/1/30000/30001 {status} 198 - - {state} 12/12/3/1/0 0/0 "GET {path} HTTP/1.1"'
    )


def _pg(i: int, text: str) -> str:
    return f"2025-03-14 09:{i // 60:02d}:{i % 60:02d}.486 UTC [{34000 + i}] {text}"


@pytest.mark.parametrize(
    ("lines", "words"),
    [
        # A node out of pod addresses, under the kubelet's perennial resolv.conf complaint.
        ([_kubelet(i, '"Nameserver limits exceeded" err="Nameserver limits were exceeded, some nameservers '
                      'have been omitted"') for i in range(30)]
         + [_kubelet(40 + i, '"RunPodSandbox from runtime service failed" err="failed to setup network for sandbox: '
                            'failed to allocate for range 0: no IP addresses available in range set: '
                            '10.244.3.1-10.244.3.254"') for i in range(8)],
         "no IP addresses available"),
        # A server that flapped and came back is history; the export that times out on every server is not.
        ([_haproxy(1, "/reports/export", 504, "be_app/app1", "sH--"),
          f"{at(2)} lb-1 haproxy[2231]: Server be_app/app3 is DOWN, reason: Layer4 timeout, check duration: 2001ms.",
          f"{at(9)} lb-1 haproxy[2231]: Server be_app/app3 is UP, reason: Layer4 check passed, check duration: 1ms."]
         + [_haproxy(10 + i, "/reports/export", 504, f"be_app/app{1 + i % 3}", "sH--") for i in range(9)],
         "be_app sH--"),
        # Every server fails its HTTP check after a deploy: that, not "no server available", is why.
        ([f"{at(1)} lb-1 haproxy[1623]: Server be_shop/shop{n} is DOWN, reason: Layer7 wrong status, code: 404, "
          'info: "Not Found", check duration: 5ms.' for n in (1, 2)]
         + [f"{at(2)} lb-1 haproxy[1623]: [ALERT] (1623) : backend 'be_shop' has no server available!"]
         + [_haproxy(5 + i, f"/product/{i}", 503, "be_shop/<NOSRV>", "SC--") for i in range(10)],
         "Layer7 wrong status"),
        # A backup job's stale lock, under systemd's report of the unit failing.
        ([line for i in range(4) for line in (
            f"{at(100 * i)} web01 borgmatic[9{i}]: Failed to create/acquire the lock /srv/borg/web01/lock.exclusive "
            "(timeout).",
            f"{at(100 * i + 1)} web01 systemd[1]: borgmatic.service: Main process exited, code=exited, "
            "status=1/FAILURE",
            f"{at(100 * i + 1)} web01 systemd[1]: borgmatic.service: Failed with result 'exit-code'.",
            f"{at(100 * i + 1)} web01 systemd[1]: Failed to start borgmatic.service - borgmatic backup.")],
         "lock.exclusive"),
        # IPsec peers that share no proposal: warnings only.
        ([f"{at(60 * i)} vpn-1 charon: 12[IKE] received NO_PROPOSAL_CHOSEN notify error" for i in range(5)]
         + [f"{at(60 * i + 5)} vpn-1 charon: 09[IKE] sending DPD request" for i in range(5)],
         "NO_PROPOSAL_CHOSEN"),
        # Wraparound protection refuses writes; a reporting tool's wrong password is its own problem.
        ([_pg(i, 'metabase@app FATAL:  password authentication failed for user "metabase"') for i in range(0, 120, 10)]
         + [_pg(130 + i, 'WARNING:  database "app" must be vacuumed within 900000 transactions') for i in range(3)]
         + [_pg(140 + i, 'app@app ERROR:  database is not accepting commands to avoid wraparound data loss in '
                         'database "app"') for i in range(7)],
         "wraparound"),
        # A signed zone's expired signatures, under a resolver's statistics and its IPv6 tries.
        ([f"{at(i)} ns1 unbound: [812:0] info: server stats for thread 0: 2154 queries, 1255 answers from cache, "
          "0 rejected by ip ratelimiting" for i in range(6)]
         + [f"{at(10 + i)} ns1 unbound: [812:1] notice: sendto failed: Network is unreachable" for i in range(20)]
         + [f"{at(40 + i)} ns1 unbound: [812:1] info: validation failure <corp.example.com. DNSKEY IN>: signature "
            "expired from 10.20.0.53 for key corp.example.com. while building chain of trust" for i in range(4)],
         "signature expired"),
    ],
)  # fmt: skip
def test_the_cause_of_a_batch_19_or_20_kind_of_incident_leads(lines: list[str], words: str) -> None:
    top = analyse(lines, None, None)["findings"][0]
    assert top.severity in ("critical", "warning") and words in top.message, top.message


@pytest.mark.parametrize(
    "lines",
    [
        [_pg(i, "metabase@reporting ERROR:  canceling statement due to user request") for i in range(2)]
        + [_pg(10 + i, "LOG:  checkpoint complete: wrote 1200 buffers (7.3%)") for i in range(20)],
        ["[    0.640911] ACPI BIOS Error (bug): Could not resolve symbol [\\_SB.PC02.BR2A.SL01], AE_NOT_FOUND",
         "[    0.641002] ACPI Error: AE_NOT_FOUND, During name lookup/catalog (20230628/psobject-220)"]
        + [f"[    {1 + i}.000000] XFS (sda{i}): Ending clean mount" for i in range(20)],
        [f"{at(i)} app-1 Microsoft-Windows-DistributedCOM 10016: The application-specific permission settings "
         "do not grant Local Activation permission" for i in range(5)]
        + [f"{at(10 + i)} app-1 Schannel 36887: A fatal alert was received from the remote endpoint. The TLS "
           "protocol defined fatal alert code is 46." for i in range(5)]
        + [f"{at(20 + i)} app-1 W3SVC: request served" for i in range(20)],
    ],
)  # fmt: skip
def test_chronic_background_is_not_an_incident(lines: list[str]) -> None:
    top = analyse(lines, None, None)["findings"][0]
    assert top.severity == "info", top.message


def test_a_dotnet_missing_file_is_not_explained_as_dns() -> None:
    from app.agents.logs.hints import meaning

    said = meaning(
        "System.IO.FileNotFoundException: Could not load file or assembly 'Shop.Payments, Version=2.4.0.0'"
    )
    assert said is not None and "assembly" in said and "resolve" not in said
    assert "resolve" in (meaning("getaddrinfo ENOTFOUND db.internal") or "")


@pytest.mark.parametrize(
    ("lines", "words"),
    [
        # A dump cut short by a lost connection, among the warnings every run prints.
        ([f"{at(i)} db-backup backup.sh[{700 + i}]: mysqldump: [Warning] Using a password on the command line "
          "interface can be insecure." for i in range(20)]
         + ["mysqldump: Error 2013: Lost connection to MySQL server during query when dumping table `order_events` "
            "at row: 18131599"],
         "Lost connection"),
        # The catalog fails to compile for want of a Hiera value: that, not "skipping run".
        ([line for i in range(3) for line in (
            f"{at(100 * i)} web-7 puppet-agent[{900 + i}]: Could not retrieve catalog from remote server: Error 500 on "
            "SERVER: Server Error: Evaluation Error: Error while evaluating a Function Call, Function lookup() did "
            "not find a value for the name 'profile::nginx::upstream_port'",
            f"{at(100 * i + 1)} web-7 puppet-agent[{900 + i}]: Could not retrieve catalog; skipping run")],
         "did not find a value"),
        # Old clients and the server share no cipher; scanners' TLS timeouts came first.
        ([f"{at(i)} vpn01 ovpn-server[911]: 192.0.2.{i}:35905 TLS Error: TLS key negotiation failed to occur within "
          "60 seconds (check your network connectivity)" for i in range(3)]
         + [f"{at(60 + i)} vpn01 ovpn-server[911]: fs-laptop-0{i}/198.51.100.{i}:4887 SENT CONTROL [fs-laptop-0{i}]: "
            "'AUTH_FAILED,Data channel cipher negotiation failed (no shared cipher)' (status=1)" for i in range(4)],
         "no shared cipher"),
        # A notifier rejects every event for good; another one's rate limit is retried.
        ([f'{at(i)} am level=warn component=dispatcher receiver=slack msg="Notify attempt failed, will retry later" '
          'err="unexpected status code 429: rate_limited"' for i in range(3)]
         + [f'{at(10 + i)} am level=error component=dispatcher msg="Notify for alerts failed" err="pagerduty: notify '
            "retry canceled due to unrecoverable error after 1 attempts: unexpected status code 400: Event object is "
            "invalid\"" for i in range(20)],
         "unrecoverable error"),
        # Logs that are never rotated filled the disk: the rotation failure is the cause.
        ([f"{at(0)} db-1 logrotate[311]: error: skipping \"/var/log/orders/orders.log\" because parent directory has "
          "insecure permissions (It's world writable or writable by group which is not \"root\")"]
         + [f"{at(600 + i)} db-1 postgres[{800 + i}]: PANIC:  could not write to file \"pg_wal/xlogtemp\": No space "
            "left on device" for i in range(5)],
         "logrotate"),
        # An end-of-life release's mirrors are gone; docker-in-docker's group warning is routine.
        ([f'{at(0)} runner dockerd: time="2024-05-14T07:41:12Z" level=warning msg="could not change group '
          '/var/run/docker.sock to docker: group docker not found"',
          f"{at(5)} runner build: Error: Failed to download metadata for repo 'appstream': Cannot prepare internal "
          "mirrorlist: No URLs in mirrorlist"],
         "No URLs in mirrorlist"),
    ],
)  # fmt: skip
def test_the_cause_of_a_batch_21_or_22_kind_of_incident_leads(lines: list[str], words: str) -> None:
    top = analyse(_ssh_noise(10) + lines, None, None)["findings"][0]
    assert top.severity in ("critical", "warning") and words in top.message, top.message


def test_an_idle_worker_shut_down_is_no_change_before_the_errors() -> None:
    from app.agents.logs.changes import change_before
    from app.agents.logs.parsing import parse_lines

    entries = parse_lines(
        [
            "2024-05-14T08:02:59Z WARNING A worker process serving application pool 'PayrollPool' was shutdown due "
            "to inactivity. Application Pool timeout configuration was set to 20 minutes.",
            "2024-05-14T08:03:30Z ERROR Application '/LM/W3SVC/3/ROOT' failed to load coreclr.",
        ]
    )
    assert change_before(entries, entries[1].timestamp) is None


def test_a_clean_log_is_called_healthy() -> None:
    top = analyse([f"{at(i)} web-1 nginx[9]: GET / 200" for i in range(5)], None, None)["findings"][0]
    assert top.severity == "info" and "healthy" in top.message


@pytest.mark.parametrize(
    ("lines", "words"),
    [
        # Unbound's own log format ("unbound[812:0] notice:"): its IPv6 tries are background.
        ([f"Jun 14 05:53:{i:02d} ns-res01 unbound[812:0] notice: sendto failed: Network is unreachable"
          for i in range(30)]
         + [f"Jun 14 05:54:{i:02d} ns-res01 unbound[812:1] info: validation failure <www.example.org. A IN>: "
            "signature expired from 192.0.2.53 for DNSKEY example.org." for i in range(5)],
         "signature expired"),
        # Peers that share no proposal; the retransmits before it were the swap window.
        ([f"{at(i)} vpn01 charon: 11[IKE] establishing IKE_SA failed, peer not responding" for i in range(3)]
         + [f"{at(600 + i)} vpn01 charon: 13[IKE] received NO_PROPOSAL_CHOSEN notify error" for i in range(6)],
         "NO_PROPOSAL_CHOSEN"),
        # A database pod that cannot start: its volume is attached elsewhere; the app's lookup of the
        # pod's name fails because the pod is not there.
        (["Warning  FailedAttachVolume  pod/orders-db-0  Multi-Attach error for volume \"pvc-1\" Volume is already "
          "exclusively attached to one node and can't be attached to another"]
         + [f"2024-06-20 07:38:{30 + i}.915 ERROR [main] c.z.h.p.HikariPool: orders-pool - Exception during pool "
            "initialization. java.net.UnknownHostException: orders-db-0.orders-db.orders.svc.cluster.local"
            for i in range(5)],
         "Multi-Attach"),
        # Tomcat's jar scanner complains at every start; Metaspace is what runs out.
        ([f"{at(0)} app-1 tomcat[900]: java.io.FileNotFoundException: /opt/tomcat/lib/xml-apis.jar (No such file "
          "or directory)"]
         + [f"{at(600 + i)} app-1 tomcat[900]: SEVERE java.lang.OutOfMemoryError: Metaspace" for i in range(6)],
         "Metaspace"),
        # Vault came back sealed, the lease was not renewed, and the database refuses the expired login.
        (["2024-05-14T03:05:00.999Z [ERROR] agent.apiproxy: error renewing lease: lease_id=database/creds/rw "
          'error="Code: 503. Errors: * Vault is sealed"']
         + [f"2024-05-14 03:{10 + i}:12.104 UTC [{90000 + i}] FATAL:  password authentication failed for user "
            '"v-approle-rw-1715652011"' for i in range(30)],
         "Vault is sealed"),
        # An app pool identity that cannot log on; the time service's boot complaint is background.
        ([f'"5/14/2024 7:0{i}:00 AM","Warning","Microsoft-Windows-Time-Service","129","IIS01.corp.example.internal",'
          '"NtpClient was unable to set a domain peer to use as a time source because of discovery error."'
          for i in range(3)]
         + ['"5/14/2024 7:05:00 AM","Warning","Microsoft-Windows-WAS","5021","IIS01.corp.example.internal",'
            '"The identity of application pool IntranetPortal is invalid. The user name or password that is specified '
            'for the identity may be incorrect."'],
         "identity of application pool"),
    ],
)  # fmt: skip
def test_the_cause_of_a_batch_23_or_24_kind_of_incident_leads(lines: list[str], words: str) -> None:
    top = analyse(lines, None, None)["findings"][0]
    assert top.severity in ("critical", "warning") and words in top.message, top.message


def test_a_run_s_per_file_detail_lines_are_not_a_job_whose_output_shrank() -> None:
    lines = [
        f"2024-06-21 01:02:{i:02d}.624 P04 DETAIL: match file from prior backup /var/lib/postgresql/16/main/base/"
        f"16384/{16000 + i} ({88 if i < 30 else 0.02}MB, 99.90%)"
        for i in range(34)
    ]
    findings = analyse(lines, None, None)["findings"]
    assert not [f for f in findings if f.code == "output_shrank"]


@pytest.mark.parametrize(
    ("lines", "words"),
    [
        # A storage target that refuses this host's login; the I/O errors come after.
        ([f"{at(0)} nas-01 iscsid[700]: Login authentication failed with target iqn.2020-01.example:t1"]
         + [f"{at(300 + i)} nas-01 kernel: [9{i}.1] blk_update_request: I/O error, dev sdc, sector {i}" for i in range(12)],
         "Login authentication failed"),
        # Event Viewer's own CSV: level first, US times; the machine account no longer matches.
        (["Level,Date and Time,Source,Event ID,Task Category,Message"]
         + [f'Warning,4/2/2025 9:{10 + i}:00 AM,ASP.NET 4.0.30319.0,1309,Web Event,"Exception type: SqlException '
            'Exception message: Login failed. The login is from an untrusted domain."' for i in range(20)]
         + ['Error,4/2/2025 8:55:00 AM,NETLOGON,3210,None,"This computer could not authenticate with '
            '\\\\DC01.corp.example.internal, a Windows domain controller for domain CORP, and therefore this '
            'computer might deny logon requests."'],
         "NETLOGON"),
        # A Terraform plan that replaces a resource: it deletes it first.
        (["Terraform will perform the following actions:",
          "  # aws_db_instance.main must be replaced",
          '-/+ resource "aws_db_instance" "main" {',
          '      ~ identifier = "main-db" -> "main-database" # forces replacement',
          "    }",
          "Plan: 1 to add, 4 to change, 1 to destroy."],
         "1 to destroy"),
        # A firewall reload that drops the peer's VRRP adverts: both nodes take the virtual IP.
        ([f"{at(i)} lb-2 Keepalived_vrrp[90]: VRRP_Script(chk_proxy) succeeded" for i in range(5)]
         + [f"{at(60 * i)} lb-2 kernel: [7{i}.2] fw-drop: IN=eth0 OUT= SRC=10.0.0.2 DST=224.0.0.18 LEN=40 PROTO=112"
            for i in range(1, 8)],
         "PROTO=112"),
    ],
)  # fmt: skip
def test_the_cause_of_a_batch_25_kind_of_incident_leads(lines: list[str], words: str) -> None:
    top = analyse(lines, None, None)["findings"][0]
    assert top.severity in ("critical", "warning") and words in top.message, top.message


def test_a_user_s_password_typo_in_a_quiet_mail_log_is_healthy() -> None:
    lines = [
        f"{at(i)} mail-1 dovecot: imap-login: Login: user=<u{i}@example.org>, method=PLAIN, TLS"
        for i in range(40)
    ]
    lines += [
        f"{at(50 + i)} mail-1 dovecot: auth-worker(31{i}): pam(ann@example.org,10.0.0.9,<s{i}>): pam_authenticate() "
        "failed: Authentication failure (Password mismatch?)"
        for i in range(2)
    ]
    top = analyse(lines, None, None)["findings"][0]
    assert top.severity == "info" and "healthy" in top.message, top.message


def test_a_mail_server_s_sasl_login_failures_are_no_storage_login_refused() -> None:
    from app.agents.logs import causes

    line = "postfix/smtpd[211]: warning: unknown[203.0.113.9]: SASL LOGIN authentication failed: UGFzc3dvcmQ6"
    assert causes._DEFINITE.search(line) is None
    assert causes._DEFINITE.search(
        "iscsid[1102]: Login authentication failed with target iqn.2020-01.example:t1"
    )


@pytest.mark.parametrize(
    ("lines", "words"),
    [
        # A unit's process limit, said once by the kernel; the EAGAIN failures follow.
        ([f"{at(0)} w-3 kernel: cgroup: fork rejected by pids controller in /system.slice/reports.service"]
         + [f"{at(60 + i)} w-3 reports[88]: ERROR can't start new thread: Resource temporarily unavailable"
            for i in range(10)],
         "pids controller"),
        # Two hosts answer ARP for one address: the unreachable database is its consequence.
        ([f"{at(0)} netmon arpwatch: flip flop 10.0.4.50 52:54:00:aa:bb:cc (52:54:00:11:22:33) eth1"]
         + [f"{at(30 + i)} api-1 orders: ERROR connect to 10.0.4.50 port 5432 failed: No route to host"
            for i in range(9)],
         "flip flop"),
        # A thin pool out of space is why the guests' disks are full.
        ([f"{at(0)} kvm-7 kernel: device-mapper: thin: 253:4: switching pool to out-of-data-space (error IO) mode"]
         + [f"{at(5 + i)} kvm-7 qemu[77]: block I/O error in device 'drive0': No space left on device (28)"
            for i in range(6)],
         "out-of-data-space"),
        # RabbitMQ's ack timeout, quoted by the worker whose late ack failed.
        ([f"{at(i)} rmq-1 rabbitmq: HTTP access denied: user 'guest' - invalid credentials" for i in range(20)]
         + [f"{at(100 + i)} worker-1 transcode: ERROR ack failed: PRECONDITION_FAILED - delivery acknowledgement on "
            "channel 1 timed out. Timeout value used: 1800000 ms" for i in range(4)],
         "delivery acknowledgement"),
        # Tokens signed by a key the gateway does not have; an expired token now and then is routine.
        ([f"{at(i)} gw-1 gateway: WARN token verification failed | TokenExpiredError: jwt expired" for i in range(3)]
         + [f"{at(50 + i)} gw-1 gateway: WARN token verification failed | SigningKeyNotFoundError: Unable to find a "
            "signing key that matches 'k2'" for i in range(20)],
         "signing key"),
    ],
)  # fmt: skip
def test_the_cause_of_a_batch_26_kind_of_incident_leads(lines: list[str], words: str) -> None:
    top = analyse(lines, None, None)["findings"][0]
    assert top.severity in ("critical", "warning") and words in top.message, top.message


def test_a_status_table_s_header_and_a_small_clock_step_are_no_problem() -> None:
    lines = [
        "Task Group  Auto Revert  Promoted  Desired  Canaries  Placed  Healthy  Unhealthy  Progress Deadline"
    ]
    lines += [f"{at(i)} db-2 chronyd[655]: Selected source 10.0.0.{i % 3 + 1}" for i in range(20)]
    lines += [f"{at(30)} db-2 chronyd[655]: System clock wrong by 0.381224 seconds"]
    top = analyse(lines, None, None)["findings"][0]
    assert top.severity == "info" and "healthy" in top.message, top.message


@pytest.mark.parametrize(
    "lines",
    [
        # A firewall that logs VRRP it lets through: no drop, no cause.
        [f"{at(i)} lb-1 kernel: [UFW AUDIT] IN=eth0 OUT= SRC=10.0.0.2 DST=224.0.0.18 LEN=40 PROTO=112"
         for i in range(20)],
        # A deprecation that says something "must be replaced by" something else.
        [f"{at(i)} app-1 api[9]: WARNING option 'listen_v1' must be replaced by 'listen' in 3.0" for i in range(3)]
        + [f"{at(10 + i)} app-1 api[9]: INFO request served in 3 ms" for i in range(20)],
    ],
)  # fmt: skip
def test_allowed_vrrp_and_a_deprecation_are_no_cause(lines: list[str]) -> None:
    top = analyse(lines, None, None)["findings"][0]
    assert top.code != "likely_root_cause", top.message


def test_a_ufw_block_of_vrrp_is_the_cause() -> None:
    lines = [f"{at(i)} lb-2 Keepalived_vrrp[90]: VRRP_Script(chk) succeeded" for i in range(5)]
    lines += [f"{at(60 * i)} lb-2 kernel: [UFW BLOCK] IN=eth0 OUT= SRC=10.0.0.2 DST=224.0.0.18 LEN=40 PROTO=112"
              for i in range(1, 6)]  # fmt: skip
    top = analyse(lines, None, None)["findings"][0]
    assert "PROTO=" in top.message and top.severity in ("critical", "warning"), top.message


def test_a_program_s_own_failed_logins_are_no_typos() -> None:
    lines = [f"{at(i)} app-1 mailer[7]: INFO queued message {i}" for i in range(20)]
    lines += [f"{at(30 + i)} app-1 mailer[7]: WARN SMTP authentication failed for user noreply@example.org: 535 "
              "5.7.8 invalid password" for i in range(2)]  # fmt: skip
    top = analyse(lines, None, None)["findings"][0]
    assert top.code == "likely_root_cause" and "authentication failed" in top.message, top.message


def test_an_mtu_change_just_before_timeouts_is_the_likely_trigger_and_a_state_change_is_not() -> None:
    lines = [f"2024-07-15T09:5{i}:00Z INFO etl: batch {i} uploaded" for i in range(5)]
    lines.append("2024-07-15T10:03:49Z INFO kernel: ixgbe 0000:03:00.0 eno1: changing MTU from 1500 to 9000")
    lines += [f"2024-07-15T10:04:{i:02d}Z ERROR etl: upload failed: Read timed out" for i in range(10, 20)]
    top = analyse(lines, None, None)["findings"][0]
    assert top.code == "likely_trigger" and "changing MTU from 1500 to 9000" in top.message, top.message
    lines[5] = "2024-07-15T10:03:49Z INFO coordinator: member m-1 changing state from STABLE to REBALANCING"
    assert "likely_trigger" not in {f.code for f in analyse(lines, None, None)["findings"]}


def test_a_count_over_a_window_is_no_duration() -> None:
    """Redis's save rule ("1 changes in 3600 seconds") is no request that got slower."""
    lines = [
        f"1:M 12 Nov 2024 0{h}:0{m}:00.000 * 100 changes in 60 seconds. Saving..."
        for h in range(3)
        for m in range(3)
    ]
    lines += [f"1:M 12 Nov 2024 0{h}:30:00.000 * 1 changes in 3600 seconds. Saving..." for h in range(5, 9)]
    assert "slowdown" not in {f.code for f in analyse(lines, None, None)["findings"]}


EVENTS_HEADER = "LAST                  TYPE     REASON             OBJECT                   NAME                  COUNT  MESSAGE"


def test_custom_column_events_keep_each_pod_apart_and_a_pulled_image_settles_no_container_error() -> None:
    pod = "refund-worker-7c9d8b6f4-q2xkz"
    lines = [
        EVENTS_HEADER,
        f"2024-08-21T09:35:55Z  Normal   Pulled             Pod                      {pod}  1      Successfully pulled image",
        "2024-08-21T09:36:10Z  Normal   Started            Pod                      ledger-api-5d6f  1      Started container api",
        f"2024-08-21T09:44:39Z  Warning  Failed             Pod                      {pod}  11     Error: container has "
        "runAsNonRoot and image will run as root",
    ]  # fmt: skip
    top = analyse(lines, None, None)["findings"][0]
    assert top.severity != "info" and "runAsNonRoot" in top.message, top.message
    assert "runAsUser" in top.message  # what it means, and what to do


def test_dockerd_closed_fifo_after_an_exit_is_background_and_exec_format_error_is_the_cause() -> None:
    lines = []
    for i in range(4):
        lines.append(
            f"Sep 10 14:02:5{i}.1 batch-01 docker[31020]: gen-1  | exec /usr/local/bin/gen: exec format error"
        )
        lines.append(f'Sep 10 14:02:5{i}.4 batch-01 dockerd[1021]: time="2024-09-10T14:02:5{i}Z" level=error '
                     'msg="stream copy error: reading from a closed fifo"')  # fmt: skip
    findings = analyse(lines, None, None)["findings"]
    assert "exec format error" in findings[0].message and "architecture" in findings[0].message
    assert "closed fifo" not in " ".join(f.message for f in findings)


def test_sql_server_errors_are_read_with_the_line_that_explains_them() -> None:
    lines = []
    for hour in range(20, 24):
        lines += [f"2024-05-13 {hour}:00:42.23 Logon       Error: 18456, Severity: 14, State: 8.",
                  f"2024-05-13 {hour}:00:42.24 Logon       Login failed for user 'reporting_ro'. Reason: Password did "
                  "not match that for the login provided. [CLIENT: 10.1.2.3]"]  # fmt: skip
        lines += [f"2024-05-13 {hour}:15:02.31 Backup      Error: 3201, Severity: 16, State: 1.",
                  f"2024-05-13 {hour}:15:02.32 Backup      Cannot open backup device '\\\\backup01\\sql\\log.trn'. "
                  "Operating system error 53(The network path was not found.)."]  # fmt: skip
    for second in range(10, 20):
        lines += [f"2024-05-14 03:41:{second}.20 spid125     Error: 9002, Severity: 17, State: 2.",
                  f"2024-05-14 03:41:{second}.22 spid125     The transaction log for database 'SalesDB' is full due "
                  "to 'LOG_BACKUP'."]  # fmt: skip
    findings = analyse(lines, None, None)["findings"]
    top = findings[0]
    assert (
        top.code == "likely_root_cause" and "transaction log" in top.message and "log backup" in top.message
    )
    assert all("Error: <NUM>, Severity" not in f.message for f in findings)  # each error kept apart


@pytest.mark.parametrize(
    ("lines", "words"),
    [
        ([f"2024-03-21  2:0{i}:03 0 [Note] WSREP: Member {i} synced" for i in range(5)]
         + ["2024-03-21  2:14:13 0 [Note] WSREP: Received NON-PRIMARY.",
            "2024-03-21  2:14:13 0 [Note] WSREP: New COMPONENT: primary = no, bootstrap = no, my_idx = 0, memb_num = 1"],
         "non-Primary component"),
        ([f"1:S 14 Feb 2024 03:10:4{i}.461 # Error reply to PING from master: '-NOAUTH Authentication required.'"
          for i in range(6)], "masterauth"),
        ([f"Tue Mar 12 14:07:3{i} 2024 - *** uWSGI listen queue of socket \"127.0.0.1:3031\" (fd: 3) full !!! (101/100) ***"
          for i in range(6)], "backlog"),
    ],
)  # fmt: skip
def test_causes_written_as_notes_or_without_a_level_are_found(lines: list[str], words: str) -> None:
    top = analyse(lines, None, None)["findings"][0]
    assert top.severity != "info" and words in top.message, top.message


def test_fail2ban_banning_an_internal_address_explains_the_servers_going_down() -> None:
    lines = [f"{at(i)} web01 fail2ban.actions[809]: NOTICE [sshd] Ban 203.0.113.{i}" for i in range(3)]
    lines.append(f"{at(10)} web01 fail2ban.actions[809]: NOTICE [nginx-limit-req] Ban 10.20.0.5")
    lines += [f'{at(16 + i)} lb01 haproxy[1433]: Server be_web/web01 is DOWN, reason: Layer4 connection problem, info: '
              '"Connection refused", check duration: 0ms. 0 active and 0 backup servers left.' for i in range(2)]  # fmt: skip
    top = analyse(lines, None, None)["findings"][0]
    assert "Ban 10.20.0.5" in top.message and "ignoreip" in top.message, top.message


def test_a_scanner_s_routing_errors_are_no_exception_of_the_app() -> None:
    lines = [
        f"{at(i)} web-01 puma[88]: I, [2026-08-15T09:0{i}:00] INFO -- : Completed 200 OK" for i in range(5)
    ]
    lines.append(f'{at(9)} web-01 puma[88]: F, [2026-08-15T09:09:00] FATAL -- : ActionController::RoutingError '
                 '(No route matches [GET] "/xmlrpc.php"):')  # fmt: skip
    assert "RoutingError" not in " ".join(f.message for f in analyse(lines, None, None)["findings"])


def test_a_rails_completion_time_is_a_duration_and_its_slowdown_is_found() -> None:
    lines = [f"2024-05-21T14:{i:02d}:00Z INFO web: Completed 200 OK in 40ms" for i in range(10)]
    lines += [f"2024-05-21T14:{i:02d}:00Z INFO web: Completed 200 OK in 2400ms" for i in range(10, 20)]
    assert "slowdown" in {f.code for f in analyse(lines, None, None)["findings"]}


def test_a_server_s_json_answer_on_the_next_line_is_shown_with_the_error() -> None:
    """Fluent Bit writes `HTTP status=400 ..., response:` and the body on the next line."""
    body = ('{"error":{"root_cause":[{"type":"illegal_argument_exception","reason":"Action/metadata line [1] '
            'contains an unknown parameter [_type]"}]},"status":400}')  # fmt: skip
    lines = []
    for i in range(4):
        lines += [
            f"[2024/03/12 06:40:1{i}] [error] [output:es:es.0] HTTP status=400 URI=/_bulk, response:",
            body,
        ]
    entries = analyse(lines, None, None)
    assert entries["entries"] == 4
    assert "unknown parameter [_type]" in entries["findings"][0].message


def test_a_long_chained_exception_keeps_its_innermost_reason() -> None:
    chain = ": ".join(
        f"Error creating bean with name '{name}' defined in URL [jar:nested:/app/app.jar/!BOOT-INF/classes/!/"
        f"com/example/{name}.class]: Unsatisfied dependency expressed through constructor parameter 0"
        for name in ("checkoutController", "orderService", "paymentService")
    )
    line = (
        "2024-08-27T10:41:10.588Z  WARN 1 --- [main] ConfigServletWebServerApplicationContext : Exception "
        "encountered during context initialization - cancelling refresh attempt: "
        f"org.springframework.beans.factory.UnsatisfiedDependencyException: {chain}: Error creating bean with "
        "name 'orderService': Requested bean is currently in creation: Is there an unresolvable circular reference?"
    )
    top = analyse([line], None, None)["findings"][0]
    assert "unresolvable circular reference" in top.message and len(top.message) < 800, top.message


def test_mongodb_s_error_attribute_is_part_of_the_message() -> None:
    line = (
        '{"t":{"$date":"2024-03-12T18:00:1%d.866+00:00"},"s":"I","c":"ACCESS","id":5286307,"ctx":"conn8",'
        '"msg":"Failed to authenticate","attr":{"client":"10.30.2.17:43298","mechanism":"SCRAM-SHA-256",'
        '"user":"orders_svc","db":"orders","error":"UserNotFound: Could not find user \\"orders_svc\\" for db '
        '\\"orders\\"","result":11}}'
    )
    top = analyse([line % i for i in range(5)], None, None)["findings"][0]
    assert top.severity != "info" and "UserNotFound" in top.message, top.message


def test_the_primary_dropping_its_replica_explains_the_replica_s_lost_syncs() -> None:
    lines = [
        f"1:S 12 Aug 2024 03:5{i}:37.100 # I/O error trying to sync with MASTER: connection lost"
        for i in range(6)
    ]
    lines.insert(3, "1:M 12 Aug 2024 03:53:25.412 # Client id=44139 addr=10.50.1.11:38988 flags=S omem=268461522 "
                    "cmd=psync scheduled to be closed ASAP for overcoming of output buffer limits.")  # fmt: skip
    top = analyse(lines, None, None)["findings"][0]
    assert "overcoming of output buffer limits" in top.message and "client-output-buffer-limit" in top.message


@pytest.mark.parametrize(
    ("background", "cause", "words"),
    [
        ("[authz_core:error] [client 198.51.100.9:4005] AH01630: client denied by server configuration: /srv/.env",
         "[mpm_event:error] AH00484: server reached MaxRequestWorkers setting, consider raising the "
         "MaxRequestWorkers setting", "MaxRequestWorkers"),
        ('level=error msg="http: TLS handshake error from 10.80.0.29:42438: tls: client offered only unsupported '
         'versions: [302 301]"', 'level=error msg="the router shop@docker uses a non-existent resolver: le"',
         "non-existent resolver"),
        ("mariabackup: io_uring_queue_init() failed with EPERM: sysctl kernel.io_uring_disabled has the value 2",
         "WARNING h.n.DiskSpaceMonitorDescriptor#markNodeOfflineOrOnline: Making Built-In Node offline "
         "temporarily due to the lack of disk space", "lack of disk space"),
        ("libvirtd[1830]: End of file while reading data: Input/output error",
         "libvirtd[1830]: ERROR operation failed: guest CPU doesn't match specification: missing features: avx512f",
         "missing features"),
    ],
)  # fmt: skip
def test_internet_and_kernel_background_is_not_the_cause(background: str, cause: str, words: str) -> None:
    lines = [f"2024-03-12T09:0{i}:00Z {background}" for i in range(8)]
    lines.insert(4, f"2024-03-12T09:04:30Z {cause}")
    findings = analyse(lines, None, None)["findings"]
    assert words in findings[0].message, findings[0].message
    assert background.split(":")[0][:30] not in " ".join(f.message for f in findings[1:])


QUIET_CAUSES_OF_THE_KERNEL_AND_RUNTIMES = [
    ([f"May 14 02:1{i}:48 db-04 kernel: Buffer I/O error on dev dm-7, logical block 17821{i}, async page read"
      for i in range(6)]
     + ["May 14 02:12:47 db-04 kernel: device-mapper: snapshots: Invalidating snapshot: Unable to allocate exception."],
     "copy-on-write"),
    (["[Tue May 14 11:01:13 2024] neighbour: arp_cache: neighbor table overflow!"]
     + [f'2024-05-14T11:0{i}:13Z ERROR api: upstream call failed: dial tcp 10.240.20.14:6379: i/o timeout'
        for i in range(2, 8)], "gc_thresh"),
    ([f"May 14 14:0{i}:44 media-02 thumbnailer[88]: ERROR render failed: OSError: [Errno 28] No space left on device"
      for i in range(3, 8)]
     + ["May 14 14:02:44 media-02 kernel: EXT4-fs warning (device sdb1): ext4_dx_add_entry:2521: inode #1310721: "
        "comm gunicorn: Directory (ino: 1310721) index full, reach max htree level :2"], "large_dir"),
    (['May 14 13:04:22 db-02 kernel: audit: type=1400 audit(1715691862.391:97): apparmor="DENIED" operation="open" '
      'profile="/usr/sbin/mysqld" name="/data/mysql/" pid=4412 comm="mysqld"']
     + [f"2024-05-14T13:04:2{i}Z 0 [ERROR] [MY-013276] [Server] Failed to set datadir to '/data/mysql/' "
        "(OS errno: 13 - Permission denied)" for i in range(3, 6)], "AppArmor's profile"),
    ([f"May 14 03:0{i}:15 k8s-w-05 kubelet[935]: E0514 03:0{i}:15.7 935 run.go:74] \"command failed\" "
      'err="failed to run Kubelet: running with swap on is not supported, please disable swap!"' for i in range(4)],
     "/etc/fstab"),
    ([f"2024/06/11 10:0{i}:01 [error] 1187#1187: *{i} upstream prematurely closed connection while reading response "
      'header from upstream, client: 10.0.0.5, upstream: "uwsgi://unix:/run/uwsgi/api.sock:"' for i in range(1, 6)]
     + ["Tue Jun 11 10:00:59 2024 - invalid request block size: 4673 (max 4096)...skip"], "buffer-size"),
    ([f'time=2024-06-11T10:0{i}:00Z level=ERROR msg="fetch rate failed" err="Get \\"https://rates.internal/v2\\": '
      'dial tcp 10.30.2.14:443: connect: cannot assign requested address"' for i in range(5)], "TIME_WAIT"),
    (["bundler: failed to load command: puma (/usr/local/bundle/bin/puma)",
      "/usr/local/bundle/gems/activesupport-7.1.3/lib/active_support/messages/codec.rb:57:in `catch_and_raise': "
      "ActiveSupport::MessageEncryptor::InvalidMessage (ActiveSupport::MessageEncryptor::InvalidMessage)",
      "\tfrom /usr/local/bundle/gems/activesupport-7.1.3/lib/active_support/message_encryptor.rb:242:in `decrypt'"],
     "RAILS_MASTER_KEY"),
    ([f"2024/06/11 10:0{i}:01 [error] 904#904: *{i} SSL_do_handshake() failed (SSL: error:0A000410:SSL routines::"
      "sslv3 alert handshake failure:SSL alert number 40) while SSL handshaking to upstream, client: 10.0.0.5"
      for i in range(4)]
     + ["2024/06/11 10:05:01 [error] 904#904: *9 no live upstreams while connecting to upstream, client: 10.0.0.5"],
     "proxy_ssl_server_name"),
    ([f"May 14 02:0{i}:30 app-05 systemd-journald[388]: Suppressed 19819 messages from orders-worker.service"
      for i in range(5)], "RateLimitBurst"),
]  # fmt: skip


def test_pasted_notes_and_zero_counts_are_not_problems() -> None:
    lines = [
        "# Icinga Web > Problems > Services (excerpt, 38 CRITICAL, all check_nrpe)",
        "$ grep -h partition /etc/rabbitmq/rabbitmq.conf",
        "  Non-fatal FD errors:    0",
        "  Termination:            Backup OK",
    ]
    findings = analyse(lines, None, None)["findings"]
    assert [f.severity for f in findings] == ["info"], findings


def test_an_apparmor_denial_alone_is_background_not_the_cause() -> None:
    """Hosts log AppArmor denials for harmless profiles all day: one is a cause only beside the
    "Permission denied" it explains."""
    lines = [
        f'May 14 0{i}:00:00 db-01 kernel: audit: type=1400 apparmor="DENIED" operation="open" '
        f'profile="/usr/sbin/cupsd" name="/etc/ssl/openssl.cnf" pid=88{i} comm="cupsd"'
        for i in range(3)
    ]
    lines += [
        f"May 14 04:0{i}:11 db-01 kernel: nvme nvme0: I/O 12 QID 3 timeout, aborting; "
        "blk_update_request: I/O error, dev nvme0n1, sector 1234"
        for i in range(4)
    ]
    top = analyse(lines, None, None)["findings"][0]
    assert "I/O error" in top.message and "apparmor" not in top.message.lower(), top.message


QUIET_CAUSES_OF_CONTROLLERS_AND_DATA_SYSTEMS = [
    # A controller that ignores an object at info level, and says why: the only line that does.
    ([f'I0514 11:2{i}:41.342340       7 store.go:440] "Ignoring ingress because of error while validating '
      'ingress class" ingress="status/status-page" error="ingress does not contain a valid IngressClass"'
      for i in range(3)]
     + [f'10.0.0.{i} - - [14/May/2024:11:2{i}:00 +0000] "GET /wp-login.php HTTP/1.1" 404 0 "-" "zgrab" 120 0.001'
        for i in range(8)],
     "ingressClassName"),
    ([f'time="2024-05-14T09:5{i}:04Z" level=debug msg="Skipping endpoint shop.example.com 300 IN A '
      f'198.51.100.20 [] because owner id does not match, found: \\"blue\\", required: \\"green\\""'
      for i in range(4)]
     + [f'time="2024-05-14T09:5{i}:05Z" level=info msg="All records are already up to date"' for i in range(4)],
     "txt-owner-id"),
    # Pools that ran out: docker's subnets, a database's background workers, a connection's channels.
    ([f'May 14 15:0{i}:49 ci-3 dockerd[912]: time="2024-05-14T15:0{i}:49Z" level=error msg="Handler for POST '
      '/v1.44/networks/create returned error: could not find an available, non-overlapping IPv4 address pool '
      'among the defaults to assign to the network"' for i in range(4)]
     + ["May 14 15:09:42 ci-3 systemd[1]: gitlab-runner.service: A process of this unit has been killed by "
        "the OOM killer."],
     "default-address-pools"),
    (["2024-05-10 22:04:14.356 UTC [20419] LOG:  TimescaleDB background worker limit of 8 exceeded"]
     + [f'2024-05-1{i} 02:00:01.893 UTC [20461] WARNING:  failed to launch job 1003 "Compression Policy '
        '[1003]": out of background workers' for i in range(1, 4)]
     + [f"2024-05-1{i} 03:00:01.000 UTC [3{i}] ERROR:  duplicate key value violates unique constraint "
        '"readings_pkey"' for i in range(1, 4)],
     "max_background_workers"),
    # A Sentinel that lost sight of another: the master's failure then never reaches quorum.
    (["1490:X 11 May 2024 03:14:22.517 # +sdown sentinel c3d8 10.20.3.13 26379 @ cache 10.20.3.11 6379",
      "1482:M 11 May 2024 03:10:08.904 * Done loading RDB, keys loaded: 1184211, keys expired: 912.",
      "1490:X 14 May 2024 02:10:46.301 # +sdown master cache 10.20.3.11 6379"]
     + [f"1482:S 14 May 2024 02:1{i}:00.000 # Error condition on socket for SYNC: No route to host"
        for i in range(5)],
     "quorum"),
    (["cannot receive incremental stream: destination backup/db01/pgdata has been modified",
      "since most recent snapshot",
      "mbuffer: error: outputThread: error writing to <stdout> at offset 0x20000: Broken pipe"],
     "readonly=on"),
    (['ts=2024-05-10T21:41:53Z caller=block.go:203 level=warn msg="requested to mark for deletion, but file '
      'already exists; this should not happen; investigate" err="file 01HX/deletion-mark.json already exists"',
      'ts=2024-05-11T04:02:20Z caller=compact.go:1088 level=error msg="critical error detected; halting" '
      'err="compaction: pre compaction overlap check: overlaps found while gathering blocks."'],
     "thanos_compact_halted"),
]  # fmt: skip


def test_client_side_throttling_is_background_beside_a_refused_host_key() -> None:
    lines = [
        f"[pod/kc/manager] I0514 08:5{i}:03.302205 1 request.go:697] Waited for 1.04s due to client-side "
        "throttling, not priority and fairness, request: GET:https://10.0.0.1/apis/apps/v1/deployments"
        for i in range(6)
    ] + [
        f'[pod/sc/manager] {{"level":"error","ts":"2024-05-14T09:0{i}:07Z","msg":"Reconciler error","error":'
        '"failed to checkout and determine revision: unable to clone: ssh: handshake failed: knownhosts: key '
        'mismatch"}'
        for i in range(3)
    ]
    findings = analyse(lines, None, None)["findings"]
    assert "known_hosts" in findings[0].message, findings[0].message
    assert not any("throttling" in f.message for f in findings), findings


def test_an_exception_message_on_several_lines_is_read_whole() -> None:
    """azure-identity lists each credential's reason under the exception line: the reason is there."""
    lines = [
        "2024-05-14 14:09:58,404 ERROR worker.secrets: could not load secret db-password",
        "Traceback (most recent call last):",
        '  File "/app/worker/secrets.py", line 41, in load',
        "    return client.get_secret(name).value",
        "azure.core.exceptions.ClientAuthenticationError: DefaultAzureCredential failed to retrieve a token.",
        "Attempted credentials:",
        "\tEnvironmentCredential: EnvironmentCredential authentication unavailable.",
        "\tWorkloadIdentityCredential: Authentication failed: AADSTS700213: No matching federated identity "
        "record found for presented assertion subject 'system:serviceaccount:billing:worker'.",
        "2024-05-14 14:09:58,405 CRITICAL worker: startup failed: cannot continue without secrets",
    ]
    report = analyse(lines, None, None)
    assert "federated identity credential" in report["findings"][0].message, report["findings"][0].message
    assert report["entries"] == 2


def test_what_the_root_cause_explains_is_not_listed_as_another_problem() -> None:
    node = "ip-10-0-1-5.eu-west-1.compute.internal"
    lines = []
    for i in range(4):
        lines += [
            f"May 14 16:0{i}:12 ip-10-0-1-5 kubelet[2281]: E0514 16:0{i}:12.326507 2281 kubelet_node_status.go:96] "
            f'"Unable to register node with API server" err="Unauthorized" node="{node}"',
            f"May 14 16:0{i}:13 ip-10-0-1-5 kubelet[2281]: E0514 16:0{i}:13.000000 2281 kubelet.go:2400] "
            f'"Error getting node" err="node \\"{node}\\" not found"',
            f"May 14 16:0{i}:14 ip-10-0-1-5 kubelet[2281]: E0514 16:0{i}:14.000000 2281 kubelet.go:2900] "
            '"Container runtime network not ready" networkReady="NetworkReady=false '
            'reason:NetworkPluginNotReady message:Network plugin returns error: cni plugin not initialized"',
        ]
    findings = analyse(lines, None, None)["findings"]
    assert "aws-auth" in findings[0].message, findings[0].message
    assert not any("not initialized" in f.message or "Error getting node" in f.message for f in findings[1:])


QUIET_CAUSES_OF_IDENTITY_MAIL_AND_OS_SERVICES = [
    # Refusals said at info level: the KDC without a key type, an HTTP/1 client answered in HTTP/2.
    ([f"Mar 04 07:5{i}:12 kdc1 krb5kdc[1877](info): TGS_REQ (4 etypes {{aes256-cts-hmac-sha1-96(18)}}) "
      "10.20.4.31: BAD_ENCRYPTION_TYPE: authtime 1709538582, jdoe@CORP for HTTP/reports@CORP, KDC has no "
      "support for encryption type" for i in range(3)]
     + [f"Mar 04 07:5{i}:13 kdc1 krb5kdc[1877](info): AS_REQ (4 etypes) 10.20.4.3{i}: ISSUE: authtime 1, "
        f"u{i}@CORP for krbtgt/CORP@CORP" for i in range(6)],
     "re-key"),
    (['2024-05-14T08:09:47.118Z\tinfo\texporterhelper/retry_sender.go:118\tExporting failed. Will retry. '
      '{"error": "failed to make an HTTP request: Post \\"http://tempo:4317/v1/traces\\": net/http: HTTP/1.x '
      'transport connection broken: malformed HTTP response \\"\\\\x00\\\\x00\\\\x06\\\\x04\\""}']
     + [f'2024-05-14T08:1{i}:00.000Z\terror\texporterhelper/common.go:296\tExporting failed. Rejecting data. '
        '{"error": "sending queue is full"}' for i in range(8)],
     "4318"),
    # Maven's summary at the end names no cause; the blocked mirror, on its own line before it, does.
    (
        [
            "[ERROR] Could not transfer artifact com.example:ledger:jar:1.8.3 from/to maven-default-http-blocker "
            "(http://0.0.0.0/): Blocked mirror for repositories: [corp (http://nexus.internal:8081/r/, default)]",
            "[ERROR] Failed to execute goal on project billing: Could not resolve dependencies for project "
            "com.example:billing:jar:2.14.0",
        ],
        "https://"),
    # IBM MQ says the severity in the message number's last letter.
    (["03/04/2024 02:14:33 AM - Process(2931.1) User(mqm) Program(runmqchl)",
      "AMQ9526E: Message sequence number error for channel 'QM1.TO.QM2'.",
      "03/04/2024 02:15:33 AM - Process(2931.1) User(mqm) Program(runmqchl)",
      "AMQ9526E: Message sequence number error for channel 'QM1.TO.QM2'.",
      "03/04/2024 02:16:00 AM - Process(2931.2) User(mqm) Program(amqrmppa)",
      "AMQ9002I: Channel 'MON.SVRCONN' is starting."],
     "RESET CHANNEL"),
    # One user's password and one OAuth client's callback are theirs; the refused scheme is everyone's.
    ([f'time="2024-03-04T08:4{i}:00Z" level=error msg="Unsuccessful 1FA authentication attempt by user '
      f'\'svc-backup\'" error="invalid credentials" remote_ip=10.0.31.7' for i in range(6)]
     + [f'time="2024-03-04T09:0{i}:00Z" level=error msg="Target URL http://wiki.example.com/ has an insecure '
        "scheme 'http', only the 'https' and 'wss' schemes are supported\" method=GET" for i in range(6)],
     "X-Forwarded-Proto"),
    (["May 14 04:59:06 agent-04 ntpd[812]: time correction of 3912 seconds exceeds sanity limit (1000); set "
      "clock manually to the correct UTC time."]
     + [f'May 14 05:0{i}:26 agent-04 dockerd[90]: level=error msg="Get https://registry.example.com/v2/: x509: '
        'certificate has expired or is not yet valid: current time is before 2024-05-14T05:40:00Z"'
        for i in range(6)],
     "ntpd -gq"),
    (["May 14 22:14:43 app-3 kernel: Out of memory: Kill process 30122 (yum) score 171 or sacrifice child"]
     + [f"May 15 0{i}:00:01 app-3 yum-cron: error: db5 error(-30973) from dbenv->failchk: BDB0087 "
        "DB_RUNRECOVERY: Fatal error, run database recovery" for i in range(6)]
     + [f"May 15 0{i}:00:02 app-3 yum-cron: CRITICAL:yum.main: Error: rpmdb open failed" for i in range(6)],
     "rebuilddb"),
    (["May 14 15:02:27 bastion-02 audit[4540]: AVC avc:  denied  { name_bind } for  pid=4540 comm=\"sshd\" "
      "src=2222 tclass=tcp_socket permissive=0",
      "May 14 15:02:27 bastion-02 sshd[4540]: error: Bind to port 2222 on 0.0.0.0 failed: Permission denied."],
     "semanage port"),
]  # fmt: skip


def test_telegraf_levels_are_read_and_a_debug_line_is_no_error() -> None:
    lines = [
        "2024-05-14T01:58:52Z I! Reloading Telegraf config",
        '2024-05-14T02:00:11Z D! [inputs.disk] [SystemPS] => unable to get disk usage ("/run/user/1000/doc"): '
        "permission denied",
        "2024-05-14T02:00:20Z D! [outputs.influxdb_v2] Wrote batch of 388 metrics in 9.114ms",
    ]
    report = analyse(lines, None, None)
    assert report["levels"] == {"info": 1, "debug": 2}
    assert [f.severity for f in report["findings"]] == ["info"], report["findings"]


def test_a_client_id_taken_over_once_is_a_reconnect_and_again_and_again_a_clash() -> None:
    quiet = [f"2024-03-04T09:0{i}:00: Received PUBLISH from sensor-gw-0{i} (d0, q0, r0, m0, 'plant/a', ...)"
             for i in range(8)]  # fmt: skip
    once = [*quiet, "2024-03-04T09:59:53: Client sensor-gw-01 already connected, closing old connection."]
    assert analyse(once, None, None)["findings"][0].severity == "info"
    again = quiet + [
        f"2024-03-04T10:0{i}:24: Client sensor-gw-01 already connected, closing old connection."
        for i in range(4)
    ]
    top = analyse(again, None, None)["findings"][0]
    assert top.severity != "info" and "client id" in top.message, top.message


def test_routine_noise_of_mail_schedulers_and_boot_is_no_problem() -> None:
    lines = [
        "2024-03-04 06:07:18 SMTP connection from [10.0.6.223]:55600 lost (error: Connection reset by peer) D=0s",
        "2024-03-04 06:07:19 1rhyKQ-h2BHwX-nT <= a@example.com H=app02.internal [10.0.2.32] P=esmtp S=25500",
        "[2024-05-14T05:55:54.246] Time limit exhausted for JobId=2291020",
        "May 14 02:10:05 db-03 systemd[1]: systemd-networkd-wait-online.service: Main process exited, "
        "code=exited, status=1/FAILURE",
    ]
    assert [f.severity for f in analyse(lines, None, None)["findings"]] == ["info"]


QUIET_CAUSES_OF_STORAGE_TUNNELS_AND_PLATFORMS = [
    # What fills a disk, behind the "No space left on device" everyone sees.
    (["May 20 23:00:02 nas01 sanoid[58341]: cannot destroy snapshot tank/pg@autosnap_2024-03-02_daily: "
      "dataset is busy"]
     + [f"May 21 06:4{i}:43 nas01 postgres[52193]: ERROR: could not extend file \"base/16384/2460112\": No space "
        "left on device" for i in range(6)],
     "zfs release"),
    (["2024-04-26 14:02:11,270 [myid:] - INFO  [main:o.a.z.s.DatadirCleanupManager@101] - Purge task is not "
      "scheduled."]
     + [f"2024-05-17 02:1{i}:41,310 [myid:2] - ERROR [SyncThread:2] - Severe unrecoverable error: "
        "java.io.IOException: No space left on device" for i in range(4)],
     "autopurge"),
    # Why a tunnel's addresses are unreachable, a mount is dead, writes stall, the members are down.
    (["May 23 05:12:06 nas02 wg-quick[455]: Name or service not known: `hub.vpn.example.net:51820'",
      "May 23 05:12:06 nas02 wg-quick[455]: Configuration parsing error",
      "May 23 05:12:06 nas02 systemd[1]: Failed to start wg-quick@wg0.service - WireGuard via wg-quick(8) for wg0."]
     + [f"May 23 0{i}:00:04 nas02 push.sh[9]: rsync: failed to connect to 10.99.0.1: No route to host (113)"
        for i in range(6, 10)],
     "network-online"),
    (["May 28 10:42:03 media02 s3fs[3121]: curl.cpp:RequestPerform(2527): ### CURLE_COULDNT_RESOLVE_HOST"]
     + [f"May 28 10:4{i}:27 media02 thumbs[88]: ERROR worker-4 [Errno 107] Transport endpoint is not connected: "
        f"'/mnt/media/{i}.jpg'" for i in range(4, 9)],
     "use_path_request_style"),
    (["2024/05/16-08:00:01.100572 7f2c1b7fe640                 Options.disable_auto_compactions: 1"]
     + [f"2024/05/16-09:1{i}:50.214294 7f2c1b7fe640 [WARN] [db/column_family.cc:1006] [default] Stalling writes "
        f"because we have {20 + i} level-0 files rate 8388608" for i in range(5)],
     "auto compaction"),
    (['Jan 10 02:58:41 lb-1 notice mcpd[6789]: 01070417:5: AUDIT - client tmsh - modify { ltm monitor http '
      '/Common/mon_shop { send "GET /health HTTP/1.1\\r\\n\\r\\n" } } [Status=Command OK]']
     + [f"Jan 10 02:58:5{i} lb-1 notice mcpd[6789]: 01070638:5: Pool /Common/shop member /Common/10.30.4.2{i}:8443 "
        "monitor status down. [ /Common/mon_shop: down; last error: Response Code: 400 (Bad Request) ]"
        for i in range(3)],
     "Host header"),
    (["2024-04-02 01:05:00,019 WARN  [com.arjuna.ats.arjuna] (Transaction Reaper) ARJUNA012117: "
      "TransactionReaper::check timeout for TX 0:ffff0a140b21:1f8e in state  RUN",
      "2024-04-02 01:05:07,300 ERROR [org.jboss.as.ejb3.invocation] (Batch-Thread-3) WFLYEJB0034: invocation "
      "failed: jakarta.transaction.RollbackException: ARJUNA016102: The transaction is not active!"],
     "transaction timeout"),
    # Vacuum that removes nothing of a million dead rows: an old xmin, most often a forgotten slot.
    (
        [
            "2024-05-07 03:37:19.950 UTC [1902] LOG:  automatic vacuum of table \"orders.public.order_events\"",
            "\ttuples: 0 removed, 48393733 remain, 2204113 are dead but not yet removable",
            "\tremovable cutoff: 881234512, which was 2311887 XIDs old when operation ended",
            '2024-05-07 04:00:00.000 UTC [4417] replicator@[unknown]/[unknown] FATAL:  no pg_hba.conf entry for '
            'replication connection from host "10.20.8.15", user "replicator", no encryption',
        ],
        "pg_replication_slots",
    ),
    # Trust and identity: a machine account rolled back, an NFSv4 domain that differs.
    ([f"May 20 06:41:1{i} files01 winbindd[1098]:   cm_connect_netlogon_transport: rpccli_setup_netlogon_creds "
      "failed for CORP, unable to setup NETLOGON credentials: NT_STATUS_ACCESS_DENIED" for i in range(3)]
     + ["Mar 25 23:14:52 files01 chronyd[610]: Can't synchronise: no selectable sources"],
     "net ads join"),
    ([f"May 22 08:0{i}:13 app01 nfsidmap[911]: nss_getpwnam: name 'deploy@corp.example.com' does not map into "
      "domain 'localdomain'" for i in range(3)]
     + [f"May 22 08:1{i}:50 app01 gunicorn[1212]: [ERROR] uploads: failed to finalize /srv/up/{i}.pdf: [Errno 22] "
        "Invalid argument" for i in range(6)],
     "idmapd.conf"),
]  # fmt: skip


def test_routine_noise_of_guests_java_clients_and_portals_is_no_problem() -> None:
    lines = [
        "2024-03-14 02:00:04 libvirtd[1]: error : Guest agent is not responding: QEMU guest agent is not connected",
        "2024-03-14 02:00:05 snmpd[77]: Cannot statfs /run/user/1000/doc: Permission denied",
        "2024/05/24 09:03:16 kid1| ERROR: failure while accepting a TLS connection on conn12 local=10.0.0.1:3129",
        "[2024-05-31T22:10:49,055][WARN ][o.o.m.j.JvmGcMonitorService] [os-data-2] [gc][14] overhead, spent [1.1s] "
        "collecting in the last [1.8s]",
    ]
    assert [f.severity for f in analyse(lines, None, None)["findings"]] == ["info"]


QUIET_CAUSES_OF_PLATFORM_TOOLS_AND_WINDOWS = [
    # Refusals with a meaning, and the wrappers they explain.
    ([f"2024-06-03 08:0{i}:30.251262+00:00 [error] <0.22000.4> Error on AMQP connection <0.22000.4> "
      "(10.42.7.31:49489 -> 10.42.2.15:5672, user: 'keda', state: opening)" for i in range(6)]
     + ["2024-06-03 08:00:30.251300+00:00 [error] <0.22000.4> access to vhost 'billing' refused for user 'keda'"],
     "set_permissions"),
    (["Sep 24 06:12:14 ctl-1 boundary[41022]: Database schema must be updated to use this version. Run "
      "'boundary database migrate' to update the database."]
     + [f"Sep 24 06:1{i}:20 lb-1 haproxy[77]: [WARNING] (77) : Server boundary_api/ctl-1 is DOWN, reason: Layer4 "
        "connection problem, info: \"Connection refused\"" for i in range(3, 8)],
     "boundary database migrate"),
    (["[   12.902517] cloud-init[611]: 2024-08-19 07:05:04,655 - util.py[WARNING]: Used fallback datasource"]
     + [f"[07:0{i}:31] ubuntu@10.20.4.37: Permission denied (publickey)." for i in range(6)],
     "datasource_list"),
    (["sudo: unable to resolve host lon-web-02: Temporary failure in name resolution"]
     + [f'fatal: [web-0{i}.lon.internal]: FAILED! => {{"msg": "Timeout (12s) waiting for privilege escalation '
        'prompt: "}}' for i in range(1, 5)],
     "/etc/hosts"),
    (["2024-05-11 22:41:02  Information  7040  Service Control Manager  The start type of the SQL Server Agent "
      "(MSSQLSERVER) service was changed from auto start to demand start."]
     + [f"2024-05-1{i} 02:00:00 Logon Login failed for user 'reporting_ro'. Reason: Failed to open the explicitly "
        "specified database 'SalesDW_old'. [CLIENT: 10.20.3.44]" for i in range(2, 6)],
     "start type"),
    (['time="2024-06-03T08:00:30Z" level=error msg="Unable to contact k8s api-server" error="Get '
      '\\"https://10.96.0.1:443/api/v1/namespaces/kube-system\\": dial tcp 10.96.0.1:443: i/o timeout"']
     + [f"kube-system 1m{i}s Warning FailedCreatePodSandBox pod/web-{i} Failed to create pod sandbox: plugin "
        'type="cilium-cni" failed (add): unable to connect to Cilium daemon' for i in range(5)],
     "k8sServiceHost"),
]  # fmt: skip


def test_gunicorns_perhaps_out_of_memory_is_not_the_oom_killer() -> None:
    lines = [f"[2024-05-15 14:05:2{i} +0000] [1] [ERROR] Worker (pid:1{i}) was sent SIGKILL! Perhaps out of memory?"
             for i in range(3)]  # fmt: skip
    report = analyse(lines, None, None)
    assert not any("the kernel killed" in f.message for f in report["findings"]), report["findings"]


def test_a_drains_own_evictions_and_its_lock_are_routine() -> None:
    lines = [
        '[pod/kured-4k2xq/kured] time="2024-11-12T01:00:13Z" level=info msg="evicting pod shop/cart-6b7c8d9e5f"',
        '[pod/kured-b8rn4/kured] time="2024-11-12T01:00:40Z" level=warning msg="Lock already held: wk-01"',
        '[pod/kured-4k2xq/kured] time="2024-11-12T01:05:13Z" level=info msg="Uncordoning node wk-01"',
    ]
    assert [f.severity for f in analyse(lines, None, None)["findings"]] == ["info"]


QUIET_CAUSES_OF_NAME_SERVICES_BACKUPS_AND_HOSTS = [
    # Name services: a resolver without upstreams, DNSSEC the servers do not speak, a stale hosts line.
    (["Jun  3 06:07:44 gw-02 dnsmasq[31909]: ignoring nameserver 127.0.0.1 - local interface",
      "Jun  3 06:07:44 gw-02 dnsmasq[31909]: no servers found in /etc/resolv.conf, will retry"]
     + [f"Jun  3 06:1{i}:00 gw-02 pos-sync: curl: (6) Could not resolve host: api.payments.example.com"
        for i in range(6)],
     "upstream server"),
    (["Mar 12 02:11:06 app-07 systemd-resolved[20433]: DNSSEC validation failed for question db.corp.example.com "
      "IN A: incompatible-server"]
     + [f"Mar 12 02:1{i}:07 app-07 orders[9]: ERROR could not translate host name \"db.corp.example.com\" to "
        "address: Temporary failure in name resolution" for i in range(1, 6)],
     "allow-downgrade"),
    (["Jun  4 09:29:54 lab-gw01 dnsmasq-dhcp[2231]: not giving name web01.lab.example.internal to the DHCP lease "
      "of 10.44.0.127 because the name exists in /etc/hosts with address 10.44.0.21"]
     + [f"Jun  4 09:3{i}:00 lab-gw01 dnsmasq-dhcp[2231]: DHCPACK(eth1) 10.44.0.1{i} 52:54:00:aa:bb:0{i} host{i}"
        for i in range(5)],
     "stale hosts entry"),
    (["2024-06-05T10:02:31+0200 warning: [corp.example.net.] zone file changed without SOA serial update",
      "2024-06-05T10:02:31+0200 info: [corp.example.net.] zone file loaded"],
     "bump the serial"),
    # DHCP failover and load balancers: why clients get no lease, why a backend has no server.
    (["Jun  6 02:14:55 dhcp-a dhcpd[1377]: failover peer dhcp-failover: I move from normal to "
      "communications-interrupted"]
     + [f"Jun  6 07:2{i}:50 dhcp-a dhcpd[1377]: DHCPDISCOVER from 52:54:00:de:8e:4{i} via 10.50.12.1: peer holds "
        "all free leases" for i in range(5)],
     "partner-down"),
    (["Jun  6 14:01:44 lb02 haproxy[2231]: [WARNING]  (2231) : Server be/orders1 is going DOWN for maintenance "
      "(DNS NX status). 0 active and 0 backup servers left."]
     + [f"Jun  6 14:0{i}:50 lb02 haproxy[2231]: [ALERT]    (2231) : backend 'be' has no server available!"
        for i in range(2, 5)],
     "no longer resolve"),
    # Backups that stop for want of a volume, a confirmation, or files a lifecycle rule removed.
    ([f"06-Jun 23:1{i} backup-sd JobId 479{i}: Job web01.2024-06-06 is waiting. Cannot find any appendable "
      "volumes." for i in range(4)]
     + ["04-Jun 23:27 backup-dir JobId 4794: Fatal error: bsockcore.c:209 Unable to connect to Client: laptop07-fd "
        "on laptop07.example.internal:9102. ERR=Connection refused"],
     "label new volumes"),
    (["Jun  7 01:30:06 web03 borg-nightly.sh[182065]: Warning: The repository at location ssh://borg@b02/./web03 "
      "was previously located at ssh://borg@nas01/./web03",
      "Jun  7 01:30:06 web03 borg-nightly.sh[182065]: Repository access aborted",
      "Jun  7 01:30:06 web03 systemd[1]: borg-nightly.service: Main process exited, code=exited, status=2/INVALIDARGUMENT"],
     "BORG_RELOCATED_REPO_ACCESS_IS_OK"),
    # Host plumbing: udev without its group, a bind source that is a directory, a full file table.
    (["Apr  6 05:40:53 dbora-02 systemd-udevd[842]: /etc/udev/rules.d/99-oracle-asmdevices.rules:1 Unknown group "
      "'asmadmin', ignoring."]
     + [f"Apr  6 05:4{i}:16 dbora-02 oracle[9]: ORA-27041: unable to open file, Linux-x86_64 Error: 13: Permission "
        "denied" for i in range(2, 8)],
     "re-trigger udev"),
    ([f"2025/05/19 18:5{i}:48 [crit] 1191#1191: accept4() failed (23: Too many open files in system)"
      for i in range(5)],
     "fs.file-max"),
    (["2024/06/10 10:13:58 relay-02 Error response from daemon: failed to create task for container: runc create "
      "failed: error mounting \"/srv/relay/conf/haproxy.cfg\" to rootfs: not a directory: Are you trying to mount "
      "a directory onto a file (or vice-versa)?"]
     + [f"2024/06/10 10:14:0{i} [wait-healthy] smtp check 10.100.2.21:587 -> connect: connection refused"
        for i in range(6)],
     "copy the real file"),
]  # fmt: skip


def _event_row(when: str, event: int, level: str, source: str, message: str) -> str:
    """A row of PowerShell's Get-WinEvent | Format-Table (TimeCreated, Id, LevelDisplayName, ...)."""
    return f"{when} {event:>5} {level:<16} {source:<37} {message}"


QUIET_CAUSES_OF_CMSS_HARDWARE_AND_SMALL_OFFICE_SERVERS = [
    # CMSs and Git hosting: a Host header not trusted, an old host's directory, hooks and webhooks.
    ([f"Mar 14 09:1{i}:48 web01 drupal: https://shop.example.com|171040738{i}|php|10.20.0.15|https://shop."
      "example.com/node/7||0||UnexpectedValueException: The provided host name is not valid for this server. in "
      "Symfony\\Component\\HttpFoundation\\Request->getHost()" for i in range(4)]
     + [f"Mar 14 09:2{i}:00 web01 drupal: https://www.example.com|171040800{i}|page not found|192.0.2.7|https://"
        "www.example.com/node/12||0||/wp-login.php" for i in range(6)],
     "trusted_host_patterns"),
    ([f"2024-02-20T10:1{i}:47+00:00\tWARNING 10.30.0.12\tjerror\tJoomla\\CMS\\Filesystem\\Folder::create: Could not "
      "create folder.Path: /home/oldhostacct/public_html/tmp/install_65d4" for i in range(4)]
     + [f"2024-02-20T10:2{i}:00+00:00\tWARNING 192.0.2.201\tjerror\tPage not found: /wp-login.php" for i in range(8)],
     "tmp_path"),
    ([f"2024/03/21 14:0{i}:07 ...rs/web/repo/githttp.go:485:serviceRPC() [E] Fail to serve RPC(receive-pack) in "
      "/data/git/repositories/web/site.git: exit status 1 - remote: hooks/pre-receive.d/gitea: line 2: "
      "/usr/local/bin/gitea: No such file or directory" for i in range(4)],
     "regenerate hooks"),
    ([f"2024/03/22 09:0{i}:08 ...ices/webhook/deliver.go:253:Deliver() [E] Unable to deliver webhook task[18{i}]: "
      "dial tcp 10.0.4.20:8080: webhook can only call allowed HTTP servers (check your webhook.ALLOWED_HOST_LIST "
      "setting), deny 'jenkins.internal(10.0.4.20:8080)'" for i in range(3)]
     + [f"2024/03/22 09:1{i}:44 ...ers/web/auth/auth.go:217:SignInPost() [W] Failed authentication attempt for "
        f"admin from 203.0.113.15{i}:0: user does not exist" for i in range(6)],
     "ALLOWED_HOST_LIST"),
    # Hardware: a disk failing, a power supply without input, a RAID cache without its battery.
    ([f"Mar 10 01:0{i}:07 files01 nas-backup[23101]: rsync: [sender] read errors mapping \"/srv/share/f{i}.dwg\": "
      "Input/output error (5)" for i in range(4)]
     + ["Mar 10 01:23:11 files01 systemd[1]: nas-backup.service: Main process exited, code=exited, status=23/n/a",
        "Mar 10 01:53:20 files01 smartd[812]: Device: /dev/sdb [SAT], 8 Currently unreadable (pending) sectors"],
     "replace the disk"),
    (["-" * 40, "Message ID      = RDU0012", "Severity        = Critical", "Timestamp       = 2024-03-27 02:14:07",
      "Message         = Power supply redundancy is lost.", "-" * 40, "Message ID      = PSU0003",
      "Severity        = Critical", "Timestamp       = 2024-03-27 02:14:07",
      "Message         = The power input for power supply 2 is lost.", "FQDD            = PSU.Slot.2"],
     "PDU"),
    (["Mar 19 12:00:05 pgdb01 amsd[1442]: Event: Smart Storage Battery failure (Battery 1). Action: Replace the "
      "battery.",
      "Mar 19 12:00:12 pgdb01 hpe-raid-check[2281]: Cache Status: Temporarily Disabled, Cache Status Details: "
      "Cache disabled due to failed backup power source"]
     + [f"Mar 19 12:1{i}:58 pgdb01 postgres[4442{i}]: [19-1] app@shop LOG:  duration: 571{i}.314 ms  statement: "
        "COMMIT" for i in range(5)],
     "write cache"),
    # A small company's estate: an upgrade half done, a guest agent, a firewall's states, a
    # resolver restarted per lease, a backup reading whole disks, Windows' own reports.
    (['{"reqId":"a","level":3,"time":"2024-05-14T02:15:21+00:00","app":"calendar","message":"Database error '
      "when running migration 4800Date20240412101526 for app calendar: SQLSTATE[42S01]: Base table or view "
      "already exists: 1050 Table 'oc_calendar_reminders' already exists\"}",
      '{"reqId":"b","level":1,"time":"2024-05-14T02:15:22+00:00","app":"core","message":"Update failed. Exit '
      'code 1. Maintenance mode is kept active"}'],
     "maintenance:mode --off"),
    (["2024-05-20 02:04:30 ERROR: VM 105 qmp command 'guest-fsfreeze-freeze' failed - got timeout",
      "2024-05-20 02:04:40 ERROR: VM 105 qmp command 'guest-fsfreeze-thaw' failed - got timeout",
      "2024-05-20 02:04:40 ERROR: Backup of VM 105 failed - VM 105 qmp command 'cont' failed - got timeout",
      "2024-05-20 02:04:42 TASK ERROR: job errors"],
     "guest agent"),
    ([f'<13>1 2024-09-10T10:0{i}:04+02:00 fw01.office.internal kernel - [meta sequenceId="9{i}"] [zone: pf '
      "states] PF states limit reached" for i in range(5)],
     "Firewall Maximum States"),
    ([line for i in range(4) for line in (
        f"Oct  7 08:1{i}:11 pfsense dhcpleases[39811]: Sending HUP signal to dns daemon(61230)",
        f"Oct  7 08:1{i}:11 pfsense unbound[61230]: [61230:0] notice: Restart of unbound 1.19.3.")],
     "Register DHCP leases"),
    (["05.03.2024 22:05:03 Warning  CBT data is invalid, failing over to legacy incremental backup. [FS01]",
      "06.03.2024 06:00:03 Warning  Job has exceeded the backup window and is being stopped",
      "06.03.2024 06:00:03 Error    Processing RDS01 Error: Job stopped by backup window",
      "06.03.2024 06:00:03 Failed   Job finished at 06.03.2024 06:00:03 with 1 error(s), 1 warning(s)"],
     "reset CBT"),
    ([_event_row(f"18/11/2024 09:{i}0:12", 1000, "Error", "Application Error", "Faulting application name: "
                 "spoolsv.exe, version: 10.0.20348.2227, Faulting module name: KXPrtDrvUI.dll, version: 8.4.1716.0")
      for i in range(1, 4)]
     + [_event_row(f"18/11/2024 09:{i}0:13", 7031, "Error", "Service Control Manager", "The Print Spooler "
                   "service terminated unexpectedly.") for i in range(1, 4)],
     "printer driver"),
    ([_event_row("12/02/2024 06:02:40", 6008, "Error", "EventLog", "The previous system shutdown at 05:48:11 on "
                 "12/02/2024 was unexpected."),
      _event_row("12/02/2024 06:04:40", 2213, "Warning", "DFSR", "The DFS Replication service stopped replication "
                 "on volume D:. This occurs when a DFSR JET database is not shut down cleanly and Auto Recovery "
                 "is disabled.")]
     + [_event_row(f"12/02/2024 1{i}:46:40", 4202, "Warning", "DFSR", "The DFS Replication service has detected "
                   "that the staging space in use for the replicated folder at local path D:\\Scans is above the "
                   "high watermark.") for i in range(4)],
     "ResumeReplication"),
    ([_event_row(f"15/01/2024 0{i}:00:46", 25, "Warning", "volsnap", "The shadow copies of volume D: were "
                 "aborted because the shadow copy storage could not grow due to a user imposed limit.")
      for i in range(3)],
     "resize shadowstorage"),
    (["Apr 02 07:58:01 gw-branch tailscaled[812]: Warning: IP forwarding is disabled, subnet routing/exit nodes "
      "will not work. See https://tailscale.com/s/ip-forwarding"]
     + [f"Apr 02 08:0{i}:03 gw-branch tailscaled[812]: magicsock: derp-4 connected" for i in range(5)],
     "net.ipv4.ip_forward=1"),
]  # fmt: skip


def test_a_cms_s_own_404s_and_403s_and_scanners_logins_are_background() -> None:
    lines = (
        [f" 4831{i}  12/Mar 07:0{i}   access denied     Warning    /admin/config" for i in range(4)]
        + [f" 4830{i}  12/Mar 08:0{i}   page not found    Warning    /wp-login.php" for i in range(6)]
        + [f"2024/03/22 09:1{i}:44 ...ers/web/auth/auth.go:217:SignInPost() [W] Failed authentication attempt for "
           f"admin from 203.0.113.15{i}:0: user does not exist" for i in range(5)]
        + ["Mar 14 09:08:46 web01 systemd[1]: Reloading nginx.service - A high performance web server."]
    )  # fmt: skip
    assert [f.severity for f in analyse(lines, None, None)["findings"]] == ["info"]


def test_a_resolver_restarted_once_for_a_lease_is_no_problem() -> None:
    lines = ["Oct  7 08:01:11 pfsense dhcpleases[39811]: Sending HUP signal to dns daemon(61230)"]
    assert [f.severity for f in analyse(lines, None, None)["findings"]] == ["info"]


def test_a_job_s_tally_of_errors_is_not_its_cause() -> None:
    lines = [
        "2024-05-20 02:04:30 ERROR: upload of archive 7 failed: connection refused by backup.internal",
        "2024-05-20 02:04:42 TASK ERROR: job errors",
        "2024-05-20 02:04:42 INFO: Backup job finished with errors",
    ]
    top = analyse(lines, None, None)["findings"][0]
    assert "connection refused" in top.message, top.message


QUIET_CAUSES_OF_PIPELINES_GPUS_IOT_AND_HPC = [
    # Data pipelines: a DAG at its run limit (the SMTP failure of its SLA mail is not the cause), a
    # data-quality gate, inserts outrunning merges.
    ([f"[2024-05-14T0{i}:59:07.846+0000] {{scheduler_job_runner.py:1449}} INFO - DAG etl_orders is at (or above) "
      "max_active_runs (1 of 1), not creating any more runs" for i in range(1, 5)]
     + ["[2024-05-14T02:14:05.464+0000] {email.py:282} ERROR - Failed to send email to: ['oncall@example.com']",
        "ConnectionRefusedError: [Errno 111] Connection refused"],
     "stuck on a sensor"),
    (["2024-05-14 06:10:24,755 WARNING gx_runner: slack webhook https://hooks.slack.example.com/services/FAKE "
      "returned 429 Too Many Requests, retrying in 2s",
      "2024-05-14 06:10:26,140 ERROR gx_runner: Checkpoint orders_daily FAILED: suite orders.critical 10/11 "
      "expectations passed, 1 failed (expect_column_values_to_not_be_null on customer_id)"],
     "data-quality check"),
    ([f"2024.05.14 10:4{i}:06.002261 [ 1693 ] {{03874ffe}} <Warning> analytics.events (3f9e1c22): Delaying "
      f"inserting block by 7{i}9 ms. because there are 27{i}9 parts and their average size is 14.36 KiB"
      for i in range(5)],
     "async_insert"),
    # GPUs and model serving: uncorrectable memory errors, a model on the CPU, FFmpeg without VAAPI.
    (["May 14 06:43:46 gpu-node-07 kernel: NVRM: Xid (PCI:0000:3b:00): 48, pid='<unknown>', name=<unknown>, An "
      "uncorrectable double bit error (DBE) has been detected on GPU in the framebuffer at partition 6.",
      "May 14 06:43:47 gpu-node-07 train-runner[88104]: job=llm-ft-2211 torch.distributed.elastic.multiprocessing."
      "api: [ERROR] failed (exitcode: 1) local_rank: 3 (pid: 88121) of binary: /usr/bin/python3"],
     "nvidia-smi -r"),
    (["2024-05-14 07:58:03.904 1 kserve INFO [model.py:load():61] Selected device=cpu (torch.cuda.is_available()="
      "False, CUDA_VISIBLE_DEVICES=unset)"]
     + [f"2024-05-14 08:0{i}:14.381 1 kserve WARNING [batcher.py:_batch_loop():88] pending requests 98 exceed "
        "max_batch_size 32; batch latency 10.0s" for i in range(4)],
     "runs on the CPU"),
    (["[I 240514 12:59:10 __init__:362] Culling server cmendez (inactive for 00:13:36)",
      "[I 240514 13:03:26 __init__:203] Culling server bkumar (inactive for 00:11:26)",
      "[E 2024-05-14 13:04:45.911 JupyterHub base:1442] Failed to connect to http://10.42.2.27:8888/user/bkumar/ "
      "(user bkumar server stopped while request in flight)"],
     "--timeout"),
    (["[AVHWDeviceContext @ 0x5606c1a4e2c0] No VA display found for device /dev/dri/renderD128.",
      "Device creation failed: -22.",
      "[2024-05-14 19:58:40.411 +00:00] [ERR] [57] Jellyfin.Api.Helpers.TranscodingJobHelper: FFmpeg exited with "
      "code 187"],
     "/dev/dri"),
    # IoT: a broker on localhost only, a USB adapter gone, a node package without its binding, a token refused.
    (["mosquitto      | 1718562005: Starting in local only mode. Connections will only be possible from clients "
      "running on this machine."]
     + [f"zigbee2mqtt    | [2024-06-16 18:2{i}:14] error: \tz2m: MQTT error: connect ECONNREFUSED 172.22.0.2:1883"
        for i in range(5)],
     "listener 1883"),
    ([f"[2024-06-17 02:3{i}:44] error: \tz2m: Error: Error while opening serialport 'Error: Error: No such file or "
      "directory, cannot open /dev/serial/by-id/usb-ITead_Dongle_Plus-if00-port0'" for i in range(5, 9)]
     + ["npm ERR! code ELIFECYCLE", "npm ERR! errno 1"],
     "the USB device"),
    (["19 Jun 05:30:04 - [warn] [node-red-contrib-modbus/modbus-client] Error: Could not locate the bindings file.",
      "19 Jun 05:30:04 - [warn] Missing node modules:",
      "19 Jun 05:49:05 - [error] [http request:fetch tariff] Error: getaddrinfo EAI_AGAIN api.tariffs.example.net"],
     "npm rebuild"),
    ([f"2024-06-20T10:4{i}:10Z E! [outputs.influxdb_v2] When writing to [https://influx.example.internal:8086/api/v2/"
      "write]: failed to write metric to plant_edge (will be dropped: 401 Unauthorized): unauthorized: "
      "unauthorized access" for i in range(5, 9)]
     + [f"2024-06-20T10:4{i}:20Z E! [inputs.diskio] Error in plugin: error reading /dev/mmcblk0boot0: no such file "
        "or directory" for i in range(5, 9)],
     "issue a new token"),
    # HPC and big data: a queue's AM limit, an OST lost, a gRPC size limit, a reservation, a proxy name.
    ([f"2024-06-22 08:0{i}:56,051 INFO org.apache.hadoop.yarn.server.resourcemanager.scheduler.capacity.LeafQueue: "
      "Not activating application application_17190_0197 as  amIfStarted: <memory:8192, vCores:4> exceeds "
      "amLimit: <memory:6144, vCores:1>" for i in range(4)],
     "maximum-am-resource-percent"),
    (["Jun 21 03:33:49 cn042 kernel: Lustre: scratch-OST0007-osc-ffff8f2a: Connection to scratch-OST0007 (at "
      "10.10.0.27@o2ib) was lost; in progress operations using this service will wait for recovery to complete"]
     + [f"Jun 21 03:3{i}:39 cn042 kernel: INFO: task ior:4830{i} blocked for more than 120 seconds."
        for i in range(6, 9)],
     "lctl ping"),
    ([f"2024-06-24T12:0{i}:32.563Z\terror\texporterhelper/queue_sender.go:101\tExporting failed. Dropping data.\t"
      '{"error": "not retryable error: Permanent error: rpc error: code = ResourceExhausted desc = grpc: received '
      'message after decompression larger than max (5383724 vs. 4194304)"}' for i in range(4)],
     "max_recv_msg_size"),
    (["[2024-06-19T14:02:47.096] Created reservation=maint_0620 accounts=(null) users=root nodes=cn[001-064] "
      "start=2024-06-20T06:00:00 end=2024-06-20T18:00:00",
      "[2024-06-19T14:07:16.768] error: Nodes cn017 not responding",
      "[2024-06-19T14:16:43.059] error: slurm_receive_msg [10.1.0.83:58802]: Zero Bytes were transmitted or received",
      "[2024-06-19T15:43:40.676] Node cn017 now responding",
      "[2024-06-19T15:48:30.351] error: _shutdown_bu_thread:send/recv slurmctld-backup.example.internal: Connection "
      "refused"],
     "scontrol show reservation"),
    ([f"   1024:20240623:09{i}054.474 cannot send proxy data to server at \"zbx.example.internal\": proxy "
      "\"edge-proxy-02\" not found" for i in range(4)]
     + ["   1027:20240623:090001.162 proxy #8 started [unreachable poller #1]"],
     "Hostname="),
    # VoIP: the carrier's gateway down, behind the internet's SIP scanners.
    ([f"2024-06-14 10:0{i}:28.061305 [WARNING] sofia_reg.c:1882 SIP auth failure (REGISTER) on sofia profile "
      f"'internal' for [admin@203.0.113.77] from ip 203.0.113.20{i}" for i in range(6)]
     + [f"93489bd6 2024-06-14 10:0{i}:53.394869 [ERR] mod_sofia.c:5196 Gateway 'carrier-a' is down!"
        for i in range(4, 8)],
     "GATEWAY_DOWN"),
]  # fmt: skip


QUIET_CAUSES_OF_GATEWAYS_PAYMENTS_AND_SEARCH = [
    # Gateways and meshes: targets all unhealthy behind a rate limiter doing its job, a route the
    # schema refused behind scanners' 404s, a mesh policy refusing a client, a token's permission.
    ([f"2024/05/14 08:5{i}:04 [error] 2284#0: *3115{i} [kong] handler.lua:80 [rate-limiting] API rate limit exceeded "
      f"for consumer mobile-app-ios, client: 203.0.113.14, server: kong" for i in range(3)]
     + [f"2024/05/14 08:5{i}:40 [error] 2284#0: *3116{i} [kong] balancer.lua:331 failure to get a peer from the "
        "ring-balancer: balancer 'orders-svc.upstream' has no healthy targets, client: 10.0.4.7, server: kong"
        for i in range(6, 9)],
     "health checks marked every target"),
    ([f"2024/05/14 10:0{i}:54 [error] 52#53: *8093{i} [lua] init.lua:565: http_access_phase(): 404 Route Not Found, "
      f"client: 198.51.100.2{i}, server: _, request: \"GET /wp-admin/ HTTP/1.1\"" for i in range(6)]
     + ["2024/05/14 09:58:02 [error] 45#45: *2 [lua] config_etcd.lua:555: sync_data(): failed to check item data of "
        "[/apisix/routes] err:failed to check the configuration of plugin limit-count err: property \"count\" "
        "validation failed: expected 0 to be greater than 0"],
     "never loaded"),
    ([f"[8644{i}.335357s]  INFO ThreadId(02) inbound:server{{port=8080}}: linkerd_app_inbound::policy::http: Request "
      "denied server.group=policy.linkerd.io server.kind=server server.name=payments-api-http" for i in range(5)],
     "AuthorizationPolicy"),
    ([f"2024-05-14T11:0{i}:13.161Z [ERROR] agent.envoy: Error handling ADS delta stream: xdsVersion=v3 error=\"rpc "
      "error: code = PermissionDenied desc = Permission denied: token with AccessorID '3f2a' lacks permission "
      "'service:write' on \"orders-api\"\"" for i in range(4)]
     + [f"2024-05-14T11:0{i}:13.161Z [WARN]  agent: Check is now critical: check=service:reports error=\"Get "
        "\\\"http://10.10.4.22:8090/status\\\": dial tcp 10.10.4.22:8090: connect: connection refused\"" for i in range(5)],
     "give the token's policy"),
    # Payments and push: a webhook key changed on one side, a sandbox gateway, APNs auth in Firebase.
    (["2024-05-14 13:11:07.856  INFO 1 --- [config-watch-1] c.e.shop.config.SecretReloader : Reloaded secret "
      "payments/adyen-webhook (keys: hmacKey)"]
     + [f"2024-05-14 13:1{i}:12.597  WARN 1 --- [nio-8080-exec-1] c.e.shop.payments.AdyenWebhookController : HMAC "
        f"signature validation failed for notification pspReference=0MJUK{i}; rejecting with 401" for i in range(1, 5)]
     + [f"2024-05-14 13:1{i}:28.058 ERROR 1 --- [scheduling-2] c.e.shop.mail.OrderMailer : Could not send "
        f"confirmation for ORD-4615{i}: order not in state PAID" for i in range(2, 6)],
     "same key on both sides"),
    (["2024-05-14 18:32:42,808 INFO [checkout.payments] Braintree gateway configured: environment=sandbox "
      "merchant_id=exmplmerchprod01"]
     + [f"2024-05-14 18:3{i}:08,748 ERROR [checkout.payments] client_token.generate failed for customer c_6920{i}: "
        "braintree.exceptions.authentication_error.AuthenticationError" for i in range(3, 7)],
     "set the environment to production"),
    ([f'{{"level": 50, "time": 171567001{i}422, "msg": "send failed", "platform": "ios", "errorInfo": {{"code": '
      '"messaging/third-party-auth-error", "message": "Auth error from APNS or Web Push Service"}}' for i in range(5)],
     "APNs auth key"),
    # Directory, CI and search: a replica id twice, a key the server no longer knows, a paused
    # pipeline, an optimize, a payload limit, a retention flag, a bridge without its address.
    ([f"[14/May/2024:06:0{i}:29.236247000 +0000] - ERR - NSMMReplicationPlugin - acquire_replica - agmt=\"cn=ipa1-to-"
      "ipa3\" (ipa3:389): Unable to acquire replica: the replica has the same Replica ID as this one. Replication is "
      "aborting." for i in range(4)],
     "its own ID"),
    ([f'{{"timestamp": "2024-05-14T12:0{i}:58.392913000Z", "level": "error", "source": "worker", "message": '
      '"worker.beacon-runner.beacon.failed-to-connect-to-tsa", "data": {"error": "ssh: handshake failed: ssh: '
      'unable to authenticate, attempted methods [none publickey], no supported methods remain"}}' for i in range(4)],
     "re-add the client's public key"),
    (["2024-03-12 02:00:03.114 INFO  (qtp1127224355-12) [ x:products] o.a.s.u.p.LogUpdateProcessorFactory "
      "[products] webapp=/solr path=/update params={optimize=true&maxSegments=1&waitSearcher=true} {optimize=} 0 "
      "2461803"]
     + [f"2024-03-12 02:0{i}:44.809 ERROR (qtp1127224355-57) [ x:products] o.a.s.s.HttpSolrCall null:org.apache.solr."
        "common.SolrException: Time allowed to handle this request exceeded: [timeAllowed=2000ms]" for i in range(1, 6)],
     "do not optimize a live index"),
    ([f"[2024-03-12T08:0{i}:00Z WARN  meilisearch::error] The provided payload reached the size limit. The maximum "
      "accepted payload size is 100 MiB." for i in range(3)],
     "--http-payload-size-limit"),
    (['2024-03-12T06:58:48.700Z\tinfo\tVictoriaMetrics/lib/storage/partition.go:1839\tdropping partition "2024_01" '
      'at "/victoria-metrics-data/data/small/2024_01", since it is outside -retentionPeriod']
     + [f'2024-03-12T09:0{i}:00.000Z\twarn\tVictoriaMetrics/lib/httpserver/httpserver.go:358\tremoteAddr: '
        '"10.0.3.9:51422"; requestURI: /debug/pprof/heap; cannot serve request: access denied; -pprofAuthKey is set'
        for i in range(4)],
     "set the retention back"),
    (["JVB 2024-03-12 08:00:09.739 INFO: [20] StunMappingCandidateHarvester.discover#82: We failed to obtain "
      "addresses for the following reason: java.net.SocketTimeoutException",
      "JVB 2024-03-12 08:00:09.987 INFO: [20] MappingCandidateHarvesters.maybeAdd#158: Discarding a mapping "
      "harvester with no public address: StunMappingCandidateHarvester(face=10.0.5.12:9/udp, mask=null)"],
     "JVB_ADVERTISE_IPS"),
    # Documents and edge caches: a poison document, a converter told to fetch localhost, a loop.
    (["WARN  [watchdog] 13:01:59,358 org.apache.tika.server.core.TikaServerWatchDog timeout task /rmeta/text "
      "(scan-0917.pdf) exceeded taskTimeoutMillis=120000; shutting down forked process",
      "ERROR [watchdog] 13:02:00,889 org.apache.tika.server.core.TikaServerWatchDog forked process exited with exit "
      "value: 2"],
     "poison document"),
    ([f'{{"level":"error","ts":171025203{i}.241022,"logger":"api","msg":"convert URL to PDF: Chromium returned '
      'net::ERR_CONNECTION_REFUSED","uri":"/forms/chromium/convert/url","method":"POST","path":"/forms/chromium/'
      'convert/url","status":400}' for i in range(4)],
     "the converter's own container"),
    (["2024/03/12 09:47:13 kid1| Configuring Parent edge-b.example.net/80/0",
      "2024/03/12 09:47:22 kid1| WARNING: Forwarding loop detected for:"]
     + [f"2024/03/12 09:4{i}:19 kid1| WARNING: 1 swapin MD5 mismatches" for i in range(8, 10)],
     "cache_peer in one direction"),
]  # fmt: skip


QUIET_CAUSES_OF_CLUSTERS_NETWORK_DEVICES_AND_APPLIANCES = [
    # A clock beyond the cluster's offset (CockroachDB's own klog variant), a primary down with
    # failover off, producers blocked at a queue's size, the file-descriptor limit.
    (["W240514 03:52:45.450691 3301 rpc/clock_offset.go:264 \u22ee [T1,n3,rpc] 33  remote clock offset from node 1 is "
      "180.126ms (uncertainty 4.873ms), maximum allowed offset 500ms",
      "F240514 04:00:19.067569 1 server/server.go:1021 \u22ee [T1,n3] 51  clock synchronization error: this node is "
      "more than 500ms away from at least half of the known nodes (0 of 2 are within the offset)"],
     "clock"),
    (["2024-05-14 13:58:00   notice : [mariadbmon] (Cluster-Monitor) Settings: auto_failover=false",
      "2024-05-14 14:43:19   notice : Server changed state: db1[10.0.3.11:3306]: master_down. [Master, Running] -> "
      "[Down]"]
     + [f"2024-05-14 14:4{i}:20   error  : (RW-Split-Router) (session {i}) Failed to create new router session for "
        "service 'RW-Split-Router'." for i in range(4, 8)],
     "master_down"),
    ([f"2024-05-14 10:1{i}:32,824 WARN  [org.apache.activemq.artemis.core.server] AMQ222183: Blocking message "
      "production on address 'orders.inbound'; size is currently: 104857600 bytes; max-size-bytes on address: "
      "104857600" for i in range(4)],
     "AMQ222183"),
    ([f"May 14 15:0{i}:25 jobs1 beanstalkd[911]: beanstalkd: prot.c:1930 in h_accept: accept(): Too many open files"
      for i in range(4)]
     + [f"May 14 15:0{i}:30 jobs1 thumbnailer[2211]: ERROR worker: reserve failed: [Errno 104] Connection reset by "
        "peer (beanstalk 127.0.0.1:11300); reconnecting in 5s" for i in range(4, 9)],
     "Too many open files"),
    # Mail and licenses: a loop between two servers, a license for another host.
    (["2024-05-14T07:23:06.024Z,10.10.2.60,mailgw01.corp.example.com,10.10.2.21,EXCH01,,SMTP,FAIL,5100077,"
      "<AM9P190MB1122@partner-mail.example.net>,,554 5.4.14 Hop count exceeded - possible mail loop"],
     "Hop count exceeded"),
    ([" 8:41:18 (cadvend) Wrong hostid on SERVER line for license file:",
      " 8:41:18 (cadvend) SERVER line says 0050569a1b2c, hostid is 0050569a7f3e"],
     "Wrong hostid"),
    # Network devices and appliances: a port shut for a BPDU, a UPS sending the NAS to safe mode, a
    # workflow switched off; the 802.1X failures of other ports and share permissions are noise.
    (["Jan 14 08:51:26 sw-acc-03 4153: Jan 14 08:51:26.432 UTC: %SPANTREE-2-BLOCK_BPDUGUARD: Received BPDU on port "
      "GigabitEthernet1/0/14 with BPDU Guard enabled. Disabling port.",
      "Jan 14 08:51:26 sw-acc-03 4154: Jan 14 08:51:26.683 UTC: %PM-4-ERR_DISABLE: bpduguard error detected on "
      "Gi1/0/14, putting Gi1/0/14 in err-disable state"]
     + [f"Jan 14 08:3{i}:13 sw-acc-03 412{i}: Jan 14 08:3{i}:13.530 UTC: %DOT1X-5-FAIL: Authentication failed for client "
        f"(0021.b782.857{i}) on Interface Gi1/0/2{i}" for i in range(5)],
     "BPDU"),
    (['Warning,System,2025/01/13 00:05:27,SYSTEM,"UPS battery is low (battery charge 21%, runtime 0:01:22)."',
      'Warning,System,2025/01/13 00:05:28,SYSTEM,"The system will enter Safe Mode because the UPS battery is low."'],
     "UPS"),
    (['2025-01-14T08:19:49.824Z | info     | Deactivated workflow "Order intake" (ID: 7) '
      '{"file":"active-workflow-manager.js","function":"remove","workflowId":"7"}'],
     "Deactivated"),
]  # fmt: skip


# Frameworks, file and directory services: a line said calmly (info, debug, notice) that explains
# the errors after it, found because it explains them (a retention run, a resize, a reload, a
# service switched off) or because it is a refusal in its own words.
QUIET_CAUSES_OF_FRAMEWORKS_DIRECTORIES_AND_FILE_SERVICES = [
    (["2025-03-02T10:00:01.120Z dbug: Microsoft.AspNetCore.HttpOverrides.ForwardedHeadersMiddleware[1] Unknown "
      "proxy: 10.8.0.4:41200"]
     + [f"2025-03-02T10:00:0{i}.500Z warn: Api.Limits[0] Rate limit exceeded for partition 10.8.0.4; returning 429"
        for i in range(2, 8)],
     "KnownProxies"),
    (["09:14:00.101 [main] INFO  i.m.context.env.DefaultEnvironment - Established active environments: [k8s, dev]"]
     + [f"09:14:1{i}.200 [io-executor-thread-{i}] ERROR i.m.http.server.RouteExecutor - Unexpected error: Table "
        '"INVOICES" not found; SQL statement: SELECT 1' for i in range(4)],
     "development environment"),
    (["[pod/api-7d9f-abcde/api] Warning: connect.session() MemoryStore is not",
      "[pod/api-7d9f-abcde/api] designed for a production environment, as it will leak",
      "[pod/api-7d9f-fghij/api] Warning: connect.session() MemoryStore is not"]
     + [f'[pod/api-7d9f-fghij/api] {{"level":"warn","msg":"no session for request","path":"/basket/{i}"}}'
        for i in range(5)],
     "MemoryStore"),
    (["[21:02:10] [Server thread/INFO]: Builder issued server command: /chunky start",
      "[21:02:11] [Server thread/INFO]: [Chunky] Task started for world at 0, 0 with radius 8000."]
     + [f"[21:0{i}:30] [Server thread/WARN]: Can't keep up! Is the server overloaded? Running 4100ms or 82 ticks "
        "behind" for i in range(3, 9)],
     "chunky"),
    (["2025-03-03T01:00:04Z [INFO] [/pkg/retention/job.go:118]: Run retention process. Repository: web/site; Rule: "
      "retain the most recently pushed # images: 5; Candidates: 30; Retained: 5; Deleted: 25"]
     + [f'2025-03-03T07:1{i}:00Z [ERROR] [/lib/http/error.go:57]: {{"errors":[{{"code":"NOT_FOUND","message":'
        f'"artifact web/site:2.{i}.0 not found"}}]}}' for i in range(4)],
     "retention"),
    (["2025-03-01T16:40:02+00:00 dc02 sudo[880]: admin : TTY=pts/0 ; USER=root ; COMMAND=/usr/bin/systemctl stop "
      "ntpsec.service"]
     + [f"2025-03-04T08:0{i}:00+00:00 app0{i} sssd[31]: Failed to initialize credentials: Clock skew too great"
        for i in range(1, 5)],
     "time synchronisation"),
    (["Mar  5 14:20:00 files2 ansible-ansible.legacy.command[601]: Invoked with _raw_params=exportfs -ra"]
     + [f"Mar  5 14:2{i}:10 web0{i} php-fpm: PHP Warning: file_get_contents(/mnt/shared/a.txt): Stale file handle"
        for i in range(1, 6)],
     "export"),
    (["I [05/Mar/2025:10:00:01 +0000] [Job 41] Printer stopped due to backend errors; please consult the error_log "
      "file for details.",
      "E [05/Mar/2025:10:00:00 +0000] [Job 41] Unable to connect to printer: Connection refused"],
     "Printer stopped"),
    (["2025-03-06T09:00:00Z ldap01 slapd[411]: mdb_id2entry_put: mdb_put failed: MDB_MAP_FULL: Environment mapsize "
      "limit reached(-30792)"]
     + [f"2025-03-06T09:0{i}:00Z app01 portal[77]: ERROR password change failed: LDAP error code 80 - entry update "
        "failed" for i in range(1, 5)],
     "map size"),
    (["Mar  7 12:00:02 cache01 varnishd[812]: CLI telnet 127.0.0.1 5000 127.0.0.1 6082 Rd vcl.load r2 /etc/varnish/"
      "default.vcl"]
     + [f'Mar  7 12:0{i}:10 cache01 varnishncsa[900]: 10.1.1.{i} - - [07/Mar/2025:12:0{i}:10 +0000] "GET '
        f'http://www.example.com/p/{i} HTTP/1.1" 503 282 "-" "curl/8.5.0"' for i in range(1, 7)],
     "vcl.load"),
    (["Mar  8 06:00:02 build-7 sshd[2200]: userauth_pubkey: signature algorithm ssh-rsa not in "
      "PubkeyAcceptedAlgorithms [preauth]"]
     + [f"2025-03-08 06:00:0{i},100 ERROR JschNodeExecutor - Authentication failure connecting to node: build-7"
        for i in range(3, 7)],
     "ssh-rsa"),
    (["01:00:03.101 [debug] [MainThread]: On run-start hook: alter warehouse ETL_WH set warehouse_size = 'XSMALL'"]
     + [f"02:0{i}:14.467 [error] [Thread-{i} (worker)]: Statement reached its statement timeout of 3600 second(s) "
        "and was canceled." for i in range(1, 4)],
     "warehouse"),
    (['[2025-03-09 10:00:00] production.ERROR: App\\Jobs\\SendReport has been attempted too many times or run too '
      'long. The job may have previously timed out. {"exception":"[object] (Illuminate\\Queue\\'
      'MaxAttemptsExceededException(code: 0): App\\Jobs\\SendReport has been attempted too many times"}']
     + [f'[2025-03-09 10:0{i}:00] production.ERROR: Too Many Attempts. {{"exception":"[object] (Illuminate\\Http\\'
        'Exceptions\\ThrottleRequestsException(code: 0): Too Many Attempts."}' for i in range(1, 6)],
     "retry_after"),
    # A drain, a CA key replaced, offsets not found, a cache restarted, a link down: calm lines that
    # explain the loud ones; and a definite refusal above a passing one.
    (["2025-03-12T02:03:11.068Z [INFO]  nomad.drainer: node drain strategy set: node_name=client-7 deadline=1h0m0s",
      '2025-03-12T02:03:40.000Z [ERROR] http: request failed: method=GET path=/v1/acl/token/self error="ACL token not '
      'found" code=403']
     + [f"2025-03-12T02:0{i}:00.000Z [WARN]  nomad.job.service_sched: failed to place all allocations, blocked eval "
        f"created: eval_id={i}" for i in range(4, 9)],
     "drain"),
    (["2025-03-12 02:29:42 INFO  CaReconciler:394 - Reconciliation #8(timer) Kafka(kafka/events): Cluster CA key was "
      "replaced; rolling all Kafka pods to trust the new cluster CA"]
     + [f"2025-03-12 02:3{i}:03.661 ERROR 1 --- [consumer] o.a.k.c.NetworkClient : Connection to node {i} failed "
        "authentication due to: SSL handshake failed" for i in range(5)],
     "CA key"),
    (["[2025-03-12 02:10:18,197] INFO [cdc|task-0] No previous offsets found (io.debezium.connector.common.BaseSourceTask:355)"]
     + [f"[2025-03-12 02:1{i}:00,000] ERROR [cdc|task-0|offsets] WorkerSourceTask{{id=cdc-0}} Failed to flush, timed out "
        "while waiting for producer to flush outstanding 2048 messages" for i in range(2, 7)],
     "No previous offsets"),
    (["Mar 12 06:25:41 app01 systemd[1]: Stopping memcached.service - memcached daemon..."]
     + [f"Mar 12 06:3{i}:55 app01 php-fpm8.1[900]: [WARNING] [pool www] server reached pm.max_children setting (40), "
        "consider raising it" for i in range(3)],
     "memcached"),
    (["Mar 12 03:19:04 node-a kernel: ice 0000:3b:00.0 ens1f0: NIC Link is Down"]
     + [f'Mar 12 03:2{i}:40 node-a kubelet[880]: E0312 03:2{i}:40.000000     880 kubelet_node_status.go:540] "Error '
        'updating node status, will retry" err="dial tcp 10.0.0.1:6443: connect: no route to host"' for i in range(4)],
     "Link is Down"),
    (["2025-03-12 01:58:08.459 UTC [2290] FATAL:  could not connect to the primary server: connection to server at "
      '"10.20.0.11", port 5432 failed: No route to host']
     + [f"2025-03-12 02:0{i}:00.000 UTC [23{i}] FATAL:  could not receive data from WAL stream: ERROR:  requested WAL "
        "segment 00000003000000120000004A has already been removed" for i in range(5)],
     "already been removed"),
    (["2025-03-12 01:00:00.000 [WARN] http-nio-7990-exec-1 c.a.s.i.t.SemaphoreThrottleService [scm-hosting] ticket "
      "could not be acquired (12/12)"] * 3
     + ["2025-03-12 01:00:01.000 [WARN] c.a.s.i.r.e.ServiceExceptionMapper Commit 0a1b2c does not exist in repository "
        "'monorepo'."] * 4,
     "ticket"),
    # Batches 55-56: a setting or state said calmly above the refusals it causes.
    (['{"timestamp":"2025-03-13 13:31:40.840 Z","level":"info","msg":"Config changed","changes":'
      '"ServiceSettings.AllowCorsFrom: \\"\\" -> \\"https://intranet.example.com\\""}']
     + [f'{{"timestamp":"2025-03-13 13:3{i}:00.000 Z","level":"error","msg":"Failed to upgrade websocket connection.",'
        '"error":"websocket: request origin not allowed by Upgrader.CheckOrigin"}' for i in range(2, 7)],
     "AllowCorsFrom"),
    (["Optimizer statistics are not transferred by pg_upgrade.",
      "    /usr/lib/postgresql/16/bin/vacuumdb --all --analyze-in-stages"]
     + [f"2025-03-13 09:0{i}:00.000 UTC [77{i}] app@shop ERROR:  canceling statement due to statement timeout"
        for i in range(5)],
     "statistics"),
    (["Mar 13 02:13:40 pve2 corosync[1523]:   [QUORUM] This node is within the non-primary component and will NOT "
      "provide any services.",
      "Mar 13 02:13:40 pve2 pmxcfs[1401]: [status] notice: node lost quorum"]
     + [f"Mar 13 02:1{i}:00 pve2 pve-ha-lrm[1700]: unable to write lrm status file - unable to open file "
        "'/etc/pve/nodes/pve2/lrm_status.tmp' - Permission denied" for i in range(4, 8)],
     "quorum"),
    (["13-Mar-2025 06:12:40.438 INFO [main] org.apache.catalina.tribes.transport.ReceiverBase.bind Receiver Server "
      "Socket bound to:[/127.0.0.1:4000]"]
     + [f"13-Mar-2025 10:3{i}:32.136 WARN [http-nio-8080-exec-{i}] com.example.CsrfFilter CSRF token mismatch (no "
        "token in session), returning 403" for i in range(4)],
     "loopback"),
    (["Mar 13 09:09:10 web1 chronyd[700]: System clock wrong by 1040.512 seconds, adjustment started"]
     + [f"Mar 13 09:1{i}:40 web1 app[22]: method=POST path=/api/media status=500 error='Aws::S3::Errors::"
        "RequestTimeTooSkewed: The difference between the request time and the current time is too large.'"
        for i in range(4)],
     "refused signatures"),
    ([f'Mar 13 09:1{i}:04 node7 containerd[880]: time="2025-03-13T09:1{i}:04Z" level=error msg="RunPodSandbox failed" '
      'error="OCI runtime create failed: expected cgroupsPath to be of format \\"slice:prefix:name\\" for systemd '
      'cgroups, got \\"/kubepods/pod1\\" instead: unknown"' for i in range(4)]
     + ['Mar 13 09:09:04 node7 kubelet[900]: E0313 09:09:04.000000 900 kubelet.go:2400] "Error getting node" '
        'err="node \\"node7\\" not found"'],
     "cgroupsPath"),
    (["14-Mar-2025 00:03:01.999 dnssec: info: zone example.com/IN (signed): checkds: DS for key "
      "example.com/ECDSAP256SHA256/40871 not published at 192.0.2.53#53"] * 3,
     "not published"),
    (["Mar 13 22:10:32 ldap1 slapd[2211]: conn=1002 op=1 SEARCH RESULT tag=101 err=53 nentries=0 text=consumer state "
      "is newer than provider!"] * 3,
     "consumer state is newer"),
    # strongSwan's notify payload, the only place charon says it refused every proposal.
    ([f"Mar 11 08:0{i}:39 vpn1 charon: 07[ENC] generating IKE_SA_INIT response 0 [ N(NO_PROP) ]" for i in range(4)]
     + ["Mar 11 08:00:39 vpn1 charon: 07[CFG] received proposals: IKE:AES_CBC_256/HMAC_SHA1_96/PRF_HMAC_SHA1/MODP_1024"],
     "proposal"),
    (["2025-03-10 11:00:00.100 [error] Could not check origin for Phoenix.Socket transport.",
      "2025-03-10 11:00:00.200 [error] Could not check origin for Phoenix.Socket transport.",
      '2025-03-10 10:59:50.000 [warning] [libcluster:k8s_dns] unable to connect to :"app@10.2.0.9"'],
     "check_origin"),
]  # fmt: skip


QUIET_CAUSES_OF_SEARCH_PACKAGES_RESOLVERS_AND_SCHEDULERS = [
    (["[2024-06-11T09:00:36,753][INFO ][o.e.c.s.ClusterSettings  ] [es-master-1] updating "
      "[cluster.routing.allocation.enable] from [all] to [primaries]",
      "[2024-06-11T09:01:23,934][INFO ][o.e.c.r.a.AllocationService] [es-master-1] Cluster health status changed "
      "from [GREEN] to [YELLOW] (reason: [{es-data-2} reason: disconnected])."]
     + [f"[2024-06-11T09:0{i}:24,603][INFO ][o.e.m.j.JvmGcMonitorService] [es-data-1] [gc][88421{i}] overhead, "
        "spent [318ms] collecting in the last [1s]" for i in range(2, 8)],
     "allocation.enable"),
    (["Jun 12 06:25:13 app-3 unattended-upgrade[48211]: Packages that will be upgraded: containerd.io docker-ce "
      "docker-ce-cli libssl3"]
     + [f'Jun 12 06:25:4{i} app-3 haproxy[902]: [WARNING] (902) : Server be_app/web{i} is DOWN, reason: Layer4 '
        'connection problem, info: "Connection refused", check duration: 0ms.' for i in range(1, 3)]
     + ["Jun 12 06:25:49 app-3 haproxy[902]: [ALERT] (902) : backend 'be_app' has no server available!"],
     "docker-ce"),
    (["May 20 13:40:00 gw-01 dnsmasq[812]: using nameserver 10.20.0.2#53",
      "May 20 13:46:11 gw-01 dnsmasq[812]: reading /etc/resolv.dnsmasq",
      "May 20 13:46:11 gw-01 dnsmasq[812]: using nameserver 192.0.2.53#53"]
     + [f"May 20 13:4{i}:02 gw-01 dnsmasq[812]: Maximum number of concurrent DNS queries reached (max: 150)"
        for i in range(7, 10)],
     "192.0.2.53"),  # the nameserver as it was said last, not the one at start
    (["2024-06-03T00:00:01+0000 web-02 logrotate[71021]: creating new /var/log/billing/billing.log mode = 0640 "
      "uid = 0 gid = 0"]
     + [f"2024-06-03T00:0{i}:07+0000 web-02 billing-api[7110{i}]: FATAL open /var/log/billing/billing.log: "
        "permission denied" for i in range(4)],
     "logrotate"),
    (["[2024-05-13T18:02:11.102] _slurm_rpc_update_node: node gpu[01-08] reason set to: bios-update-tue",
      "[2024-05-13T18:02:11.141] update_node: node gpu[01-08] state set to DRAINING"]
     + [f"[2024-05-13T2{i}:13:47.141] sched: JobId=8840{i} pending: ReqNodeNotAvail, UnavailableNodes:gpu[01-08] "
        "Partition=gpu" for i in range(4)],
     "gpu[01-08]"),
    (['INFO      May 14 07:58:40.038 [812]: Setting "Filter" to /etc/tinyproxy/filter',
      "INFO      May 14 07:58:40.039 [812]: FilterDefaultDeny Yes: only domains listed in /etc/tinyproxy/filter "
      "will be allowed (3 entries)"]
     + [f'NOTICE    May 14 08:0{i}:34.428 [812]: Proxying refused on filtered domain "pypi.mirror.example.com"'
        for i in range(4)]
     + [f"ERROR     May 14 06:4{i}:57.653 [812]: read_request_line: Client (file descriptor: 9) closed socket "
        "before read." for i in range(4)],
     "Filter"),
    (["May 14 03:00:06 idm2 ntpd[9921]: CLOCK: time stepped by -3599.871442"]
     + [f"May 14 02:0{i}:41 idm2 krb5kdc[1703]: AS_REQ (4 etypes) 10.9.6.8{i}: CLOCK_SKEW: user5{i}@CORP.INTERNAL "
        "for krbtgt/CORP.INTERNAL@CORP.INTERNAL, Clock skew too great" for i in range(4)],
     "time stepped"),
    (["May 14 04:32:20.677 db2 pacemaker-schedulerd [1737] (pcmk__unmanaged_resource)\tinfo: Resource pgsqld:0 is "
      "unmanaged (maintenance-mode=true): not promoting instance on db2"]
     + [f'May 14 04:33:0{i} app1 orders-api[77]: ERROR psycopg2.OperationalError: connection to server at '
        f'"10.70.0.10", port 5432 failed: No route to host' for i in range(4)],
     "maintenance-mode"),
    (["May 14 02:00:09 ftp1 ansible-ansible.builtin.file[18812]: Invoked with path=/srv/ftp/partner-acme "
      "owner=ftp-acme group=ftp-acme mode=0775 state=directory"]
     + [f"May 14 02:0{i}:28 ftp1 vsftpd[2212{i}]: 500 OOPS: vsftpd: refusing to run with writable root inside "
        "chroot()" for i in range(5, 9)],
     "mode=0775"),
    (["WARNING: FreshClam received error code 429 from the ClamAV Content Delivery Network (CDN).",
      "WARNING: You are on cool-down until after: 2024-06-12 08:10:02",
      "WARNING: Your ClamAV installation is OUTDATED!",
      "DON'T PANIC! Read https://docs.clamav.example.net/manual/Installing.html"]
     + ["ERROR: Database update process failed: Forbidden; Blocked by CDN", "ERROR: Update failed."] * 3,
     "429"),
]  # fmt: skip


QUIET_CAUSES_OF_DATABASES_STORAGE_AND_MODEL_SERVERS = [
    (["2024-05-13 23:47:12.091 UTC [1402] LOG:  parameter \"statement_timeout\" changed to \"30s\""]
     + [f"2024-05-14 02:0{i}:41.101 UTC [5{i}11] reporting@warehouse ERROR:  canceling statement due to statement "
        "timeout" for i in range(5)]
     + [f'2024-05-13 22:1{i}:27.074 UTC [3134{i}] postgres@postgres FATAL:  password authentication failed for user '
        '"postgres"' for i in range(2)],
     "statement_timeout"),
    (['May 14 08:58:02 gpu01 ollama[2211]: time=2024-05-14T08:58:02.927Z level=INFO source=routes.go:1125 '
      'msg="server config" env="map[OLLAMA_HOST:http://0.0.0.0:11434 OLLAMA_KEEP_ALIVE:0s OLLAMA_DEBUG:false]"']
     + [f'May 14 09:1{i}:17 gpu01 ollama[2211]: time=2024-05-14T09:1{i}:17.001Z level=INFO source=server.go:626 '
        'msg="llama runner started in 26.87 seconds"' for i in range(4)]
     + [f'May 14 09:1{i}:31 gpu01 ollama[2211]: time=2024-05-14T09:1{i}:31.370Z level=WARN source=sched.go:646 '
        'msg="gpu VRAM usage didn\'t recover within timeout" seconds=5.15' for i in range(4)],
     "OLLAMA_KEEP_ALIVE"),
    (["May 13 10:02:05 nas01 upsd[1023]: Set variable: admin@127.0.0.1 set battery.runtime.low on ups [eaton] to 1800",
      "May 14 14:21:40 nas01 upsmon[1030]: UPS eaton@localhost on battery",
      "May 14 14:21:45 nas01 upsd[1023]: Client upsmon@127.0.0.1 set FSD on UPS [eaton]",
      "May 14 14:21:45 nas01 upsmon[1030]: Executing automatic power-fail shutdown"],
     "battery.runtime.low"),
    (["2024-05-12T19:30:00.912319+00:00", "ALTER SYSTEM SET undo_retention=300 SCOPE=BOTH;"]
     + [line for i in range(3) for line in (
         f"2024-05-1{3 + i}T02:44:32.646249+00:00",
         "ORA-01555 caused by SQL statement below (SQL ID: 7gq3k9m2xw1bc, Query Duration=2214 sec, SCN: 0x0c2a):",
         f"2024-05-1{3 + i}T03:59:37.929989+00:00", "Fatal NI connect error 12170.")],
     "undo_retention"),
    ([f"[2024-05-13 0{i}:16:27.348] nsd[813]: error: xfrd: zone corp.example.net: bad tsig signature for key "
      "xfr-key-2024. from 10.0.0.53 (BADSIG)" for i in range(7, 10)]
     + ["[2024-05-14 09:15:30.168] nsd[813]: error: xfrd: zone corp.example.net has expired"],
     "BADSIG"),
    (["[2024-05-14 01:58:40.118233]  : volume set gv_home network.ping-timeout 2 : SUCCESS"]
     + [f"[2024-05-14 07:{i}1:32.218706 +0000] C [rpc-clnt-ping.c:160:rpc_clnt_ping_timer_expired] "
        f"0-gv_home-client-{i % 3}: server 10.20.1.1{i % 3}:49152 has not responded in the last 2 seconds, "
        "disconnecting." for i in range(1, 6)],
     "ping-timeout"),
    (["2024-05-14T02:17:20+0000 api-07 chef-client[18822]:   * template[/etc/sysctl.d/60-tuning.conf] action create"]
     + [f"2024-05-14T02:2{i}:51+0000 api-07 java[1408]: ERROR Servlet.service() failed: "
        "java.net.NoRouteToHostException: Cannot assign requested address (Address not available)" for i in range(5)],
     "sysctl"),
    (["2024-05-14 04:14:41,322 WARN  [JvmPauseMonitor] util.JvmPauseMonitor: Detected pause in JVM or host machine "
      "(eg GC): pause of approximately 96340ms",
      "2024-05-14 04:14:41,911 ERROR [main-EventThread] regionserver.HRegionServer: ***** ABORTING region server rs3: "
      "received expired from ZooKeeper, aborting *****",
      "org.apache.zookeeper.KeeperException$SessionExpiredException: KeeperErrorCode = Session expired"],
     "pause of approximately"),
    (["[gc-cron] 2024-05-14T03:00:01Z starting: /bin/registry garbage-collect --delete-untagged /etc/registry.yml"]
     + [f'time="2024-05-14T07:1{i}:00Z" level=error msg="response completed with error" err.code="blob unknown" '
        'err.message="blob unknown to registry" http.request.method=GET' for i in range(4)],
     "garbage-collect"),
    ([f"May 14 06:2{i}:35 mx1 amavis[20211]: (20211-0{i}) (!)ClamAV-clamd: Can't connect to UNIX socket "
      "/var/run/clamav/clamd.ctl: No such file or directory, retrying (2)" for i in range(4)]
     + [f"May 14 06:2{i}:35 mx1 amavis[20211]: (20211-0{i}) (!!)AV: ALL VIRUS SCANNERS FAILED" for i in range(4)],
     "clamd.ctl"),
]  # fmt: skip


QUIET_CAUSES_OF_GATEWAYS_MONITORS_AND_STREAM_PROCESSORS = [
    (["[I 2024-06-11 09:00:56.900 JupyterHub spawner:1996] Event for jupyter-alice: Pulling image "
      '"registry.example.internal/ds/notebook:2024.06"']
     + [f"[E 2024-06-11 09:0{i}:32.759 JupyterHub user:881] user{i}'s server failed to start in 300 seconds, giving up."
        for i in range(6, 9)],
     "Pulling image"),
    (['2024-06-11T11:42:03Z INF Updated to new configuration config="{\\"service\\":\\"http://localhost:8081\\"}" '
      "version=14"]
     + [f'2024-06-11T11:4{i}:10Z ERR  error="Unable to reach the origin service. The service may be down: dial tcp '
        f'[::1]:8081: connect: connection refused" event=0 ingressRule=0' for i in range(3, 8)],
     "new configuration"),
    (['I240611 09:12:41.187730 88122 util/log/event_log.go:32 ⋮ [T1,n1] 1096 ={"EventType":"set_cluster_setting",'
      '"Statement":"SET CLUSTER SETTING \\"server.time_until_store_dead\\" = \'1m15s\'"}',
      "W240611 09:41:24.000000 1173 kv/kvserver/liveness.go:100 ⋮ [T1,n1] 1173 n3 liveness record expired; marking "
      "node as suspect"],
     "time_until_store_dead"),
    (["2024-06-11 12:59:50,770 INFO  org.apache.flink.configuration.GlobalConfiguration [] - Loading configuration "
      "property: execution.checkpointing.timeout, 10 s"]
     + [f"2024-06-11 13:0{i}:10,100 WARN  org.apache.flink.runtime.checkpoint.CheckpointFailureManager [] - Failed to "
        "trigger or complete checkpoint. org.apache.flink.runtime.checkpoint.CheckpointException: Checkpoint expired "
        "before completing." for i in range(5)],
     "checkpointing.timeout"),
    (["2024-06-11T09:12:23.823659+0000 mon.ceph-mon1 (mon.0) 48320 : audit [INF] from='client.? 10.10.0.21:0/33' "
      "entity='client.admin' cmd='[{\"prefix\": \"osd set\", \"key\": \"norecover\"}]': finished",
      "2024-06-11T09:12:23.784068+0000 mon.ceph-mon1 (mon.0) 48351 : cluster [WRN] Health check update: "
      "nobackfill,norecover flag(s) set (OSDMAP_FLAGS)",
      "2024-06-11T09:20:02.000000+0000 mon.ceph-mon1 (mon.0) 48400 : cluster [WRN] Health check failed: Degraded data "
      "redundancy: 1200/36000 objects degraded (3.3%), 40 pgs degraded (PG_DEGRADED)",
      "2024-06-11T09:21:02.000000+0000 mon.ceph-mon1 (mon.0) 48401 : cluster [WRN] Health check failed: 2 clients "
      "failing to respond to cache pressure (MDS_CLIENT_RECALL)"],
     "norecover"),
    (["[1715639105] EXTERNAL COMMAND: DISABLE_NOTIFICATIONS;"]
     + [f"[171565273{i}] SERVICE ALERT: db-03;PostgreSQL;CRITICAL;HARD;3;could not connect to server: Connection "
        "refused" for i in range(3)],
     "DISABLE_NOTIFICATIONS"),
    (["2024-05-14 03:12:01 Admin_Handler.cpp:285:is_admin_command_or_alias(): [INFO] Received LOAD MYSQL QUERY RULES TO "
      "RUNTIME command"]
     + [f"2024-05-14 03:12:0{i} MySQL_Session.cpp:4876:handler(): [WARNING] Error during query on (20,10.0.5.22,3306): "
        "1290, The MySQL server is running with the --read-only option so it cannot execute this statement"
        for i in range(3, 8)],
     "QUERY RULES"),
    (["May 14 10:02:11 app-04 sudo:   deploy : TTY=pts/1 ; PWD=/home/deploy ; USER=root ; COMMAND=/usr/sbin/ufw default "
      "deny outgoing"]
     + [f"May 14 10:0{i}:00 app-04 invoice-worker[88]: ERROR payment capture failed: Max retries exceeded (Caused by "
        "NameResolutionError: Temporary failure in name resolution)" for i in range(3, 8)],
     "ufw default deny outgoing"),
    (["# 2024-05-13T18:00:01 pt-kill started with: --busy-time 5 --kill --match-command Query --victims all"]
     + [f"2024-05-14 02:0{i}:01,100 ERROR [ForkPoolWorker-2] Task reports.aging raised unexpected: OperationalError: "
        "(pymysql.err.OperationalError) (2013, 'Lost connection to MySQL server during query')" for i in range(5)],
     "pt-kill"),
    ([f'2024-05-14T06:5{i}:28.476Z [ERROR] expiration: failed to revoke lease: lease_id=database/creds/r/{i} '
      'error="pq: role v-r-{i} cannot be dropped because some objects depend on it"' for i in range(2)]
     + [f"2024-05-14T07:0{i}:28.476Z [ERROR] expiration: maximum revoke attempts reached: lease_id=database/creds/r"
        for i in range(2, 7)],
     "objects depend on it"),
]  # fmt: skip


QUIET_CAUSES_OF_CERTIFICATES_RESOLVERS_LOGINS_AND_SEARCH = [
    (['I0314 07:31:47.603377       1 issuing_controller.go:331] "cert-manager/certificates-issuing: issued '
      'certificate" key="shop/shop-tls" issuer_kind="ClusterIssuer" issuer_name="letsencrypt-staging" revision=4']
     + [f'2024-03-14T07:3{i}:02Z ERROR upstream call failed | Get "https://shop.example.com/api": tls: failed to '
        'verify certificate: x509: certificate signed by unknown authority' for i in range(3, 8)],
     "letsencrypt-staging"),
    (["Nov 19 11:07:04 jump01 systemd-resolved[602]: wg0: Bus client set search domain list to: ~."]
     + [f"Nov 19 11:2{i}:51 jump01 app[88{i}]: ERROR Could not resolve hostname git.corp.internal: Temporary "
        "failure in name resolution" for i in range(1, 6)],
     "~."),
    (["Nov 19 07:55:49 files01 passwd[41103]: pam_unix(passwd:chauthtok): password changed for svc-backup"]
     + [f"Nov 19 08:0{i}:00 files01 sshd[5{i}10]: pam_unix(sshd:auth): authentication failure; logname= uid=0 "
        "euid=0 tty=ssh ruser= rhost=10.20.4.31 user=svc-backup" for i in range(5, 10)],
     "password changed"),
    (['time="2024-11-19T06:12:01Z" level=error msg="The ACME resolver \\"le\\" is skipped from the resolvers list '
      'because: unable to get ACME account: permissions 644 for /letsencrypt/acme.json are too open, please use 600"']
     + [f'time="2024-11-19T06:12:0{i}Z" level=error msg="the router app{i}-secure@docker uses a non-existent '
        'resolver: le"' for i in range(2, 6)],
     "acme.json"),
    (["2024-05-14 02:04:41.31 spid73     Configuration option 'max server memory (MB)' changed from 28672 to 2048. "
      "Run the RECONFIGURE statement to install."]
     + [f"2024-05-14 10:1{i}:02.11 spid8{i}     Error: 701, Severity: 17, State: 123. There is insufficient system "
        "memory in resource pool 'default' to run this query." for i in range(5)],
     "max server memory"),
    (["May 14 08:57:48 waf01 puppet-agent[3120]: (/Stage[main]/Profile::Waf/File_line[modsecurity_engine]/ensure) "
      "line 'SecRuleEngine On' replaced 'SecRuleEngine DetectionOnly' in /etc/modsecurity/modsecurity.conf"]
     + [f"[Tue May 14 09:0{i}:12.1 2024] [security2:error] [pid 2{i}1] [client 198.51.100.{i}] ModSecurity: Access "
        'denied with code 403 (phase 2). [id "942100"]' for i in range(5)],
     "SecRuleEngine"),
    (["2024-05-14T09:58:52Z audit create /priorityclasses/batch-critical: user=system:serviceaccount:argocd "
      "value=1000000 preemptionPolicy=PreemptLowerPriority"]
     + [f"2024-05-14T10:00:0{i}Z Normal  Preempted  shop/pod/web-7d9f8c6b5-x2kq{i}: Preempted by pod "
        f"43c1e639{i} on node worker-{i}" for i in range(5)],
     "batch-critical"),
    (['1:M 14 May 2024 06:00:00.000 # IMPORTANT! Eviction policy is allkeys-lru. It should be "noeviction"']
     + [f"2024-05-14T06:3{i}:37Z ERROR job failed to finish | Error: Missing key for job 8132{i}. moveToFinished"
        for i in range(5)],
     "allkeys-lru"),
    (["2024-07-02 09:06:01.970 INFO  (qtp1-77) [c:products] o.a.s.u.p.LogUpdateProcessorFactory [products] "
      "webapp=/solr path=/update params={commit=true&wt=javabin&version=2}{add=[sku-1]} 0 412"]
     + [f"2024-07-02 09:0{i}:12.003 ERROR (qtp1-6{i}) [c:products] o.a.s.h.RequestHandlerBase "
        "org.apache.solr.common.SolrException: Error opening new searcher. exceeded limit of maxWarmingSearchers=2"
        for i in range(7, 10)],
     "commit=true"),
    (["2024-11-05 14:02:14.235 2228 WARNING neutron.db.agents_db [-] Agent healthcheck: found 1 dead agents out of 24:"]
     + [f"2024-11-05 14:0{i}:51.796 2236 ERROR neutron.plugins.ml2.managers [req-69ab14e3] Failed to bind port "
        f"4fbfdf0d-49{i} on host compute-07 for vnic_type normal" for i in range(3, 8)],
     "dead agents"),
    ([f"[2024-11-19T10:5{i}:44,130][WARN ][o.o.m.j.JvmGcMonitorService] [os-data-2] [gc][2011{i}] overhead, spent "
      "[1.8s] collecting in the last [2.1s]" for i in range(2, 8)]
     + [f"[2024-11-19T10:5{i}:50,002][WARN ][r.suppressed] [os-data-1] Failed to execute phase [query], all shards "
        "failed; nested: CircuitBreakingException[[fielddata] Data too large, data for [message] would be "
        "[2.1gb/2.1gb], which is larger than the limit of [1.9gb/1.9gb]]" for i in range(3, 6)],
     "Data too large"),
]  # fmt: skip


QUIET_CAUSES_OF_ARCHIVES_LIMITS_LINKS_AND_FILESYSTEMS = [
    (["2024-07-02 01:10:05.120 UTC [1881] LOG:  archive command failed with exit code 1",
      "2024-07-02 01:10:05.120 UTC [1881] DETAIL:  The failed archive command was: pgbackrest --stanza=main "
      "archive-push pg_wal/0000000100000012000000A1"]
     + [f"2024-07-02 03:4{i}:11.500 UTC [77{i}] PANIC:  could not write to file \"pg_wal/xlogtemp.77{i}\": No space "
        "left on device" for i in range(3)],
     "archive command failed"),
    (["Jul  2 11:20:41 mgr-2 sudo[9120]:   ci : TTY=pts/2 ; PWD=/home/ci ; USER=root ; COMMAND=/usr/bin/docker "
      "service update --limit-memory 128M billing_web"]
     + [f"Jul  2 11:2{i}:03 worker-5 kernel: Memory cgroup out of memory: Killed process 51{i}0 (node) "
        "total-vm:1843200kB, anon-rss:131072kB" for i in range(2, 7)],
     "--limit-memory"),
    (["Jul  2 15:01:09 ci-runner-3 sudo[3310]:  ops : TTY=pts/0 ; PWD=/root ; USER=root ; COMMAND=/usr/bin/nmcli "
      "connection modify eth1 802-3-ethernet.mtu 9000"]
     + [f"Jul  2 15:0{i}:44 ci-runner-3 kernel: nfs: server filer-2.internal not responding, still trying"
        for i in range(3, 9)],
     "mtu"),
    (['time="2024-07-02T05:00:01Z" level=info msg="Found new registry.example.internal/crm/api:stable image '
      '(9c1d2e3f4a5b)"']
     + [f'2024-07-02T05:0{i}:12.004Z ERROR GET /api/contacts failed: error: column "region_code" of relation '
        '"contacts" does not exist' for i in range(1, 7)],
     "Found new"),
    (["Jul  2 08:14:30 files-1 kernel: EXT4-fs error (device sdc1): ext4_journal_check_start:83: comm rsync: "
      "Detected aborted journal",
      "Jul  2 08:14:30 files-1 kernel: EXT4-fs (sdc1): Remounting filesystem read-only"]
     + [f"Jul  2 08:1{i}:02 files-1 smbd[2201]: error: open /srv/share/q{i}.xlsx: Read-only file system"
        for i in range(5, 9)],
     "EXT4-fs error"),
    (["Jul  3 09:30:02 relay-2 opendkim[812]: 5XfQ2: /etc/dkim/keys/shop.example.net.private: key data is not "
      "secure: /etc/dkim/keys can be read or written by other users"]
     + [f"Jul  3 09:3{i}:40 relay-2 postfix/cleanup[9{i}1]: 5XfQ{i}: milter-reject: END-OF-MESSAGE from "
        "app-1.internal[10.1.2.3]: 4.7.1 Service unavailable - try again later" for i in range(1, 6)],
     "key data is not secure"),
    (["Jul  3 03:10:44 ledger-db2 auditd[611]: Audit daemon is low on disk space for logging",
      "Jul  3 04:55:01 ledger-db2 auditd[611]: The audit daemon is now changing the system to single user mode"]
     + [f"Jul  3 04:55:0{i} ledger-db2 app[22{i}]: ERROR psycopg.OperationalError: terminating connection due to "
        "administrator command" for i in range(2, 8)],
     "auditd"),
    (["2024-07-03 10:00:01 CRITICAL cdn-2.internal /srv/assets/current -> releases/441 (expected releases/442): "
      "content drift"]
     + [f"Wed Jul  3 09:5{i}:12 2024 Error: Terminating since out of inotify watches." for i in range(4)],
     "out of inotify watches"),
    (["Jul  3 16:20:05 batch-4 sudo:  carol : TTY=pts/3 ; PWD=/home/carol ; USER=root ; COMMAND=/usr/sbin/sysctl -w "
      "vm.overcommit_memory=2"]
     + [f"2024-07-03 16:2{i}:40,118 ERROR [pool-3-thread-{i}] java.lang.OutOfMemoryError: unable to create native "
        "thread: possibly out of memory or process/resource limits reached" for i in range(1, 6)]
     + ["Jul  3 16:24:01 batch-4 postgres[3120]: [5-1] FATAL:  out of memory"],
     "overcommit_memory"),
    (["Aug  4 05:40:11 store-2 systemd[1]: Timed out waiting for device dev-disk-by\\x2dlabel-s4.device - "
      "/dev/disk/by-label/s4.",
      "Aug  4 05:40:11 store-2 systemd[1]: Dependency failed for srv-node-s4.mount - /srv/node/s4."]
     + [f"Aug  4 06:0{i}:20 proxy-1 proxy-server: ERROR Insufficient Storage 10.0.2.14:6200/s4 (txn: tx{i}a)"
        for i in range(6)],
     "Timed out waiting for device"),
    (["Aug  4 01:00:03 web-2 python3[8812]: ansible-ansible.posix.seboolean Invoked with "
      "name=httpd_can_network_connect_db state=False persistent=True"]
     + [f'Aug  4 01:0{i}:40 web-2 audit[77{i}]: AVC avc:  denied  {{ name_connect }} for  pid=77{i} comm="php-fpm" '
        'dest=5432 scontext=system_u:system_r:httpd_t:s0 tclass=tcp_socket permissive=0' for i in range(2, 8)],
     "seboolean"),
    (["Aug  4 09:13:02 node-4 crio[1201]: time=\"2024-08-04 09:13:02Z\" level=info msg=\"Updated default CNI network "
      "name to lab-bridge\""]
     + [f'Aug  4 09:2{i}:10 node-4 kubelet[990]: E0804 09:2{i}:10.1 990 kuberuntime_manager.go:1166] '
        '"CreatePodSandbox for pod failed" err="failed to create pod network sandbox: error adding pod to CNI '
        'network \\"lab-bridge\\": plugin type=\\"bridge\\" failed (add)"' for i in range(6)],
     "Updated default CNI network name"),
    (["Aug  4 20:01:44 inv-1 sudo:   alice : TTY=pts/0 ; PWD=/opt/inventory ; USER=root ; COMMAND=/usr/bin/git "
      "checkout v4.1.0"]
     + [f"Aug  4 20:0{i}:10 inv-1 inventory[3321]: django.db.utils.ProgrammingError: column assets_item.owner_id "
        "does not exist" for i in range(3, 9)],
     "git checkout"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("lines", "words"),
    (
        QUIET_CAUSES_OF_THE_KERNEL_AND_RUNTIMES
        + QUIET_CAUSES_OF_CONTROLLERS_AND_DATA_SYSTEMS
        + QUIET_CAUSES_OF_IDENTITY_MAIL_AND_OS_SERVICES
        + QUIET_CAUSES_OF_STORAGE_TUNNELS_AND_PLATFORMS
        + QUIET_CAUSES_OF_PLATFORM_TOOLS_AND_WINDOWS
        + QUIET_CAUSES_OF_NAME_SERVICES_BACKUPS_AND_HOSTS
        + QUIET_CAUSES_OF_CMSS_HARDWARE_AND_SMALL_OFFICE_SERVERS
        + QUIET_CAUSES_OF_PIPELINES_GPUS_IOT_AND_HPC
        + QUIET_CAUSES_OF_GATEWAYS_PAYMENTS_AND_SEARCH
        + QUIET_CAUSES_OF_CLUSTERS_NETWORK_DEVICES_AND_APPLIANCES
        + QUIET_CAUSES_OF_FRAMEWORKS_DIRECTORIES_AND_FILE_SERVICES
        + QUIET_CAUSES_OF_SEARCH_PACKAGES_RESOLVERS_AND_SCHEDULERS
        + QUIET_CAUSES_OF_DATABASES_STORAGE_AND_MODEL_SERVERS
        + QUIET_CAUSES_OF_GATEWAYS_MONITORS_AND_STREAM_PROCESSORS
        + QUIET_CAUSES_OF_ARCHIVES_LIMITS_LINKS_AND_FILESYSTEMS
        + QUIET_CAUSES_OF_CERTIFICATES_RESOLVERS_LOGINS_AND_SEARCH
    ),
)
def test_quiet_causes_are_found_and_explained(lines: list[str], words: str) -> None:
    """A calm line that is the cause, with its meaning, above the louder lines it explains."""
    top = analyse(lines, None, None)["findings"][0]
    assert top.severity != "info" and words in top.message, top.message


def test_routine_lines_of_data_tools_pbxs_and_edge_boxes_are_no_problem() -> None:
    lines = [
        "06:02:16  Unable to do partial parsing because saved manifest not found. Starting full parse.",
        "2024-05-14 06:10:24,755 WARNING gx_runner: slack webhook returned 429 Too Many Requests, retrying in 2s",
        "2024-06-14 10:03:28.061305 [WARNING] sofia_reg.c:1882 SIP auth failure (REGISTER) on sofia profile "
        "'internal' for [admin@203.0.113.77] from ip 203.0.113.201",
        "2024-06-20T10:45:20Z E! [inputs.diskio] Error in plugin: error reading /dev/mmcblk0boot0: no such file",
        "[2024-06-19T14:16:43.059] error: slurm_receive_msg [10.1.0.83:58802]: Zero Bytes were transmitted or received",
        "[2024-06-19T14:07:16.768] error: Nodes cn017 not responding",
        "[2024-06-19T15:43:40.676] Node cn017 now responding",
    ]
    assert [f.severity for f in analyse(lines, None, None)["findings"]] == ["info"]


def test_a_change_written_as_a_json_line_is_shown_with_its_fields() -> None:
    lines = [
        '{"ts": "2024-05-14T02:00:57.121Z", "level": "info", "msg": "loaded encoding profile", "profile": '
        '"hls-1080p", "version": 7, "preset": "veryslow"}',
        '{"ts": "2024-05-14T02:07:08.954Z", "level": "error", "msg": "queue backlog above threshold"}',
        '{"ts": "2024-05-14T02:09:08.954Z", "level": "error", "msg": "queue backlog above threshold"}',
    ]
    top = analyse(lines, None, None)["findings"][0]
    assert top.code == "likely_trigger" and '"preset": "veryslow"' in top.message, top.message


def test_a_task_retry_that_is_scheduled_is_no_problem_in_a_run_that_completes() -> None:
    lines = [
        "02:07:50.521 | ERROR   | Task run 'fetch_fx_rates-0' - Task run failed with exception: ConnectTimeout('timed "
        "out while connecting to fx.example.net') - Retry 1/3 will start 10 second(s) from now",
        "02:08:01.200 | INFO    | Task run 'fetch_fx_rates-0' - Finished in state Completed()",
    ]
    assert [f.severity for f in analyse(lines, None, None)["findings"]] == ["info"]


def test_what_only_a_template_would_hide_and_a_routers_404_are_background() -> None:
    lines = [
        f"W [14/May/2024:08:00:0{i} +0000] CreateProfile failed: org.freedesktop.ColorManager.AlreadyExists:profile "
        f"id 'printer-{i}-Gray..' already exists"
        for i in range(5)
    ] + [
        f'[2024-05-14T06:0{i}:00+00:00] request.ERROR: Uncaught PHP Exception Symfony\\Component\\HttpKernel\\Exception'
        '\\NotFoundHttpException: "No route found for "GET https://shop.example.com/wp-login.php"" at '
        "RouterListener.php line 149"
        for i in range(3)
    ]  # fmt: skip
    assert [f.severity for f in analyse(lines, None, None)["findings"]] == ["info"]


def test_a_calm_line_is_a_cause_only_beside_the_symptom_it_explains() -> None:
    reload = (
        "Mar  7 12:00:02 cache01 varnishd[812]: CLI telnet 127.0.0.1 5000 127.0.0.1 6082 Rd vcl.load r2 "
        "/etc/varnish/default.vcl"
    )
    served = [
        f'Mar  7 12:0{i}:10 cache01 varnishncsa[900]: 10.1.1.{i} - - [07/Mar/2025:12:0{i}:10 +0000] "GET '
        f'http://www.example.com/p/{i} HTTP/1.1" {status} 282 "-" "curl/8.5.0"'
        for i, status in ((1, 200), (2, 200), (3, 304))
    ]
    assert [f.severity for f in analyse([reload, *served], None, None)["findings"]] == ["info"]
    # A printer switched off once: the refused connection alone is no incident.
    once = ["E [05/Mar/2025:10:00:00 +0000] [Job 41] Unable to connect to printer: Connection refused"]
    assert [f.severity for f in analyse(once, None, None)["findings"]] == ["info"]


def test_refusals_that_do_their_job_are_background() -> None:
    lines = [
        f"2025-03-12 00:0{i}:17 TLS Error: cannot locate HMAC in incoming packet from [AF_INET]203.0.113.7:4{i}000"
        for i in range(4)
    ] + [
        "2025-03-12 00:10:00,000 ERROR [-] awx.main.analytics Automation Analytics not enabled. Use --dry-run to gather "
        "locally without sending.",
        '{"level":"error","ts":"2025-03-12T00:11:00Z","logger":"activator","msg":"error while proxying request: context '
        'canceled","error":"context canceled"}',
        '{"grpc.code":"NotFound","level":"info","msg":"finished unary call with code NotFound","error":"rpc error: code = '
        'NotFound desc = GetRepoPath: not a git repository","time":"2025-03-12T00:12:00Z"}',
    ]  # fmt: skip
    assert [f.severity for f in analyse(lines, None, None)["findings"]] == ["info"]


def test_a_change_explains_the_refused_requests_after_it() -> None:
    lines = [
        "Mar 12 02:00:14 proxy01 puppet-agent[24029]: (/Stage[main]/Profile::Squid/File[/etc/squid/squid.conf]/content) "
        "content changed '{md5}9f2c' to '{md5}41ab'",
    ] + [
        f"17156520{i}2.257      0 10.30.5.1{i} TCP_DENIED/403 3922 CONNECT repo{i}.example.org:443 - HIER_NONE/- text/html"
        for i in range(5)
    ]  # fmt: skip
    top = analyse(lines, None, None)["findings"][0]
    assert top.severity != "info" and "squid.conf" in top.message, top.message
    # the refusals alone are a client's 403s, nothing to act on
    assert [f.severity for f in analyse(lines[1:], None, None)["findings"]] == ["info"]


def test_federation_weather_and_a_directory_sync_are_background() -> None:
    lines = [
        f"Mar 13 09:0{i}:40 social-1 bundle[3112]: 2025-03-13T09:0{i}:40.079Z pid=3112 class=ActivityPub::DeliveryWorker "
        f"jid=c2d7 WARN: HTTP::ConnectionError: failed to connect: Connection refused for dead{i}.example.net port 443"
        for i in range(5)
    ] + [
        '{"timestamp":"2025-03-13 13:15:03.715 Z","level":"warn","msg":"LDAP sync: user not found in directory, '
        'deactivating","username":"former.contractor"}'
    ]  # fmt: skip
    assert [f.severity for f in analyse(lines, None, None)["findings"]] == ["info"]


def test_a_monitoring_users_wrong_password_gives_way_to_the_real_fault() -> None:
    lines = [
        f"2025.03.13 02:0{i}:38.474315 [ 601 ] {{}} <Error> TCPHandler: Code: 516. DB::Exception: monitoring: "
        "Authentication failed: password is incorrect, or there is no user with such name. (AUTHENTICATION_FAILED)"
        for i in range(6)
    ] + [
        f"2025.03.13 02:1{i}:00.000000 [ 700 ] {{}} <Error> analytics.events (ReplicatedMergeTreeRestartingThread): "
        "Couldn't start replication (table will be in readonly mode): Code: 999. Coordination::Exception: All "
        "connection tries failed while connecting to ZooKeeper. (KEEPER_EXCEPTION)"
        for i in range(4, 8)
    ]  # fmt: skip
    top = analyse(lines, None, None)["findings"][0]
    assert "ZooKeeper" in top.message, top.message


@pytest.mark.parametrize(
    ("lines", "words"),
    [
        ([f"Jun 14 10:1{i}:28 lb-a Keepalived_vrrp[1204]: (VI_1) ip address associated with VRID 51 not present in "
          "MASTER advert : 10.40.0.100" for i in range(5)], "VRID"),
        ([f"2024-06-12 12:0{i}:58: (gw_backend.c.1921) backend is overloaded; we'll disable it for 1 seconds and send "
          "the request to another backend instead: reconnects: 0 load: 45" for i in range(5)], "overloaded"),
        ([f"1715647529.00000{i}\t-\t-\tCaptureLoss::Too_Much_Loss\tDetected 30.4{i}% gap loss on worker-1-1"
          for i in range(4)], "gap loss"),
        ([f'[1] 2024/05/14 14:0{i}:48.419607 [INF] 10.20.3.15:60122 - cid:57 - "v1.31.0:go:billing-worker" - Slow '
          "Consumer Detected: WriteDeadline of 10s exceeded" for i in range(3)]
         + [f'[1] 2024/05/14 13:0{i}:12.043208 [ERR] 198.51.100.51:44725 - cid:41 - "v1.30.0:go" - authentication '
            'error - User "guest"' for i in range(6)]
         + [f"[1] 2024/05/14 13:1{i}:02.000001 [ERR] 10.20.0.5:5100{i} - cid:9{i} - TLS handshake error: EOF"
            for i in range(8)], "Slow Consumer"),
        ([f"WARN  2024-05-14 08:2{i}:00,270 [shard 1:main] seastar - Reactor stalled for 341 ms on shard 1. "
          "Backtrace: 0x5c3a1e 0x5c4b2f" for i in range(5)], "Reactor stalled"),
        ([f'logger=ngalert.state.manager t=2024-06-12T09:5{i}:14.834+00:00 level=error msg="Failed to save alert '
          f'state" rule_uid=bdb331{i} org_id=1 error="database is locked"' for i in range(4)]
         + [f'logger=context t=2024-06-12T09:5{i}:09.021+00:00 level=warn msg="failed to look up session from '
            f'cookie" error="user token not found" remote_addr=10.60.2.6{i}' for i in range(6)], "database is locked"),
        (["2024.05.14 07:40:11 ERROR es[][o.e.b.Elasticsearch] node validation exception",
          "[1] bootstrap checks failed. You must address the points described in the following [1] lines.",
          "bootstrap check failure [1] of [1]: max virtual memory areas vm.max_map_count [65530] is too low, "
          "increase to at least [262144]",
          "2024.05.14 07:40:11 INFO  es[][o.e.n.Node] stopping ..."], "vm.max_map_count"),
    ],
)  # fmt: skip
def test_causes_of_proxies_sensors_brokers_and_embedded_stores_lead(lines: list[str], words: str) -> None:
    top = analyse(lines, None, None)["findings"][0]
    assert top.severity != "info" and words in top.message, top.message


def test_a_scanners_logins_and_a_balancers_probes_are_not_shown_beside_a_slow_consumer() -> None:
    lines = [
        f'[1] 2024/05/14 14:0{i}:48.419607 [INF] 10.20.3.15:60122 - cid:57 - "v1.31.0:go:billing-worker" - Slow '
        "Consumer Detected: WriteDeadline of 10s exceeded" for i in range(3)
    ] + [
        f'[1] 2024/05/14 13:0{i}:12.043208 [ERR] 198.51.100.51:44725 - cid:41 - "v1.30.0:go" - authentication '
        'error - User "guest"' for i in range(6)
    ] + [
        f"[1] 2024/05/14 13:1{i}:02.000001 [ERR] 10.20.0.5:5100{i} - cid:9{i} - TLS handshake error: EOF"
        for i in range(8)
    ]  # fmt: skip
    findings = analyse(lines, None, None)["findings"]
    assert "Slow Consumer" in findings[0].message
    shown = " ".join(f.message for f in findings)
    assert "authentication error" not in shown and "TLS handshake" not in shown, shown


def test_password_guessing_from_outside_and_a_busy_collector_are_background() -> None:
    lines = [
        f"May 14 02:0{i}:50 ftp1 vsftpd[2210{i}]: pam_unix(vsftpd:auth): authentication failure; logname= uid=0 "
        f"euid=0 tty=ftp ruser=root rhost=::ffff:198.51.100.8{i}"
        for i in range(6)
    ] + [
        f"[2024-06-11T08:5{i}:24,603][INFO ][o.e.m.j.JvmGcMonitorService] [es-data-1] [gc][88421{i}] overhead, "
        "spent [318ms] collecting in the last [1s]"
        for i in range(6)
    ]  # fmt: skip
    assert [f.severity for f in analyse(lines, None, None)["findings"]] == ["info"]
    # the same failures from inside the network are someone's problem; a collector at 80% is one
    inside = [line.replace("198.51.100.8", "10.20.0.8") for line in lines[:6]]
    assert analyse(inside, None, None)["findings"][0].severity != "info"
    heavy = [line.replace("[318ms]", "[812ms]") for line in lines[6:]]
    assert analyse(heavy, None, None)["findings"][0].severity != "info"


def test_a_yellow_cluster_that_is_green_again_is_history() -> None:
    lines = [
        "[2024-06-11T09:01:23,934][INFO ][o.e.c.r.a.AllocationService] [m-1] Cluster health status changed from "
        "[GREEN] to [YELLOW] (reason: [node left]).",
        "[2024-06-11T09:04:10,101][INFO ][o.e.c.r.a.AllocationService] [m-1] Cluster health status changed from "
        "[YELLOW] to [GREEN] (reason: [shards started]).",
    ]  # fmt: skip
    assert [e.level for e in parse_lines(lines)] == ["info", "info"]
    assert parse_lines(lines[:1])[0].level == "warning"  # yellow, and not green again


@pytest.mark.parametrize(
    ("lines", "words"),
    [
        ([f"05-14-2024 06:{i}1:42.296 +0000 INFO  ThruputProcessor [2873 parsing] - Current data throughput (256 kb/s) "
          "has reached maxKBps. As a result, data forwarding may be throttled." for i in range(3)]
         + [f"05-14-2024 06:{i}2:00.100 +0000 WARN  DateParserVerbose [2873 merging] - Failed to parse timestamp in "
            "first MAX_TIMESTAMP_LOOKAHEAD (128) characters of event." for i in range(6)]
         + [f'05-14-2024 06:{i}3:00.100 +0000 ERROR ExecProcessor [2873 ExecProcessor] - message from "splunkd '
            'instrument-resource-usage" Error in GetPerformanceInfo' for i in range(4)], "maxKBps"),
        ([f"2024.05.14 09:0{i}:04 LOG3[13]: SSL_connect: ssl/record/ssl3_record.c:354: error:0A00010B:SSL "
          "routines::wrong version number" for i in range(4)]
         + ["2024.05.14 09:00:04 LOG4[ui]: Service [redis-tls] needs authentication to prevent MITM attacks"],
         "wrong version number"),
        ([f"2024/05/14 02:00:0{i} [2868{i}] max connections (4) reached -- try again later" for i in range(6)]
         + [f'2024/05/13 02:30:0{i} [2229{i}] rsync: [receiver] failed to set times on "/srv/backups/web0{i}/." '
            "(in backups): Operation not permitted (1)" for i in range(4)], "max connections"),
        (["2024-05-14 09:13:41.897: sr_check_worker pid 2250: ERROR:  failed to authenticate with backend using SCRAM",
          "2024-05-14 09:13:41.604: sr_check_worker pid 2250: DETAIL:  valid password not found"]
         + [f"2024-05-14 06:3{i}:59.718: orders-api pid 313{i}: ERROR:  unable to read data from frontend"
            for i in range(8)], "SCRAM"),
        ([f"2024-05-14 02:0{i}:19,836 WARN org.apache.hadoop.yarn.server.nodemanager.containermanager.monitor."
          f"ContainersMonitorImpl: Container [pid=4482{i}] is running 744564262B beyond the 'VIRTUAL' memory limit."
          for i in range(4)], "VIRTUAL"),
        ([f"2024-05-14 06:4{i}:47.313 <ERR> bgp_tor_b: Error: Bad peer AS: 65012" for i in range(5)]
         + [f"2024-05-14 06:4{i}:22.579 <WARN> ospf_core: Bad packet from 10.0.254.9 via ens3f1 - mismatched hello "
            "interval (10)" for i in range(3)], "Bad peer AS"),
        ([f"2024-05-14 09:3{i}:01.684:WARN:oejh.HttpParser:qtp1784662007-33: Header is too large 8574>8192"
          for i in range(4)], "Header is too large"),
    ],
)  # fmt: skip
def test_causes_of_forwarders_tunnels_pools_and_routers_lead(lines: list[str], words: str) -> None:
    top = analyse(lines, None, None)["findings"][0]
    assert top.severity != "info" and words in top.message, top.message


def test_routine_lines_of_resolvers_databases_and_remote_desktops_are_no_problem() -> None:
    lines = [
        f"[2024-05-14 0{i}:51:44.883 812/T843] DNS cache: 7286 entries, 1{i} inserts evicted due to cache size"
        for i in range(5)
    ] + [
        "2024-05-12T18:59:37.929989+00:00", "Fatal NI connect error 12170.",
        "2024-05-12T18:59:38.313147+00:00", "WARNING: inbound connection timed out (ORA-3136)",
    ] + [
        f"[20240514-07:55:1{i}] [ERROR] libxrdp_force_read: header read error" for i in range(4)
    ] + [
        f"2024-05-14 08:2{i}:19,641 ftp01 proftpd[10{i}] 172.18.0.5 (192.0.2.20{i}[192.0.2.20{i}]): Maximum login "
        "attempts (3) exceeded, connection refused" for i in range(5)
    ]  # fmt: skip
    assert [f.severity for f in analyse(lines, None, None)["findings"]] == ["info"]


@pytest.mark.parametrize(
    ("lines", "words"),
    [
        ([f"Jun 11 14:0{i}:09 edge-rtr1 bgpd[812]: [PXVXG-TFNNT] %MAXPFXEXCEED: No. of IPv4 Unicast prefix received "
          "from 192.0.2.1 reaches 1001, max 1000" for i in range(2, 6)]
         + ["Jun 11 14:02:31 edge-rtr1 zebra[611]: [WVJCK-PPMGD] netlink-dp (NS 0) error: Network is unreachable"],
         "MAXPFXEXCEED"),
        ([f'E0611 08:1{i}:00.000000 2411 log.go:32] "RunPodSandbox from runtime service failed" err="rpc error: '
          'failed to get sandbox image \\"registry.k8s.io/pause:3.9\\": failed to pull image"' for i in range(4)]
         + ['E0611 08:10:00.000000 2411 file.go:104] "Unable to read config path" err="path does not exist, '
            'ignoring" path="/etc/kubernetes/manifests"'], "sandbox_image"),
        ([f"May 14 01:00:0{i} files-01 xinetd[912]: FAIL: rsync per_source_limit from=10.0.8.5" for i in range(6)],
         "per_source_limit"),
        ([f"2024-05-14 14:02:1{i},482 INFO spawnerr: can't find command '/srv/reports/current/venv/bin/celery'"
          for i in range(4)]
         + ["2024-05-14 08:00:01,100 CRIT Supervisor is running as root.  Privileges were not dropped because no "
            "user is specified in the config file.",
            "2024-05-14 08:00:01,101 CRIT Server 'unix_http_server' running without any HTTP authentication checking"],
         "can't find command"),
        ([f"May 14 09:3{i}:00 mx-02 spamd[1180]: prefork: server reached --max-children setting, consider raising it"
          for i in range(4)], "max-children"),
        ([f"2024-05-14 09:4{i}:00.117000500 delivery 880{i}: deferral: CNAME_lookup_failed_temporarily._(#4.4.3)/"
          for i in range(6)]
         + ["2024-05-14 09:19:21.981000500 delivery 8794: failure: Sorry,_no_mailbox_here_by_that_name._(#5.1.1)/"],
         "lookup failed temporarily"),
    ],
)  # fmt: skip
def test_causes_of_routers_nodes_supervisors_and_mail_queues_lead(lines: list[str], words: str) -> None:
    top = analyse(lines, None, None)["findings"][0]
    assert top.severity != "info" and words in top.message, top.message


def test_a_ceph_health_check_cleared_later_is_history() -> None:
    lines = [
        "2024-06-11T09:30:00.000000+0000 mon.ceph-mon1 (mon.0) 1 : cluster [WRN] Health check failed: 3 slow ops, "
        "oldest one blocked for 31 sec, osd.7 has slow ops (SLOW_OPS)",
        "2024-06-11T09:31:00.000000+0000 mon.ceph-mon1 (mon.0) 2 : cluster [INF] Health check cleared: SLOW_OPS (was: "
        "3 slow ops)",
    ]  # fmt: skip
    assert [e.level for e in parse_lines(lines)] == ["info", "info"]
    assert parse_lines(lines[:1])[0].level == "warning"


def test_dockers_ipvs_settings_missing_from_the_kernel_are_no_problem() -> None:
    lines = [
        f'Jul  2 11:2{i}:09 mgr-2 dockerd[1204]: time="2024-07-02T11:2{i}:09Z" level=error msg="error reading the '
        'kernel parameter net.ipv4.vs.conn_reuse_mode" error="open /proc/sys/net/ipv4/vs/conn_reuse_mode: no such '
        'file or directory"'
        for i in range(6)
    ]
    assert analyse(lines, None, None)["findings"][0].severity == "info"


def test_scanners_before_login_file_manager_probes_and_a_member_leaving_are_no_problem() -> None:
    lines = [
        f"Jul  3 0{i}:11:40 gw-1 sshd[40{i}1]: error: kex_exchange_identification: Connection closed by remote host"
        for i in range(6)
    ] + [
        "Jul  3 07:12:09 gw-1 sshd[4120]: banner exchange: Connection from 198.51.100.7 port 51022: invalid format",
        "Jul  3 07:13:40 gw-1 sshd[4122]: Unable to negotiate with 198.51.100.9 port 40112: no matching host key "
        "type found. Their offer: ssh-rsa,ssh-dss [preauth]",
        "Jul  3 08:01:12 desk-3 automount[990]: failed to mount /data/.Trash-1000",
        "Jul  3 08:01:13 desk-3 automount[990]: failed to mount /data/desktop.ini",
        "Jul  3 08:31:13 desk-3 automount[990]: expired /home/dave",
    ]
    assert analyse(lines, None, None)["findings"][0].severity == "info"


def test_a_peer_hanging_up_logged_as_a_warning_stays_a_warning() -> None:
    lines = [
        "2024-07-03 02:10:04,447 [ WARN] [hz.cache.IO.thread-in-1] [c.h.i.s.t.TcpServerConnection]: Connection[id=4, "
        "/10.0.5.11:5701->/10.0.5.13:45435] closed. Reason: Exception in Connection[id=4]",
        "java.io.IOException: Connection reset by peer",
        "2024-07-03 02:10:04,448 [ INFO] [hz.cache.cached.thread-3] [c.h.i.c.i.MembershipManager]: Removing Member "
        "[10.0.5.13]:5701",
    ]
    result = analyse(lines, None, None)
    assert result["levels"].get("error", 0) == 0 and result["findings"][0].severity == "info"


def test_snmpds_unreadable_mounts_are_background_and_g1s_failed_evacuation_is_a_problem() -> None:
    snmpd = [
        f"Aug  4 0{i}:01:03 relay-1 snmpd[880]: Cannot statfs /run/user/1000/doc: Permission denied"
        for i in range(5)
    ]
    assert analyse(snmpd, None, None)["findings"][0].severity == "info"
    gc = [
        "[2024-08-04T14:09:37.767+0000][90211.767s][info][gc          ] GC(4121) To-space exhausted",
        "[2024-08-04T14:09:43.274+0000][90217.274s][info][gc          ] GC(4122) Pause Full (G1 Compaction Pause) "
        "4088M->3916M(4096M) 4439.644ms",
    ]
    top = analyse(gc, None, None)["findings"][0]
    assert top.severity != "info" and "To-space exhausted" in top.message


def test_powerdns_structured_lines_take_their_level_from_prio() -> None:
    line = (
        'msg="Unable to bind UDP socket" subsystem="config" level="0" prio="Error" tid="0" ts="1715667069.411" '
        'error="Address already in use" address="0.0.0.0:53"'
    )
    assert analyse([line], None, None)["levels"] == {"error": 1}


@pytest.mark.parametrize(
    ("line", "words"),
    [
        (
            "2024-03-14 08:31:09,418 | INFO  | Usage(default:store:queue://orders:store) percentUsage=100%: Persistent "
            "store is Full, 100% of 10737418240. Stopping producer (ID:app03-1:1:1:1) to prevent flooding "
            "queue://orders. | org.apache.activemq.broker.region.Queue | ActiveMQ Transport",
            "Persistent store is Full",
        ),
        (
            'I0314 10:01:51.132790       1 event_sink_logging_wrapper.go:48] Event(v1.ObjectReference{Kind:"Pod", '
            "Namespace:\"shop\", Name:\"checkout-1\"}): type: 'Normal' reason: 'NotTriggerScaleUp' pod didn't trigger "
            "scale-up: 2 max node group size reached",
            "max node group size",
        ),
        (
            'I0312 01:00:00.022311       1 event.go:376] "Event occurred" object="billing/invoice-export" kind="CronJob" '
            'type="Normal" reason="JobAlreadyActive" message="Not starting job because prior execution is running and '
            'concurrency policy is Forbid"',
            "Forbid",
        ),
        (
            "2024-05-14T07:55:25.863Z [INFO] [EC01FCD7.1] [dns-list] zen.spamhaus.org returned 127.255.255.254 for "
            "203.0.113.45",
            "127.255.255.254",
        ),
        (
            "2024-03-14 10:02:19 rejected from <customer@example.org> H=mx2.example.internal [10.5.0.26] P=esmtps: Too "
            'many "Received" headers - suspected mail loop',
            "mail loop",
        ),
    ],
)
def test_a_limit_or_a_skipped_run_said_calmly_and_still_at_work_is_critical(line: str, words: str) -> None:
    """Said at INFO (or as a Normal event) and repeated to the end of the log: the broker blocks
    every producer, the pod stays pending, the job never runs, the mail never arrives."""
    lines = [f"{line} #{i}" for i in range(6)]
    top = analyse(lines, None, None)["findings"][0]
    assert top.severity == "critical" and words in top.message, top.message


def test_routine_denials_disconnects_and_vanished_files_are_no_problem() -> None:
    lines = [
        'Mar 14 09:05:40 ldap01 kernel: [402211.771203] audit: type=1400 audit(1710407140.771:388): apparmor="DENIED" '
        'operation="capable" class="cap" profile="/usr/sbin/cupsd" pid=1120 comm="cupsd" capability=12 '
        'capname="net_admin"',
        "[nsqd] 2024/11/19 10:04:02.008910 ERROR: client(10.0.3.50:33102) - failed to read command - EOF",
        "[nsqd] 2024/11/19 10:04:03.118201 ERROR: client(10.0.3.51:33120) - failed to read command - read tcp "
        "10.0.3.10:4150->10.0.3.51:33120: read: connection reset by peer",
        'level=error ts=2024-11-19T09:12:04Z caller=tailer.go:171 component=tailer msg="failed to tail file, stat '
        'failed" error="stat /var/log/pods/shop_api-1/api/0.log: no such file or directory" '
        "filename=/var/log/pods/shop_api-1/api/0.log",
        "[nsqd] 2024/11/19 10:04:05.000000 INFO: [10.0.3.52:33188] state rdy: 0 inflt: 0",
        "Dec 10 07:04:25 ns2 pdns_server[812]: Remote 198.51.100.213 wants 'version.bind|TXT', do = 0, bufsize = 512 "
        "(4.8.4): refused",
        "Jan 14 22:31:40 app-09 kernel: platform regulatory.0: Direct firmware load for regulatory.db failed with "
        "error -2",
        "Jan 14 22:31:40 app-09 kernel: cfg80211: failed to load regulatory.db",
    ]
    assert [f.severity for f in analyse(lines, None, None)["findings"]] == ["info"]


def test_a_label_that_explodes_the_series_count_is_named_as_cardinality() -> None:
    lines = [
        f"2024-07-02T10:1{i}:00.000Z warn VictoriaMetrics/lib/promscrape/scrapework.go:601 series limit exceeded for "
        f'target "http://10.95.7.18:8080/metrics" ({{job="checkout-api"}}): the target exposes 48211 series'
        for i in range(5)
    ]
    top = analyse(lines, None, None)["findings"][0]
    assert top.severity != "info" and "cardinality" in top.message, top.message
