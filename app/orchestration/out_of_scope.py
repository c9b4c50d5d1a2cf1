"""Requests that belong to no agent, embedded beside the agents' examples so the router can say
"none of them" instead of forcing a task somewhere; and the verbs of requests to change things,
which read-only agents never take."""

from __future__ import annotations

import re

NO_AGENT = "none"

OUT_OF_SCOPE_EXAMPLES: tuple[str, ...] = (
    "write a limerick about printers",
    "what's the weather tomorrow",
    "tell me a joke",
    "thanks!",
    "hello",
    "who won the game last night",
    "translate this sentence into german",
    "what's the capital of France",
    "restart the apache service on app-2",
    "deploy version 2.4 to production",
    "make an account for the new intern",
    "delete the old backups",
    "add an A record pointing www at the new ip",
    "open a ticket for the network team",
    "scale the deployment to 5 replicas",
    "reboot the database server",
    "write a bash script that rotates logs",
    "write a python function to parse json",
    "what does OSPF stand for",
    "explain how a TLS handshake works",
    "how should I set up log retention in journald",
    "any good courses on terraform?",
    "reset my vpn password",
    "how much does our aws bill cost this month",
    "what time is it",
    "summarise this article for me",
    "book a meeting room for 3pm",
    "how do I install docker on ubuntu",
    "what does TTL mean in dns",
    "order more coffee for the office",
    "change the firewall rule to allow port 8080",
    "rollback the last release",
    "update the ssl certificate on the load balancer",
    "what's your name",
    "give me a recipe for pancakes",
    "how do I exit vim",
    "grant bob admin rights",
    "explain what a memory leak is",
    "kill process 4242",
    "upgrade postgres to 16",
    "who is on call this week",
    # Phrasings from the first tuning corpus (tests/routing_eval/dev.yaml), moved here once looked at.
    "restart nginx on web-2",
    "what is a CNAME?",
    "how do I write a logrotate config for /var/log/myapp/*.log, daily, keep 14",
    "can you recommend a good kubernetes book for someone coming from vms",
    "hi how are you today",
    "write me a python script that parses nginx access logs and counts status codes",
    "deploy v2.3.1 of billing to prod pls",
    "create a user account for the new intern on db01, read only",
    "delete the old evicted pods in namespace staging",
    "open a ticket with the dc for the disk replacement in rack 4",
    "whats the weather in berlin tomorrow",
    "renew the cert on shop.example.com, it expires friday",
    "add an A record new.example.com -> 192.0.2.80",
    "explain the difference between load average and cpu usage %, my manager keeps mixing them up",
    "thx!",
    "increase swap to 8G on this box",
    "kill pid 4412 its stuck",
    "scale the api deployment to 5 replicas",
    "whats a good docker-compose template for postgres + redis for local dev?",
    "tell me a joke about dns",
    "how does traceroute actually work, like TTL and icmp time exceeded?",
    "clear out the logs in /var/log/app, disk is full",
    "block 203.0.113.66 on the firewall asap, its scanning us",
    "convert this compose to a k8s deployment + service pls",
    "write a regex that matches lines like these, need it for a grafana loki query",
    "who is on call this week for the network team?",
    "change the MX priority for example.net to 20 on the backup mx",
)

# A clause that opens with one of these asks for a change (or for writing something), which no
# read-only diagnostic agent does. "Check why the restart failed" opens with "check": unaffected.
CHANGE_REQUEST = re.compile(
    r"^(?:(?:please|pls|plz|can you|could you|would you|can u|could u|pls can you|i need you to|"
    r"i want you to|go|quickly|just|now)\s+)*"
    r"(?:restart|reboot|deploy|redeploy|renew|rotate|add|create|delete|remove|drop|block|unblock|"
    r"allow|change|increase|decrease|raise|lower|resize|extend|convert|rewrite|write|generate|"
    r"draft|install|uninstall|upgrade|downgrade|update|patch|rollback|roll back|revert|scale|kill|"
    r"stop|clear|clean|purge|wipe|truncate|free up|configure|set up|setup|enable|disable|"
    r"grant|revoke|reset|provision|open a ticket|file a ticket|raise a ticket|book|order|migrate|"
    r"move|rename|edit|modify|fix|apply|push|merge|commit|translate|mount|unmount|format|flush|"
    r"open (?:port \d+|up|a|an|the|new)\b|close (?:port|the|a)\b|"
    r"purchase|buy|cancel|schedule|reserve|assign|tell me a|sing|compose a|bump|increse|incrase|"
    r"decrese|whitelist|allowlist|unlock|approve|(?:can|could|would) (?:we|you|u|i) (?:get|have) "
    r".{0,60}\b(?:opened|closed|added|removed|deleted|increased|raised|bumped|restarted|deployed|"
    r"installed|upgraded|renewed|created|changed|allowed|whitelisted|blocked|rotated|reset))\b"
    # "deploy just failed", "restart keeps looping": a statement about the verb, not an order
    r"(?!\s+(?:just|failed|fails|failing|is|was|has|had|keeps|kept|did|does|didn't|doesn't|broke|"
    r"went|seems|looks|job|pipeline|step|logs?|loop|loops|count|errors?|timed?)\b)",
    re.IGNORECASE,
)
# Questions about how to do something or what a concept is, with nothing pasted to look at.
HOW_TO = re.compile(
    r"^(?:(?:hey|hi|so|ok|okay|quick question)[,!.]?\s+)*"
    r"(?:how (?:do|can|should|would|does) (?:i|we|you|one|\S+)|how to|what(?:s|'s| is| are) (?:a|an|the "
    r"difference|the default|the best|the meaning|the regex|the command|the syntax|the flag|the way)|explain (?:the|what|how|why|to me)|"
    r"what does \S+ (?:stand for|mean)|difference between|define|recommend|suggest|any good)\b"
    r"|.{0,40}\b(?:diff?e?re?nce between|explain (?:to me )?(?:what|how|why)|what (?:\S+ ){1,4}(?:actually )?"
    r"means?\b|stand for\b)",
    re.IGNORECASE,
)
