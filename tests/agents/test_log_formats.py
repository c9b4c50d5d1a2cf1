"""Levels where each common format writes them (klog, Redis, nginx's error log, ASP.NET, JSON
with words, numbers or MongoDB's letters, PostgreSQL), and lines without a level judged by what
they say: words of failure an error, words of trouble a warning, counts of zero nothing."""

from __future__ import annotations

import datetime as dt

import pytest

from app.agents.logs.parsing import parse_lines, unlevelled_level

pytestmark = pytest.mark.database_free  # left out of the PostgreSQL pass: tests/conftest.py


@pytest.mark.parametrize(
    ("line", "level"),
    [
        ('E0513 21:14:03.123456    1234 reflector.go:147] Failed to watch *v1.Node: x509: certificate has expired', "error"),
        ("W0513 21:14:03.123456    1234 warnings.go:70] v1 ComponentStatus is deprecated", "warning"),
        ("I0513 21:14:03.123456    1234 kubelet.go:2420] SyncLoop (PLEG): event for pod", "info"),
        ("F0513 21:14:03.123456    1234 server.go:269] failed to run Kubelet", "critical"),
        ('May 13 21:14:03 node-02 kubelet[1234]: E0513 21:14:03.123456    1234 kubelet.go:2855] "Error getting node"', "error"),
        ("1:M 14 May 2024 02:00:00.123 # WARNING overcommit_memory is set to 0!", "warning"),
        ("1:M 14 May 2024 02:00:00.123 * Background saving started by pid 812", "info"),
        ("1:M 14 May 2024 02:00:00.123 * Background saving error", "warning"),
        ("1:M 14 May 2024 02:00:00.123 * Error connecting to MASTER: Connection refused", "error"),
        ("2024/05/14 02:00:00 [error] 812#812: *7 connect() failed (111: Connection refused)", "error"),
        ("[Tue May 14 02:00:00.123 2024] [proxy:error] [pid 812] AH00940: HTTP: disabled connection", "error"),
        ("14-May-2024 09:10:14.331 general: warning: zone corp.example.internal/IN: expired", "warning"),
        ("14-May-2024 09:02:03.018 lame-servers: info: connection refused resolving 'cdn.example.net/A/IN'", "info"),
        ("14-May-2024 09:10:14.329 xfer-in: info: zone c.example/IN: refresh: retry limit for primary "
         "10.30.0.10#53 exceeded (source 10.30.0.53#0)", "warning"),
        ("npm error code EUSAGE", "error"),
        ('[14:03:55 WRN] As of "06/03/2024 14:03:55 +00:00", the heartbeat has been running for "00:00:02.8"', "warning"),
        ("[14:03:56 INF] Request finished HTTP/1.1 GET /health - 200", "info"),
        ("2024-06-03 [14:04:01 ERR] Failed executing DbCommand (30,012ms)", "error"),
        ("npm ERR! code ERESOLVE", "error"),
        ("fail: Microsoft.AspNetCore.Server.Kestrel[13]", "error"),
        ("warn: Microsoft.AspNetCore.DataProtection[35]", "warning"),
        ("crit: Microsoft.Hosting.Lifetime[0]", "critical"),
        ('{"level":50,"time":1715652000000,"msg":"payment failed"}', "error"),
        ('{"level":30,"time":1715652000000,"msg":"request completed"}', "info"),
        ('{"t":{"$date":"2024-05-14T02:00:00Z"},"s":"E","c":"STORAGE","msg":"WiredTiger error"}', "error"),
        ('{"t":{"$date":"2024-05-14T02:00:00Z"},"s":"I","c":"NETWORK","msg":"Connection accepted"}', "info"),
        ('{"log.level":"warn","message":"disk usage high"}', "warning"),
        ('{"levelname":"ERROR","message":"export failed"}', "error"),
        ("2024-05-14 02:00:00.123 UTC [812] LOG:  checkpoint complete: wrote 3 buffers", "info"),
        # PostgreSQL's FATAL ends one session (an error); PANIC takes the server down.
        ("2024-05-14 02:00:00.123 UTC [812] FATAL:  password authentication failed for user \"app\"", "error"),
        ("2024-05-14 02:00:00.123 UTC [812] PANIC:  could not write to file: No space left on device", "critical"),
    ],
)  # fmt: skip
def test_levels_where_each_format_writes_them(line: str, level: str) -> None:
    (entry,) = parse_lines([line])
    assert entry.level == level, entry


