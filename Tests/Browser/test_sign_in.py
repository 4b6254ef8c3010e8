"""Signing in: the lock-out after repeated wrong passwords; Russian by default, English after the switch; signing out."""

import re

from playwright.sync_api import expect

import mislink_stack as ms
from conftest import shot, sign_in_ui

CYRILLIC = re.compile(r"[А-Яа-яЁё]")


def test_repeated_wrong_passwords_lock_the_login_out(page, stack):
    page.goto("/console/")
    for attempt in range(5):
        page.get_by_test_id("login-user").fill(ms.LOCKOUT_LOGIN)
        page.get_by_test_id("login-password").fill(f"wrong-{attempt}")
        with page.expect_response(lambda r: r.url.endswith("/api/v1/session") and r.request.method == "POST") as sent:
            page.get_by_test_id("login-submit").click()
        assert sent.value.status == 401, f"attempt {attempt + 1}: {sent.value.status}"
        expect(page.get_by_test_id("login-error")).to_contain_text("Неверный логин или пароль")
    # The sixth, even with the right password, is refused until the lock-out ends.
    page.get_by_test_id("login-user").fill(ms.LOCKOUT_LOGIN)
    page.get_by_test_id("login-password").fill(ms.PASSWORD)
    with page.expect_response(lambda r: r.url.endswith("/api/v1/session") and r.request.method == "POST") as sent:
        page.get_by_test_id("login-submit").click()
    assert sent.value.status == 429, sent.value.status
    assert sent.value.headers.get("retry-after"), sent.value.headers
    expect(page.get_by_test_id("login-error")).to_contain_text("Слишком много")
    expect(page.get_by_test_id("nav-calls")).not_to_be_visible()
    shot(page, "sign-in-locked-out")
    # Other logins are not affected.
    api = ms.session_api(stack.base, "operator2")
    assert api.operator["login"] == "operator2"


def test_russian_by_default_and_english_after_the_switch(page):
    page.goto("/console/")
    expect(page.get_by_test_id("login-submit")).to_have_text(CYRILLIC)
    shot(page, "sign-in-ru")
    sign_in_ui(page, "operator1")
    expect(page.get_by_test_id("nav-calls")).to_have_text(CYRILLIC)
    shot(page, "calls-ru")
    page.get_by_test_id("lang-switch").click()
    expect(page.get_by_test_id("nav-calls")).to_have_text(re.compile(r"^\s*[A-Za-z][A-Za-z ]*\s*$"))
    expect(page.get_by_test_id("nav-chats")).not_to_have_text(CYRILLIC)
    page.reload()
    expect(page.get_by_test_id("nav-calls")).to_have_text(re.compile(r"^\s*[A-Za-z][A-Za-z ]*\s*$"))
    shot(page, "calls-en")


def test_signing_out_ends_the_session(page):
    sign_in_ui(page, "operator1")
    page.get_by_test_id("sign-out").click()
    expect(page.get_by_test_id("login-form")).to_be_visible()
    assert page.context.request.get("/api/v1/session").status == 401


def test_the_console_signs_the_operator_in_to_the_chat_center(page, stack):
    """The MIS keeps operator1's chat login and password: signing in to the console signs in to the chat center
    (the emulator's Chatwoot), the header shows «Чат: готов» (or «активен» with threads), and the button signs
    out of the chat center and back in without leaving the console."""
    sign_in_ui(page, "operator1")
    status = page.get_by_test_id("chat-status")
    expect(status).to_have_text(re.compile(r"Чат: (готов|активен)"), timeout=20000)
    assert status.get_attribute("data-state") in ("ready", "active")
    agents = ms.request(stack.chat_base, "GET", "/emulator/agents").json()
    assert agents["operator1"]["signedIn"] and agents["operator1"]["availability"] == "online", agents
    shot(page, "chat-status-ready")
    status.click()
    expect(status).to_have_text("Чат: не в сети")
    expect(status).to_have_attribute("data-state", "offline")
    agents = ms.request(stack.chat_base, "GET", "/emulator/agents").json()
    assert not agents["operator1"]["signedIn"] and agents["operator1"]["availability"] == "offline", agents
    status.click()
    expect(status).to_have_text(re.compile(r"Чат: (готов|активен)"))
    expect(page.get_by_test_id("chat-status-note")).to_have_text("")
