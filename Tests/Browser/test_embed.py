"""embed.js on another origin: the web MIS's page (a fixture server) signs the embed token with the shared secret
and mounts the card; a ringing call shows it there."""

from playwright.sync_api import expect

import mislink_stack as ms
from conftest import card_shown_at, shot


def test_the_embedded_card_shows_a_ringing_call_on_the_mis_page(page, stack, api, calls):
    page.goto(f"{stack.embed.origin}/mis?login=operator1")
    assert page.evaluate("location.origin") != stack.base
    # embed.js has exchanged the token for a session and opened the stream before the call rings.
    page.wait_for_function("() => typeof MisLinkEmbed !== 'undefined'")
    page.wait_for_timeout(500)
    assert page.evaluate("window.__embedError") is None, page.evaluate("window.__embedError")
    call = calls.new(ms.FAMILY_NUMBER)
    sent = call.ring("101")
    item = api.call_for_entry(call.entry_id, call.client)
    card = page.locator(f'#mislink-card [data-testid="incoming-card"][data-call-id="{item["id"]}"]')
    expect(card).to_be_visible()
    expect(card.get_by_test_id("card-patient-name")).to_contain_text("Иванов")
    expect(card.get_by_test_id("card-others")).to_contain_text("2")
    print(f"\nembedded card latency: {card_shown_at(page, item['id']) - sent:.0f} ms")
    shot(page, "embed-card")
    call.hang_up()
    expect(card).to_be_hidden()


def test_a_forged_embed_token_is_refused(stack):
    token = ms.embed_token("operator1", secret="not-the-shared-secret")
    answer = ms.request(stack.base, "POST", "/api/v1/session/embed", {"token": token},
                        headers={"Origin": stack.embed.origin})
    assert answer.status == 401, f"{answer.status} {answer.text}"
    good = ms.request(stack.base, "POST", "/api/v1/session/embed", {"token": ms.embed_token("operator1")},
                      headers={"Origin": stack.embed.origin})
    assert good.status == 200, f"{good.status} {good.text}"
    assert good.headers.get("access-control-allow-origin") == stack.embed.origin