@pytest.mark.parametrize(
    ("text", "level"),
    [
        ("kernel: nf_conntrack: nf_conntrack: table full, dropping packet", "error"),
        ("kernel: EXT4-fs error (device sda1): ext4_find_entry: reading directory lblock 0", "warning"),
        ("kernel: Buffer I/O error on dev sdb1, logical block 0", "error"),
        ("systemd[1]: nginx.service: Failed with result 'exit-code'.", "error"),
        ("ssh: connect to host web03 port 22: No route to host (host unreachable)", "error"),
        ("sshd[812]: Failed password for invalid user admin from 203.0.113.45 port 52144 ssh2", "warning"),
        ("backup: upload failed, will retry", "warning"),
        ("CRON[812]: (root) CMD (/usr/local/bin/rotate)", "info"),
        ("web01 : ok=14 changed=9 unreachable=0 failed=0 skipped=0", "info"),
        ("sync finished: 1200 files, 0 errors, 0 failed", "info"),
        ("loaded error_page /srv/www/error.html and fail_timeout=10s", "info"),
        ("dpkg: configure libgpg-error0:amd64 1.46-1", "info"),
        ("retention job: no failures in the last 24h", "info"),
    ],
)
def test_lines_without_a_level_are_judged_by_what_they_say(text: str, level: str) -> None:
    assert unlevelled_level(text) == level


def test_json_lines_from_go_services_are_one_entry_each() -> None:
    """A zap line names its caller ("fx/rates.go:57"): that is no Go stack frame."""
    lines = [
        f'{{"level":"info","ts":"2024-06-03T08:57:{i:02d}Z","caller":"fx/rates.go:57","msg":"refreshed rates"}}'
        for i in range(5)
    ]
    assert len(parse_lines(lines)) == 5


def test_json_request_lines_read_like_access_lines() -> None:
    health, failed, epoch = parse_lines(
        [
            '{"level":"info","ts":"2024-06-03T08:57:14Z","msg":"request","method":"GET","path":"/healthz","status":200}',
            '{"level":"info","ts":"2024-06-03T09:01:00Z","msg":"request","method":"POST","path":"/v1/checkout/91","status":502}',
            '{"level":30,"time":1717405260000,"msg":"request completed","req":{},"statusCode":200,"url":"/v1/cart?x=1"}',
        ]
    )
    assert health.health_check and health.status == 200
    assert (failed.status, failed.level, failed.message) == (
        502,
        "error",
        "POST /v1/checkout/<id> -> HTTP_502",
    )
    assert epoch.timestamp is not None and epoch.timestamp.isoformat() == "2024-06-03T09:01:00+00:00"
    assert epoch.status == 200 and not epoch.health_check


def test_a_java_exception_on_the_line_after_its_message_belongs_to_it() -> None:
    (entry, after) = parse_lines(
        [
            "2024-05-21 22:31:00.120 ERROR [consumer-1] c.e.Consumer - Offset commit failed for batch",
            "org.apache.kafka.clients.consumer.CommitFailedException: Offset commit cannot be completed",
            "\tat org.apache.kafka.clients.consumer.internals.ConsumerCoordinator.commit(ConsumerCoordinator.java:1)",
            "2024-05-21 22:31:01.000 INFO [consumer-1] c.e.Consumer - polling",
        ]
    )
    assert entry.exception_type == "org.apache.kafka.clients.consumer.CommitFailedException"
    assert len(entry.extra_lines) == 2 and after.level == "info"


@pytest.mark.parametrize(
    ("text", "level"),
    [
        (
            "mysqld[812]: [Note] [MY-010559] [Repl] statistics: waited due a Worker queue full = 0; overrun = 0",
            "info",
        ),
        ("  Tolerations: node.kubernetes.io/unreachable:NoExecute op=Exists for 300s", "info"),
        ("  session.timeout.ms = 45000", "info"),
    ],
)
def test_counters_at_zero_and_dotted_names_are_not_events(text: str, level: str) -> None:
    (entry,) = parse_lines([text])
    assert entry.level == level


def test_redis_warnings_are_raised_by_what_they_say() -> None:
    (entry,) = parse_lines(
        ["1:M 14 May 2024 02:00:00.123 # Can't save in background: fork: Cannot allocate memory"]
    )
    assert entry.level == "error"


def test_envoy_access_lines_say_why_a_request_failed() -> None:
    (ok, failed) = parse_lines(
        [
            '[2024-06-11T23:58:44.103Z] "GET /ready HTTP/1.1" 200 - via_upstream - "-" 0 2 0 0 "-" "kube-probe/1.29"',
            '[2024-06-12T00:00:03.120Z] "POST /v3/authorizations HTTP/1.1" 503 UF upstream_reset_before_response_started'
            '{connection_failure} - "TLS_error:_SSLV3_ALERT_CERTIFICATE_EXPIRED" 0 91 12 - "-" "Go-http-client/1.1"',
        ]
    )
    assert ok.health_check and ok.status == 200 and ok.level == "info"
    assert failed.status == 503 and failed.level == "error"
    assert failed.message.startswith(
        "POST /v3/authorizations -> HTTP_503 UF upstream_reset_before_response_started"
    )
    assert failed.message.endswith("CERTIFICATE_EXPIRED")


def test_a_dotnet_unhandled_exception_is_an_error_with_its_type() -> None:
    (entry,) = parse_lines(
        [
            "Unhandled exception. System.IO.IOException: The configured user limit (128) on the number of inotify "
            "instances has been reached.",
            "   at System.IO.FileSystemWatcher.StartRaisingEvents()",
        ]
    )
    assert entry.level == "error" and entry.exception_type == "System.IO.IOException"


