"""Chats: an operator's reply reaches the chat platform (the fake Chatwoot); another operator's thread is closed
to them, in the API and on the page."""

import json
import random
import time

from playwright.sync_api import expect

import mislink_stack as ms
from conftest import shot


def new_conversation(stack, api, agent_login: str, text: str) -> tuple:
    operator = stack.operators[agent_login]
    phone = "7915" + "".join(random.choice("0123456789") for _ in range(7))
    conversation = stack.chatwoot.conversation(phone, "Клиентова Мария", operator.chat_agent, text)
    deadline = time.time() + 10
    while True:
        thread = api.thread_for_conversation(conversation)
        if thread.get("operator_id") == operator.staff_id or time.time() > deadline:
            break
        time.sleep(0.1)
    assert thread.get("operator_id") == operator.staff_id, f"the thread is not {agent_login}'s: {thread}"
    return conversation, thread


def test_a_reply_reaches_the_chat_platform(operator_page, stack, api):
    page = operator_page
    question = f"Здравствуйте, можно записаться к терапевту? #{random.randint(1000, 9999)}"
    conversation, thread = new_conversation(stack, api, "operator1", question)
    page.goto("/console/#/chats")
    row = page.get_by_test_id("thread-row").filter(has_text="Клиентова")
    expect(row.first).to_be_visible()
    row.first.click()
    expect(page.get_by_test_id("message-list")).to_contain_text(question)
    answer = f"Да, конечно: завтра в 10:00 👍 #{random.randint(1000, 9999)}"
    page.get_by_test_id("message-input").fill(answer)
    page.get_by_test_id("message-send").click()
    deadline = time.time() + 15
    sent = []
    while time.time() < deadline and not sent:
        sent = [m for m in stack.chat_sent() if m["platform"] == "chatwoot"
                and f"/conversations/{conversation}/messages" in m["path"] and answer in json.loads(m["body"]).get("content", "")]
        time.sleep(0.2)
    assert sent, f"the reply did not reach the fake Chatwoot: {stack.chat_sent()[-5:]}"
    expect(page.get_by_test_id("message-list")).to_contain_text(answer)
    shot(page, "chat-thread")


def test_an_operator_cannot_open_another_operators_thread(operator_page, stack, api):
    page = operator_page
    secret = f"Личный вопрос для оператора 2 #{random.randint(1000, 9999)}"
    _, thread = new_conversation(stack, api, "operator2", secret)
    mine = ms.session_api(stack.base, "operator1")
    answer = mine.get(f"/api/v1/threads/{thread['id']}/messages")
    assert answer.status == 403, f"{answer.status} {answer.text}"
    listed = mine.json("/api/v1/threads?limit=200")["items"]
    assert thread["id"] not in [t["id"] for t in listed]
    page.goto(f"/console/#/chats/{thread['id']}")
    expect(page.get_by_text("403").or_(page.get_by_text("Нет доступа")).or_(page.get_by_text("нет доступа"))
           .or_(page.get_by_text("Доступ запрещён")).first).to_be_visible()
    expect(page.get_by_text(secret)).to_have_count(0)
    shot(page, "chat-forbidden")
