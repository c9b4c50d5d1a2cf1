"""Levels where each common format writes them (klog, Redis, nginx's error log, ASP.NET, JSON
with words, numbers or MongoDB's letters, PostgreSQL), and lines without a level judged by what
they say: words of failure an error, words of trouble a warning, counts of zero nothing."""

from __future__ import annotations

import pytest

from app.agents.logs.parsing import parse_lines, unlevelled_level


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
        ("2024-05-14 02:00:00.123 UTC [812] FATAL:  password authentication failed for user \"app\"", "critical"),
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