def test_an_ansible_failure_it_was_told_to_ignore_is_no_error() -> None:
    ignored, marker, real = parse_lines(
        [
            'fatal: [web-05]: FAILED! => {"changed": false, "cmd": ["systemctl", "cat", "legacy.service"], "rc": 1}',
            "...ignoring",
            'fatal: [web-05]: FAILED! => {"changed": false, "msg": "Could not get lock /var/lib/dpkg/lock-frontend"}',
        ]
    )
    assert (ignored.level, real.level) == ("info", "critical")


@pytest.mark.parametrize(
    ("line", "level", "message"),
    [
        ('{"log":"2024-06-11 10:15:00,120 ERROR [api] payment failed\\n","stream":"stderr","time":"2024-06-11T10:15:00.1Z"}',
         "error", "ERROR [api] payment failed"),
        ("2024-06-11T10:15:00.123456789Z stderr F 2024-06-11 10:15:00 WARN cache: evicting 40% of keys",
         "warning", "WARNING cache: evicting 40% of keys"),
        ('{"MESSAGE":"Out of memory: Killed process 812 (java)","PRIORITY":"3","__REALTIME_TIMESTAMP":"1718100900000000"}',
         "error", "Out of memory: Killed process 812 (java)"),
        ('{"severity":"WARNING","textPayload":"Quota nearly exhausted","timestamp":"2024-06-11T10:15:00Z"}',
         "warning", "Quota nearly exhausted"),
    ],
)  # fmt: skip
def test_container_and_journal_wrappers_are_unwrapped(line: str, level: str, message: str) -> None:
    (entry,) = parse_lines([line])
    assert (entry.level, entry.message) == (level, message)
    assert entry.timestamp is not None and entry.timestamp.year == 2024


def test_haproxy_http_lines_carry_status_backend_and_termination_state() -> None:
    ok, failed = parse_lines(
        [
            "Jun 11 10:14:00 lb-1 haproxy[812]: 10.0.0.1:5000 [11/Jun/2024:10:14:00.120] fe_api be_api/api-1 "
            '0/0/1/2/3 200 512 - - ---- 12/12/0/0/0 0/0 "GET /healthz HTTP/1.1"',
            "Jun 11 10:15:00 lb-1 haproxy[812]: 10.0.0.1:5001 [11/Jun/2024:10:15:00.120] fe_api be_api/<NOSRV> "
            '0/-1/-1/-1/0 503 217 - - SC-- 12/12/0/0/0 0/0 "POST /api/orders/91 HTTP/1.1"',
        ]
    )
    assert ok.health_check and ok.status == 200
    assert (
        failed.message == "POST /api/orders/<id> -> HTTP_503 be_api/<NOSRV> SC--" and failed.level == "error"
    )


def test_every_host_of_an_ignored_ansible_task_is_ignored() -> None:
    entries = parse_lines(
        [
            'fatal: [web-01]: FAILED! => {"changed": false, "msg": "Could not find the requested service apache2"}',
            'fatal: [web-02]: FAILED! => {"changed": false, "msg": "Could not find the requested service apache2"}',
            "...ignoring",
        ]
    )
    assert [e.level for e in entries[:2]] == ["info", "info"]


def test_kubernetes_failure_events_that_later_succeeded_are_settled() -> None:
    entries = parse_lines(
        [
            "2m10s (x2 over 2m12s) Warning FailedScheduling pod/api-7c9d-m8z0f 0/3 nodes are available: 3 Insufficient cpu.",
            "2m Normal TriggeredScaleUp pod/api-7c9d-m8z0f pod triggered scale-up",
            "90s Normal Scheduled pod/api-7c9d-m8z0f Successfully assigned shop/api-7c9d-m8z0f to node-4",
            "3m Warning FailedScheduling pod/api-7c9d-q1w2e 0/3 nodes are available: 3 Insufficient cpu.",
        ]
    )
    assert [e.level for e in entries] == ["info", "info", "info", "error"]
    assert entries[0].message.endswith("(settled: another event shows it succeeded)")


@pytest.mark.parametrize(
    "line",
    [
        "2024-03-12 14:02:12.491 UTC [4242] deploy@shop LOG:  process 4242 still waiting for AccessExclusiveLock on relation 16417",
        'I0312 16:31:07.882395    1187 eviction_manager.go:176] "Evicting pod" pod="reporting/report-builder"',
    ],
)
def test_problems_written_at_info_level_are_warnings(line: str) -> None:
    (entry,) = parse_lines([line])
    assert entry.level == "warning" and entry.message.startswith("WARNING ")


def test_a_level_right_after_the_syslog_program_counts() -> None:
    (entry,) = parse_lines(
        ['Mar 11 00:00:01 batch-02 logrotate: error: skipping "/var/log/ingest/ingest.log" because parent '
         "directory has insecure permissions"]
    )  # fmt: skip
    assert entry.level == "error" and entry.level_written


