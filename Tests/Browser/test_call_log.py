"""The call log: a missed call's «call back» reaches the PBX as a signed commands/callback; a comment and a status
survive a reload."""

import json
import random
import re
import time

from playwright.sync_api import Page, expect

import pytest

import mislink_stack as ms
from conftest import shot


def digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def row_of(page: Page, number: str):
    """The call-log row that shows `number` (in whatever format), waiting for it."""
    rows = page.get_by_test_id("call-log-row")
    expect(rows.first).to_be_visible()
    deadline = time.time() + 10
    while time.time() < deadline:
        for index in range(rows.count()):
            row = rows.nth(index)
            if number[-10:] in digits(row.inner_text()):
                return row
        time.sleep(0.2)
    raise AssertionError(f"no call-log-row shows {number}")


def missed_call(calls, api) -> tuple:
    number = "7926" + "".join(random.choice("0123456789") for _ in range(7))
    call = calls.new(number)
    call.ring("101")
    call.hang_up(1110)
    deadline = time.time() + 10
    while (item := api.call_for_entry(call.entry_id, number)).get("result") != "missed" and time.time() < deadline:
        time.sleep(0.1)
    return number, item


def test_call_back_from_a_missed_call_reaches_the_pbx_signed(operator_page, stack, api, calls):
    page = operator_page
    number, _ = missed_call(calls, api)
    page.goto("/console/#/calls")
    row = row_of(page, number)
    shot(page, "call-log")
    before = len(stack.pbx_commands())
    row.get_by_test_id("call-back").click()
    deadline = time.time() + 10
    callbacks = []
    while time.time() < deadline and not callbacks:
        callbacks = [c for c in stack.pbx_commands()[before:] if c["path"].endswith("commands/callback")]
        time.sleep(0.1)
    assert callbacks, f"no commands/callback at the fake PBX: {stack.pbx_commands()[before:]}"
    command = json.loads(callbacks[0]["json"])
    assert digits(command["to_number"]).endswith(number[-10:]), command
    assert command["from"]["extension"] == "101", command
    assert callbacks[0]["result"] == 1000, f"the fake PBX refused it (a bad signature is 3102): {callbacks[0]}"


def test_a_connected_call_back_ends_the_wait(operator_page, stack, api, calls):
    """The fake PBX plays the click-to-call to its end (the client answers): the missed call is then called back."""
    page = operator_page
    number, item = missed_call(calls, api)
    page.goto("/console/#/calls")
    row_of(page, number).get_by_test_id("call-back").click()
    deadline = time.time() + 15
    while (current := api.call_for_entry(item["pbx_call_id"], number)).get("to_call_back") and time.time() < deadline:
        time.sleep(0.2)
    assert not current.get("to_call_back"), f"still waiting for a call back: {current}"
    page.get_by_test_id("call-log-refresh").click()
    expect(row_of(page, number)).not_to_have_class(re.compile(r"\bwaiting\b"))


def test_a_comment_and_a_status_survive_a_reload(operator_page, api, calls):
    page = operator_page
    number, item = missed_call(calls, api)
    page.goto("/console/#/calls")
    row = row_of(page, number)
    comment = f"Перезвонить после 15:00 ({number[-4:]})"
    with page.expect_response(lambda r: f"/api/v1/calls/{item['id']}" in r.url and r.request.method == "PATCH") as saved:
        field = row.get_by_test_id("call-comment")
        field.fill(comment)
        field.press("Enter") if field.evaluate("e => e.tagName") == "INPUT" else field.blur()
        if field.evaluate("e => e.tagName") != "INPUT":
            page.keyboard.press("Tab")
    assert saved.value.status == 200, saved.value.text()
    status = row.get_by_test_id("call-status")
    chosen = None
    with page.expect_response(lambda r: f"/api/v1/calls/{item['id']}" in r.url and r.request.method == "PATCH") as saved:
        if status.evaluate("e => e.tagName") == "SELECT":
            chosen = status.evaluate("e => [...e.options].map(o => o.value).find(v => v && v !== e.value)")
            status.select_option(chosen)
        else:
            status.click()
    assert saved.value.status == 200, saved.value.text()
    stored = api.call_for_entry(item["pbx_call_id"], number)
    assert stored["comment"] == comment
    assert stored["status"], stored
    page.reload()
    row = row_of(page, number)
    field = row.get_by_test_id("call-comment")
    expect(field).to_have_value(comment) if field.evaluate("e => 'value' in e") else expect(field).to_contain_text(comment)
    if chosen:
        expect(row.get_by_test_id("call-status")).to_have_value(chosen)
    shot(page, "call-log-after-reload")
