// The console's entry point: sign-in by API key (kept in sessionStorage, sent as X-API-Key),
// nothing fetched or shown before the key works, then the tabs: Ask, Workflows, History, Audit.

import { ApiError, api, session, whenUnauthorised } from "./api.js";
import { initAsk, loadAgents, resetAsk } from "./ask.js";
import { initAudit, loadAudit, resetAudit } from "./audit.js";
import { replace } from "./dom.js";
import { initHistory, loadHistory, resetHistory, setAgents } from "./history.js";
import { initWorkflows, loadWorkflows, resetWorkflows } from "./workflows.js";

const signInView = document.getElementById("sign-in-view");
const signInForm = document.getElementById("sign-in");
const keyField = document.getElementById("api-key");
const signInError = document.getElementById("sign-in-error");
const appView = document.getElementById("app");
const who = document.getElementById("whoami");
const whoLabel = document.getElementById("whoami-label");
const signOutButton = document.getElementById("sign-out");
const tabs = [...document.querySelectorAll('[role="tab"]')];

const loaders = {
  "panel-history": () => loadHistory(),
  "panel-audit": () => loadAudit(),
};

function selectTab(tab, focus = false) {
  for (const other of tabs) {
    const selected = other === tab;
    other.setAttribute("aria-selected", String(selected));
    other.tabIndex = selected ? 0 : -1;
    document.getElementById(other.getAttribute("aria-controls")).hidden = !selected;
  }
  if (focus) tab.focus();
  const load = loaders[tab.getAttribute("aria-controls")];
  if (load) load();
}

function initTabs() {
  for (const tab of tabs) {
    tab.addEventListener("click", () => selectTab(tab));
    tab.addEventListener("keydown", (event) => {
      const visible = tabs.filter((t) => !t.hidden);
      const index = visible.indexOf(tab);
      const moves = { ArrowRight: index + 1, ArrowLeft: index - 1, Home: 0, End: visible.length - 1 };
      if (!(event.key in moves)) return;
      event.preventDefault();
      selectTab(visible[(moves[event.key] + visible.length) % visible.length], true);
    });
  }
}

function showSignIn(message) {
  appView.hidden = true;
  who.hidden = true;
  signInView.hidden = false;
  signInError.hidden = !message;
  signInError.textContent = message || "";
  keyField.value = "";
  keyField.focus();
}

async function enter(key) {
  const me = await api("/api/v1/me", { key });
  session.keep(key);
  replace(whoLabel, `${me.key_label}${me.admin ? " (admin)" : ""}`);
  document.getElementById("tab-audit").hidden = !me.admin;
  signInView.hidden = true;
  appView.hidden = false;
  who.hidden = false;
  const agents = await loadAgents();
  setAgents(agents);
  await loadWorkflows();
  selectTab(tabs[0]);
  document.getElementById("task").focus();
}

function signOut(message) {
  session.clear();
  resetAsk();
  resetWorkflows();
  resetHistory();
  resetAudit();
  showSignIn(message);
}

async function signIn(event) {
  event.preventDefault();
  const key = keyField.value.trim();
  if (!key) {
    showSignIn("Enter an API key.");
    return;
  }
  try {
    await enter(key);
  } catch (error) {
    session.clear();
    const status = error instanceof ApiError ? `${error.status}: ` : "";
    showSignIn(`${status}${error.message}`);
  }
}

initTabs();
initAsk();
initWorkflows();
initHistory();
initAudit();
signInForm.addEventListener("submit", signIn);
signOutButton.addEventListener("click", () => signOut());
whenUnauthorised((error) => {
  if (session.key) signOut(`${error.status}: ${error.message} Sign in again.`);
});

if (session.key) {
  enter(session.key).catch((error) => signOut(`${error.status || ""} ${error.message}`.trim()));
} else {
  showSignIn();
}
