"""The infrastructure agent's configuration audit: every risky compose and Kubernetes setting
flagged with the code and severity of the one table, clean manifests of every kind left alone, and
secrets never echoed over HTTP. The fixtures and builders here serve the other test_infrastructure_*
files too."""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

import pytest
import yaml

from app.agents.base import AgentContext, AgentResult
from app.agents.infrastructure.agent import InfrastructureAgent, InfrastructureInput
from app.agents.infrastructure.audit_rules import RULES
from app.main import create_app
from app.security.target_policy import TargetPolicy
from tests.conftest import PLAIN_KEY, open_client

SECRET = "Sup3r-S3cret-Value-42"
# The severity scale as documented in docs/INFRASTRUCTURE_AUDIT.md, written out here on purpose:
# a change to the table in code has to be made here too.
EXPECTED_SEVERITY = {
    "mesh_port_blocked": "critical", "strict_arp_disabled": "warning",
    "bootstrap_in_parallel": "warning", "sharded_behind_one_address": "warning", "cluster_version_mismatch": "warning",
    "data_in_web_root": "critical", "queue_keys_evicted": "warning", "body_size_limit_too_small": "warning",
    "privileged_container": "critical", "dangerous_capability": "critical", "host_network": "critical",
    "host_pid": "critical", "host_ipc": "critical", "docker_socket_mount": "critical",
    "sensitive_host_path_mount": "critical", "plaintext_secret": "critical", "secret_in_url": "critical",
    "added_capability": "warning", "capabilities_not_dropped": "warning", "privilege_escalation": "warning",
    "runs_as_root": "warning", "writable_root_filesystem": "warning", "host_path_mount": "warning",
    "database_port_exposed": "critical", "image_latest_tag": "warning", "image_untagged": "warning",
    "missing_resource_limits": "warning", "missing_health_check": "warning", "single_replica": "warning",
    "missing_restart_policy": "warning", "rbac_cluster_admin": "critical", "rbac_everyone": "critical",
    "rbac_wildcard": "critical", "rbac_sensitive_permission": "warning", "security_profile_disabled": "warning",
    "service_selects_no_pods": "critical", "pdb_blocks_drain": "warning", "heap_over_memory_limit": "critical",
    "service_port_mismatch": "critical", "network_policy_blocks_dns": "critical",
    "hpa_without_resource_request": "warning", "cronjob_overlap": "warning",
    "probe_port_mismatch": "critical", "shared_single_node_volume": "critical",
    "ingress_tls_secret_elsewhere": "critical", "localhost_in_container": "critical",
    "dependency_not_ready": "warning", "rollout_downtime": "warning",
    "data_on_ephemeral_storage": "critical", "fragile_liveness_probe": "warning",
    "database_without_password": "critical", "admin_api_unauthenticated": "critical",
    "development_mode": "critical", "shared_data_directory": "critical", "quorum_unreachable": "critical",
    "network_policy_any_namespace": "warning", "open_mail_relay": "critical",
    "project_directory_served": "critical", "node_dns_policy": "warning",
    "staging_certificate_issuer": "warning", "issuer_not_found": "critical", "host_port_conflict": "critical",
    "ingress_backend_port_missing": "critical", "no_shared_network": "critical",
    "undefined_service_host": "critical", "udp_port_published_as_tcp": "warning",
    "advertised_address_loopback": "critical",
    "prestop_exceeds_grace": "warning", "default_credentials": "critical", "plaintext_listener": "critical",
    "durability_disabled": "critical", "memory_lock_unavailable": "critical", "quorum_even_size": "warning",
    "single_copy_replication": "warning", "ordered_start_deadlock": "critical", "sessions_not_shared": "warning",
    "manifest_rejected": "critical", "broken_health_check": "critical", "tls_verification_disabled": "critical",
    "hpa_target_missing": "warning", "memory_volume_unbounded": "warning", "scheduler_not_singleton": "warning",
    "untrusted_code_execution": "critical", "snippet_annotations_allowed": "critical",
    "backup_without_volume_data": "critical", "admission_webhook_fail_closed": "warning",
    "mesh_mtls_disabled": "warning", "dns_records_unowned": "warning", "local_compaction_with_sidecar": "warning",
    "store_limit_exceeds_volume": "warning", "eviction_without_memory_cap": "warning",
    "queue_without_persistence": "warning", "login_open_to_anyone": "critical", "alias_traversal": "critical",
    "single_instance_replicated": "critical", "proxy_exposes_every_container": "warning",
    "open_proxy": "critical", "independent_clusters": "critical", "address_pool_overlaps_hosts": "warning",
    "live_migration_impossible": "warning", "unsafe_nfs_mount": "warning",
    "fqdn_policy_without_dns_proxy": "critical", "competing_autoscalers": "critical",
    "certificates_share_secret": "critical", "windows_image_without_os_selector": "critical",
    "client_ip_spoofable": "critical", "sidecar_blocks_job_completion": "warning",
    "disruption_budget_unbounded": "warning", "run_to_completion_in_deployment": "warning",
    "agent_jobs_never_run": "warning", "dhcp_without_host_network": "critical", "open_resolver": "critical",
    "backup_keys_unrestricted": "critical", "weak_tls_allowed": "warning", "schedule_in_dst_gap": "warning",
    "client_port_not_published": "warning", "taint_not_tolerated": "warning", "policy_not_enforced": "warning",
}  # fmt: skip

