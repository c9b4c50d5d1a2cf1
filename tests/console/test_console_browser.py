"""The console in a real headless Chromium: sign-in by key, asking a question and watching it run,
a clarifying question answered, a workflow's steps completing and a run cancelled, history and a
run's detail, the audit log for admins, themes, a phone-sized screen, an accessibility scan, and
no errors in the browser's console. The service runs behind the path prefix /ops (ROOT_PATH)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.console.conftest import ADMIN_KEY, OPS_KEY, screenshot

pytestmark = pytest.mark.browser
AXE = Path(__file__).resolve().parent / "vendor" / "axe-4.14.1.min.js"
WAIT = 30


def wait(driver: Any, condition: Callable[[Any], Any], timeout: float = WAIT) -> Any:
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout, poll_frequency=0.1).until(condition)


def by_id(driver: Any, element_id: str) -> Any:
    from selenium.webdriver.common.by import By

    return driver.find_element(By.ID, element_id)


def severe(driver: Any, allowed: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """The browser log's SEVERE entries (script errors, failed loads), less the `allowed` ones."""
    return [
        entry
        for entry in driver.get_log("browser")
        if entry["level"] == "SEVERE" and not any(text in entry["message"] for text in allowed)
    ]


@pytest.fixture
def page(browser: Any, service: str) -> Iterator[Any]:
    """The console, signed out, with an empty browser log; no SEVERE entry may appear during a test
    unless the test takes it out of the log itself."""
    browser.set_window_size(1280, 900)
    browser.get(f"{service}/console/static/console.css")  # the origin, without the page's scripts
    browser.execute_script("sessionStorage.clear()")
    browser.get(f"{service}/console")
    wait(browser, lambda d: by_id(d, "api-key").is_displayed())
    browser.get_log("browser")
    yield browser
    assert severe(browser) == []


def sign_in(driver: Any, key: str) -> None:
    field = by_id(driver, "api-key")
    field.clear()
    field.send_keys(key)
    by_id(driver, "sign-in-submit").click()
    wait(driver, lambda d: by_id(d, "app").is_displayed() and by_id(d, "agent").text.count("\n") >= 3)


def ask(driver: Any, text: str) -> None:
    task = by_id(driver, "task")
    task.clear()
    task.send_keys(text)
    by_id(driver, "submit").click()


def api_requests(driver: Any) -> list[str]:
    names: list[str] = driver.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name)"
    )
    return [name for name in names if "/api/" in name]


def test_a_wrong_key_shows_the_401_message_and_nothing_is_fetched_before_a_key_works(page: Any) -> None:
    assert api_requests(page) == []  # nothing fetched before a key
    assert not by_id(page, "app").is_displayed()
    field = by_id(page, "api-key")
    field.send_keys("not-the-right-key")
    by_id(page, "sign-in-submit").click()
    error = wait(
        page, lambda d: by_id(d, "sign-in-error") if by_id(d, "sign-in-error").is_displayed() else None
    )
    assert "401" in error.text and "key" in error.text.lower()
    assert not by_id(page, "app").is_displayed()
    assert page.execute_script("return sessionStorage.length") == 0
    assert [name.split("/ops")[1] for name in api_requests(page)] == ["/api/v1/me"]
    screenshot(page, "sign-in-error")
    # The refused request itself is the one error Chromium logs.
    assert severe(page, allowed=("/api/v1/me - Failed to load resource",)) == []


def test_sign_in_keeps_the_key_in_session_storage_and_sign_out_clears_it(page: Any) -> None:
    sign_in(page, OPS_KEY)
    assert "ops" in by_id(page, "whoami-label").text
    assert page.execute_script("return Object.values(sessionStorage)") == [OPS_KEY]
    assert not by_id(page, "tab-audit").is_displayed()  # not an admin
    page.refresh()  # the tab keeps its key across a reload
    wait(page, lambda d: by_id(d, "app").is_displayed())
    by_id(page, "sign-out").click()
    wait(page, lambda d: by_id(d, "api-key").is_displayed())
    assert page.execute_script("return sessionStorage.length") == 0
    assert not by_id(page, "app").is_displayed()