def test_an_error_object_in_a_json_line_says_what_failed() -> None:
    line = (
        '{"level":50,"time":1715658088504,"msg":"failed to index product update","err":{"type":"ResponseError",'
        '"message":"cluster_block_exception: index [products] blocked by: [TOO_MANY_REQUESTS/12/disk usage '
        'exceeded flood-stage watermark]","stack":"ResponseError: ..."}}'
    )
    [entry] = parse_lines([line])
    assert entry.level == "error"
    assert entry.message.startswith("failed to index product update | ResponseError: cluster_block_exception")


def test_asp_net_core_messages_under_their_category_line_belong_to_it() -> None:
    lines = [
        "warn: Microsoft.AspNetCore.Server.Kestrel[22]",
        '      As of "10/03/2024 11:21:07 +00:00", the heartbeat has been running for "00:00:02.87" which is '
        'longer than "00:00:01". This could be caused by thread pool starvation.',
        "info: Microsoft.Hosting.Lifetime[0]",
        "      Application started.",
    ]
    entries = parse_lines(lines)
    assert [e.level for e in entries] == ["warning", "info"]
    assert "thread pool starvation" in entries[0].full_text


def test_a_line_without_a_time_takes_the_time_of_the_line_before_it() -> None:
    lines = [
        "2024-05-14 01:12:02.118 UTC [812] LOG:  archiver process started",
        "ERROR: [047]: unable to create path '/mnt/repo/archive': [30] Read-only file system",
        "2024-05-14 04:38:52.959 UTC [831] PANIC:  could not write to file: No space left on device",
    ]
    entries = parse_lines(lines)
    assert entries[1].timestamp == entries[0].timestamp
    assert entries[1].timestamp is not None and entries[1].timestamp < entries[2].timestamp  # type: ignore[operator]


def test_a_syslog_tag_with_brackets_inside_is_still_the_program() -> None:
    (entry,) = parse_lines(
        ["Mar 27 09:08:05 bastion02 sssd[be[corp.example.com]][903]: GSSAPI Error: Unspecified GSS failure."]
    )
    assert entry.timestamp is not None
    assert entry.message.startswith("ERROR sssd[be[corp.example.com]]: GSSAPI Error")


def test_dmesg_human_times_are_read_and_hung_tasks_are_errors() -> None:
    hung, nfs = parse_lines(
        [
            "[Tue May 14 04:12:33 2024] INFO: task php-fpm8.2:23517 blocked for more than 120 seconds.",
            "[Tue May 14 04:09:47 2024] nfs: server nas01.internal not responding, still trying",
        ]
    )
    assert hung.timestamp is not None and (hung.timestamp.hour, hung.timestamp.minute) == (4, 12)
    assert hung.level == "error" and hung.message.startswith("ERROR task php-fpm8.2")
    assert nfs.level == "error" and nfs.timestamp is not None and nfs.timestamp < hung.timestamp


def test_a_haproxy_server_that_came_back_up_was_a_flap() -> None:
    down, _up, still_down = parse_lines(
        [
            "May 14 03:00:02 lb-1 haproxy[2231]: Server be_app/app3 is DOWN, reason: Layer4 timeout.",
            "May 14 03:00:09 lb-1 haproxy[2231]: Server be_app/app3 is UP, reason: Layer4 check passed.",
            "May 14 03:00:10 lb-1 haproxy[2231]: Server be_app/app2 is DOWN, reason: Layer4 timeout.",
        ]
    )
    assert down.level == "info" and "came back UP" in down.message
    assert still_down.level == "warning"  # app2 never came back


@pytest.mark.parametrize(
    ("line", "level"),
    [
        ('"5/14/2024 7:05:00 AM","Warning","Microsoft-Windows-WAS","5021","IIS01","The identity of application pool '
         'IntranetPortal is invalid."', "warning"),
        ('"5/14/2024 7:05:00 AM","Error","Service Control Manager","7038","IIS01","The IntranetSync service was '
         'unable to log on."', "error"),
        ('"5/14/2024 7:05:00 AM","Information","Service Control Manager","7036","IIS01","The W3SVC service entered '
         'the running state. No errors."', "info"),
    ],
)  # fmt: skip
def test_windows_events_exported_as_csv_carry_their_level(line: str, level: str) -> None:
    (entry,) = parse_lines([line])
    assert entry.level == level and entry.level_written