COMPOSE = f"""
x-hardened: &hardened
  image: registry.example.com/api:1.4.2
  user: "10001:10001"
  read_only: true
  cap_drop: [ALL]
  deploy:
    resources:
      limits: {{cpus: "0.5", memory: 256M}}
  healthcheck:
    test: ["CMD", "/app/healthcheck"]
  restart: unless-stopped

services:
  api:
    <<: *hardened
    ports: ["127.0.0.1:8000:8000", "8443:8443"]
    volumes: [data:/data, ./config:/config:ro, /scratch]
    environment:
      API_TOKEN: ${{API_TOKEN}}
      SESSION_SECRET: ${{SESSION_SECRET:?set SESSION_SECRET}}
      POSTGRES_PASSWORD_FILE: /run/secrets/db
      TOKEN_TTL: 3600
      DATABASE_URL: postgres://app:${{DB_PASSWORD}}@db:5432/app
  open_doors:
    <<: *hardened
    environment:
      POSTGRES_HOST_AUTH_METHOD: trust
    command: ["traefik", "--providers.docker=true", "--api.insecure=true"]
  escape:
    <<: *hardened
    privileged: true
    cap_add: [SYS_ADMIN, NET_ADMIN, NET_BIND_SERVICE]
    network_mode: host
    pid: host
    ipc: host
    volumes:
      - /var/run/docker.sock:/var/run/docker.sock
      - type: bind
        source: /etc
        target: /host-etc
      - /srv/cache:/cache
  secrets:
    <<: *hardened
    environment:
      DB_PASSWORD: {SECRET}
      DATABASE_URL: postgres://app:{SECRET}@db:5432/app
      LOG_LEVEL: info
  secrets_list:
    <<: *hardened
    environment:
      - STRIPE_API_KEY={SECRET}
      - REDIS_URL=redis://:{SECRET}@redis:6379/0
      - HOME_PAGE=https://example.com/contact@team
      - PASSTHROUGH
  db_everywhere:
    <<: *hardened
    ports: ["5432:5432", "0.0.0.0:3306:3306", {{target: 6379, published: 6379}}]
  db_local:
    <<: *hardened
    deploy: {{}}
    mem_limit: 512m
    cpus: 1.0
    ports: ["127.0.0.1:5432:5432", "[::1]:3306:3306", {{target: 6379, published: 6379, host_ip: 127.0.0.1}}]
  sloppy:
    image: nginx:latest
    user: root
    security_opt: ["no-new-privileges:false", "seccomp=unconfined"]
  untagged:
    <<: *hardened
    image: redis
  jvm:
    <<: *hardened
    environment:
      JAVA_OPTS: -Xms512m -Xmx1g
  local_cache:
    <<: *hardened
    environment:
      CACHE_URL: redis://localhost:6379/0
  stun:
    <<: *hardened
    image: registry.example.com/stun-relay:2.1.0
    ports: ["127.0.0.1:3478:3478"]
  misnamed_cache:
    <<: *hardened
    environment:
      CACHE_URL: redis://cahce:6379/0
  events:
    <<: *hardened
    environment:
      KAFKA_ADVERTISED_LISTENERS: PLAINTEXT://localhost:9092
  impatient:
    <<: *hardened
    depends_on: [untagged]
  migrate:
    <<: *hardened
    restart: "no"
    healthcheck: {{disable: true}}
  no_health:
    <<: *hardened
    healthcheck: {{disable: true}}
  vault:
    <<: *hardened
    image: hashicorp/vault:1.17.2
    command: server -dev
    cap_add: [IPC_LOCK]
  mongo_a:
    <<: *hardened
    image: mongo:7.0.12
    volumes: [mongo:/data/db]
  mongo_b:
    <<: *hardened
    image: mongo:7.0.12
    volumes: [mongo:/data/db]
  dind:
    <<: *hardened
    image: docker:27.1.1-dind
    command: ["dockerd", "--host=tcp://0.0.0.0:2375", "--host=unix:///var/run/docker.sock"]
  tls_dind:
    <<: *hardened
    image: docker:27.1.1-dind
    command: ["dockerd", "-H", "tcp://0.0.0.0:2376", "--tlsverify", "--tlscert=/certs/cert.pem"]
  relay:
    <<: *hardened
    image: boky/postfix:v4.3.0
    environment:
      POSTFIX_mynetworks: 0.0.0.0/0
  relay_private:
    <<: *hardened
    image: boky/postfix:v4.3.0
    environment:
      POSTFIX_mynetworks: 10.0.0.0/8,192.168.0.0/16
  site:
    <<: *hardened
    image: nginx:1.27.0
    volumes: ["./:/usr/share/nginx/html:ro"]
  public_site:
    <<: *hardened
    image: nginx:1.27.0
    volumes: ["./public:/usr/share/nginx/html:ro"]
    ports: ["127.0.0.1:8088:80", "9100:9100/udp"]
  keycloak:
    <<: *hardened
    ports: ["127.0.0.1:8090:8080"]
  adminer:
    <<: *hardened
    ports: [{{target: 8080, published: 8090, host_ip: 127.0.0.1}}]
  other_address:
    <<: *hardened
    ports: ["10.0.0.5:8088:80", "9100:9100"]
  web_dev:
    <<: *hardened
    profiles: [dev]
    ports: ["8070:8080"]
  web_prod:
    <<: *hardened
    profiles: [prod]
    ports: ["8070:8080"]
  builder:
    <<: *hardened
    image: docker:27.1.1-cli
    command: ["docker", "-H", "tcp://dind:2375", "build", "."]
  local_dind:
    <<: *hardened
    image: docker:27.1.1-dind
    command: ["dockerd", "--host=tcp://127.0.0.1:2375"]
  php:
    <<: *hardened
    image: php:8.3.8-fpm
    volumes: ["./:/var/www"]
  broker:
    <<: *hardened
    volumes: ["broker:/var/lib/rabbitmq"]
    image: rabbitmq:3.13.7-management
    ports: ["5672:5672", "127.0.0.1:15672:15672"]
  broker_local:
    <<: *hardened
    volumes: ["broker_local:/var/lib/rabbitmq"]
    image: rabbitmq:3.13.7-management
    ports: ["127.0.0.1:5673:5672"]
  broker_set:
    <<: *hardened
    volumes: ["broker_set:/var/lib/rabbitmq"]
    image: rabbitmq:3.13.7-management
    environment: {{RABBITMQ_DEFAULT_USER: orders, RABBITMQ_DEFAULT_PASS_FILE: /run/secrets/amqp}}
    ports: ["5674:5672"]
  consumer:
    <<: *hardened
    environment: {{AMQP_URL: "amqp://guest:guest@broker:5672/"}}
  secrets_server:
    <<: *hardened
    image: hashicorp/vault:1.17.2
    environment:
      VAULT_LOCAL_CONFIG: '{{"listener": [{{"tcp": {{"address": "0.0.0.0:8200", "tls_disable": true}}}}]}}'
  bulk_db:
    <<: *hardened
    volumes: ["bulk_db:/var/lib/postgresql/data"]
    image: postgres:16.3
    command: ["postgres", "-c", "fsync=off", "-c", "synchronous_commit=off"]
  quick_db:
    <<: *hardened
    volumes: ["quick_db:/var/lib/postgresql/data"]
    image: postgres:16.3
    command: ["postgres", "-c", "synchronous_commit=off"]
  search_node:
    <<: *hardened
    volumes: ["search_node:/usr/share/opensearch/data"]
    image: opensearchproject/opensearch:2.15.0
    environment: {{bootstrap.memory_lock: "true", discovery.seed_hosts: "search_node,search_node2"}}
    ulimits: {{nofile: {{soft: 65536, hard: 65536}}}}
  search_locked:
    <<: *hardened
    volumes: ["search_locked:/usr/share/opensearch/data"]
    image: opensearchproject/opensearch:2.15.0
    environment: {{bootstrap.memory_lock: "true"}}
    ulimits: {{memlock: {{soft: -1, hard: -1}}}}
  search_single:
    <<: *hardened
    volumes: ["search_single:/usr/share/opensearch/data"]
    image: opensearchproject/opensearch:2.15.0
    environment: {{bootstrap.memory_lock: "true", discovery.type: single-node}}
  payments_debug:
    <<: *hardened
    environment: {{JAVA_TOOL_OPTIONS: "-agentlib:jdwp=transport=dt_socket,server=y,suspend=n,address=*:5005"}}
  payments_local_debug:
    <<: *hardened
    environment: {{JAVA_TOOL_OPTIONS: "-agentlib:jdwp=transport=dt_socket,server=y,address=127.0.0.1:5005"}}
  mattermost:
    <<: *hardened
    healthcheck:
      test: ["CMD", "curl -fsS http://localhost:8065/api/v4/system/ping"]
  mattermost_shell:
    <<: *hardened
    healthcheck:
      test: ["CMD-SHELL", "curl -fsS http://localhost:8065/api/v4/system/ping"]
  renderer:
    <<: *hardened
    deploy:
      resources:
        limits: {{cpus: "1", memory: 4G}}
        reservations: {{memory: 6G}}
  gateway:
    <<: *hardened
    environment: {{NODE_TLS_REJECT_UNAUTHORIZED: "0", ASPNETCORE_ENVIRONMENT: Production}}
  portal:
    <<: *hardened
    environment: {{ASPNETCORE_ENVIRONMENT: Development}}
  graphql:
    <<: *hardened
    image: hasura/graphql-engine:v2.38.1
  graphql_guarded:
    <<: *hardened
    image: hasura/graphql-engine:v2.38.1
    environment: {{HASURA_GRAPHQL_ADMIN_SECRET_FILE: /run/secrets/hasura}}
  airflow:
    <<: *hardened
    environment: {{AIRFLOW__API__AUTH_BACKENDS: "airflow.api.auth.backend.default"}}
  php_fpm:
    <<: *hardened
    image: php:8.3.8-fpm
    ports: ["9000:9000"]
  php_fpm_local:
    <<: *hardened
    image: php:8.3.8-fpm
    ports: ["127.0.0.1:9001:9000"]
  cache:
    <<: *hardened
    image: redis:7.2.4
    command: redis-server --maxmemory-policy allkeys-lru
    volumes: ["cache:/data"]
  cache_capped:
    <<: *hardened
    image: redis:7.2.4
    command: redis-server --maxmemory 200mb --maxmemory-policy allkeys-lru
    volumes: ["cache_capped:/data"]
  queue:
    <<: *hardened
    image: redis:7.2.4
    command: ["redis-server", "--save", "", "--appendonly", "no"]
    volumes: ["queue:/data"]
  jobs:
    <<: *hardened
    command: ["rq", "worker", "invoices"]
  mailer:
    <<: *hardened
    command: ["bundle", "exec", "sidekiq"]
    environment:
      REDIS_URL: redis://mail_queue:6379/0
  mail_queue:
    <<: *hardened
    image: redis:7.2.4
    command: redis-server --maxmemory 200mb --maxmemory-policy allkeys-lru --appendonly yes
    volumes: ["queue:/data"]
  lms:
    <<: *hardened
    environment:
      MOODLE_DATAROOT: /var/www/html/moodledata
  lms_outside:
    <<: *hardened
    environment:
      APACHE_DOCUMENT_ROOT: /var/www/html
      MOODLE_DATAROOT: /var/moodledata
  atlantis:
    <<: *hardened
    image: ghcr.io/runatlantis/atlantis:v0.27.3
    environment: {{ATLANTIS_REPO_ALLOWLIST: "*"}}
  atlantis_guarded:
    <<: *hardened
    image: ghcr.io/runatlantis/atlantis:v0.27.3
    environment: {{ATLANTIS_REPO_ALLOWLIST: "gitlab.example.com/infra/*", ATLANTIS_GITLAB_WEBHOOK_SECRET_FILE: /run/secrets/hook}}
  drone:
    <<: *hardened
    image: drone/drone:2.22.0
    environment: {{DRONE_REGISTRATION_CLOSED: "false", DRONE_SERVER_HOST: drone.example.com}}
  drone_closed:
    <<: *hardened
    image: drone/drone:2.22.0
    environment: {{DRONE_REGISTRATION_CLOSED: "true"}}
  directory:
    <<: *hardened
    image: bitnami/openldap:2.6.8
    environment: {{LDAP_ALLOW_ANON_BINDING: "yes", LDAP_ADMIN_PASSWORD_FILE: /run/secrets/ldap}}
  edge:
    <<: *hardened
    image: traefik:v3.0.2
    command: [--providers.docker=true, --providers.docker.endpoint=tcp://socket-proxy:2375]
  edge_optin:
    <<: *hardened
    image: traefik:v3.0.2
    command: [--providers.docker=true, --providers.docker.exposedbydefault=false]
  socket_proxy:
    <<: *hardened
    image: tecnativa/docker-socket-proxy:0.1.2
    volumes: ["/var/run/docker.sock:/var/run/docker.sock:ro"]
  graph:
    <<: *hardened
    image: neo4j:5.19.0
    environment: {{NEO4J_AUTH: none}}
    volumes: ["graph:/data"]
  gateway_admin:
    <<: *hardened
    image: kong:3.6.1
    environment: {{KONG_ADMIN_LISTEN: "0.0.0.0:8001, 0.0.0.0:8444 ssl"}}
  gateway_admin_local:
    <<: *hardened
    image: kong:3.6.1
    environment: {{KONG_ADMIN_LISTEN: "127.0.0.1:8001"}}
  sessions:
    <<: *hardened
    image: memcached:1.6.27-alpine
    command: ["memcached", "-m", "512"]
  sessions_small:
    <<: *hardened
    image: memcached:1.6.27-alpine
    command: ["memcached", "-m", "64"]
  bastion:
    <<: *hardened
    image: hashicorp/boundary:0.16.0
    command: [dev]
  reporting_db:
    <<: *hardened
    image: mcr.microsoft.com/mssql/server:2022-CU12-ubuntu-22.04
    environment: {{ACCEPT_EULA: "Y"}}
    volumes: ["reporting:/var/opt/mssql"]
  reporting_init:
    <<: *hardened
    image: registry.example.com/tools/mssql-tools18:18.2.1.1
    command: [sqlcmd, -S, reporting_db, -i, /scripts/02-agent-jobs-backup.sql]
  dhcp:
    <<: *hardened
    image: docker.cloudsmith.io/isc/docker/kea-dhcp4:2.6.1
    ports: ["67:67/udp"]
  dhcp_host:
    <<: *hardened
    image: docker.cloudsmith.io/isc/docker/kea-dhcp4:2.6.1
    network_mode: host
  roach:
    <<: *hardened
    image: cockroachdb/cockroach:v23.2.5
    command: start-single-node --insecure
  roach_secure:
    <<: *hardened
    image: cockroachdb/cockroach:v23.2.5
    command: start-single-node --certs-dir=/cockroach/certs
  tubes:
    <<: *hardened
    image: schickling/beanstalkd:1.13
    ports: ["11300:11300"]
  tubes_local:
    <<: *hardened
    image: schickling/beanstalkd:1.13
    ports: ["127.0.0.1:11301:11300"]
  imap:
    <<: *hardened
    configs: [{{source: imapd_conf, target: /etc/imapd.conf}}]
  waf:
    <<: *hardened
    configs: [{{source: coraza_rules, target: /etc/coraza/coraza.conf}}]
  waf_on:
    <<: *hardened
    configs: [{{source: coraza_rules_on, target: /etc/coraza/coraza.conf}}]
  turn:
    <<: *hardened
    configs: [{{source: turnserver, target: /etc/coturn/turnserver.conf}}]
  consul_open:
    <<: *hardened
    environment:
      CONSUL_LOCAL_CONFIG: '{{"datacenter": "dc1", "acl": {{"enabled": false, "default_policy": "allow"}}}}'
  consul_acl:
    <<: *hardened
    environment:
      CONSUL_LOCAL_CONFIG: '{{"datacenter": "dc1", "acl": {{"enabled": true, "default_policy": "deny"}}}}'
  mqtt:
    <<: *hardened
    image: eclipse-mosquitto:2.0.18
    command: ["mosquitto", "-c", "/mosquitto-no-auth.conf"]
  mqtt_configured:
    <<: *hardened
    image: eclipse-mosquitto:2.0.18
    command: ["mosquitto", "-c", "/mosquitto/config/mosquitto.conf"]
  unifi:
    <<: *hardened
    image: lscr.io/linuxserver/unifi-network-application:8.3.32
    ports: ["127.0.0.1:18443:8443", "3478:3478/udp"]
  unifi_inform:
    <<: *hardened
    image: lscr.io/linuxserver/unifi-network-application:8.3.32
    ports: ["127.0.0.1:28443:8443", "18080:8080"]
  syncthing:
    <<: *hardened
    image: syncthing/syncthing:1.27.9
    ports: ["8384:8384", "22000:22000"]
  syncthing_local:
    <<: *hardened
    image: syncthing/syncthing:1.27.9
    ports: ["127.0.0.1:18384:8384", "22001:22000"]
  gitea_setup:
    <<: *hardened
    image: gitea/gitea:1.21.7-rootless
    environment: {{GITEA__security__INSTALL_LOCK: "false"}}
  gitea_locked:
    <<: *hardened
    image: gitea/gitea:1.21.7-rootless
    environment: {{GITEA__security__INSTALL_LOCK: "true"}}
    configs: [{{source: gitea_ini, target: /etc/gitea/app.ini}}]
  mailserver_docker:
    <<: *hardened
    image: ghcr.io/docker-mailserver/docker-mailserver:13.3
    environment: {{PERMIT_DOCKER: network}}
  mailserver_none:
    <<: *hardened
    image: ghcr.io/docker-mailserver/docker-mailserver:13.3
    environment: {{PERMIT_DOCKER: none}}
  nextcloud:
    <<: *hardened
    image: nextcloud:29.0.4-apache
    volumes: [nextcloud_files:/var/www/html/data]
  nextcloud_kept:
    <<: *hardened
    image: nextcloud:29.0.4-apache
    volumes: [nextcloud_html:/var/www/html, nextcloud_files:/var/www/html/data]
  resolver:
    <<: *hardened
    image: coredns/coredns:1.11.1
    ports: ["53:53/udp"]
    configs: [{{source: corefile, target: /etc/coredns/Corefile}}]
  portal_api:
    <<: *hardened
    image: registry.example.com/portal-api:3.8.2
    networks: [proxy]
    depends_on: [portal_queue]
  portal_queue:
    <<: *hardened
    image: registry.example.com/portal-queue:1.2.0
    networks: [backend]
  resolver_internal:
    <<: *hardened
    image: coredns/coredns:1.11.1
    ports: ["127.0.0.1:5353:53/udp"]
    configs: [{{source: corefile, target: /etc/coredns/Corefile}}]
  repo:
    <<: *hardened
    image: registry.example.com/borg-sshd:1.2.8
    configs: [{{source: borg_keys, target: /home/borg/.ssh/authorized_keys}}]
  site_files:
    <<: *hardened
    image: nginxinc/nginx-unprivileged:1.26.1
    volumes: ["/srv/site/public:/usr/share/nginx/html:ro"]
  backups:
    <<: *hardened
    image: restic/rest-server:0.12.1
    environment: {{DISABLE_AUTHENTICATION: "1", OPTIONS: "--prometheus-no-auth"}}

configs:
  edge_haproxy:
    content: |
      frontend stats
        bind :8404
        stats enable
        stats uri /stats
        stats admin if TRUE
      listen local_stats
        bind 127.0.0.1:8405
        stats enable
      listen guarded_stats
        bind :8406
        stats enable
        stats auth ops:${{STATS_PASSWORD}}
  casc:
    content: |
      jenkins:
        securityRealm:
          local: {{allowsSignup: false}}
        authorizationStrategy: unsecured
  repos:
    content: |
      repos:
        - id: /.*/
          allow_custom_workflows: true
  mail:
    content: |
      ssl = no
      disable_plaintext_auth = no
  mail_tls:
    content: |
      ssl = required
      disable_plaintext_auth = no
  egress:
    content: |
      acl localnet src 10.0.0.0/8
      http_access allow all
  egress_local:
    content: |
      acl localnet src 10.0.0.0/8
      http_access allow localnet
      http_access deny all
  sqlproxy:
    content: |
      admin_variables=
      {{
        admin_credentials="admin:admin;radmin:radmin"
        mysql_ifaces="0.0.0.0:6032"
      }}
  edge_nginx:
    content: |
      set_real_ip_from 0.0.0.0/0;
      real_ip_header X-Forwarded-For;
  edge_nginx_lb:
    content: |
      set_real_ip_from 10.0.0.0/8;
      real_ip_header X-Forwarded-For;
  corefile:
    content: |
      . {{
        forward . 198.51.100.10
        cache 300
      }}
  borg_keys:
    content: |
      ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFAKEkey root@web01
      command="borg serve --append-only --restrict-to-repository /repos/web02",restrict ssh-ed25519 AAAAC3NzaFAKE root@web02
  imapd_conf:
    content: |
      allowplaintext: yes
  coraza_rules:
    content: |
      SecRuleEngine DetectionOnly
  coraza_rules_on:
    content: |
      SecRuleEngine On
  turnserver:
    content: |
      listening-port=3478
      no-auth
  janus_admin:
    content: |
      admin: {{
        admin_secret = "janusoverlord"
      }}
  gitea_ini:
    content: |
      [security]
      INSTALL_LOCK = false
  odoo_conf:
    content: |
      [options]
      admin_passwd = admin
      list_db = True
  odoo_conf_set:
    content: |
      [options]
      admin_passwd = $pbkdf2-sha512$600000$FAKEhash
      list_db = False
  legacy_tls:
    content: |
      [system_default_sect]
      CipherString = DEFAULT:@SECLEVEL=0
  site:
    content: |
      location /uploads {{ alias /srv/app/uploads/; }}
      location /static/ {{ alias /srv/app/static/; }}

volumes:
  data: {{}}
  nextcloud_files: {{}}
  nextcloud_html: {{}}
  mongo: {{}}
  cache: {{}}
  cache_capped: {{}}
  queue: {{}}
  graph: {{}}
  reporting: {{}}
"""
COMPOSE_EXPECTED = {
    "service escape": {
        "privileged_container", "dangerous_capability", "added_capability", "host_network", "host_pid",
        "host_ipc", "docker_socket_mount", "sensitive_host_path_mount", "host_path_mount",
    },
    "service open_doors": {"database_without_password", "admin_api_unauthenticated"},
    "service secrets": {"plaintext_secret", "secret_in_url"},
    "service secrets_list": {"plaintext_secret", "secret_in_url"},
    "service db_everywhere": {"database_port_exposed"},
    "service local_cache": {"localhost_in_container"},
    "service misnamed_cache": {"undefined_service_host"},
    "service events": {"advertised_address_loopback"},
    "service stun": {"udp_port_published_as_tcp"},  # the file's Redis is named cache
    "service impatient": {"dependency_not_ready"},
    "service sloppy": {
        "runs_as_root", "writable_root_filesystem", "capabilities_not_dropped", "missing_resource_limits",
        "missing_restart_policy", "image_latest_tag", "privilege_escalation", "security_profile_disabled",
    },
    "service untagged": {"image_untagged"},
    "service jvm": {"heap_over_memory_limit"},
    "service no_health": {"missing_health_check"},
    "service vault": {"development_mode"},
    "services mongo_a, mongo_b": {"shared_data_directory"},
    "service dind": {"admin_api_unauthenticated"},
    "service relay": {"open_mail_relay"},
    "service site": {"project_directory_served"},
    "services adminer, keycloak": {"host_port_conflict"},
    "services db_everywhere, db_local": {"host_port_conflict"},  # 0.0.0.0:5432 takes 127.0.0.1:5432 too
    "service broker": {"default_credentials"},  # broker_local (loopback only) and broker_set are fine
    "service consumer": {"default_credentials", "secret_in_url"},
    "service secrets_server": {"plaintext_listener"},
    "service bulk_db": {"durability_disabled"},  # synchronous_commit=off (quick_db) only loses commits
    "service search_node": {"memory_lock_unavailable"},  # search_locked and search_single are fine
    "service payments_debug": {"admin_api_unauthenticated"},  # not on loopback (payments_local_debug)
    "config edge_haproxy": {"admin_api_unauthenticated"},  # once: local_stats and guarded_stats are fine
    "config casc": {"admin_api_unauthenticated"},
    "service cache": {"eviction_without_memory_cap"},  # cache_capped has its maxmemory
    "service queue": {"queue_without_persistence"},  # the rq worker jobs queues there
    "service mail_queue": {"queue_keys_evicted"},  # named by mailer's REDIS_URL; cache_capped is a cache
    "service lms": {"data_in_web_root"},  # lms_outside keeps it outside the document root
    "service atlantis": {"untrusted_code_execution"},  # every repo, no webhook secret; atlantis_guarded is fine
    "config repos": {"untrusted_code_execution"},
    "service backups": {"admin_api_unauthenticated"},
    "service drone": {"login_open_to_anyone"},  # drone_closed is fine
    "service directory": {"admin_api_unauthenticated"},
    "service edge": {"proxy_exposes_every_container"},  # edge_optin is fine, socket_proxy holds the socket
    "config mail": {"plaintext_listener"},  # mail_tls is fine
    "config site": {"alias_traversal"},  # /static/ is fine
    "service graph": {"database_without_password"},
    "service gateway_admin": {"admin_api_unauthenticated"},  # gateway_admin_local is fine
    "service sessions": {"heap_over_memory_limit"},  # sessions_small fits in its 256M
    "config egress": {"open_proxy"},  # egress_local is fine
    "config sqlproxy": {"default_credentials"},
    "service bastion": {"development_mode"},
    "service reporting_db": {"agent_jobs_never_run"},  # reporting_init creates its Agent jobs
    "config edge_nginx": {"client_ip_spoofable"},  # edge_nginx_lb trusts its load balancer only
    "service dhcp": {"dhcp_without_host_network"},
    "service unifi": {"client_port_not_published"},  # unifi_inform publishes 8080
    "service mqtt": {"admin_api_unauthenticated"},  # mqtt_configured has its own configuration
    "config coraza_rules": {"policy_not_enforced"},  # coraza_rules_on blocks
    "service roach": {"database_without_password"},  # roach_secure has its certificates
    "service tubes": {"admin_api_unauthenticated"},  # tubes_local is on loopback
    "config imapd_conf": {"plaintext_listener"},
    "config turnserver": {"open_proxy"},
    "config janus_admin": {"default_credentials"},
    "service consul_open": {"admin_api_unauthenticated"},  # consul_acl has ACLs on
    "service syncthing": {"admin_api_unauthenticated"},  # syncthing_local keeps its GUI on loopback
    "service gitea_setup": {"admin_api_unauthenticated"},  # gitea_locked is locked, its app.ini is not:
    "config gitea_ini": {"admin_api_unauthenticated"},
    "config odoo_conf": {"default_credentials"},  # odoo_conf_set has its own master password
    "service mailserver_docker": {"open_mail_relay"},  # PERMIT_DOCKER=none is fine
    "service nextcloud": {"data_on_ephemeral_storage"},  # nextcloud_kept keeps /var/www/html
    "service dhcp_host": {"host_network"},  # sees the broadcasts, and the host's network with them
    "service resolver": {"open_resolver"},  # resolver_internal is published on loopback only
    "config borg_keys": {"backup_keys_unrestricted"},
    "config legacy_tls": {"weak_tls_allowed"},  # --prometheus-no-auth is only the metrics
    "service mattermost": {"broken_health_check"},  # the shell form (mattermost_shell) is fine
    "service renderer": {"manifest_rejected"},
    "service gateway": {"tls_verification_disabled"},
    "service portal": {"development_mode"},
    "service graphql": {"admin_api_unauthenticated"},  # graphql_guarded has its secret
    "service airflow": {"admin_api_unauthenticated"},
    "service php_fpm": {"admin_api_unauthenticated"},  # not on loopback (php_fpm_local)
    "service portal_api": {"no_shared_network"},
}  # fmt: skip


