"""The harness itself: the processes answer, an operator signs in through the API, a signed webhook is stored."""

import json
import time

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


def test_a_chatwoot_conversation_is_assigned_to_the_operators_agent(stack, api):
    operator = stack.operators["operator1"]
    conversation = stack.chatwoot.conversation("79150001122", "Клиентова Мария", operator.chat_agent, "Здравствуйте")
    deadline = time.time() + 10
    while (thread := api.thread_for_conversation(conversation))["operator_id"] != operator.staff_id:
        assert time.time() < deadline, f"the thread is not operator1's: {thread}"
        time.sleep(0.1)


def test_a_command_reaches_the_fake_pbx_signed(stack, api):
    before = len(stack.pbx_commands())
    answer = api.call("POST", "/api/v1/commands",
                      {"kind": "call", "staff_id": stack.operators["operator1"].staff_id, "target": "79035550011"})
    assert answer.status == 201, answer.text
    deadline = time.time() + 10
    while not (received := [c for c in stack.pbx_commands()[before:] if c["path"].endswith("commands/callback")]):
        assert time.time() < deadline, "no commands/callback at the fake PBX"
        time.sleep(0.1)
    assert received[0]["result"] == 1000, received[0]
    assert json.loads(received[0]["json"])["from"]["extension"] == "101"