@pytest.mark.parametrize(
    ("line", "level"),
    [
        # Gitea: a level letter after the caller; its router's lines are requests like an access log's.
        ("2024/03/21 13:58:23 ...rs/web/repo/githttp.go:485:serviceRPC() [E] Fail to serve RPC(receive-pack)", "error"),
        ("2024/03/21 13:58:00 cmd/web.go:242:runWeb() [I] Starting Gitea on PID: 17", "info"),
        ("2024/03/22 09:00:00 ...dules/setting/log.go:263:LogDeprecatedSettings() [W] Deprecated fallback", "warning"),
        # RFC 5424 syslog: the program's line after the header, PRI's severity a floor.
        ('<13>1 2024-09-10T10:02:04+02:00 fw01 kernel - [meta sequenceId="1"] [zone: pf states] PF states limit '
         "reached", "error"),
        ('<30>1 2024-09-10T09:30:00+02:00 fw01 kernel - [meta sequenceId="2"] pflog0: promiscuous mode enabled', "info"),
        ("<11>1 2024-09-10T09:30:00Z fw01 sshd 812 - - listener restarted", "error"),
        # Veeam's job log and PowerShell's table of Windows events: the level is a column.
        ("05.03.2024 22:05:03 Warning  CBT data is invalid, failing over to legacy incremental backup. [FS01]", "warning"),
        ("06.03.2024 06:00:03 Error    Processing RDS01 Error: Job stopped by backup window", "error"),
        ("04.03.2024 22:00:03 Info     Changed block tracking is enabled", "info"),
        ("18/11/2024 07:50:12  1014 Warning          Microsoft-Windows-DNS-Client          Name resolution timed out",
         "warning"),
        ("18/11/2024 07:52:12  1000 Error            Application Error                     Faulting application name: "
         "spoolsv.exe", "error"),
        ("11/18/2024 7:40:12 AM  7040 Information      Service Control Manager               The start type changed.",
         "info"),
        # Nextcloud's JSON: 0 debug ... 3 error, 4 fatal.
        ('{"reqId":"a","level":3,"time":"2024-05-14T02:15:21+00:00","app":"calendar","message":"Database error"}',
         "error"),
        ('{"reqId":"b","level":1,"time":"2024-05-14T02:15:22+00:00","app":"core","message":"Update failed"}', "info"),
        # zap's console lines (the OpenTelemetry Collector), Zabbix's pid:date:time lines.
        ("2024-06-24T12:04:28.999Z\twarn\tbatchprocessor@v0.102.1/batch_processor.go:258\tSender failed", "warning"),
        ("2024-06-24T12:04:32.563Z\terror\texporterhelper/queue_sender.go:101\tExporting failed.", "error"),
        ("2024-06-24T12:00:01.000Z\tinfo\tservice@v0.102.1/service.go:113\tEverything is ready.", "info"),
        ("   1027:20240623:090001.162 proxy #8 started [unreachable poller #1]", "info"),
        # An exception a program logged without any level (Drupal's syslog module).
        ("Mar 14 09:09:48 web01 drupal: https://shop.example.com|1710407388|php|10.20.0.15|https://shop.example.com/"
         "||0||UnexpectedValueException: The provided host name is not valid for this server.", "error"),
    ],
)  # fmt: skip
def test_levels_of_gitea_rfc5424_veeam_event_tables_and_nextcloud(line: str, level: str) -> None:
    (entry,) = parse_lines([line])
    assert entry.level == level, entry


def test_gitea_s_router_lines_are_requests_and_a_tab_after_the_time_is_no_part_of_the_message() -> None:
    router, joomla = parse_lines([
        "2024/03/21 13:58:23 ...eb/routing/logger.go:102:func1() [I] router: completed POST /web/site.git/"
        "git-receive-pack for 10.12.0.62:49001, 500 Internal Server Error in 62.9ms @ repo/githttp.go:532",
        "2024-02-20T10:07:06+00:00\tWARNING 10.30.0.12\tjerror\tUpdate: Could not open archive /tmp/pkg.zip",
    ])  # fmt: skip
    assert router.status == 500 and router.level == "error"
    assert router.message == "POST /web/site.git/git-receive-pack -> HTTP_500"
    assert joomla.level == "warning" and joomla.message.startswith("WARNING 10.30.0.12")


def test_an_idrac_record_of_key_value_lines_is_one_entry_with_its_severity() -> None:
    lines = [
        "-" * 80,
        "SeqNumber       = 2838",
        "Message ID      = RDU0012",
        "Severity        = Critical",
        "Timestamp       = 2024-03-27 02:14:07",
        "Message         = Power supply redundancy is lost.",
        "FQDD            = System.Chassis.1",
        "-" * 80,
        "SeqNumber       = 2825",
        "Message ID      = USR0032",
        "Severity        = Informational",
        "Timestamp       = 2024-03-27 05:30:02",
        "Message         = The session for monitor from 10.0.9.40 using REDFISH is logged off.",
    ]
    lost, session = parse_lines(lines)
    assert lost.level == "critical" and lost.message.endswith(
        "RDU0012: Power supply redundancy is lost. (System.Chassis.1)"
    )
    assert lost.timestamp is not None and lost.timestamp.hour == 2 and lost.line_no == 2
    assert session.level == "info" and "REDFISH" in session.message


