// History: the caller's runs, newest first, filtered by status and agent, a page at a time; a
// run's detail shows its answer and replays its events (following them while it still runs).

import { api } from "./api.js";
import { badge, errorBox, h, json, replace, runAnswer, when, worstSeverity } from "./dom.js";
import { eventLine, follow } from "./workflows.js";

const PAGE = 15;
const filters = document.getElementById("history-filters");
const statusFilter = document.getElementById("history-status");
const agentFilter = document.getElementById("history-agent");
const table = document.getElementById("history");
const newer = document.getElementById("history-newer");
const older = document.getElementById("history-older");
const detail = document.getElementById("run-detail");

let cursors = [null]; // the cursor of each page shown so far; the last is the current page's
let nextCursor = null;
let replay = null;

export function setAgents(agents) {
  replace(
    agentFilter,
    h("option", { value: "" }, "Any agent"),
    agents.map((a) => h("option", { value: a.id }, a.id)),
  );
}

function query(cursor) {
  const params = new URLSearchParams({ limit: String(PAGE) });
  if (statusFilter.value) params.set("status", statusFilter.value);
  if (agentFilter.value) params.set("agent", agentFilter.value);
  if (cursor) params.set("cursor", cursor);
  return `/api/v1/executions?${params}`;
}

function severityOf(run) {
  if (run.critical_count) return "critical";
  return worstSeverity((run.results || []).flatMap((r) => r.findings || [])) || (run.findings_count ? "info" : null);
}

function row(run) {
  const severity = severityOf(run);
  const given = run.kind === "workflow" ? (run.input || {}).input_data || run.input || {} : {};
  const inputs = Object.entries(given)
    .map(([name, value]) => `${name}=${typeof value === "string" ? value : JSON.stringify(value)}`)
    .join(", ");
  const base = run.task || run.workflow_id || run.execution_id;
  const label = inputs ? `${base} (${inputs})` : base;
  return h(
    "tr",
    { dataset: { execution: run.execution_id, status: run.status } },
    h(
      "td",
      {},
      h("button", { type: "button", class: "link", onclick: () => openRun(run.execution_id) }, label.slice(0, 140)),
    ),
    h("td", {}, (run.agents || []).join(", ")),
    h("td", {}, badge(run.status)),
    h("td", {}, severity ? badge(severity) : h("span", { class: "muted" }, "-")),
    h("td", {}, when(run.created_at)),
  );
}

export async function loadHistory(cursor = cursors[cursors.length - 1]) {
  let page;
  try {
    page = await api(query(cursor));
  } catch (error) {
    replace(table, errorBox(error));
    return;
  }
  nextCursor = page.next_cursor;
  newer.disabled = cursors.length <= 1;
  older.disabled = !nextCursor;
  if (!page.executions.length) {
    replace(table, h("p", { class: "muted" }, "No runs match."));
    return;
  }
  replace(
    table,
    h(
      "table",
      {},
      h("caption", { class: "visually-hidden" }, "Your recent runs, newest first"),
      h(
        "thead",
        {},
        h("tr", {}, ["Task", "Agents", "Status", "Severity", "When"].map((t) => h("th", { scope: "col" }, t))),
      ),
      h("tbody", {}, page.executions.map(row)),
    ),
  );
}

async function openRun(executionId) {
  if (replay) replay.abort();
  replay = new AbortController();
  replace(detail, h("p", { role: "status" }, "Loading..."));
  let run;
  try {
    run = await api(`/api/v1/executions/${encodeURIComponent(executionId)}`);
  } catch (error) {
    replace(detail, errorBox(error));
    return;
  }
  const log = h("ol", { class: "events", id: "run-events", "aria-label": "Events" });
  const close = h("button", { type: "button", onclick: closeRun }, "Close");
  replace(
    detail,
    h(
      "header",
      {},
      h("h3", { id: "run-detail-title", tabindex: "-1" }, run.task || run.workflow_id || run.execution_id),
      close,
    ),
    h("p", {}, badge(run.status), " ", h("code", {}, run.execution_id), " ", when(run.created_at)),
    runAnswer(run),
    run.steps && run.steps.length
      ? h("details", {}, h("summary", {}, "Steps"), json(run.steps))
      : null,
    h("h4", {}, "Events"),
    log,
  );
  detail.querySelector("#run-detail-title").focus();
  try {
    await follow(executionId, { signal: replay.signal, log });
  } catch (error) {
    if (error.name !== "AbortError") log.after(errorBox(error));
  }
  if (!log.children.length) log.append(eventLine({ event: "no events recorded", data: null }));
}

function closeRun() {
  if (replay) replay.abort();
  replace(detail);
}

export function initHistory() {
  filters.addEventListener("submit", (event) => {
    event.preventDefault();
    cursors = [null];
    loadHistory();
  });
  newer.addEventListener("click", () => {
    if (cursors.length > 1) cursors.pop();
    loadHistory();
  });
  older.addEventListener("click", () => {
    if (!nextCursor) return;
    cursors.push(nextCursor);
    loadHistory();
  });
}

export function resetHistory() {
  cursors = [null];
  closeRun();
  replace(table);
}