def test_asking_about_a_listening_port_shows_the_agent_the_routing_and_the_port(
    page: Any, tcp_listener: int
) -> None:
    sign_in(page, OPS_KEY)
    screenshot(page, "ask-empty")
    ask(page, f"Is port {tcp_listener} open on 127.0.0.1?")
    result = wait(page, lambda d: by_id(d, "result") if "Answer" in by_id(d, "result").text else None)
    text = result.text
    assert str(tcp_listener) in text
    assert "network_diagnostics" in text and "confidence" in text.lower()
    assert page.find_elements("css selector", "#result .finding .badge")  # findings, by severity
    # The structured output opens on demand.
    summary = page.find_element("css selector", "#result details.output summary")
    summary.click()
    assert '"checks"' in page.find_element("css selector", "#result details.output pre").text
    screenshot(page, "ask-result")


def test_a_clarifying_question_is_answered_in_place_and_the_request_continues(
    page: Any, tcp_listener: int
) -> None:
    sign_in(page, OPS_KEY)
    from selenium.webdriver.support.ui import Select

    Select(by_id(page, "agent")).select_by_value("network_diagnostics")
    ask(page, "check connectivity please")
    answer = wait(page, lambda d: d.find_elements("id", "clarify-answer"))[0]
    assert "?" in by_id(page, "result").text  # the agent's question
    answer.send_keys(f"127.0.0.1 port {tcp_listener}")
    by_id(page, "clarify-submit").click()
    result = wait(page, lambda d: by_id(d, "result") if "Answer" in by_id(d, "result").text else None)
    assert str(tcp_listener) in result.text


def start_workflow(driver: Any, port: int) -> None:
    by_id(driver, "tab-workflows").click()
    from selenium.webdriver.support.ui import Select

    Select(by_id(driver, "workflow")).select_by_value("network_diagnostics_workflow")
    by_id(driver, "input-target").send_keys("127.0.0.1")
    port_field = by_id(driver, "input-port")
    port_field.clear()
    port_field.send_keys(str(port))
    by_id(driver, "workflow-start").click()


def step_states(driver: Any) -> dict[str, str]:
    states: dict[str, str] = driver.execute_script(
        "return Object.fromEntries([...document.querySelectorAll('.step')]"
        ".map(s => [s.id.slice(5), s.dataset.status]))"
    )
    return states


def test_a_workflow_s_steps_fill_in_live_until_it_completes(page: Any, http_server: int) -> None:
    sign_in(page, OPS_KEY)
    start_workflow(page, http_server)
    seen_running = set()

    def finished(driver: Any) -> bool:
        seen_running.update(step for step, state in step_states(driver).items() if state == "running")
        return by_id(driver, "workflow-status").get_attribute("data-status") not in (None, "running")

    wait(page, finished)
    states = step_states(page)
    assert set(states) >= {"dns", "ping", "ports", "http", "tls", "summary"}
    assert "pending" not in states.values() and "running" not in states.values()
    assert states["ports"] == "completed" and states["dns"] == "completed"
    assert by_id(page, "workflow-status").get_attribute("data-status") in ("completed", "partial")
    assert "*" in page.find_element("css selector", "label[for=input-target]").text  # required
    page.execute_script("document.getElementById('workflow-inputs').scrollIntoView()")
    screenshot(page, "workflow")
    by_id(page, "tab-history").click()  # the run's row says what it was run on
    # (in whatever order the database keeps the inputs: PostgreSQL's JSONB sorts the keys)
    wait(
        page,
        lambda d: (
            {"target=127.0.0.1", f"port={http_server}"}
            <= set(re.split(r"[(),\s]+", by_id(d, "history").text))
        ),
    )


def test_a_running_workflow_can_be_cancelled(page: Any, tcp_listener: int) -> None:
    sign_in(page, OPS_KEY)
    start_workflow(page, tcp_listener)  # it accepts and never answers: the HTTP step hangs
    wait(page, lambda d: step_states(d).get("http") == "running")
    cancel = by_id(page, "workflow-cancel")
    assert cancel.is_displayed()
    cancel.click()
    wait(page, lambda d: by_id(d, "workflow-status").get_attribute("data-status") == "cancelled")
    assert step_states(page)["http"] == "cancelled"
    assert not by_id(page, "workflow-cancel").is_displayed()