def test_a_db2diag_record_is_one_entry_with_its_level_time_message_and_application() -> None:
    lines = [
        "2024-05-14-11.02.17.831164+060 E43810E699          LEVEL: Error",
        "PID     : 4122                 TID : 140155     PROC : db2sysc 0",
        "INSTANCE: db2inst1             NODE : 000         DB   : SALESDB",
        "APPHDL  : 0-9410               APPID: 10.100.2.14.50122.240514110112",
        "FUNCTION: DB2 UDB, data protection services, sqlpgResSpace, probe:2860",
        'MESSAGE : ADM1823E  The active log is full and is held by application handle "0-8812".',
        "",
        "2024-05-14-11.02.17.470118+000 E44510E583          LEVEL: Error",
        "PID     : 4122                 TID : 140155     PROC : db2sysc 0",
        'MESSAGE : ZRC=0x85100009=-2062548983=SQLP_NOSPACE "Log File has reached its saturation point"',
        "DIA8309C Log file was full.",
        "",
        "2024-05-14-11.05.05.271429+000 I45094E390          LEVEL: Info",
        "MESSAGE : Application 0-8812 (etl-loader) still executing",
    ]
    held, full, running = parse_lines(lines)
    assert held.level == "error" and held.line_no == 1
    assert held.message.endswith('held by application handle "0-8812". (application handle 0-9410)')
    assert held.timestamp == dt.datetime(2024, 5, 14, 10, 2, 17, 831164, tzinfo=dt.UTC)  # +060: minutes east
    assert full.level == "error" and full.message.endswith('saturation point" DIA8309C Log file was full.')
    assert running.level == "info" and "still executing" in running.message


def test_mongodb_s_generic_error_message_takes_the_words_of_its_attr_message() -> None:
    (entry,) = parse_lines([
        '{"t":{"$date":"2024-08-12T03:20:07.201+00:00"},"s":"E","c":"STORAGE","id":1,"ctx":"Checkpointer",'
        '"msg":"WiredTiger error","attr":{"error":28,"message":"[1723432807:4][2131:0x7f], file:collection-42.wt, '
        'WT_SESSION.checkpoint: __posix_file_write, 617: /data/db/collection-42.wt: handle-write: pwrite: failed '
        'to write 4096 bytes at offset 1894723584: No space left on device"}}'
    ])  # fmt: skip
    assert entry.message.startswith("WiredTiger error | ") and entry.message.endswith(
        "No space left on device"
    )


def test_zabbix_lines_carry_their_time() -> None:
    (entry,) = parse_lines(
        ['   1024:20240623:090054.474 cannot send proxy data to server: proxy "p2" not found']
    )
    assert entry.timestamp is not None and entry.timestamp.isoformat() == "2024-06-23T09:00:54+00:00"
    assert entry.message.startswith("WARNING cannot send proxy data")


def test_kubectl_pod_prefixes_are_read_past_so_pods_share_templates_and_traces() -> None:
    lines = [
        "[pod/web-5c7d-aaaaa/web] ForbiddenError: invalid csrf token",
        "[pod/web-5c7d-aaaaa/web]     at csrf (/app/node_modules/csurf/index.js:112:19)",
        '[pod/web-5c7d-bbbbb/web] {"level":"info","msg":"listening on :3000"}',
        "[pod/web-5c7d-bbbbb/web] ForbiddenError: invalid csrf token",
        "[pod/web-5c7d-bbbbb/web]     at csrf (/app/node_modules/csurf/index.js:112:19)",
    ]
    entries = parse_lines(lines)
    assert len(entries) == 3
    assert entries[0].message == entries[2].message
    assert not entries[0].message.startswith("[pod/")
    assert [len(e.extra_lines) for e in entries] == [1, 0, 1]
    # a log where only a line or two carries the prefix is left as it is
    assert parse_lines(["[pod/x/y] started", "plain line", "another line"])[0].text == "[pod/x/y] started"


@pytest.mark.parametrize(
    "line",
    [
        'May 14 11:06:22 edge01 varnishncsa[902]: 10.0.5.20 - - [14/May/2024:11:06:22 +0000] "GET '
        'http://shop.example.com/p/42 HTTP/1.1" 503 282 "-" "Mozilla/5.0"',
        'May 14 11:06:22 web1 nginx: 10.0.5.20 - - [14/May/2024:11:06:22 +0000] "GET /p/42 HTTP/1.1" 503 282 "-" "-"',
    ],
)
def test_access_lines_sent_through_syslog_are_requests(line: str) -> None:
    [entry] = parse_lines([line])
    assert (entry.status, entry.level, entry.message) == (503, "error", "GET /p/<id> -> HTTP_503")
    assert entry.timestamp is not None and entry.timestamp.hour == 11
    assert entry.text == line


