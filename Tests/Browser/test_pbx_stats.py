"""The PBX's statistics page (supervisors): a click-to-call the fake PBX played to its end shows in the PBX's own
report, the operator named as the MIS knows them; an operator has no such page."""

import random
import time

from playwright.sync_api import expect

from conftest import shot, sign_in_api


def test_a_supervisor_sees_the_pbx_report_with_the_operators_name(page, api, stack, operators):
    operator = operators["operator1"]
    number = "7926" + "".join(random.choice("0123456789") for _ in range(7))
    before = len(stack.pbx_commands())
    answer = api.call("POST", "/api/v1/commands", {"kind": "call", "staff_id": operator.staff_id, "target": number})
    assert answer.status in (200, 201, 202), f"{answer.status} {answer.text}"
    deadline = time.time() + 20
    while time.time() < deadline and not any(c["path"].endswith("commands/callback") for c in stack.pbx_commands()[before:]):
        time.sleep(0.2)

    sign_in_api(page, "admin")
    page.get_by_test_id("nav-pbx").click()
    page.get_by_test_id("pbx-show").click()
    # The worker waits for the PBX's report (ready after a second, polled every 5 s).
    shown = f"+7 {number[1:4]} {number[4:7]}-{number[7:9]}-{number[9:]}"
    row = page.get_by_test_id("pbx-row").filter(has_text=shown)
    expect(row.first).to_be_visible(timeout=30_000)
    expect(row.first.get_by_test_id("pbx-from-name")).to_contain_text(operator.name)
    expect(page.get_by_test_id("pbx-state")).not_to_have_class("error")
    shot(page, "pbx-stats")


def test_an_operator_has_no_pbx_statistics(operator_page):
    page = operator_page
    expect(page.get_by_test_id("nav-pbx")).not_to_be_visible()
    page.goto("/console/#/pbx")
    expect(page.get_by_test_id("pbx-show")).not_to_be_visible()
