"""What an operator may not do: supervisor pages, and a state change through the cookie without the CSRF token."""

import re

from playwright.sync_api import expect

import mislink_stack as ms
from conftest import shot, sign_in_api


def test_an_operator_cannot_open_a_supervisor_page(operator_page, stack):
    page = operator_page
    expect(page.get_by_test_id("nav-report")).not_to_be_visible()
    page.goto("/console/#/report")
    expect(page.get_by_test_id("report-frame")).not_to_be_visible()
    expect(page.get_by_test_id("operator-load")).not_to_be_visible()
    shot(page, "report-as-operator")
    answer = ms.session_api(stack.base, "operator1").get("/api/v1/reports/appeals")
    assert answer.status == 403, f"{answer.status} {answer.text}"


def test_a_supervisor_opens_the_report(page):
    sign_in_api(page, "admin")
    page.get_by_test_id("nav-report").click()
    expect(page.get_by_test_id("report-frame")).to_be_visible()
    shot(page, "report-as-supervisor")


def test_a_state_change_without_the_csrf_token_is_refused(context, api, calls):
    """Through the session cookie (the browser context's, as the pages send it) a PATCH needs X-CSRF-Token."""
    request = context.request
    signed_in = request.post("/api/v1/session", data={"login": "operator1", "password": ms.PASSWORD})
    assert signed_in.status == 200, signed_in.text()
    assert "mislink_session" in {cookie["name"] for cookie in context.cookies()}
    call = calls.new("79260000001")
    call.ring("101")
    item = api.call_for_entry(call.entry_id, call.client)
    refused = request.patch(f"/api/v1/calls/{item['id']}", data={"comment": "без токена"})
    assert refused.status == 403, f"{refused.status} {refused.text()}"
    assert re.search(r"CSRF", refused.text()), refused.text()
    accepted = request.patch(f"/api/v1/calls/{item['id']}", data={"comment": "с токеном"},
                             headers={"X-CSRF-Token": signed_in.json()["csrf_token"]})
    assert accepted.status == 200, f"{accepted.status} {accepted.text()}"
    assert api.call_for_entry(call.entry_id, call.client)["comment"] == "с токеном"
