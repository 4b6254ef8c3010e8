"""The harness itself: the processes answer, an operator signs in through the API, a signed webhook is stored."""

import mislink_stack as ms


def test_the_worker_and_the_fakes_answer(stack):
    assert ms.request(stack.base, "GET", "/health").status == 200
    assert ms.request(stack.pbx_base, "GET", "/emulator/commands").status == 200
    assert ms.request(stack.chat_base, "GET", "/emulator/sent").status == 200


def test_operators_and_a_supervisor_sign_in_through_the_api(stack, operators):
    operator = ms.session_api(stack.base, "operator1")
    assert operator.operator["login"] == "operator1"
    assert operator.operator["role"] == "operator"
    assert operator.operator["id"] == operators["operator1"].staff_id
    assert operator.get("/api/v1/session").status == 200
    supervisor = ms.session_api(stack.base, "admin")
    assert supervisor.operator["role"] == "supervisor"
    wrong = ms.request(stack.base, "POST", "/api/v1/session", {"login": "operator2", "password": "wrong"})
    assert wrong.status == 401, wrong.text


def test_a_signed_ringing_webhook_is_stored(stack, api, calls):
    call = calls.new(ms.FAMILY_NUMBER)
    call.ring("101")
    item = api.call_for_entry(call.entry_id, call.client)
    assert item["direction"] == "in"
