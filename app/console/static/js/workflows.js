// Workflows: pick a shipped workflow, fill its inputs from the schema it declares, start it, and
// watch its step graph fill in from the run's event stream; a running run can be cancelled.

import { api, stream } from "./api.js";
import { badge, errorBox, h, replace, when } from "./dom.js";

const form = document.getElementById("workflow-form");
const picker = document.getElementById("workflow");
const description = document.getElementById("workflow-description");
const inputs = document.getElementById("workflow-inputs");
const start = document.getElementById("workflow-start");
const cancel = document.getElementById("workflow-cancel");
const view = document.getElementById("workflow-run");

let definitions = new Map();
let current = null; // {executionId, controller}

export async function loadWorkflows() {
  const { workflows } = await api("/api/v1/workflows");
  definitions = new Map(workflows.map((w) => [w.id, w]));
  replace(
    picker,
    workflows.map((w) => h("option", { value: w.id }, w.name || w.id)),
  );
  showInputs();
}

function showInputs() {
  const workflow = definitions.get(picker.value);
  replace(description, workflow ? workflow.description || "" : "");
  replace(
    inputs,
    h("legend", {}, "Inputs"),
    Object.entries((workflow && workflow.inputs) || {}).map(([name, spec]) => field(name, spec || {})),
  );
}

function field(name, spec) {
  const id = `input-${name}`;
  const hasDefault = spec.default !== undefined && spec.default !== null;
  const required = spec.required !== false && !hasDefault;
  const type = spec.type || "string";
  const hint = [
    spec.description,
    type === "array" ? "a comma-separated list" : null,
    hasDefault ? `default ${JSON.stringify(spec.default)}` : null,
  ]
    .filter(Boolean)
    .join("; ");
  let control;
  if (type === "boolean") {
    control = h("input", { id, name, type: "checkbox", checked: spec.default === true, dataset: { type } });
  } else {
    control = h("input", {
      id,
      name,
      type: type === "integer" || type === "number" ? "number" : "text",
      step: type === "integer" ? "1" : null,
      required,
      placeholder: hasDefault ? String(spec.default) : null,
      autocomplete: "off",
      "aria-describedby": hint ? `${id}-hint` : null,
      dataset: { type },
    });
  }
  return h(
    "div",
    { class: "field" },
    h("label", { for: id }, name, required ? h("span", { "aria-hidden": "true" }, " *") : null),
    control,
    hint ? h("small", { id: `${id}-hint`, class: "muted" }, hint) : null,
  );
}

function values() {
  const data = {};
  for (const control of inputs.querySelectorAll("input")) {
    const type = control.dataset.type;
    if (type === "boolean") {
      data[control.name] = control.checked;
      continue;
    }
    const text = control.value.trim();
    if (!text) continue;
    if (type === "integer" || type === "number") data[control.name] = Number(text);
    else if (type === "array") data[control.name] = text.split(",").map((s) => s.trim()).filter(Boolean);
    else data[control.name] = text;
  }
  return data;
}

// Steps laid out by depth: a step sits one column right of the deepest step it depends on.
function graph(workflow) {
  const depth = new Map();
  const steps = workflow.steps || [];
  const byId = new Map(steps.map((s) => [s.id, s]));
  const level = (step, seen = new Set()) => {
    if (depth.has(step.id)) return depth.get(step.id);
    if (seen.has(step.id)) return 0;
    seen.add(step.id);
    const parents = (step.depends_on || []).map((id) => byId.get(id)).filter(Boolean);
    const value = parents.length ? 1 + Math.max(...parents.map((p) => level(p, seen))) : 0;
    depth.set(step.id, value);
    return value;
  };
  const columns = [];
  for (const step of steps) (columns[level(step)] ||= []).push(step);
  return h(
    "ol",
    { class: "step-graph", "aria-label": "Steps" },
    columns.map((column) =>
      h(
        "li",
        { class: "step-column" },
        h(
          "ul",
          {},
          column.map((step) =>
            h(
              "li",
              { class: "step", id: `step-${step.id}`, dataset: { status: "pending" } },
              h("strong", {}, step.id),
              " ",
              h("span", { class: "muted" }, step.agent),
              " ",
              badge("pending"),
              h("p", { class: "step-summary" }),
            ),
          ),
        ),
      ),
    ),
  );
}