def test_history_lists_the_caller_s_runs_filters_them_and_replays_a_run(page: Any, tcp_listener: int) -> None:
    sign_in(page, OPS_KEY)
    ask(page, f"Is port {tcp_listener} open on 127.0.0.1? (history check)")
    wait(page, lambda d: "Answer" in by_id(d, "result").text)
    by_id(page, "tab-history").click()
    history = wait(
        page, lambda d: by_id(d, "history") if "history check" in by_id(d, "history").text else None
    )
    assert "network_diagnostics" in history.text
    screenshot(page, "history")
    # Only cancelled runs: the one just asked is not among them.
    from selenium.webdriver.support.ui import Select

    Select(by_id(page, "history-status")).select_by_value("cancelled")
    by_id(page, "history-apply").click()
    wait(page, lambda d: "history check" not in by_id(d, "history").text)
    Select(by_id(page, "history-status")).select_by_value("")
    Select(by_id(page, "history-agent")).select_by_value("network_diagnostics")
    by_id(page, "history-apply").click()
    wait(page, lambda d: "history check" in by_id(d, "history").text)
    page.find_element("xpath", "//*[@id='history']//button[contains(., 'history check')]").click()
    events = wait(
        page,
        lambda d: by_id(d, "run-events") if "execution_finished" in by_id(d, "run-events").text else None,
    )
    assert "execution_started" in events.text
    assert str(tcp_listener) in by_id(page, "run-detail").text
    page.execute_script("document.getElementById('run-detail').scrollIntoView()")
    screenshot(page, "run-detail")


def test_history_pages_through_more_runs_than_fit_on_one_page(page: Any) -> None:
    sign_in(page, ADMIN_KEY)
    for i in range(17):  # more than a page (15), each a dry run recorded quickly
        page.execute_script(
            "return fetch(arguments[0], {method: 'POST', headers: {'X-API-Key': sessionStorage.getItem("
            "'ops-console.api-key'), 'Content-Type': 'application/json'}, body: JSON.stringify({task: "
            "'Is port 1 open on 127.0.0.1? page ' + arguments[1], agent_id: 'network_diagnostics'})})"
            ".then(r => r.status)",
            f"{page.current_url.rsplit('/console', 1)[0]}/api/v1/orchestrate",
            i,
        )
    by_id(page, "tab-history").click()
    wait(page, lambda d: "page 16" in by_id(d, "history").text)
    older = by_id(page, "history-older")
    assert older.is_enabled() and not by_id(page, "history-newer").is_enabled()
    older.click()
    wait(page, lambda d: "page 0" in by_id(d, "history").text)
    by_id(page, "history-newer").click()
    wait(page, lambda d: "page 16" in by_id(d, "history").text)


def test_an_admin_sees_the_audit_log(page: Any) -> None:
    sign_in(page, ADMIN_KEY)
    tab = by_id(page, "tab-audit")
    assert tab.is_displayed() and "(admin)" in by_id(page, "whoami-label").text
    tab.click()
    audit = wait(
        page, lambda d: by_id(d, "audit") if d.find_elements("css selector", "#audit tbody tr") else None
    )
    assert "Event" in audit.text
    screenshot(page, "audit")


def test_tabs_work_from_the_keyboard(page: Any) -> None:
    from selenium.webdriver.common.keys import Keys

    sign_in(page, OPS_KEY)
    by_id(page, "tab-ask").send_keys(Keys.ARROW_RIGHT)
    assert page.switch_to.active_element.get_attribute("id") == "tab-workflows"
    assert by_id(page, "panel-workflows").is_displayed() and not by_id(page, "panel-ask").is_displayed()
    page.switch_to.active_element.send_keys(Keys.ARROW_RIGHT)
    assert by_id(page, "panel-history").is_displayed()
    page.switch_to.active_element.send_keys(Keys.ARROW_RIGHT)  # the audit tab is hidden: wraps to Ask
    assert page.switch_to.active_element.get_attribute("id") == "tab-ask"


def _axe(driver: Any) -> list[dict[str, Any]]:
    driver.execute_script(AXE.read_text(encoding="utf-8"))
    outcome: dict[str, Any] = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {resultTypes: ['violations']}).then(r => done(r), e => done({error: String(e)}));"
    )
    assert "error" not in outcome, outcome
    return [v for v in outcome["violations"] if v["impact"] in ("serious", "critical")]


def _emulate(driver: Any, scheme: str) -> None:
    driver.execute_cdp_cmd(
        "Emulation.setEmulatedMedia", {"features": [{"name": "prefers-color-scheme", "value": scheme}]}
    )


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_no_serious_or_critical_violations(page: Any, tcp_listener: int, scheme: str) -> None:
    _emulate(page, scheme)
    try:
        assert _axe(page) == []  # signed out
        sign_in(page, OPS_KEY)
        ask(page, f"Is port {tcp_listener} open on 127.0.0.1?")
        wait(page, lambda d: "Answer" in by_id(d, "result").text)
        assert _axe(page) == []  # an answer with findings
        by_id(page, "tab-workflows").click()
        assert _axe(page) == []
        by_id(page, "tab-history").click()
        wait(page, lambda d: d.find_elements("css selector", "#history tbody tr"))
        assert _axe(page) == []
        if scheme == "dark":
            by_id(page, "tab-ask").click()
            screenshot(page, "ask-result-dark")
    finally:
        _emulate(page, "no-preference")