def k8s_container(name: str = "app", probes: bool = True, **overrides: Any) -> dict[str, Any]:
    """A hardened container; an override of None removes the key."""
    container: dict[str, Any] = {
        "name": name,
        "image": "example/app:2.0.1",
        "securityContext": {
            "runAsNonRoot": True, "allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True,
            "capabilities": {"drop": ["ALL"]},
        },
        "resources": {"requests": {"cpu": "100m"}, "limits": {"cpu": "500m", "memory": "256Mi"}},
    }  # fmt: skip
    if probes:
        container["readinessProbe"] = {"httpGet": {"path": "/ready", "port": 8000}}
        container["livenessProbe"] = {"httpGet": {"path": "/live", "port": 8000}}
    return {key: value for key, value in {**container, **overrides}.items() if value is not None}


def k8s_workload(
    kind: str, name: str, containers: list[dict[str, Any]] | None = None, replicas: int | None = 3, **pod: Any
) -> dict[str, Any]:
    """A workload of `kind` around a pod spec: hardened containers unless given, pod fields from `pod`."""
    run_to_completion = kind in ("Job", "CronJob")
    pod_spec = {"containers": containers or [k8s_container(probes=not run_to_completion)], **pod}
    if run_to_completion:
        pod_spec.setdefault("restartPolicy", "Never")
    api = {"Pod": "v1", "Job": "batch/v1", "CronJob": "batch/v1"}.get(kind, "apps/v1")
    document: dict[str, Any] = {"apiVersion": api, "kind": kind, "metadata": {"name": name}}
    template = {"metadata": {"labels": {"app": name}}, "spec": pod_spec}
    if kind == "Pod":
        document["spec"] = pod_spec
    elif kind == "CronJob":
        document["spec"] = {
            "schedule": "@daily",
            "concurrencyPolicy": "Forbid",
            "jobTemplate": {"spec": {"template": template}},
        }
    elif kind == "Job":
        document["spec"] = {"template": template}
    else:
        document["spec"] = {"selector": {"matchLabels": {"app": name}}, "template": template}
        if replicas is not None and kind != "DaemonSet":
            document["spec"]["replicas"] = replicas
    return document


def rolled_all_at_once(deployment: dict[str, Any]) -> dict[str, Any]:
    """The Deployment with a rolling update that may stop every pod at once."""
    deployment["spec"]["strategy"] = {
        "type": "RollingUpdate",
        "rollingUpdate": {"maxUnavailable": "100%", "maxSurge": 0},
    }
    return deployment


def overlapping(cronjob: dict[str, Any]) -> dict[str, Any]:
    """The CronJob with the default concurrencyPolicy (Allow): runs may overlap."""
    del cronjob["spec"]["concurrencyPolicy"]
    return cronjob


def config_map(name: str, data: dict[str, str]) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, "data": data}


def manifest(*documents: dict[str, Any]) -> str:
    return yaml.safe_dump_all(documents, sort_keys=False)


def compose_service(**overrides: Any) -> dict[str, Any]:
    """A hardened compose service; an override of None removes the key."""
    service: dict[str, Any] = {
        "image": "registry.example.com/api:1.4.2", "user": "10001", "read_only": True, "cap_drop": ["ALL"],
        "deploy": {"resources": {"limits": {"cpus": "0.5", "memory": "256M"}}},
        "healthcheck": {"test": ["CMD", "/app/healthcheck"]}, "restart": "unless-stopped",
    }  # fmt: skip
    return {key: value for key, value in {**service, **overrides}.items() if value is not None}


def compose(**services: dict[str, Any]) -> str:
    return yaml.safe_dump({"services": services}, sort_keys=False)


