// Audit log (admin keys only): the security events, newest first, a page at a time.

import { api } from "./api.js";
import { errorBox, h, replace, when } from "./dom.js";

const view = document.getElementById("audit");
const more = document.getElementById("audit-older");
const PAGE = 25;
let before = null;

export async function loadAudit(reset = true) {
  if (reset) before = null;
  const params = new URLSearchParams({ limit: String(PAGE) });
  if (before) params.set("before_id", String(before));
  let page;
  try {
    page = await api(`/api/v1/audit?${params}`);
  } catch (error) {
    replace(view, errorBox(error));
    return;
  }
  before = page.next_before_id;
  more.disabled = !before;
  const rows = page.entries.map((entry) =>
    h(
      "tr",
      { dataset: { event: entry.event } },
      h("td", {}, String(entry.id)),
      h("td", {}, when(entry.at)),
      h("td", {}, h("code", {}, entry.event)),
      h("td", {}, entry.actor || "-"),
      h("td", {}, entry.outcome || ""),
      h("td", {}, entry.client_ip || ""),
      h("td", {}, h("code", { class: "details" }, JSON.stringify(entry.details))),
    ),
  );
  replace(
    view,
    h(
      "table",
      {},
      h("caption", { class: "visually-hidden" }, "Audit log, newest first"),
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          ["#", "When", "Event", "Key", "Outcome", "Client", "Details"].map((t) => h("th", { scope: "col" }, t)),
        ),
      ),
      h("tbody", {}, rows),
    ),
  );
}

export function initAudit() {
  more.addEventListener("click", () => loadAudit(false));
}

export function resetAudit() {
  before = null;
  replace(view);
}