def test_the_page_fits_a_phone_screen(page: Any, tcp_listener: int) -> None:
    page.set_window_size(390, 844)
    sign_in(page, OPS_KEY)
    ask(page, f"Is port {tcp_listener} open on 127.0.0.1?")
    wait(page, lambda d: "Answer" in by_id(d, "result").text)
    wide = page.execute_script(
        "return [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > "
        "document.documentElement.clientWidth + 1).map(e => e.tagName + '#' + e.id + '.' + e.className)"
    )
    assert wide == []
    screenshot(page, "phone")


def test_the_page_is_served_with_a_strict_policy_and_no_inline_script(page: Any, service: str) -> None:
    scripts = page.execute_script(
        "return [...document.scripts].map(s => ({src: s.src, inline: !s.src && s.textContent.trim().length > 0}))"
    )
    assert scripts and not any(s["inline"] for s in scripts)
    assert all(s["src"].startswith(f"{service}/console/static/") for s in scripts)
    # An inline script would be refused: the policy is in force.
    page.execute_script(
        "const s = document.createElement('script'); s.textContent = 'window.__inline = 1';"
        "document.body.append(s);"
    )
    assert page.execute_script("return window.__inline === undefined")
    logged = page.get_log("browser")
    assert any("Content Security Policy" in entry["message"] for entry in logged)


def test_a_model_s_interpretation_shows_who_answered_its_tokens_and_cost(
    browser: Any, openai_url: str, tcp_listener: int, tmp_path: Path
) -> None:
    """Against a local server that speaks OpenAI's API: the answer names the provider and model
    and shows the tokens and the estimated cost."""
    from tests.console.conftest import console_settings, serving

    settings = console_settings(
        f"sqlite+aiosqlite:///{tmp_path / 'llm.db'}",
        llm_provider="openai",
        openai_base_url=openai_url,
        openai_api_key="sk-test",  # what the stand-in accepts
    )
    with serving(settings) as url:
        browser.get(f"{url}/console")
        wait(browser, lambda d: by_id(d, "api-key").is_displayed())
        browser.get_log("browser")
        sign_in(browser, OPS_KEY)
        ask(browser, f"Is port {tcp_listener} open on 127.0.0.1?")
        result = wait(browser, lambda d: by_id(d, "result") if "Answer" in by_id(d, "result").text else None)
        line = browser.find_element("css selector", "#result .agent-result .llm").text
        assert "openai/gpt-4o-mini" in line and "tokens in" in line and "$" in line
        assert "LLM: 1 call(s)" in result.text
        assert re.search(r"\$0\.0000[1-9]", line)  # a fraction of a cent, not rounded away
        screenshot(browser, "ask-llm")
        assert severe(browser) == []
        browser.execute_script("sessionStorage.clear()")


def test_replaying_a_run_in_history_leaves_the_workflow_graph_alone(
    page: Any, tcp_listener: int, http_server: int
) -> None:
    sign_in(page, OPS_KEY)
    start_workflow(page, tcp_listener)  # hangs on HTTP: cancel it, so its replay has a step left running
    wait(page, lambda d: step_states(d).get("http") == "running")
    by_id(page, "workflow-cancel").click()
    wait(page, lambda d: by_id(d, "workflow-status").get_attribute("data-status") == "cancelled")
    cancelled_run = page.find_element("css selector", "#workflow-status code").text
    by_id(page, "input-target").clear()
    start_workflow(page, http_server)
    wait(page, lambda d: by_id(d, "workflow-status").get_attribute("data-status") in ("completed", "partial"))
    finished = step_states(page)
    by_id(page, "tab-history").click()
    wait(
        page,
        lambda d: d.find_elements("css selector", f"#history tr[data-execution='{cancelled_run}'] button"),
    )
    page.find_element("css selector", f"#history tr[data-execution='{cancelled_run}'] button").click()
    wait(page, lambda d: "execution_finished" in by_id(d, "run-events").text)
    assert step_states(page) == finished  # the replay marked nothing in the other run's graph