def test_a_dask_failed_task_is_one_event_that_names_its_exception() -> None:
    lines = [
        "2024-05-14 08:15:39,590 - distributed.worker - WARNING - Compute Failed",
        "Key:       ('read-parquet-4f2a', 3)",
        "State:     executing",
        'Exception: "ModuleNotFoundError(\\"No module named \'pyarrow\'\\")"',
        "Traceback: '  File \"/opt/conda/lib/python3.11/site-packages/dask/core.py\", line 97, in __call__'",
        "2024-05-14 08:15:40,001 - distributed.worker - INFO - Run out-of-band function 'collect'",
    ]
    first, second = parse_lines(lines)
    assert len(first.extra_lines) == 4 and first.exception_type == "ModuleNotFoundError"
    assert first.level == "error" and "pyarrow" in (first.exception_line or "")
    assert second.level == "info"


def test_squids_own_access_log_is_read_as_requests() -> None:
    denied, tunnel = parse_lines([
        "1715652022.257      0 10.30.5.11 TCP_DENIED/403 3922 CONNECT registry.npm.example.org:443 - HIER_NONE/- text/html",
        "1715652023.100     45 10.30.5.12 TCP_TUNNEL/200 8811 CONNECT registry.npm.example.org:443 - HIER_DIRECT/x -",
    ])  # fmt: skip
    assert (denied.status, denied.level, tunnel.status, tunnel.level) == (403, "warning", 200, "info")
    assert denied.timestamp is not None and denied.timestamp.year == 2024


def test_a_windows_dhcp_audit_log_is_read_by_event_id_and_its_legend_is_no_event() -> None:
    lines = [
        "\t\tMicrosoft DHCP Service Activity Log",
        "Event ID  Meaning",
        "14\tA lease request could not be satisfied because the scope's address pool was exhausted.",
        "ID,Date,Time,Description,IP Address,Host Name,MAC Address,User Name, TransactionID, QResult",
        "11,05/14/24,07:52:39,Renew,10.40.12.92,LT-0429.corp.example.com,8F0741530127,,306352859,0",
        "25,05/14/24,08:00:00,0 leases expired and 0 leases deleted,,,,,0,6",
        "14,05/14/24,09:12:00,Scope Full,10.40.16.0,,,,0,6",
    ]
    entries = parse_lines(lines)
    assert [(e.level, e.timestamp.hour if e.timestamp else None) for e in entries] == [
        ("info", 7), ("info", 8), ("error", 9)
    ]  # fmt: skip
    assert entries[0].line_no == 5


def test_a_request_a_server_answered_4xx_in_key_value_words_is_a_clients_error() -> None:
    [entry] = parse_lines([
        '2024-05-14T01:50:00.740Z [ERROR] http: request failed: method=GET path=/v1/acl/token/self error="ACL token '
        'not found" code=403'
    ])  # fmt: skip
    assert (entry.status, entry.level) == (403, "warning")


def test_nfs_ganesha_lines_are_read_at_their_own_level() -> None:
    event, warn, major = parse_lines([
        "05/03/2024 07:58:12 : epoch 65d2a41c : nfs01 : ganesha.nfsd-911[reaper] reaper_run :CLIENT ID :EVENT "
        ":reaper_run: expired 0 clients, 0 unconfirmed client records cleaned",
        "05/03/2024 07:58:13 : epoch 65d2a41c : nfs01 : ganesha.nfsd-911[svc_2] nfs4_op_open :NFS4 :WARN :share denied",
        "05/03/2024 07:58:14 : epoch 65d2a41c : nfs01 : ganesha.nfsd-911[main] init :FSAL :MAJ :could not load FSAL",
    ])  # fmt: skip
    assert [e.level for e in (event, warn, major)] == ["info", "warning", "error"]
    assert event.timestamp is not None and (event.timestamp.day, event.timestamp.month) == (5, 3)


def test_logfmt_lines_are_read_by_their_fields() -> None:
    request, failure = parse_lines([
        'logger=context t=2024-06-12T09:58:08.459+00:00 level=info msg="Request Completed" userId=7 method=GET '
        "path=/api/ds/query status=200",
        'logger=ngalert.state.manager t=2024-06-12T09:58:14.834+00:00 level=error msg="Failed to save alert state" '
        'rule_uid=bdb3313f8 error="database is locked"',
    ])  # fmt: skip
    assert (request.level, failure.level) == ("info", "error")
    assert failure.timestamp is not None and (failure.timestamp.minute, failure.timestamp.second) == (58, 14)
    assert failure.message == (
        'ERROR [ngalert.state.manager] Failed to save alert state rule_uid=bdb3313f8 error="database is locked"'
    )
    # a line with a few pairs in a sentence is no logfmt line
    [prose] = parse_lines(["2024-06-12T09:58:14Z user=bob logged in from the office"])
    assert prose.message.startswith("user=bob logged in")