KUBERNETES = manifest(
    k8s_workload(
        "Deployment", "escape",
        [k8s_container(securityContext={
            "privileged": True, "runAsNonRoot": True, "readOnlyRootFilesystem": True,
            "allowPrivilegeEscalation": False, "capabilities": {"add": ["ALL", "NET_ADMIN"], "drop": ["ALL"]},
        })],
        hostNetwork=True, hostPID=True, hostIPC=True,
        volumes=[
            {"name": "sock", "hostPath": {"path": "/var/run/docker.sock"}},
            {"name": "root", "hostPath": {"path": "/"}},
            {"name": "cache", "hostPath": {"path": "/srv/cache"}},
        ],
    ),
    k8s_workload(
        "StatefulSet", "db",
        [k8s_container("db", image="postgres:latest", ports=[{"containerPort": 5432, "hostPort": 5432}], env=[
            {"name": "DB_PASSWORD", "value": SECRET},
            {"name": "DATABASE_URL", "value": f"postgres://app:{SECRET}@db:5432/app"},
            {"name": "FROM_SECRET", "valueFrom": {"secretKeyRef": {"name": "db", "key": "password"}}},
            {"name": "ADMIN_PASSWORD", "value": "$(FROM_SECRET)"},
        ])],
        replicas=1,
    ),
    k8s_workload(
        "Deployment", "sloppy",
        [{"name": "app", "image": "example/app",
          "securityContext": {"allowPrivilegeEscalation": True, "seccompProfile": {"type": "Unconfined"}}}],
        replicas=None,
        initContainers=[k8s_container("setup", probes=False, securityContext={
            "runAsUser": 0, "readOnlyRootFilesystem": True, "capabilities": {"drop": ["ALL"]},
        })],
    ),
    k8s_workload("DaemonSet", "agent"),
    overlapping(k8s_workload("CronJob", "backup", [k8s_container("dump", probes=False, env=[{"name": "API_KEY", "value": SECRET}])])),
    k8s_workload("Job", "migrate"),
    k8s_workload("Pod", "debug", [k8s_container("shell", probes=False)]),
    k8s_workload("ReplicaSet", "legacy", replicas=1, volumes=[
        {"name": "pki", "hostPath": {"path": "/etc/kubernetes/pki"}},
    ]),
    k8s_workload("Deployment", "scaled", replicas=None),
    k8s_workload("Deployment", "jumpy", [k8s_container(livenessProbe={"httpGet": {"path": "/health", "port": 8000},
                                                                     "failureThreshold": 1},
                                                      ports=[{"name": "http", "containerPort": 8000}])]),
    {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "jumpy"},
     "spec": {"selector": {"app": "jumpy"}, "ports": [{"port": 80, "targetPort": 8080}]}},
    {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": {"name": "jumpy"},
     "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "jumpy"},
              "minReplicas": 3, "maxReplicas": 6, "metrics": [{"type": "Resource", "resource": {
                  "name": "memory", "target": {"type": "Utilization", "averageUtilization": 80}}}]}},
    k8s_workload("StatefulSet", "consul", [k8s_container("consul", args=["agent", "-server", "-bootstrap-expect=5"])]),
    {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": "db-ingress"},
     "spec": {"podSelector": {"matchLabels": {"app": "db"}}, "policyTypes": ["Ingress"],
              "ingress": [{"from": [{"namespaceSelector": {}}, {"podSelector": {"matchLabels": {"app": "api"}}}]}]}},
    {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": "lockdown"},
     "spec": {"podSelector": {}, "policyTypes": ["Egress"],
              "egress": [{"ports": [{"protocol": "TCP", "port": 443}]}]}},
    {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": {"name": "scaled"},
     "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "scaled"},
              "minReplicas": 2, "maxReplicas": 5}},
    {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "db-public"},
     "spec": {"type": "LoadBalancer", "ports": [{"port": 5432}]}},
    {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "db"}, "spec": {"ports": [{"port": 5432}]}},
    k8s_workload("StatefulSet", "cache", [k8s_container(
        "redis", image="redis:7.2.4", volumeMounts=[{"name": "scratch", "mountPath": "/data"}])],
        replicas=2, volumes=[{"name": "scratch", "emptyDir": {}}]),
    k8s_workload("Deployment", "api"),
    rolled_all_at_once(k8s_workload("Deployment", "hasty", replicas=4)),
    k8s_workload("Deployment", "catalog", [k8s_container(
        ports=[{"name": "http", "containerPort": 3000}], livenessProbe={"tcpSocket": {"port": 3000}},
        readinessProbe={"httpGet": {"path": "/ready", "port": 8080}})]),
    {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "shared"},
     "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "10Gi"}}}},
    k8s_workload("Deployment", "media", volumes=[{"name": "cache", "persistentVolumeClaim": {"claimName": "shared"}}]),
    {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "tls-cert", "namespace": "certs"},
     "type": "kubernetes.io/tls", "data": {"tls.crt": "", "tls.key": ""}},
    {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": {"name": "shop"},
     "spec": {"tls": [{"hosts": ["shop.example.com"], "secretName": "tls-cert"}]}},
    {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "api"},
     "spec": {"selector": {"app": "api-server"}, "ports": [{"port": 80}]}},
    {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": {"name": "api-public"},
     "spec": {"defaultBackend": {"service": {"name": "api", "port": {"number": 8080}}}}},
    {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": {"name": "escape"},
     "spec": {"minAvailable": 3, "selector": {"matchLabels": {"app": "escape"}}}},
    {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "settings"},
     "data": {"DB_PASSWORD": SECRET, "LOG_LEVEL": "info"}},
    {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding", "metadata": {"name": "ops"},
     "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "cluster-admin"},
     "subjects": [{"kind": "ServiceAccount", "name": "ops", "namespace": "tools"},
                  {"kind": "Group", "name": "system:unauthenticated"}]},
    k8s_workload("Deployment", "resolver", dnsPolicy="Default"),
    k8s_workload("Deployment", "draining", [k8s_container(lifecycle={"preStop": {"exec": {
        "command": ["/bin/sh", "-c", "sleep 30"]}}})], terminationGracePeriodSeconds=15),
    k8s_workload("Deployment", "patient", [k8s_container(lifecycle={"preStop": {"sleep": {"seconds": 10}}})],
                 terminationGracePeriodSeconds=45),
    k8s_workload("Deployment", "argo", [k8s_container(args=["server", "--auth-mode=server"])]),
    k8s_workload("DaemonSet", "node-agent", hostNetwork=True, dnsPolicy="Default"),
    {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": "api-egress", "namespace": "payments"},
     "spec": {"podSelector": {"matchLabels": {"app": "api"}}, "policyTypes": ["Egress"],
              "egress": [{"to": [{"podSelector": {"matchLabels": {"app": "db"}}}]},
                         {"ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}]}]}},
    {"apiVersion": "cert-manager.io/v1", "kind": "ClusterIssuer", "metadata": {"name": "le-test"},
     "spec": {"acme": {"server": "https://acme-staging-v02.api.letsencrypt.org/directory"}}},
    {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": {
        "name": "beta", "annotations": {"cert-manager.io/cluster-issuer": "le-test"}},
     "spec": {"tls": [{"hosts": ["beta.example.com"], "secretName": "beta-tls"}]}},
    {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": {
        "name": "wiki", "annotations": {"cert-manager.io/cluster-issuer": "le-tst"}},
     "spec": {"tls": [{"hosts": ["wiki.example.com"], "secretName": "wiki-tls"}]}},
    {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": {
        "name": "internal", "annotations": {"cert-manager.io/issuer": "staging-internal-ca"}},
     "spec": {"tls": [{"hosts": ["app.staging.internal"], "secretName": "internal-tls"}]}},
    {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": "db-ports"},
     "spec": {"podSelector": {"matchLabels": {"app": "db"}}, "policyTypes": ["Ingress"],
              "ingress": [{"from": [{"podSelector": {"matchLabels": {"app": "api"}}}]},
                          {"ports": [{"protocol": "TCP", "port": 5432}]}]}},
    {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": "public-web"},
     "spec": {"podSelector": {"matchLabels": {"app": "web"}}, "policyTypes": ["Ingress"],
              "ingress": [{"ports": [{"protocol": "TCP", "port": 443}]}]}},
    k8s_workload("Deployment", "coredns", [k8s_container("coredns", image="registry.k8s.io/coredns/coredns:v1.11.1")],
                 dnsPolicy="Default"),
    k8s_workload("Deployment", "mail", [k8s_container("postfix", env=[
        {"name": "POSTFIX_mynetworks", "value": "0.0.0.0/0"}])]),
    {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": {
        "name": "storefront", "annotations": {"cert-manager.io/cluster-issuer": "letsencrypt-staging"}},
     "spec": {"tls": [{"hosts": ["shop.example.com"], "secretName": "storefront-tls"}]}},
    {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": {
        "name": "docs", "annotations": {"cert-manager.io/cluster-issuer": "letsencrypt-prod"}},
     "spec": {"tls": [{"hosts": ["docs.example.com"], "secretName": "docs-tls"}]}},
    {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": {"name": "everything"},
     "rules": [{"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]},
               {"apiGroups": [""], "resources": ["secrets"], "verbs": ["get", "list"]}]},
    k8s_workload("Deployment", "broker", [k8s_container("rabbitmq", env=[
        {"name": "RABBITMQ_DEFAULT_USER", "value": "guest"}, {"name": "RABBITMQ_DEFAULT_PASS", "value": "guest"}])],
        replicas=2),
    {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "vault-config"},
     "data": {"vault.hcl": 'listener "tcp" {\n  address = "[::]:8200"\n  tls_disable = 1\n}\n'}},
    k8s_workload("StatefulSet", "ledger", [k8s_container("postgres", args=["-c", "full_page_writes=off"])],
                 replicas=2),
    k8s_workload("StatefulSet", "zk", [k8s_container("zookeeper", image="zookeeper:3.8.4")], replicas=2),
    k8s_workload("StatefulSet", "zk-odd", [k8s_container("zookeeper", image="zookeeper:3.8.4")], replicas=3),
    k8s_workload("StatefulSet", "kafka", [k8s_container("kafka", image="bitnami/kafka:3.6.1", startupProbe={"httpGet": {"path": "/health", "port": 8080}, "failureThreshold": 30}, env=[
        {"name": "KAFKA_CFG_OFFSETS_TOPIC_REPLICATION_FACTOR", "value": "1"},
        {"name": "KAFKA_CFG_DEFAULT_REPLICATION_FACTOR", "value": "3"}])], replicas=3),
    k8s_workload("StatefulSet", "search", [k8s_container("es", readinessProbe={"exec": {"command": [
        "sh", "-c", "curl -fs 'http://localhost:9200/_cluster/health?wait_for_status=green&timeout=1s'"]}})],
        replicas=3),
    {**k8s_workload("StatefulSet", "search-parallel", [k8s_container("es", readinessProbe={"exec": {"command": [
        "sh", "-c", "curl -fs 'http://localhost:9200/_cluster/health?wait_for_status=green'"]}})], replicas=3),
     "spec": {**k8s_workload("StatefulSet", "search-parallel", replicas=3)["spec"], "podManagementPolicy": "Parallel"}},
    k8s_workload("Deployment", "sso", [k8s_container("keycloak", startupProbe={"httpGet": {"path": "/health", "port": 8080}, "failureThreshold": 30}, env=[{"name": "KC_CACHE", "value": "local"}])],
                 replicas=3),
    k8s_workload("Deployment", "rejected", [k8s_container(resources={
        "requests": {"cpu": "100m", "memory": "6Gi"}, "limits": {"cpu": "500m", "memory": "4Gi"}})], replicas=2),
    {**k8s_workload("Deployment", "relabelled", replicas=2), "spec": {
        **k8s_workload("Deployment", "relabelled", replicas=2)["spec"],
        "selector": {"matchLabels": {"app": "invoice-worker"}}}},
    k8s_workload("Deployment", "probing", [k8s_container(readinessProbe={"exec": {"command": [
        "curl -fsS http://localhost:8080/ready"]}})], replicas=2),
    k8s_workload("Deployment", "scratch", replicas=2, volumes=[
        {"name": "tmp", "emptyDir": {"medium": "Memory"}},
        {"name": "bounded", "emptyDir": {"medium": "Memory", "sizeLimit": "64Mi"}},
        {"name": "disk", "emptyDir": {}}]),
    k8s_workload("Deployment", "beat", [k8s_container(command=["celery", "-A", "billing", "beat"])], replicas=3),
    k8s_workload("Deployment", "dashboard", [k8s_container(image="mher/flower:2.0.1", args=["celery", "flower"])],
                 replicas=2),
    {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "gateway-env"},
     "data": {"NODE_TLS_REJECT_UNAUTHORIZED": "0", "LOG_LEVEL": "info"}},
    {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": {"name": "renamed"},
     "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "pricing-service"},
              "minReplicas": 2, "maxReplicas": 5}},
    {"apiVersion": "admissionregistration.k8s.io/v1", "kind": "MutatingWebhookConfiguration",
     "metadata": {"name": "guard"}, "webhooks": [{"name": "guard.example.com", "failurePolicy": "Fail",
        "rules": [{"operations": ["CREATE"], "apiGroups": [""], "apiVersions": ["v1"], "resources": ["pods"]}]}]},
    {"apiVersion": "admissionregistration.k8s.io/v1", "kind": "ValidatingWebhookConfiguration",
     "metadata": {"name": "polite"}, "webhooks": [{"name": "polite.example.com", "failurePolicy": "Fail",
        "namespaceSelector": {"matchExpressions": [
            {"key": "kubernetes.io/metadata.name", "operator": "NotIn", "values": ["kube-system", "polite"]}]},
        "rules": [{"operations": ["CREATE"], "apiGroups": [""], "apiVersions": ["v1"], "resources": ["pods"]}]}]},
    {"apiVersion": "security.istio.io/v1", "kind": "PeerAuthentication", "metadata": {"name": "plain"},
     "spec": {"mtls": {"mode": "DISABLE"}}},
    {"apiVersion": "networking.istio.io/v1", "kind": "DestinationRule", "metadata": {"name": "legacy"},
     "spec": {"host": "legacy.payments.svc.cluster.local", "trafficPolicy": {"tls": {"mode": "DISABLE"}}}},
    {"apiVersion": "networking.istio.io/v1", "kind": "DestinationRule", "metadata": {"name": "external-api"},
     "spec": {"host": "api.example.com", "trafficPolicy": {"tls": {"mode": "DISABLE"}}}},
    {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "ingress-nginx-controller"},
     "data": {"allow-snippet-annotations": "true", "use-forwarded-headers": "true"}},
    {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "argocd-cm"},
     "data": {"url": "https://argocd.example.com", "users.anonymous.enabled": "true"}},
    {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "argocd-rbac-cm"},
     "data": {"policy.default": "role:readonly"}},
    k8s_workload("Deployment", "external-dns", [k8s_container(
        "external-dns", image="registry.k8s.io/external-dns/external-dns:v0.14.1",
        args=["--source=ingress", "--provider=google", "--policy=sync", "--registry=noop"])], replicas=2),
    k8s_workload("Deployment", "external-dns-owned", [k8s_container(
        "external-dns", image="registry.k8s.io/external-dns/external-dns:v0.14.1",
        args=["--source=ingress", "--policy=sync", "--registry=txt", "--txt-owner-id=prod-2"])], replicas=2),
    k8s_workload("StatefulSet", "prometheus", [
        k8s_container("prometheus", image="prom/prometheus:v2.51.2", args=["--storage.tsdb.retention.time=15d"]),
        k8s_container("sidecar", image="thanosio/thanos:v0.35.0", args=["sidecar", "--tsdb.path=/prometheus"])],
        replicas=2),
    k8s_workload("StatefulSet", "prometheus-2h", [
        k8s_container("prometheus", image="prom/prometheus:v2.51.2", args=[
            "--storage.tsdb.min-block-duration=2h", "--storage.tsdb.max-block-duration=2h"]),
        k8s_container("sidecar", image="thanosio/thanos:v0.35.0", args=["sidecar"])], replicas=2),
    {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "nats-config"},
     "data": {"nats.conf": "jetstream {\n  store_dir: /data\n  max_file_store: 100GB\n}\n"}},
    {**k8s_workload("StatefulSet", "nats", [k8s_container("nats", image="nats:2.10.14")], replicas=3,
                    volumes=[{"name": "config", "configMap": {"name": "nats-config"}}]),
     "spec": {**k8s_workload("StatefulSet", "nats", replicas=3)["spec"], "template": {
        "metadata": {"labels": {"app": "nats"}}, "spec": {
            "containers": [k8s_container("nats", image="nats:2.10.14")],
            "volumes": [{"name": "config", "configMap": {"name": "nats-config"}}]}},
        "volumeClaimTemplates": [{"metadata": {"name": "data"}, "spec": {
            "accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "20Gi"}}}}]}},
    {"apiVersion": "velero.io/v1", "kind": "Schedule", "metadata": {"name": "nightly"},
     "spec": {"schedule": "0 2 * * *", "template": {"includedNamespaces": ["billing"], "snapshotVolumes": False}}},
    {"apiVersion": "velero.io/v1", "kind": "Schedule", "metadata": {"name": "nightly-fs"},
     "spec": {"schedule": "0 3 * * *", "template": {"snapshotVolumes": False, "defaultVolumesToFsBackup": True}}},
    {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cache-conf"},
     "data": {"redis.conf": "maxmemory-policy allkeys-lru\nappendonly no\n"}},
    k8s_workload("Deployment", "session-cache", [k8s_container(
        "redis", image="redis:7.2.4", args=["/etc/redis/redis.conf"],
        volumeMounts=[{"name": "conf", "mountPath": "/etc/redis"}, {"name": "data", "mountPath": "/data"}])],
        replicas=2, volumes=[{"name": "conf", "configMap": {"name": "cache-conf"}}, {"name": "data", "emptyDir": {}}]),
    k8s_workload("StatefulSet", "queue", [k8s_container(
        "redis", image="redis:7.2.4", args=["--save", "", "--appendonly", "no"])], replicas=2),
    k8s_workload("Deployment", "worker", [k8s_container(command=["celery", "-A", "billing", "worker"])], replicas=2),
    {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "kerberos"},
     "data": {"krb5.conf": "[libdefaults]\n default_realm = EXAMPLE.INTERNAL\n"}, "binaryData": {"http.keytab": "BQIAAA=="}},
    {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "dex-config"},
     "data": {"config.yaml": "issuer: https://dex.example.com\nstorage:\n  type: memory\n"}},
    k8s_workload("Deployment", "dex", [k8s_container("dex", image="ghcr.io/dexidp/dex:v2.39.1")], replicas=3,
                 volumes=[{"name": "config", "configMap": {"name": "dex-config"}}]),
    {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "sched-config"},
     "data": {"application.yaml": "spring:\n  quartz:\n    job-store-type: memory\n"}},
    k8s_workload("Deployment", "sched", replicas=3, volumes=[{"name": "config", "configMap": {"name": "sched-config"}}]),
    k8s_workload("Deployment", "ci", [k8s_container("jenkins", image="jenkins/jenkins:2.440.1-lts-jdk17",
                 startupProbe={"httpGet": {"path": "/login", "port": 8080}, "failureThreshold": 30})], replicas=2),
    {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "otel-config"},
     "data": {"config.yaml": "processors:\n  memory_limiter:\n    check_interval: 1s\n    limit_mib: 1800\n"}},
    k8s_workload("Deployment", "otel", [k8s_container(volumeMounts=[{"name": "config", "mountPath": "/conf"}])],
                 replicas=2, volumes=[{"name": "config", "configMap": {"name": "otel-config"}}]),
    k8s_workload("Deployment", "auth", [k8s_container(image="quay.io/oauth2-proxy/oauth2-proxy:v7.6.0",
                 args=["--provider=github", "--email-domain=*"])], replicas=2),
    k8s_workload("Deployment", "auth-org", [k8s_container(image="quay.io/oauth2-proxy/oauth2-proxy:v7.6.0",
                 args=["--provider=github", "--email-domain=*", "--github-org=acme"])], replicas=2),
    {"apiVersion": "metallb.io/v1beta1", "kind": "IPAddressPool", "metadata": {"name": "rack"},
     "spec": {"addresses": ["192.168.10.0/24"], "autoAssign": True}},
    {"apiVersion": "metallb.io/v1beta1", "kind": "IPAddressPool", "metadata": {"name": "rack-reserved"},
     "spec": {"addresses": ["192.168.10.240-192.168.10.254"]}},
    {"apiVersion": "kubevirt.io/v1", "kind": "VirtualMachine", "metadata": {"name": "erp"},
     "spec": {"dataVolumeTemplates": [{"metadata": {"name": "root"}, "spec": {"storage": {
        "accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "40Gi"}}}}}],
        "template": {"spec": {"evictionStrategy": "LiveMigrate", "domain": {"devices": {}}}}}},
    {"apiVersion": "v1", "kind": "PersistentVolume", "metadata": {"name": "filer"},
     "spec": {"capacity": {"storage": "100Gi"}, "accessModes": ["ReadWriteOnce"], "mountOptions": ["nfsvers=3", "soft"],
              "nfs": {"server": "filer.internal", "path": "/vol/pg"}}},
    k8s_workload("StatefulSet", "search-nodes", [k8s_container("opensearch", image="opensearchproject/opensearch:2.13.0",
                 env=[{"name": "discovery.type", "value": "single-node"}])], replicas=3),
    k8s_workload("StatefulSet", "events", [k8s_container("scylla", image="scylladb/scylla:5.4.6",
                 args=["--developer-mode=1", "--smp", "4"])], replicas=3),
    k8s_workload("Deployment", "shop", [k8s_container("fpm", image="registry.example.com/shop-fpm:8.3",
                 readinessProbe={"httpGet": {"path": "/ping", "port": 9000}},
                 livenessProbe={"tcpSocket": {"port": 9000}})], replicas=2),
    k8s_workload("Deployment", "inventory", [k8s_container(startupProbe={"httpGet": {"path": "/health", "port": 8080}, "failureThreshold": 30}, env=[{"name": "JAVA_TOOL_OPTIONS", "value":
                 "-Dcom.sun.management.jmxremote.port=9010 -Dcom.sun.management.jmxremote.authenticate=false"}])],
                 replicas=2),
    k8s_workload("Deployment", "vectors", [k8s_container(image="semitechnologies/weaviate:1.24.10", env=[
                 {"name": "AUTHENTICATION_ANONYMOUS_ACCESS_ENABLED", "value": "true"}])], replicas=2),
    {"apiVersion": "cilium.io/v2", "kind": "CiliumNetworkPolicy", "metadata": {"name": "payouts-egress"},
     "spec": {"endpointSelector": {}, "egress": [
         {"toEndpoints": [{}], "toPorts": [{"ports": [{"port": "53", "protocol": "UDP"}]}]},
         {"toFQDNs": [{"matchName": "api.partner.example.com"}], "toPorts": [{"ports": [{"port": "443"}]}]}]}},
    {"apiVersion": "cilium.io/v2", "kind": "CiliumNetworkPolicy", "metadata": {"name": "payouts-egress-dns"},
     "spec": {"endpointSelector": {}, "egress": [
         {"toEndpoints": [{}], "toPorts": [{"ports": [{"port": "53"}], "rules": {"dns": [{"matchPattern": "*"}]}}]},
         {"toFQDNs": [{"matchName": "api.partner.example.com"}]}]}},
    k8s_workload("Deployment", "invoices", replicas=None),
    {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": {"name": "invoices"},
     "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "invoices"},
              "minReplicas": 2, "maxReplicas": 6}},
    {"apiVersion": "keda.sh/v1alpha1", "kind": "ScaledObject", "metadata": {"name": "invoices"},
     "spec": {"scaleTargetRef": {"name": "invoices"}, "minReplicaCount": 2, "triggers": []}},
    {"apiVersion": "cert-manager.io/v1", "kind": "Certificate", "metadata": {"name": "apex", "namespace": "shop"},
     "spec": {"secretName": "shop-tls", "dnsNames": ["example.com"]}},
    {"apiVersion": "cert-manager.io/v1", "kind": "Certificate", "metadata": {"name": "www", "namespace": "shop"},
     "spec": {"secretName": "shop-tls", "dnsNames": ["www.example.com"]}},
    k8s_workload("Deployment", "portal", [k8s_container("iis", image="registry.example.com/portal:2024.05-ltsc2022")],
                 replicas=2),
    k8s_workload("Deployment", "portal-win", [k8s_container("iis", image="registry.example.com/portal:2024.05-ltsc2022")],
                 replicas=2, nodeSelector={"kubernetes.io/os": "windows"}),
    {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "reports", "annotations": {"linkerd.io/inject": "enabled"}}},
    {**k8s_workload("CronJob", "ledger-export"), "metadata": {"name": "ledger-export", "namespace": "reports"}},
    {"apiVersion": "karpenter.sh/v1", "kind": "NodePool", "metadata": {"name": "general"},
     "spec": {"disruption": {"consolidationPolicy": "WhenEmptyOrUnderutilized", "consolidateAfter": "0s",
                             "budgets": [{"nodes": "100%"}]}}},
    k8s_workload("Deployment", "reports", [k8s_container(command=["rq", "worker", "--burst", "reports"])], replicas=2),
    k8s_workload("Deployment", "sidekiq", [k8s_container(command=["bundle", "exec", "sidekiq"], args=["-t", "120"])],
                 replicas=2),
    {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "chat-env"}, "data": {"SOCKET_IO_PATH": "/socket.io"}},
    k8s_workload("Deployment", "chat", [k8s_container(envFrom=[{"configMapRef": {"name": "chat-env"}}])], replicas=4),
    k8s_workload("StatefulSet", "mssql", [k8s_container("mssql", image="mcr.microsoft.com/mssql/server:2022-CU12")],
                 replicas=2),
    k8s_workload("Job", "mssql-jobs", [k8s_container(probes=False, command=[
                 "sqlcmd", "-Q", "EXEC msdb.dbo.sp_add_job @job_name = N'nightly-backup'"])]),
    k8s_workload("Deployment", "dhcp", [k8s_container(image="docker.cloudsmith.io/isc/docker/kea-dhcp4:2.6.1")],
                 replicas=2),
    k8s_workload("Deployment", "tuned", replicas=2, securityContext={"sysctls": [
        {"name": "net.core.somaxconn", "value": "65535"}, {"name": "net.ipv4.ip_local_port_range", "value": "1024 65000"}]}),
    {**k8s_workload("CronJob", "nightly-export"), "spec": {**k8s_workload("CronJob", "nightly-export")["spec"],
        "schedule": "30 2 * * *", "timeZone": "Europe/Berlin"}},
    {**k8s_workload("CronJob", "nightly-export-utc"), "spec": {**k8s_workload("CronJob", "nightly-export-utc")["spec"],
        "schedule": "30 2 * * *", "timeZone": "Etc/UTC"}},
    {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "envoy"}, "data": {"envoy.yaml":
        "admin:\n  address:\n    socket_address: { address: 0.0.0.0, port_value: 9901 }\n"}},
    {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "varnish"}, "data": {"default.vcl":
        'acl purgers {\n  "10.0.0.0"/8;\n  "0.0.0.0"/0;\n}\n'}},
    {**k8s_workload("Deployment", "settlement"),
     "spec": {**k8s_workload("Deployment", "settlement")["spec"], "template": {"metadata": {"labels": {"app": "settlement"},
         "annotations": {"config.linkerd.io/skip-inbound-ports": "8080"}}, "spec": {"containers": [k8s_container(
             ports=[{"name": "http", "containerPort": 8080}])]}}}},
    {**k8s_workload("Deployment", "ledger"),
     "spec": {**k8s_workload("Deployment", "ledger")["spec"], "template": {"metadata": {"labels": {"app": "ledger"},
         "annotations": {"config.linkerd.io/skip-inbound-ports": "9990"}}, "spec": {"containers": [k8s_container(
             ports=[{"name": "http", "containerPort": 8080}, {"name": "admin", "containerPort": 9990}])]}}}},
    {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "apisix"}, "data": {"config.yaml":
        "deployment:\n  admin:\n    admin_key:\n      - name: admin\n        key: edd1c9f034335f136f87ad84b625c8f1\n"}},
    k8s_workload("Deployment", "search", [k8s_container(image="getmeili/meilisearch:v1.7.6")], replicas=3,
                 volumes=[{"name": "data", "persistentVolumeClaim": {"claimName": "meili-data"}}]),
    k8s_workload("Deployment", "metrics-query", [k8s_container(image="victoriametrics/vmselect:v1.99.0-cluster")]),
    k8s_workload("StatefulSet", "fdb", [k8s_container(image="foundationdb/foundationdb:7.1.57")]),
    {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "fdb"},
     "spec": {"type": "LoadBalancer", "selector": {"app": "fdb"}, "ports": [{"port": 4500}]}},
    k8s_workload("StatefulSet", "broker", [k8s_container(image="apache/activemq-artemis:2.33.0", volumeMounts=[
        {"name": "journal", "mountPath": "/var/lib/artemis-instance/data"}])], volumes=[{"name": "journal", "emptyDir": {}}]),
    {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "sops-age"}, "data": {"age.agekey":
        "# public key: age1fake\nAGE-SECRET-KEY-1FAKEFAKEFAKEFAKEFAKEFAKEFAKEFAKEFAKEFAKEFAKEFAKEFAKEFAKEQQ\n"}},
    {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "metrics-query"},
     "spec": {"type": "LoadBalancer", "selector": {"app": "metrics-query"}, "ports": [{"port": 8481}]}},
    k8s_workload("Deployment", "tracking", [k8s_container(image="ghcr.io/mlflow/mlflow:v2.12.1")]),
    {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "tracking", "annotations": {
        "service.beta.kubernetes.io/aws-load-balancer-scheme": "internet-facing"}},
     "spec": {"type": "LoadBalancer", "selector": {"app": "tracking"}, "ports": [{"port": 80, "targetPort": 8000}]}},
    k8s_workload("Deployment", "tracking-internal", [k8s_container(image="ghcr.io/mlflow/mlflow:v2.12.1")]),
    {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "tracking-internal", "annotations": {
        "service.beta.kubernetes.io/aws-load-balancer-scheme": "internal"}},
     "spec": {"type": "LoadBalancer", "selector": {"app": "tracking-internal"}, "ports": [{"port": 8000}]}},
    k8s_workload("Deployment", "tracking-ranges", [k8s_container(image="ghcr.io/mlflow/mlflow:v2.12.1")]),
    {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "tracking-ranges"},
     "spec": {"type": "LoadBalancer", "selector": {"app": "tracking-ranges"}, "ports": [{"port": 8000}],
              "loadBalancerSourceRanges": ["192.0.2.0/24"]}},
    {"apiVersion": "serving.kserve.io/v1beta1", "kind": "InferenceService", "metadata": {"name": "summarizer"},
     "spec": {"predictor": {"model": {"modelFormat": {"name": "huggingface"}, "resources": {
         "requests": {"cpu": "4", "nvidia.com/gpu": "1"}, "limits": {"cpu": "8"}}}}}},
    {"apiVersion": "serving.kserve.io/v1beta1", "kind": "InferenceService", "metadata": {"name": "classifier"},
     "spec": {"predictor": {"model": {"modelFormat": {"name": "sklearn"}, "resources": {
         "requests": {"nvidia.com/gpu": "1"}, "limits": {"nvidia.com/gpu": "1"}}}}}},
    k8s_workload("DaemonSet", "gpu-metrics", nodeSelector={"nvidia.com/gpu.present": "true"}),
    k8s_workload("DaemonSet", "gpu-metrics-tolerant", nodeSelector={"nvidia.com/gpu.present": "true"},
                 tolerations=[{"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}]),
    k8s_workload("Deployment", "newsroom", [k8s_container(volumeMounts=[
        {"name": "files", "mountPath": "/var/www/html/web/sites/default/files"},
        {"name": "cache", "mountPath": "/var/www/html/var/cache"}])],
        volumes=[{"name": "files", "emptyDir": {}}, {"name": "cache", "emptyDir": {}}]),
    k8s_workload("Deployment", "erp", [k8s_container(image="odoo:17.0", volumeMounts=[
        {"name": "data", "mountPath": "/var/lib/odoo"}])], volumes=[{"name": "data", "emptyDir": {}}]),
    k8s_workload("Deployment", "status", [k8s_container(image="louislam/uptime-kuma:1.23.13")], replicas=2),
    k8s_workload("Deployment", "status-maria", [k8s_container(image="louislam/uptime-kuma:2.0.0", env=[
        {"name": "UPTIME_KUMA_DB_TYPE", "value": "mariadb"}])], replicas=2),
    k8s_workload("Deployment", "git", [k8s_container(image="gitea/gitea:1.21.7-rootless", env=[
        {"name": "GITEA__database__DB_TYPE", "value": "sqlite3"}])], replicas=3),
    k8s_workload("Deployment", "git-pg", [k8s_container(image="gitea/gitea:1.21.7-rootless", env=[
        {"name": "GITEA__database__DB_TYPE", "value": "postgres"}])], replicas=3),
    k8s_workload("Deployment", "shop", [k8s_container(command=["/bin/sh", "-c"], args=[
        "while true; do php bin/magento cron:run; sleep 60; done"])], replicas=4),
    {**k8s_workload("StatefulSet", "ring", [k8s_container(image="cassandra:4.1.5")]),
     "spec": {**k8s_workload("StatefulSet", "ring")["spec"], "podManagementPolicy": "Parallel",
              "template": k8s_workload("StatefulSet", "ring", [k8s_container(image="cassandra:4.1.5")])["spec"]["template"]}},
    k8s_workload("Deployment", "sessions", [k8s_container(image="memcached:1.6.27", ports=[{"containerPort": 11211}])]),
    {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "sessions"},
     "spec": {"selector": {"app": "sessions"}, "ports": [{"port": 11211}]}},
    {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "sessions-headless"},
     "spec": {"clusterIP": "None", "selector": {"app": "sessions"}, "ports": [{"port": 11211}]}},
    {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "mesh", "labels": {
        "istio.io/dataplane-mode": "ambient"}}},
    {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": "api-in", "namespace": "mesh"},
     "spec": {"podSelector": {}, "policyTypes": ["Ingress"], "ingress": [{"ports": [{"port": 8080}]}]}},
    {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": "api-in-hbone",
     "namespace": "mesh"}, "spec": {"podSelector": {}, "policyTypes": ["Ingress"], "ingress": [{"ports": [
        {"port": 8080}, {"port": 15008}]}]}},
    {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "kube-proxy"}, "data": {"config.conf":
        "apiVersion: kubeproxy.config.k8s.io/v1alpha1\nkind: KubeProxyConfiguration\nmode: ipvs\nipvs:\n  strictARP: false\n"}},
    {"apiVersion": "metallb.io/v1beta1", "kind": "L2Advertisement", "metadata": {"name": "l2"}},
    k8s_workload("Deployment", "ray-head", [k8s_container(image="rayproject/ray:2.9.3-py310")]),
    k8s_workload("Deployment", "ray-workers", [k8s_container(image="rayproject/ray:2.10.0-py310")]),
    {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": {"name": "harbor", "annotations": {
        "nginx.ingress.kubernetes.io/proxy-body-size": "1m"}}, "spec": {"rules": [{"host": "harbor.example.internal",
        "http": {"paths": [{"path": "/", "pathType": "Prefix", "backend": {"service": {"name": "harbor-core",
        "port": {"number": 80}}}}]}}]}},
    {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": {"name": "registry-unlimited",
        "annotations": {"nginx.ingress.kubernetes.io/proxy-body-size": "0"}}, "spec": {"rules": []}},
    {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": {"name": "webshop", "annotations": {
        "nginx.ingress.kubernetes.io/proxy-body-size": "1m"}}, "spec": {"rules": []}},
    k8s_workload("Deployment", "payments", [k8s_container(startupProbe={"httpGet": {"path": "/health", "port": 8080}, "failureThreshold": 30}, env=[{"name": "JAVA_TOOL_OPTIONS",
        "value": "-agentlib:jdwp=transport=dt_socket,server=y,suspend=n,address=*:5005"}])], replicas=2),
)  # fmt: skip
KUBERNETES_EXPECTED = {
    "Ingress harbor": {"body_size_limit_too_small"},
    "StatefulSet ring": {"bootstrap_in_parallel"},
    "NetworkPolicy api-in": {"mesh_port_blocked"},  # api-in-hbone allows 15008
    "ConfigMap kube-proxy": {"strict_arp_disabled"},
    "Service sessions": {"sharded_behind_one_address"},  # sessions-headless is headless
    "Deployment ray-workers container app": {"cluster_version_mismatch"},  # registry-unlimited has no limit, webshop is no registry
    "Service tracking": {"admin_api_unauthenticated"},  # tracking-internal and tracking-ranges are not public
    "Service metrics-query": {"admin_api_unauthenticated"},
    "Service fdb": {"admin_api_unauthenticated"},
    "StatefulSet broker container app": {"data_on_ephemeral_storage"},
    "ConfigMap sops-age": {"plaintext_secret"},
    "Deployment settlement": {"mesh_mtls_disabled"},  # ledger skips only its admin port
    "ConfigMap apisix": {"default_credentials"},
    "Deployment search": {"single_instance_replicated"},
    "InferenceService summarizer": {"manifest_rejected"},  # classifier's GPU has its limit
    "DaemonSet gpu-metrics": {"taint_not_tolerated"},  # gpu-metrics-tolerant tolerates it
    "Deployment newsroom container app": {"data_on_ephemeral_storage"},  # its cache may be scratch
    "Deployment erp container app": {"data_on_ephemeral_storage"},
    "Deployment status": {"single_instance_replicated"},  # status-maria is on MariaDB
    "Deployment git": {"single_instance_replicated"},  # git-pg is on PostgreSQL
    "Deployment shop": {"scheduler_not_singleton"},
    "Deployment escape": {"host_network", "host_pid", "host_ipc"},
    "Deployment escape volume sock": {"docker_socket_mount"},
    "Deployment escape volume root": {"sensitive_host_path_mount"},
    "Deployment escape volume cache": {"host_path_mount"},
    "Deployment escape container app": {"privileged_container", "dangerous_capability", "added_capability"},
    "StatefulSet db": {"single_replica"},
    "StatefulSet db container db": {"image_latest_tag", "plaintext_secret", "secret_in_url", "database_port_exposed"},
    "Deployment sloppy": {"single_replica"},
    "Deployment sloppy container app": {
        "runs_as_root", "writable_root_filesystem", "capabilities_not_dropped", "missing_resource_limits",
        "missing_health_check", "image_untagged", "privilege_escalation", "security_profile_disabled",
    },
    "Deployment sloppy init container setup": {"runs_as_root"},
    "CronJob backup container dump": {"plaintext_secret"},
    "Pod debug container shell": {"missing_health_check"},
    "ReplicaSet legacy volume pki": {"sensitive_host_path_mount"},
    "Service db-public": {"database_port_exposed"},
    "ConfigMap settings": {"plaintext_secret"},
    "ClusterRoleBinding ops": {"rbac_cluster_admin", "rbac_everyone"},
    "Service api": {"service_selects_no_pods"},
    "Deployment jumpy container app": {"fragile_liveness_probe"},
    "StatefulSet cache container redis": {"data_on_ephemeral_storage"},
    "PodDisruptionBudget escape": {"pdb_blocks_drain"},
    "CronJob backup": {"cronjob_overlap"},
    "Deployment catalog container app": {"probe_port_mismatch"},
    "Deployment media": {"shared_single_node_volume"},
    "Deployment hasty": {"rollout_downtime"},
    "Ingress shop": {"ingress_tls_secret_elsewhere"},
    "Service jumpy": {"service_port_mismatch"},
    "HorizontalPodAutoscaler jumpy": {"hpa_without_resource_request"},
    "NetworkPolicy lockdown": {"network_policy_blocks_dns"},
    "StatefulSet consul": {"quorum_unreachable"},
    "NetworkPolicy db-ingress": {"network_policy_any_namespace"},
    "ClusterRole everything": {"rbac_wildcard", "rbac_sensitive_permission"},
    "Deployment resolver": {"node_dns_policy"},
    "Deployment draining container app": {"prestop_exceeds_grace"},
    "Deployment argo container app": {"admin_api_unauthenticated"},
    "NetworkPolicy db-ports": {"network_policy_any_namespace"},
    "Deployment mail container postfix": {"open_mail_relay"},
    "Ingress storefront": {"staging_certificate_issuer"},
    "Ingress beta": {"staging_certificate_issuer"},
    "Ingress wiki": {"issuer_not_found"},
    "Ingress api-public": {"ingress_backend_port_missing"},  # Service api exposes only 80  # le-tst for the file's le-test; docs' letsencrypt-prod is elsewhere
    "DaemonSet node-agent": {"host_network"},  # and no node_dns_policy: it resolves as the node does
    "Deployment broker container rabbitmq": {"default_credentials"},  # and not plaintext_secret first
    "ConfigMap vault-config": {"plaintext_listener"},
    "StatefulSet ledger container postgres": {"durability_disabled"},
    "StatefulSet zk": {"quorum_even_size"},  # zk-odd is fine
    "StatefulSet kafka": {"single_copy_replication"},
    "StatefulSet search": {"ordered_start_deadlock"},  # search-parallel is fine
    "Deployment sso": {"sessions_not_shared"},
    "Deployment payments container app": {"admin_api_unauthenticated"},
    "Deployment rejected container app": {"manifest_rejected"},
    "Deployment relabelled": {"manifest_rejected"},
    "Deployment probing container app": {"broken_health_check"},
    "Deployment scratch volume tmp": {"memory_volume_unbounded"},  # not bounded, not disk
    "Deployment beat": {"scheduler_not_singleton"},
    "Deployment dashboard container app": {"admin_api_unauthenticated"},
    "ConfigMap gateway-env": {"tls_verification_disabled"},
    "HorizontalPodAutoscaler renamed": {"hpa_target_missing"},
    "MutatingWebhookConfiguration guard webhook guard.example.com": {"admission_webhook_fail_closed"},
    "PeerAuthentication plain": {"mesh_mtls_disabled"},
    "DestinationRule legacy": {"mesh_mtls_disabled"},  # external-api is outside the mesh
    "ConfigMap ingress-nginx-controller": {"snippet_annotations_allowed"},
    "ConfigMap argocd-cm": {"admin_api_unauthenticated"},
    "Deployment external-dns container external-dns": {"dns_records_unowned"},  # external-dns-owned is fine
    "StatefulSet prometheus container prometheus": {"local_compaction_with_sidecar"},  # prometheus-2h is fine
    "StatefulSet nats": {"store_limit_exceeds_volume"},
    "Schedule nightly": {"backup_without_volume_data"},  # nightly-fs backs the volumes up
    "ConfigMap cache-conf": {"eviction_without_memory_cap"},  # and its emptyDir is no data loss
    "StatefulSet queue container redis": {"queue_without_persistence"},
    "ConfigMap kerberos": {"plaintext_secret"},
    "Deployment dex": {"sessions_not_shared"},
    "Deployment sched": {"scheduler_not_singleton"},
    "Deployment ci": {"single_instance_replicated"},
    "Deployment otel container app": {"heap_over_memory_limit"},
    "Deployment auth container app": {"login_open_to_anyone"},  # auth-org is fine
    "IPAddressPool rack": {"address_pool_overlaps_hosts"},  # rack-reserved is a range
    "VirtualMachine erp": {"live_migration_impossible"},
    "PersistentVolume filer": {"unsafe_nfs_mount"},
    "StatefulSet search-nodes": {"independent_clusters"},
    "StatefulSet events container scylla": {"development_mode"},
    "Deployment shop container fpm": {"broken_health_check"},
    "Deployment inventory container app": {"admin_api_unauthenticated"},
    "Deployment vectors container app": {"admin_api_unauthenticated"},
    "CiliumNetworkPolicy payouts-egress": {"fqdn_policy_without_dns_proxy"},  # payouts-egress-dns is fine
    "HorizontalPodAutoscaler invoices": {"competing_autoscalers"},
    "Certificate www": {"certificates_share_secret"},
    "Deployment portal container iis": {"windows_image_without_os_selector"},  # portal-win is fine
    "CronJob ledger-export": {"sidecar_blocks_job_completion"},  # its namespace is meshed
    "NodePool general": {"disruption_budget_unbounded"},
    "Deployment reports container app": {"run_to_completion_in_deployment"},
    "Deployment sidekiq container app": {"prestop_exceeds_grace"},  # -t 120 against 30 s of grace
    "Deployment chat": {"sessions_not_shared"},  # socket.io on 4 replicas, nothing sticky
    "StatefulSet mssql container mssql": {"agent_jobs_never_run"},  # the agent-jobs Job creates them
    "Deployment dhcp": {"dhcp_without_host_network"},
    "Deployment tuned": {"manifest_rejected"},  # somaxconn is unsafe, ip_local_port_range is not
    "CronJob nightly-export": {"schedule_in_dst_gap"},  # nightly-export-utc is fine
    "ConfigMap envoy": {"admin_api_unauthenticated"},
    "ConfigMap varnish": {"admin_api_unauthenticated"},
}  # fmt: skip


