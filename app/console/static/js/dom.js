// Building the page from data: text always goes in as text (never as HTML), so nothing a run
// returns can inject markup or script.

export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "class") element.className = value;
    else if (name === "dataset") Object.assign(element.dataset, value);
    else if (name.startsWith("on")) element.addEventListener(name.slice(2), value);
    else element.setAttribute(name, value === true ? "" : String(value));
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export function replace(element, ...children) {
  element.replaceChildren();
  append(element, children);
  return element;
}

export const SEVERITIES = ["critical", "warning", "info"];

export function worstSeverity(findings) {
  const present = new Set((findings || []).map((f) => f.severity));
  return SEVERITIES.find((s) => present.has(s)) || null;
}

export function badge(kind, text = kind) {
  return h("span", { class: `badge badge-${kind}` }, text);
}

export function milliseconds(ms) {
  if (ms === null || ms === undefined) return "";
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

export function when(iso) {
  if (!iso) return "";
  const date = new Date(iso);
  return h("time", { datetime: date.toISOString(), title: date.toISOString() }, date.toLocaleString());
}

export function errorBox(error) {
  const code = error.code ? ` (${error.code})` : "";
  const status = error.status ? `${error.status}: ` : "";
  return h(
    "div",
    { class: "error", role: "alert" },
    `${status}${error.message}${code}`,
    error.requestId ? h("span", { class: "muted" }, ` request ${error.requestId}`) : null,
  );
}

export function json(value) {
  return h("pre", { class: "json", tabindex: "0" }, JSON.stringify(value, null, 2));
}

// One agent's result: status, summary, findings by severity, then its structured output folded.
export function agentResult(result) {
  const llm = result.llm && result.llm.used ? llmLine(result.llm) : null;
  return h(
    "article",
    { class: "agent-result", dataset: { agent: result.agent_id, status: result.status } },
    h(
      "header",
      {},
      h("h4", {}, result.agent_id),
      badge(result.status),
      h("span", { class: "muted" }, milliseconds(result.duration_ms)),
    ),
    h("p", { class: "summary" }, result.summary || ""),
    result.error ? h("p", { class: "error" }, result.error) : null,
    findings(result.findings),
    llm,
    h("details", { class: "output" }, h("summary", {}, "Structured output"), json(result.output || {})),
  );
}

function llmLine(note) {
  const cost = note.cost_usd ? `, ${dollars(note.cost_usd)}` : "";
  return h(
    "p",
    { class: "llm muted" },
    `Interpreted by ${note.provider}/${note.model}: ${note.input_tokens} tokens in, ` +
      `${note.output_tokens} out${cost}, ${milliseconds(note.latency_ms)}`,
  );
}

export function findings(list) {
  if (!list || !list.length) return h("p", { class: "muted" }, "No findings.");
  return h(
    "ul",
    { class: "findings" },
    list.map((finding) =>
      h(
        "li",
        { class: `finding finding-${finding.severity}` },
        badge(finding.severity),
        " ",
        h("span", { class: "message" }, finding.message),
        h("span", { class: "code muted" }, ` ${finding.code}`),
      ),
    ),
  );
}

export function routing(route) {
  if (!route) return null;
  const confidence = route.confidence === undefined ? "" : ` (confidence ${Math.round(route.confidence * 100)}%)`;
  return h(
    "p",
    { class: "routing" },
    h("strong", {}, "Routed to "),
    (route.agents || []).join(", ") || "no agent",
    confidence,
    route.reason ? h("span", { class: "muted" }, ` - ${route.reason}`) : null,
  );
}

// The whole answer of an orchestration, or of a run from history.
export function runAnswer(run) {
  const usage = llmTotals(run.results || []);
  return h(
    "section",
    { class: "answer", dataset: { status: run.status } },
    h(
      "header",
      {},
      h("h3", {}, "Answer"),
      badge(run.status),
      h("span", { class: "muted" }, milliseconds(run.duration_ms)),
    ),
    routing(run.routing),
    h("p", { class: "summary" }, run.summary || ""),
    (run.warnings || []).map((warning) => h("p", { class: "warning-note" }, String(warning))),
    usage,
    (run.results || []).map(agentResult),
    run.execution_id ? h("p", { class: "muted" }, `Execution ${run.execution_id}`) : null,
  );
}

function llmTotals(results) {
  const used = results.map((r) => r.llm).filter((note) => note && note.used);
  if (!used.length) return null;
  const tokens = used.reduce((sum, n) => sum + n.input_tokens + n.output_tokens, 0);
  const cost = used.reduce((sum, n) => sum + (n.cost_usd || 0), 0);
  return h("p", { class: "llm" }, `LLM: ${used.length} call(s), ${tokens} tokens, ${dollars(cost)}`);
}

// Cents as cents, fractions of a cent with two significant digits ($0.000036).
export function dollars(amount) {
  if (!amount) return "$0";
  return amount >= 0.01 ? `$${amount.toFixed(2)}` : `$${amount.toPrecision(2)}`;
}