def test_tinyproxy_pacemaker_and_sonarqube_lines_carry_their_times_and_levels() -> None:
    proxy, pacemaker, sonar = parse_lines([
        'NOTICE    May 14 07:59:59.210 [812]: Proxying refused on filtered domain "deb.mirror.example.net"',
        "May 14 02:11:38.698 db1 pacemaker-schedulerd [1824] (unpack_config)\twarning: Cluster node db1 will be "
        "fenced: peer is no longer part of the cluster",
        "2024.05.14 07:40:11 INFO  es[][o.e.n.Node] stopping ...",
    ])  # fmt: skip
    assert [e.timestamp.hour if e.timestamp else None for e in (proxy, pacemaker, sonar)] == [7, 2, 7]
    assert proxy.level == "warning"  # a refusal by the filter, whatever the notice level says
    assert pacemaker.level == "warning" and pacemaker.message.startswith(
        "WARNING pacemaker-schedulerd: Cluster"
    )
    assert sonar.level == "info"


def test_advice_in_capitals_and_nats_levels() -> None:
    advice, warning, debug = parse_lines([
        "DON'T PANIC! Read https://docs.clamav.example.net/manual/Installing.html",
        '[1] 2024/05/14 13:13:26.297717 [WRN] 10.20.3.15:60122 - cid:43 - "v1.31.0:go" - Readloop processing time: 3s',
        '[1] 2024/05/14 14:00:29.846315 [DBG] 10.20.3.15:60122 - cid:57 - "v1.31.0:go" - Client connection closed',
    ])  # fmt: skip
    assert [e.level for e in (advice, warning, debug)] == ["info", "warning", "debug"]


def test_splunkd_gluster_stunnel_and_amavis_lines_are_read_at_their_own_levels() -> None:
    splunk, gluster, stunnel, amavis_error, amavis_warning, oracle = parse_lines([
        "05-14-2024 06:01:42.296 +0000 WARN  TailReader [2873 tailreader0] - Enqueuing a very large file",
        "[2024-05-14 07:21:32.218706 +0000] C [rpc-clnt-ping.c:160:rpc_clnt_ping_timer_expired] 0-gv-client-0: "
        "server 10.20.1.11:49152 has not responded in the last 42 seconds, disconnecting.",
        "2024.05.14 09:01:04 LOG5[13]: s_connect: connected 10.0.6.21:6380",
        "May 14 06:20:35 mx1 amavis[20211]: (20211-01) (!!)AV: ALL VIRUS SCANNERS FAILED",
        "May 14 06:20:35 mx1 amavis[20211]: (20211-01) (!)ClamAV-clamd: retrying (2)",
        "ORA-01555 caused by SQL statement below (SQL ID: 7gq3k9m2xw1bc, Query Duration=2214 sec):",
    ])  # fmt: skip
    assert [e.level for e in (splunk, gluster, stunnel, amavis_error, amavis_warning, oracle)] == [
        "warning", "critical", "info", "error", "warning", "error"
    ]  # fmt: skip
    assert splunk.timestamp is not None and (splunk.timestamp.month, splunk.timestamp.day) == (5, 14)
    assert gluster.timestamp is not None and gluster.timestamp.hour == 7


def test_a_go_daemons_logfmt_line_in_the_journal_keeps_the_journals_time() -> None:
    journal, daemon = parse_lines([
        "Jul 15 10:04:32 etl-02 app[77]: query failed",
        'Jul 15 10:08:06 etl-02 dockerd[1021]: time="2024-07-15T10:08:06.585183443Z" level=error msg="Handler for '
        'POST /v1.43/images/create returned error" err="TLS handshake timeout"',
    ], year=2025)  # fmt: skip
    assert daemon.level == "error"
    assert (
        daemon.message
        == 'ERROR dockerd: Handler for POST /v1.43/images/create returned error err="TLS handshake timeout"'
    )
    assert journal.timestamp is not None and daemon.timestamp is not None
    assert daemon.timestamp.year == journal.timestamp.year == 2025


def test_nagios_alerts_take_their_level_from_the_state_and_qmail_reasons_read_as_words() -> None:
    ok, soft, hard, unknown, qmail, ptkill = parse_lines([
        "[1715640300] HOST ALERT: web-02;UP;SOFT;1;PING OK - Packet loss = 0%",
        "[1715652610] SERVICE ALERT: db-03;PostgreSQL;CRITICAL;SOFT;1;could not connect to server",
        "[1715652730] SERVICE ALERT: db-03;PostgreSQL;CRITICAL;HARD;3;could not connect to server",
        "[1715652790] SERVICE ALERT: db-03;Disk;UNKNOWN;HARD;3;(Return code of 127 is out of bounds)",
        "2024-05-14 09:41:00.117000500 delivery 8800: deferral: CNAME_lookup_failed_temporarily._(#4.4.3)/",
        "# 2024-05-14T02:03:00 KILL 184200 (Query 5 sec) SELECT c.id FROM customers c",
    ])  # fmt: skip
    assert [e.level for e in (ok, soft, hard, unknown)] == ["info", "warning", "error", "error"]
    assert hard.timestamp is not None and hard.timestamp.year == 2024
    assert qmail.message == "WARNING delivery deferral: CNAME lookup failed temporarily. (#4.4.3)"
    assert ptkill.level_written is False  # a pt-kill line under its "# <time>" mark, not a pasted note