async def audit(config: str) -> AgentResult:
    context = AgentContext(input=InfrastructureInput(config=config), target_policy=TargetPolicy())
    return await InfrastructureAgent().execute("audit", context)


def codes_by_place(result: AgentResult) -> dict[str, set[str]]:
    """Finding codes keyed by what each message names first (`service web`, `Deployment api container app`)."""
    places: dict[str, set[str]] = defaultdict(set)
    for finding in result.findings:
        places[finding.message.split(":", 1)[0]].add(finding.code)
    return dict(places)


def risky_codes(result: AgentResult) -> set[str]:
    return {f.code for f in result.findings} - {"no_issues"}


def assert_scale(result: AgentResult) -> None:
    wrong = {(f.code, f.severity.value) for f in result.findings if EXPECTED_SEVERITY[f.code] != f.severity}
    assert not wrong


class _RefusingDuplicates(yaml.SafeLoader):
    """A loader that refuses a mapping with a key twice: YAML keeps the last silently, so a second
    service of one name would replace the first and its expectation would go unchecked."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        # The mapping's own keys: what a merge (<<: *anchor) brings in may be overridden on purpose.
        keys = [key.value for key, _ in node.value if key.tag != "tag:yaml.org,2002:merge"]
        repeated = sorted({str(k) for k in keys if keys.count(k) > 1})
        assert not repeated, f"keys given twice: {repeated}"
        return super().construct_mapping(node, deep=deep)


def test_the_compose_fixture_names_each_service_and_config_once() -> None:
    assert yaml.load(COMPOSE, Loader=_RefusingDuplicates)["services"]  # noqa: S506 - a SafeLoader


async def test_every_risky_compose_setting_is_flagged_with_its_severity() -> None:
    result = await audit(COMPOSE)
    assert codes_by_place(result) == COMPOSE_EXPECTED
    assert_scale(result)
    assert sum(f.code == "database_port_exposed" for f in result.findings) == 3
    assert result.output["config"] == {"kind": "compose", "issues": len(result.findings)}
    critical = sum(f.severity == "critical" for f in result.findings)
    assert f"{critical} critical" in result.summary


async def test_every_risky_kubernetes_setting_is_flagged_with_its_severity() -> None:
    result = await audit(KUBERNETES)
    assert codes_by_place(result) == KUBERNETES_EXPECTED
    assert_scale(result)
    assert result.output["config"]["kind"] == "kubernetes"


async def test_the_two_fixtures_exercise_every_code_of_the_table() -> None:
    compose, kubernetes = await audit(COMPOSE), await audit(KUBERNETES)
    seen = {f.code for f in compose.findings + kubernetes.findings}
    assert seen == set(RULES) == set(EXPECTED_SEVERITY)


async def test_findings_name_the_place_and_say_what_to_do() -> None:
    for result in (await audit(COMPOSE), await audit(KUBERNETES)):
        for finding in result.findings:
            place, _, rest = finding.message.partition(": ")
            assert place and rest, finding.message
            assert rest.endswith(f"; {RULES[finding.code].fix}."), finding.message


CLEAN_COMPOSE = """
services:
  api:
    image: registry.example.com/api:1.4.2@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
    user: "10001"
    read_only: true
    cap_drop: [ALL]
    cap_add: [NET_BIND_SERVICE]
    security_opt: ["no-new-privileges:true"]
    ports: ["127.0.0.1:8000:8000"]
    volumes: [data:/data, ./config:/config:ro]
    environment: {API_TOKEN: "${API_TOKEN}", LOG_LEVEL: info}
    deploy:
      resources: {limits: {cpus: "0.5", memory: 256M}}
      restart_policy: {condition: on-failure}
    healthcheck: {test: ["CMD", "/app/healthcheck"]}
  migrate:
    image: registry.example.com/api:1.4.2
    user: "10001"
    read_only: true
    cap_drop: [ALL]
    mem_limit: 256m
    cpus: 0.5
    restart: "no"