// Marks a step in this run's own graph: a replay in History, or a run started before this one,
// never touches another run's steps.
function markStep(steps, stepId, status, summary) {
  const node = steps && steps.querySelector(`#${CSS.escape(`step-${stepId}`)}`);
  if (!node) return;
  node.dataset.status = status;
  node.querySelector(".badge").replaceWith(badge(status));
  if (summary) replace(node.querySelector(".step-summary"), summary);
}

const STEP_EVENT = /^step_(\w+)$/;

// Replays a run's events and follows it live, marking the step graph `steps` (if given) and
// listing the events in `log`; `onEvent` also receives every event.
export async function follow(executionId, { signal, log, steps, onEvent } = {}) {
  await stream(`/api/v1/executions/${encodeURIComponent(executionId)}/events`, {
    signal,
    onEvent: (message) => {
      const { event, data } = message;
      const payload = (data && data.data) || {};
      const match = STEP_EVENT.exec(event);
      if (match && payload.step) {
        const status = match[1] === "started" ? "running" : match[1];
        markStep(steps, payload.step, status, payload.summary || payload.error);
      }
      if (log) log.append(eventLine(message));
      if (onEvent) onEvent(message);
    },
  });
}

export function eventLine({ event, data }) {
  const payload = (data && data.data) || {};
  const brief = payload.step || payload.agent_id || payload.status || "";
  return h(
    "li",
    { class: "event", dataset: { type: event } },
    data && data.at ? when(data.at) : null,
    " ",
    h("code", {}, event),
    brief ? ` ${brief}` : "",
    payload.summary ? h("span", { class: "muted" }, ` - ${payload.summary}`) : null,
  );
}

async function startRun(event) {
  event.preventDefault();
  const workflow = definitions.get(picker.value);
  if (!workflow) return;
  if (current) current.controller.abort();
  const status = h("p", { id: "workflow-status", role: "status" }, "Starting...");
  const log = h("ol", { class: "events", "aria-label": "Events" });
  const steps = graph(workflow);
  replace(view, status, steps, h("details", {}, h("summary", {}, "Events"), log));
  start.disabled = true;
  let accepted;
  try {
    accepted = await api("/api/v1/workflows", {
      method: "POST",
      body: { workflow_id: workflow.id, input_data: values(), wait: false },
    });
  } catch (error) {
    start.disabled = false;
    replace(view, errorBox(error));
    return;
  }
  const controller = new AbortController();
  let finished = false;
  current = { executionId: accepted.execution_id, controller };
  replace(status, "Running ", h("code", {}, accepted.execution_id));
  status.dataset.status = "running";
  cancel.hidden = false;
  cancel.disabled = false;
  try {
    await follow(accepted.execution_id, {
      signal: controller.signal,
      log,
      steps,
      onEvent: ({ event }) => {
        if (event === "execution_finished") finished = true;
      },
    });
    if (finished) await showOutcome(accepted.execution_id, status, steps);
  } catch (error) {
    if (error.name !== "AbortError") view.append(errorBox(error));
  } finally {
    if (current && current.controller === controller) current = null;
    start.disabled = false;
    cancel.hidden = true;
  }
}

// The run's record is the last word: steps a cancellation ended have no event of their own.
async function showOutcome(executionId, status, steps) {
  const run = await api(`/api/v1/executions/${encodeURIComponent(executionId)}`);
  for (const step of run.steps || []) markStep(steps, step.id, step.status, step.summary || step.error);
  status.dataset.status = run.status;
  replace(status, "Run ", h("code", {}, executionId), " ", badge(run.status));
  if (run.summary) status.after(h("p", { class: "summary", id: "workflow-summary" }, run.summary));
}

async function cancelRun() {
  if (!current) return;
  cancel.disabled = true;
  try {
    await api(`/api/v1/executions/${encodeURIComponent(current.executionId)}/cancel`, { method: "POST" });
    replace(document.getElementById("workflow-status"), "Cancelling ", h("code", {}, current.executionId), "...");
  } catch (error) {
    view.append(errorBox(error));
    cancel.disabled = false;
  }
}

export function initWorkflows() {
  picker.addEventListener("change", showInputs);
  form.addEventListener("submit", startRun);
  cancel.addEventListener("click", cancelRun);
}

export function resetWorkflows() {
  if (current) current.controller.abort();
  current = null;
  replace(view);
}
