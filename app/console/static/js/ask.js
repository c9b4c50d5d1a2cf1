// Ask: a task in plain words (optionally a JSON context and a chosen agent), streamed from
// POST /api/v1/orchestrate: the routing, then each agent as it finishes, then the answer. When
// the chosen agent lacks input, its question is shown, and answering it continues the request.

import { api, stream } from "./api.js";
import { agentResult, badge, errorBox, h, replace, routing, runAnswer } from "./dom.js";

const form = document.getElementById("ask-form");
const task = document.getElementById("task");
const agent = document.getElementById("agent");
const context = document.getElementById("context");
const contextError = document.getElementById("context-error");
const submit = document.getElementById("submit");
const stop = document.getElementById("stop");
const progress = document.getElementById("progress");
const result = document.getElementById("result");

let running = null; // the AbortController of the run in progress

export async function loadAgents() {
  const { agents } = await api("/api/v1/agents");
  replace(
    agent,
    h("option", { value: "" }, "Automatic routing"),
    agents.map((a) => h("option", { value: a.id }, `${a.name} (${a.id})`)),
  );
  return agents;
}

function readContext() {
  const text = context.value.trim();
  contextError.hidden = true;
  if (!text) return {};
  let value;
  try {
    value = JSON.parse(text);
  } catch (error) {
    value = error;
  }
  if (value === null || typeof value !== "object" || Array.isArray(value) || value instanceof Error) {
    contextError.textContent = "The context must be a JSON object, for example {\"hostname\": \"db.internal\"}.";
    contextError.hidden = false;
    context.focus();
    return null;
  }
  return value;
}

async function run(text) {
  const extra = readContext();
  if (extra === null) return;
  const body = { task: text, context: extra };
  if (agent.value) body.agent_id = agent.value;
  running = new AbortController();
  submit.disabled = true;
  stop.hidden = false;
  replace(result);
  const agents = new Map();
  const list = h("ul", { class: "progress-agents" });
  replace(progress, h("p", { class: "muted", role: "status" }, "Routing the task..."), list);
  try {
    await stream("/api/v1/orchestrate", {
      method: "POST",
      body,
      signal: running.signal,
      onEvent: ({ event, data }) => {
        if (event === "routed") {
          replace(progress, routing(data), list);
          for (const id of data.agents) {
            const item = h("li", { dataset: { agent: id, status: "running" } }, id, " ", badge("running"));
            agents.set(id, item);
            list.append(item);
          }
        } else if (event === "agent_finished") {
          const item = agents.get(data.agent_id);
          if (item) {
            item.dataset.status = data.status;
            replace(item, agentResult(data));
          }
        } else if (event === "result") {
          replace(progress);
          replace(result, runAnswer(data));
        } else if (event === "error") {
          replace(progress);
          showError(data.error || {}, text);
        }
      },
    });
  } catch (error) {
    replace(progress);
    if (error.name === "AbortError") replace(result, h("p", { class: "muted" }, "Stopped."));
    else showError({ message: error.message, code: error.code, details: error.details, status: error.status }, text);
  } finally {
    running = null;
    submit.disabled = false;
    stop.hidden = true;
  }
}

function showError(error, asked) {
  if (error.code === "missing_input" && error.details && error.details.question) {
    replace(result, clarify(error.details, asked));
    document.getElementById("clarify-answer").focus();
    return;
  }
  replace(result, errorBox({ status: error.status, message: error.message || "The run failed.", code: error.code }));
}

// The agent's question and a field for the answer; the answer joins the original request.
function clarify(needs, asked) {
  const answer = h("input", { id: "clarify-answer", type: "text", required: true, autocomplete: "off" });
  const reply = h(
    "form",
    {
      class: "clarify",
      onsubmit: (event) => {
        event.preventDefault();
        const more = answer.value.trim();
        if (!more) return;
        task.value = `${asked}\n${more}`;
        run(task.value);
      },
    },
    h("p", { class: "question", role: "status" }, h("strong", {}, `${needs.agent} asks: `), needs.question),
    h("label", { for: "clarify-answer" }, "Your answer"),
    answer,
    h("button", { type: "submit", id: "clarify-submit" }, "Continue"),
  );
  return reply;
}

export function initAsk() {
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = task.value.trim();
    if (!text) {
      task.focus();
      return;
    }
    run(text);
  });
  task.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) form.requestSubmit();
  });
  stop.addEventListener("click", () => running && running.abort());
}

export function resetAsk() {
  if (running) running.abort();
  replace(progress);
  replace(result);
}