volumes:
  data: {}
"""
CLEAN_KINDS = ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob", "Pod")


@pytest.mark.parametrize(
    "config",
    [CLEAN_COMPOSE, *(manifest(k8s_workload(kind, kind.lower())) for kind in CLEAN_KINDS)],
    ids=["compose", *CLEAN_KINDS],
)
async def test_clean_manifests_give_only_the_no_issues_result(config: str) -> None:
    result = await audit(config)
    assert [(f.severity, f.code) for f in result.findings] == [("info", "no_issues")]
    assert result.summary.endswith("audit: nothing risky.")


async def test_a_kubernetes_list_is_audited_item_by_item() -> None:
    listing = {"apiVersion": "v1", "kind": "List", "items": [k8s_workload("Deployment", "api", replicas=1)]}
    result = await audit(manifest(listing))
    assert codes_by_place(result) == {"Deployment api": {"single_replica"}}


async def test_a_pod_that_runs_to_completion_needs_no_probes() -> None:
    pod = k8s_workload("Pod", "once", [k8s_container(probes=False)], restartPolicy="Never")
    assert [f.code for f in (await audit(manifest(pod))).findings] == ["no_issues"]


async def test_over_http_secrets_are_absent_and_bad_yaml_is_422(make_settings) -> None:  # type: ignore[no-untyped-def]
    async for client in open_client(create_app(make_settings())):
        headers = {"X-API-Key": PLAIN_KEY}
        response = await client.post(
            "/api/v1/orchestrate",
            json={"task": "audit this docker-compose file", "context": {"config": COMPOSE}},
            headers=headers,
        )
        assert response.status_code == 200
        assert response.json()["routing"]["agents"] == ["infrastructure"]
        assert {f["code"] for f in response.json()["results"][0]["findings"]} >= {"secret_in_url"}
        assert SECRET not in response.text
        execution_id = response.json()["execution_id"]
        stored = (await client.get(f"/api/v1/executions/{execution_id}", headers=headers)).json()
        # What the agent produced; the stored `input` is the submitted config itself, whose
        # redaction belongs to app/security/redaction.py.
        assert SECRET not in json.dumps([stored["results"], stored["summary"], stored["steps"]])
        bad = await client.post(
            "/api/v1/orchestrate",
            json={
                "task": "audit",
                "agent_id": "infrastructure",
                "context": {"config": f"services:\n  web:\n    environment: {{DB_PASSWORD: '{SECRET}\n"},
            },
            headers=headers,
        )
        assert bad.status_code == 422 and bad.json()["error"]["code"] == "config_invalid"
        assert SECRET not in bad.text


async def test_what_is_not_an_open_door_or_a_broken_quorum() -> None:
    """The near misses of the newer rules: anonymous viewers, health-only actuators, IPC_LOCK,
    a bootstrap-expect that fits, a selector pair written as one item, volumes of their own."""
    result = await audit(compose(
        grafana=compose_service(environment={"GF_AUTH_ANONYMOUS_ENABLED": "true", "GF_AUTH_ANONYMOUS_ORG_ROLE": "Viewer"}),
        api=compose_service(environment={"MANAGEMENT_ENDPOINTS_WEB_EXPOSURE_INCLUDE": "health,info,prometheus"}),
        vault=compose_service(image="hashicorp/vault:1.17.2", command="server -config=/vault/config", cap_add=["IPC_LOCK"]),
        mongo_a=compose_service(image="mongo:7.0.12", volumes=["mongo-a:/data/db"]),
        mongo_b=compose_service(image="mongo:7.0.12", volumes=["mongo-b:/data/db"]),
        backup=compose_service(image="mongo:7.0.12", entrypoint=["mongodump"], volumes=["mongo-a:/data/db:ro"]),
    ))  # fmt: skip
    assert risky_codes(result) == set()
    peers = [
        {
            "namespaceSelector": {"matchLabels": {"team": "orders"}},
            "podSelector": {"matchLabels": {"app": "api"}},
        }
    ]
    result = await audit(manifest(
        k8s_workload("StatefulSet", "consul", [k8s_container("consul", args=["agent", "-server", "-bootstrap-expect", "3"])]),
        {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": "db"},
         "spec": {"podSelector": {}, "ingress": [{"from": peers}, {"from": [{"namespaceSelector": {}}]}]}},
    ))  # fmt: skip
    assert risky_codes(result) == set()


async def test_a_bootstrap_expect_above_the_replicas_in_either_spelling() -> None:
    result = await audit(manifest(
        k8s_workload("StatefulSet", "nomad", [k8s_container("nomad", command=["nomad", "agent", "-bootstrap-expect", "5"])], replicas=3),
    ))  # fmt: skip
    [finding] = [f for f in result.findings if f.code == "quorum_unreachable"]
    assert finding.message.startswith("StatefulSet nomad: runs 3 replica(s) but -bootstrap-expect=5")


async def test_near_misses_of_dev_mode_prometheus_and_jupyter() -> None:
    """What the newer open-door rules must leave alone."""
    result = await audit(compose(
        web=compose_service(image="node:20.15.1", command="npm run start-dev"),
        vault=compose_service(image="hashicorp/vault:1.17.2", command="server", environment={"VAULT_DEV_ROOT_TOKEN_ID": "x"}),
        prom=compose_service(image="prom/prometheus:v2.53.1",
                             command=["--web.config.file=/etc/prometheus/web.yml", "--web.enable-admin-api"]),
        reloadable=compose_service(image="prom/prometheus:v2.53.1", command=["--web.enable-lifecycle"]),
        notebook=compose_service(image="quay.io/jupyter/base-notebook:2024-07-29", command="start-notebook.py --ServerApp.password=''",
                                 environment={"JUPYTER_TOKEN": None}),
    ))  # fmt: skip
    assert risky_codes(result) - {"plaintext_secret"} == set(), [f.message for f in result.findings]
    pod = k8s_workload("Deployment", "nb", [k8s_container(env=[
        {"name": "JUPYTER_TOKEN", "valueFrom": {"secretKeyRef": {"name": "nb", "key": "token"}}}])])  # fmt: skip
    assert risky_codes(await audit(manifest(pod))) == set()


# One setting that opens a server to anyone or serves it with the wrong program, beside the same
# service set right (from golden batches 51 and 52).
ONE_SETTING = [
    ({"image": "itzg/minecraft-server:2024.5.0", "environment": {"ONLINE_MODE": "FALSE"}}, "login_open_to_anyone"),
    ({"image": "itzg/minecraft-server:2024.5.0", "environment": {"ONLINE_MODE": "TRUE"}}, None),
    ({"environment": {"MASTER_CONF": "interface: 0.0.0.0\nauto_accept: True\n"}}, "login_open_to_anyone"),
    ({"environment": {"MASTER_CONF": "open_mode: true\n"}}, "login_open_to_anyone"),
    ({"environment": {"MASTER_CONF": "auto_accept: False\n# open_mode: True\n"}}, None),
    ({"environment": {"HOMESERVER": "enable_registration: true\nenable_registration_without_verification: true\n"}},
     "login_open_to_anyone"),
    ({"environment": {"HOMESERVER": "enable_registration: true\nregistration_requires_3pid: [email]\n"}}, None),
    ({"command": ["python", "manage.py", "runserver", "0.0.0.0:8000"]}, "development_mode"),
    ({"command": ["php", "artisan", "serve", "--host=0.0.0.0"]}, "development_mode"),
    ({"command": ["uvicorn", "app.main:app", "--host", "0.0.0.0", "--reload"]}, "development_mode"),
    ({"command": ["gunicorn", "shop.wsgi", "--bind", "0.0.0.0:8000"]}, None),
    ({"command": ["python", "manage.py", "migrate"]}, None),
    ({"command": ["php-fpm", "--nodaemonize"], "ports": ["9000:9000"]}, "admin_api_unauthenticated"),
    ({"image": "php:8.3.7-fpm-alpine", "ports": ["0.0.0.0:9000:9000"]}, "admin_api_unauthenticated"),
    ({"command": ["php-fpm", "--nodaemonize"], "ports": ["127.0.0.1:9000:9000"]}, None),
    ({"ports": ["9000:9000"]}, None),  # port 9000 of anything else (a web app, MinIO's API) is not FastCGI
    ({"ports": ["4369:4369", "4000:4000"]}, "admin_api_unauthenticated"),
    ({"environment": {"MOODLE_DATAROOT": "/var/www/html/moodledata"}}, "data_in_web_root"),
    ({"environment": {"APP_DOCUMENT_ROOT": "/srv/site", "APP_DATA_DIR": "/srv/site/private"},
      "volumes": ["site:/srv/site"]}, "data_in_web_root"),  # (on a volume: not lost, but served)
    ({"environment": {"APACHE_DOCUMENT_ROOT": "/var/www/html", "MOODLE_DATAROOT": "/var/moodledata"}}, None),
    ({"environment": {"UPLOADS_DIR": "/var/www/html/uploads"}}, None),  # public uploads may be meant to be served
    ({"image": "pihole/pihole:2024.05.0", "ports": ["53:53/udp"], "environment": {"DNSMASQ_LISTENING": "all"}},
     "open_resolver"),
    ({"image": "pihole/pihole:2024.05.0", "ports": ["53:53/udp"], "environment": {"DNSMASQ_LISTENING": "local"}},
     None),
    ({"image": "pihole/pihole:2024.05.0", "ports": ["10.8.0.1:53:53/udp"], "environment": {"DNSMASQ_LISTENING": "all"}},
     None),
    ({"image": "ollama/ollama:0.3.14", "ports": ["11434:11434"]}, "admin_api_unauthenticated"),
    ({"image": "ollama/ollama:0.3.14", "ports": ["127.0.0.1:11434:11434"]}, None),
    ({"environment": {"PHOTOPRISM_AUTH_MODE": "public"}}, "admin_api_unauthenticated"),
    ({"environment": {"PHOTOPRISM_AUTH_MODE": "password"}}, None),
    ({"environment": {"INIT_ADMIN_API_TOKENS": "*:*.unleash-insecure-admin-api-token"}}, "default_credentials"),
    ({"environment": {"RELAYNETS": "0.0.0.0/0"}}, "open_mail_relay"),
    ({"environment": {"RELAYNETS": "10.20.0.0/16"}}, None),
    ({"environment": {"DEBUG": "True"}}, "development_mode"),
    ({"environment": {"DEBUG": "False"}}, None),
    ({"environment": {"DEBUG": "1"}}, "development_mode"),
    ({"environment": {"MB_PASSWORD_COMPLEXITY": "strong"}}, None),  # a policy, not a password
]  # fmt: skip


@pytest.mark.parametrize(("overrides", "code"), ONE_SETTING)
async def test_one_setting_that_opens_a_server_or_serves_it_wrongly(
    overrides: dict[str, Any], code: str | None
) -> None:
    result = await audit(compose(web=compose_service(**overrides)))
    assert risky_codes(result) == ({code} if code else set())
    if code:
        assert_scale(result)


def _public(ports: list[dict[str, Any]], **spec: Any) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "shop-public"},
            "spec": {"type": "LoadBalancer", "selector": {"app": "shop"}, "ports": ports, **spec}}  # fmt: skip


ERLANG = k8s_container(ports=[{"containerPort": 4000}, {"containerPort": 4369}, {"containerPort": 9000}])


@pytest.mark.parametrize(
    ("service", "flagged"),
    [
        (_public([{"port": 80, "targetPort": 4000}, {"port": 4369}]), True),
        (_public([{"port": 80, "targetPort": 4000}]), False),
        (_public([{"port": 4369}], loadBalancerSourceRanges=["10.0.0.0/8"]), False),
        ({**_public([{"port": 4369}]), "spec": {"clusterIP": "None", "selector": {"app": "shop"},
                                               "ports": [{"port": 4369}]}}, False),
    ],
)  # fmt: skip
async def test_erlang_distribution_behind_a_public_load_balancer(
    service: dict[str, Any], flagged: bool
) -> None:
    result = await audit(manifest(k8s_workload("Deployment", "shop", [ERLANG]), service))
    assert risky_codes(result) == ({"admin_api_unauthenticated"} if flagged else set())


@pytest.mark.parametrize(
    ("path", "volume", "flagged"),
    [
        ("/pulsar/data/bookkeeper/journal", {"emptyDir": {}}, True),
        ("/pulsar/data/bookkeeper/ledgers", {"emptyDir": {}}, True),
        ("/pulsar/data/bookkeeper/ledgers", {"persistentVolumeClaim": {"claimName": "ledgers"}}, False),
        ("/pulsar/logs", {"emptyDir": {}}, False),
    ],
)
async def test_a_journal_or_ledgers_on_scratch_is_data_loss_whatever_the_image(
    path: str, volume: dict[str, Any], flagged: bool
) -> None:
    container = k8s_container(
        "bookie", image="apachepulsar/pulsar:3.2.2", volumeMounts=[{"name": "d", "mountPath": path}]
    )
    workload = k8s_workload("StatefulSet", "bookie", [container], volumes=[{"name": "d", **volume}])
    result = await audit(manifest(workload))
    assert risky_codes(result) == ({"data_on_ephemeral_storage"} if flagged else set())


def _etcd(args: list[str], mounts: list[dict[str, Any]]) -> dict[str, Any]:
    container = k8s_container("etcd", image="quay.io/coreos/etcd:v3.5.13", command=["etcd"], args=args,
                              volumeMounts=mounts)  # fmt: skip
    claim = {"name": "data", "persistentVolumeClaim": {"claimName": "etcd-data"}}
    return k8s_workload("StatefulSet", "etcd", [container], volumes=[claim])


@pytest.mark.parametrize(
    ("args", "flagged"),
    [
        (["--data-dir=/var/run/etcd/default.etcd", "--initial-cluster-token=etcd-cluster-1"], True),
        (["--data-dir", "/var/run/etcd"], True),
        (["--data-dir=/var/lib/etcd/default.etcd", "--initial-cluster-token=etcd-cluster-1"], False),
        (["--name=etcd-0"], False),
    ],
)
async def test_a_data_directory_on_no_volume_is_lost_and_a_cluster_token_is_no_secret(
    args: list[str], flagged: bool
) -> None:
    mounts = [{"name": "data", "mountPath": "/var/lib/etcd"}]
    result = await audit(manifest(_etcd(args, mounts)))
    assert risky_codes(result) == ({"data_on_ephemeral_storage"} if flagged else set())


async def test_knative_refuses_a_service_that_sets_port() -> None:
    def knative(env: list[dict[str, str]]) -> dict[str, Any]:
        return {"apiVersion": "serving.knative.dev/v1", "kind": "Service", "metadata": {"name": "checkout"},
                "spec": {"template": {"spec": {"containers": [k8s_container(env=env, ports=[
                    {"containerPort": 3000}])]}}}}  # fmt: skip

    assert risky_codes(await audit(manifest(knative([{"name": "PORT", "value": "3000"}])))) == {
        "manifest_rejected"
    }
    assert risky_codes(await audit(manifest(knative([{"name": "LOG_LEVEL", "value": "info"}])))) == set()


def _kafka(config: dict[str, Any], topic_replicas: int = 3) -> str:
    return manifest(
        {"apiVersion": "kafka.strimzi.io/v1beta2", "kind": "Kafka", "metadata": {"name": "events"},
         "spec": {"kafka": {"replicas": 3, "config": config}}},
        {"apiVersion": "kafka.strimzi.io/v1beta2", "kind": "KafkaTopic",
         "metadata": {"name": "orders", "labels": {"strimzi.io/cluster": "events"}},
         "spec": {"partitions": 6, "replicas": topic_replicas}},
    )  # fmt: skip


async def test_strimzi_topics_in_one_copy_on_several_brokers() -> None:
    one = await audit(
        _kafka({"offsets.topic.replication.factor": 1, "min.insync.replicas": 1}, topic_replicas=1)
    )
    assert codes_by_place(one) == {
        "Kafka events": {"single_copy_replication"}, "KafkaTopic orders": {"single_copy_replication"}
    }  # fmt: skip
    assert risky_codes(await audit(_kafka({"offsets.topic.replication.factor": 3}))) == set()


@pytest.mark.parametrize(
    ("container", "config", "code"),
    [
        (k8s_container(image="quay.io/prometheus/alertmanager:v0.27.0",
                       args=["--config.file=/etc/am/am.yml", "--cluster.listen-address="]), "", "independent_clusters"),
        (k8s_container(image="quay.io/prometheus/alertmanager:v0.27.0",
                       args=["--cluster.peer=alertmanager-0.alertmanager:9094"]), "", None),
        (k8s_container(image="grafana/loki:2.9.8"), "common:\n  storage:\n    filesystem: {}\nschema_config:\n"
         "  configs:\n    - object_store: filesystem\n", "single_instance_replicated"),
        (k8s_container(image="grafana/loki:2.9.8"), "schema_config:\n  configs:\n    - object_store: s3\n", None),
        (k8s_container(image="jaegertracing/all-in-one:1.57.0", env=[{"name": "SPAN_STORAGE_TYPE", "value": "memory"}]),
         "", "single_instance_replicated"),
        (k8s_container(image="jaegertracing/all-in-one:1.57.0",
                       env=[{"name": "SPAN_STORAGE_TYPE", "value": "elasticsearch"}]), "", None),
        (k8s_container(image="openzipkin/zipkin:3.4", env=[{"name": "STORAGE_TYPE", "value": "mem"}]), "",
         "single_instance_replicated"),
        (k8s_container(image="openzipkin/zipkin:3.4", env=[{"name": "STORAGE_TYPE", "value": "elasticsearch"}]), "",
         None),
    ],
)  # fmt: skip
async def test_replicas_that_never_become_one_cluster(
    container: dict[str, Any], config: str, code: str | None
) -> None:
    mounts = [{"name": "config", "mountPath": "/etc/loki"}]
    workload = k8s_workload("StatefulSet", "obs", [{**container, "volumeMounts": mounts}],
                            volumes=[{"name": "config", "configMap": {"name": "obs"}}])  # fmt: skip
    configmap = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "obs"},
        "data": {"config.yaml": config},
    }
    assert risky_codes(await audit(manifest(workload, configmap))) == ({code} if code else set())


@pytest.mark.parametrize(("protocol", "flagged"), [(None, True), ("TCP", True), ("UDP", False)])
async def test_a_service_port_of_another_protocol_than_the_pods(protocol: str | None, flagged: bool) -> None:
    port: dict[str, Any] = {"name": "auth", "port": 1812}
    if protocol:
        port["protocol"] = protocol
    radius = k8s_container(image="freeradius/freeradius-server:3.2.3",
                           ports=[{"name": "auth", "containerPort": 1812, "protocol": "UDP"}])  # fmt: skip
    service = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "radius"},
               "spec": {"selector": {"app": "radius"}, "ports": [port]}}  # fmt: skip
    result = await audit(manifest(k8s_workload("Deployment", "radius", [radius]), service))
    assert risky_codes(result) == ({"service_port_mismatch"} if flagged else set())
    if flagged:
        assert "protocol: UDP" in result.findings[0].message


@pytest.mark.parametrize(
    ("value", "flagged"), [("true", True), ("/etc/puppetlabs/puppet/autosign.rb", False)]
)
async def test_a_puppet_ca_that_signs_every_request(value: str, flagged: bool) -> None:
    service = compose_service(image="ghcr.io/voxpupuli/puppetserver:8.6.1", environment={"AUTOSIGN": value})
    assert risky_codes(await audit(compose(puppet=service))) == (
        {"login_open_to_anyone"} if flagged else set()
    )


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"environment": {"MEILI_ENV": "development"}}, "development_mode"),
        ({"environment": {"MEILI_ENV": "production", "MEILI_MASTER_KEY_FILE": "/run/secrets/k"}}, None),
        ({"command": "zitadel start-from-init --masterkey MasterkeyNeedsToHave32Characters"}, "plaintext_secret"),
        ({"command": "zitadel start-from-init --masterkeyFromEnv"}, None),
        ({"image": "redis:7.2.4", "command": ["redis-server", "--protected-mode", "no"]}, "database_without_password"),
        ({"image": "redis:7.2.4", "command": ["redis-server", "--protected-mode", "no", "--requirepass",
                                             "$REDIS_PASSWORD"]}, None),
        ({"image": "coturn/coturn:4.6.2", "command": ["--listening-port=3478", "--no-auth", "--fingerprint"]},
         "open_proxy"),
        ({"image": "coturn/coturn:4.6.2", "command": ["--use-auth-secret", "--static-auth-secret-file=/s"]}, None),
    ],
)  # fmt: skip
async def test_servers_told_to_skip_their_login(overrides: dict[str, Any], code: str | None) -> None:
    assert risky_codes(await audit(compose(web=compose_service(**overrides)))) == ({code} if code else set())


async def test_a_two_node_galera_cluster_has_no_majority() -> None:
    galera = k8s_container("db", image="registry.example.com/db/mariadb-galera:10.11.7")
    assert risky_codes(await audit(manifest(k8s_workload("StatefulSet", "db", [galera], replicas=2)))) == {
        "quorum_even_size"
    }
    assert (
        risky_codes(await audit(manifest(k8s_workload("StatefulSet", "db", [galera], replicas=3)))) == set()
    )


@pytest.mark.parametrize(
    ("volume", "flagged"), [({"emptyDir": {}}, True), ({"persistentVolumeClaim": {"claimName": "d"}}, False)]
)
async def test_a_data_directory_flag_on_scratch_is_data_loss(volume: dict[str, Any], flagged: bool) -> None:
    tserver = k8s_container("tserver", image="yugabytedb/yugabyte:2.20.2.0-b145",
                            command=["/home/yugabyte/bin/yb-tserver", "--fs_data_dirs=/mnt/disk0,/mnt/disk1"],
                            volumeMounts=[{"name": "datadir", "mountPath": "/mnt/disk0"}])  # fmt: skip
    workload = k8s_workload("StatefulSet", "yb-tserver", [tserver], volumes=[{"name": "datadir", **volume}])
    assert risky_codes(await audit(manifest(workload))) == (
        {"data_on_ephemeral_storage"} if flagged else set()
    )


@pytest.mark.parametrize(("size", "flagged"), [(1, True), (3, False)])
async def test_a_rook_pool_of_one_copy(size: int, flagged: bool) -> None:
    pool = {"apiVersion": "ceph.rook.io/v1", "kind": "CephBlockPool", "metadata": {"name": "replicapool"},
            "spec": {"failureDomain": "host", "replicated": {"size": size, "requireSafeReplicaSize": False}}}  # fmt: skip
    assert risky_codes(await audit(manifest(pool))) == ({"single_copy_replication"} if flagged else set())


@pytest.mark.parametrize(("value", "flagged"), [("true", True), ("false", False)])
async def test_an_injected_vault_agent_that_skips_tls_verification(value: str, flagged: bool) -> None:
    workload = k8s_workload("Deployment", "api")
    workload["spec"]["template"]["metadata"]["annotations"] = {
        "vault.hashicorp.com/agent-inject": "true", "vault.hashicorp.com/tls-skip-verify": value,
    }  # fmt: skip
    assert risky_codes(await audit(manifest(workload))) == (
        {"tls_verification_disabled"} if flagged else set()
    )


@pytest.mark.parametrize(
    ("document", "code"),
    [
        (k8s_workload("CronJob", "pgdump", restartPolicy="Always"), "manifest_rejected"),
        (k8s_workload("CronJob", "pgdump", restartPolicy="OnFailure"), None),
        (k8s_workload("Job", "migrate", restartPolicy="Always"), "manifest_rejected"),
        # a Rails application boots (and migrates) for a minute: 10 s + 2 x 5 s of liveness kills it
        (k8s_workload("Deployment", "openproject", [k8s_container(
            image="openproject/openproject:14.6.3-slim",
            livenessProbe={"httpGet": {"path": "/health_checks/default", "port": 8080}, "initialDelaySeconds": 10,
                           "periodSeconds": 5, "failureThreshold": 2})]), "fragile_liveness_probe"),
        (k8s_workload("Deployment", "openproject", [k8s_container(
            image="openproject/openproject:14.6.3-slim",
            livenessProbe={"httpGet": {"path": "/health_checks/default", "port": 8080}, "initialDelaySeconds": 10,
                           "periodSeconds": 5, "failureThreshold": 2},
            startupProbe={"httpGet": {"path": "/health_checks/default", "port": 8080}, "failureThreshold": 60})]),
         None),
    ],
)  # fmt: skip
async def test_a_jobs_restart_policy_and_a_rails_apps_start(
    document: dict[str, Any], code: str | None
) -> None:
    assert risky_codes(await audit(manifest(document))) == ({code} if code else set())


@pytest.mark.parametrize(("name", "flagged"), [("valkey-ingress", True), ("allow-all-in-namespace", False)])
async def test_a_network_policy_with_an_empty_ingress_rule_isolates_nothing(name: str, flagged: bool) -> None:
    policy = {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": name},
              "spec": {"podSelector": {"matchLabels": {"app": "api"}}, "policyTypes": ["Ingress"], "ingress": [{}]}}  # fmt: skip
    result = await audit(manifest(k8s_workload("Deployment", "api"), policy))
    assert ("network_policy_any_namespace" in risky_codes(result)) is flagged


def _ingress(port: dict[str, Any], service: str = "kroki") -> dict[str, Any]:
    backend = {"service": {"name": service, "port": port}}
    return {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": {"name": "diagrams"},
            "spec": {"rules": [{"host": "diagrams.example.com",
                                "http": {"paths": [{"path": "/", "pathType": "Prefix", "backend": backend}]}}]}}  # fmt: skip


@pytest.mark.parametrize(
    ("port", "service", "flagged"),
    [
        ({"number": 8000}, "kroki", True),  # the container's port, not the Service's
        ({"name": "grpc"}, "kroki", True),
        ({"number": 80}, "kroki", False),
        ({"name": "http"}, "kroki", False),
        ({"number": 8000}, "elsewhere", False),  # a Service the file does not define is not judged
    ],
)
async def test_an_ingress_backend_on_a_port_its_service_does_not_expose(
    port: dict[str, Any], service: str, flagged: bool
) -> None:
    kroki = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "kroki"},
             "spec": {"selector": {"app": "kroki"}, "ports": [{"name": "http", "port": 80, "targetPort": 8000}]}}  # fmt: skip
    container = k8s_container(ports=[{"name": "http", "containerPort": 8000}],
                              readinessProbe={"httpGet": {"path": "/ready", "port": 8000}})  # fmt: skip
    result = await audit(
        manifest(k8s_workload("Deployment", "kroki", [container]), kroki, _ingress(port, service))
    )
    assert risky_codes(result) == ({"ingress_backend_port_missing"} if flagged else set())


@pytest.mark.parametrize(
    ("path", "flagged"),
    [("/-/ready", True), ("/readyz", True), ("/actuator/health/readiness", True), ("/q/health/ready", True),
     ("/-/healthy", False), ("/livez", False), ("/already", False)],
)  # fmt: skip
async def test_a_liveness_probe_on_a_readiness_endpoint_restarts_what_is_starting(
    path: str, flagged: bool
) -> None:
    container = k8s_container(livenessProbe={"httpGet": {"path": path, "port": 8000}, "failureThreshold": 4,
                                             "initialDelaySeconds": 60, "periodSeconds": 15})  # fmt: skip
    result = await audit(manifest(k8s_workload("Deployment", "prometheus", [container])))
    assert risky_codes(result) == ({"fragile_liveness_probe"} if flagged else set())


@pytest.mark.parametrize(
    ("networks", "flagged"),
    [
        ({"api": ["proxy"], "db": ["backend"]}, True),
        ({"api": ["proxy", "backend"], "db": ["backend"]}, False),
        ({"api": None, "db": None}, False),  # both on compose's default network
        ({"api": ["proxy"], "db": None}, True),  # db only on default
    ],
)
async def test_a_compose_service_that_shares_no_network_with_what_it_depends_on(
    networks: dict[str, list[str] | None], flagged: bool
) -> None:
    api = compose_service(depends_on=["db"], networks=networks["api"])
    db = compose_service(image="registry.example.com/queue:3.1", networks=networks["db"])
    result = await audit(compose(api=api, db=db))
    assert ("no_shared_network" in risky_codes(result)) is flagged
    if flagged:
        assert "does not resolve from api" in next(
            f.message for f in result.findings if f.code == "no_shared_network"
        )


@pytest.mark.parametrize(
    ("variable", "value", "volumes", "flagged"),
    [
        ("PERSISTENCE_DATA_PATH", "/var/lib/weaviate", None, True),
        ("PERSISTENCE_DATA_PATH", "/var/lib/weaviate", ["weaviate-data:/var/lib/weaviate"], False),
        ("STORAGE_PATH", "/srv/store/blobs", ["store:/srv/store"], False),  # a volume above it
        ("DATA_DIR", "/run/scratch", None, False),  # scratch space on purpose
        ("LOG_LEVEL", "/var/lib/x", None, False),  # not a data path variable
    ],
)
async def test_a_data_path_named_by_a_variable_with_no_volume_is_lost_on_recreate(
    variable: str, value: str, volumes: list[str] | None, flagged: bool
) -> None:
    service = compose_service(environment={variable: value}, volumes=volumes)
    result = await audit(compose(vectors=service))
    assert risky_codes(result) == ({"data_on_ephemeral_storage"} if flagged else set())


@pytest.mark.parametrize(("mount", "flagged"), [("/data", True), ("/var/lib/weaviate", False)])
async def test_a_data_path_variable_on_no_mounted_volume_in_a_pod(mount: str, flagged: bool) -> None:
    container = k8s_container(env=[{"name": "PERSISTENCE_DATA_PATH", "value": "/var/lib/weaviate"}],
                              volumeMounts=[{"name": "data", "mountPath": mount}])  # fmt: skip
    claim = {"name": "data", "persistentVolumeClaim": {"claimName": "weaviate-data"}}
    result = await audit(manifest(k8s_workload("StatefulSet", "weaviate", [container], volumes=[claim])))
    assert risky_codes(result) == ({"data_on_ephemeral_storage"} if flagged else set())


async def test_a_list_of_user_names_is_not_a_secret() -> None:
    service = compose_service(environment={"AUTHENTICATION_APIKEY_USERS": "support-portal,ops-reader"})
    assert risky_codes(await audit(compose(search=service))) == set()


@pytest.mark.parametrize(
    ("value", "networks", "flagged"),
    [
        ("mysql", None, True),  # the MySQL service is named db
        ("db", None, False),
        ("db:3306", None, False),
        ("mysql.example.internal", None, False),  # a domain name resolves through DNS
        ("maria", ["backend", "shared"], False),  # on an external network another project may answer
        ("dbb", ["backend", "shared"], True),  # ... but not to a near-miss of the file's own name
    ],
)
async def test_a_setting_that_names_a_host_no_service_of_the_file_answers_to(
    value: str, networks: list[str] | None, flagged: bool
) -> None:
    app = compose_service(environment={"DB_HOST": value}, networks=networks)
    db = compose_service(
        image="mysql:8.4.0", networks=["backend"] if networks else None, volumes=["db:/var/lib/mysql"]
    )
    document = yaml.safe_load(compose(app=app, db=db))
    document["networks"] = {"backend": {}, "shared": {"external": True}}
    result = await audit(yaml.safe_dump(document))
    assert ("undefined_service_host" in risky_codes(result)) is flagged


@pytest.mark.parametrize(
    ("probe", "flagged"),
    [
        ({"exec": {"command": ["/bin/sh", "-c", "bin/cake passbolt healthcheck --database"]}}, True),
        ({"httpGet": {"path": "/health/db", "port": 8000}}, True),
        ({"httpGet": {"path": "/healthz", "port": 8000}}, False),
        ({"exec": {"command": ["pg_isready", "-U", "app"]}}, False),
    ],
)
async def test_a_liveness_probe_that_checks_a_dependency_restarts_every_replica(
    probe: dict[str, Any], flagged: bool
) -> None:
    container = k8s_container(livenessProbe={**probe, "failureThreshold": 3, "initialDelaySeconds": 60})
    result = await audit(manifest(k8s_workload("Deployment", "passbolt", [container])))
    assert risky_codes(result) == ({"fragile_liveness_probe"} if flagged else set())


@pytest.mark.parametrize(("replicas", "flagged"), [(2, True), (3, False)])
async def test_seaweedfs_masters_vote_so_an_even_count_buys_nothing(replicas: int, flagged: bool) -> None:
    container = k8s_container("master", image="chrislusf/seaweedfs:3.71", args=["master", "-mdir=/data"],
                              volumeMounts=[{"name": "data", "mountPath": "/data"}])  # fmt: skip
    claim = {"name": "data", "persistentVolumeClaim": {"claimName": "seaweed"}}
    result = await audit(manifest(k8s_workload("StatefulSet", "seaweedfs-master", [container], replicas=replicas,
                                               volumes=[claim])))  # fmt: skip
    assert ("quorum_even_size" in risky_codes(result)) is flagged


async def test_openvscode_without_its_connection_token_and_audiobookshelf_on_scratch() -> None:
    ide = compose_service(image="gitpod/openvscode-server:1.90.2",
                          command=["openvscode-server", "--host", "0.0.0.0", "--without-connection-token"])  # fmt: skip
    assert risky_codes(await audit(compose(ide=ide))) == {"admin_api_unauthenticated"}
    books = k8s_container(image="ghcr.io/advplyr/audiobookshelf:2.10.1",
                          volumeMounts=[{"name": "config", "mountPath": "/config"}])  # fmt: skip
    pod = k8s_workload("Deployment", "books", [books], volumes=[{"name": "config", "emptyDir": {}}])
    assert risky_codes(await audit(manifest(pod))) == {"data_on_ephemeral_storage"}


@pytest.mark.parametrize(
    ("ports", "flagged"),
    [
        (["3478:3478", "10001:10001"], True),
        (["3478:3478/udp", "8443:8443"], False),
        (["3478:3478", "3478:3478/udp"], False),  # TURN over TCP beside the UDP one
        ([{"target": 51820, "published": 51820}], True),  # the long syntax defaults to TCP too
        ([{"target": 51820, "published": 51820, "protocol": "udp"}], False),
    ],
)
async def test_a_udp_only_service_published_as_tcp(ports: list[Any], flagged: bool) -> None:
    result = await audit(compose(controller=compose_service(ports=ports)))
    assert ("udp_port_published_as_tcp" in risky_codes(result)) is flagged


@pytest.mark.parametrize(
    ("advertised", "clients", "flagged"),
    [
        ("PLAINTEXT://localhost:9092", 1, True),
        ("PLAINTEXT://127.0.0.1:9092,SSL://localhost:9093", 1, True),
        ("PLAINTEXT://kafka:9092", 1, False),
        # One listener for the containers, one for clients on the host: the usual, right layout.
        ("PLAINTEXT://kafka:29092,PLAINTEXT_HOST://localhost:9092", 1, False),
        ("PLAINTEXT://localhost:9092", 0, False),  # a broker alone, for clients on the host
        ("PLAINTEXT://localhostess:9092", 1, False),
    ],
)
async def test_a_broker_advertising_localhost_to_other_containers(
    advertised: str, clients: int, flagged: bool
) -> None:
    broker = compose_service(
        image="apache/kafka:3.7.0", environment={"KAFKA_ADVERTISED_LISTENERS": advertised}
    )
    others = {
        f"client{i}": compose_service(environment={"KAFKA_BOOTSTRAP_SERVERS": "kafka:9092"})
        for i in range(clients)
    }
    result = await audit(compose(kafka=broker, **others))
    assert ("advertised_address_loopback" in risky_codes(result)) is flagged


@pytest.mark.parametrize(
    ("main_cf", "flagged"),
    [
        ("mynetworks = 127.0.0.0/8 10.0.0.0/8 0.0.0.0/0\nrelayhost = [smtp.example.net]:587\n", True),
        ("mynetworks = [::1]/128, ::/0\n", True),
        ("mynetworks = 127.0.0.0/8 10.0.0.0/8\n", False),
        ("#mynetworks = 0.0.0.0/0\nmynetworks = 10.0.0.0/8\n", False),  # commented out
    ],
)
async def test_postfix_trusting_every_address_in_its_main_cf_is_an_open_relay(
    main_cf: str, flagged: bool
) -> None:
    config = config_map("postfix", {"main.cf": main_cf})
    assert ("open_mail_relay" in risky_codes(await audit(manifest(config)))) is flagged


@pytest.mark.parametrize(("value", "flagged"), [("false", True), ("0", True), ("true", False)])
async def test_onlyoffice_without_its_jwt_secret_is_open(value: str, flagged: bool) -> None:
    server = compose_service(image="onlyoffice/documentserver:8.1.1", environment={"JWT_ENABLED": value})
    assert ("admin_api_unauthenticated" in risky_codes(await audit(compose(documents=server)))) is flagged


@pytest.mark.parametrize(
    ("allowed", "flagged"),
    [("  - 0.0.0.0/0\n", True), ("  - 10.0.0.0/8\n  - 0.0.0.0/0\n", True), ("  - 10.0.0.0/8\n", False)],
)
async def test_apisix_admitting_every_address_to_its_admin_api(allowed: str, flagged: bool) -> None:
    config = "deployment:\n  admin:\n    allow_admin:\n" + "".join(
        f"    {line}\n" for line in allowed.splitlines()
    )
    document = config_map("apisix", {"config.yaml": config})
    assert ("admin_api_unauthenticated" in risky_codes(await audit(manifest(document)))) is flagged
