"""Booking a visit from the incoming-call card writes the visit in the MIS and completes the call's appeal."""

import re

from playwright.sync_api import Locator, expect

import mislink_stack as ms
from conftest import card_for, shot


def choose(locator: Locator) -> None:
    """Picks the first real choice of a booking field: an option of a <select>, else the first of the elements."""
    first = locator.first
    expect(first).to_be_visible()
    if first.evaluate("e => e.tagName") == "SELECT":
        first.locator("option:not([value=''])").first.wait_for(state="attached")
        first.select_option(first.evaluate("e => [...e.options].find(o => o.value !== '' && !o.disabled).value"))
    else:
        first.click()


def test_booking_from_the_card_writes_the_visit_and_completes_the_appeal(operator_page, api, calls):
    page = operator_page
    call = calls.new(ms.SINGLE_NUMBER)
    call.ring("101")
    call.connect("101")
    card, _ = card_for(page, api, call)
    expect(card.get_by_test_id("card-patient-name")).to_contain_text("Смирнова")
    expect(card.get_by_test_id("card-others")).not_to_be_visible()  # the number is hers alone
    card.get_by_test_id("card-book").click()
    choose(page.get_by_test_id("booking-doctor"))
    choose(page.get_by_test_id("booking-service"))
    choose(page.get_by_test_id("booking-slot"))
    shot(page, "booking-form")
    with page.expect_response(lambda r: re.search(r"/api/v1/appeals/\d+/booking$", r.url) is not None
                              and r.request.method == "POST") as booked:
        page.get_by_test_id("booking-submit").click()
    assert booked.value.status == 201, booked.value.text()
    booking = booked.value.json()
    sent = booked.value.request.post_data_json
    shot(page, "booking-done")

    # The call's appeal got the visit: the slot is taken in the MIS's schedule, and the appeal's chain has it.
    appeal = api.call_for_entry(call.entry_id, call.client)["appeal_id"]
    assert booking["appeal_id"] == appeal
    day = booking["start_at"][:10]
    query = f"/api/v1/slots?doctor={sent['doctor_id']}&from={day}&to={day}"
    if sent.get("service_id"):
        query += f"&service={sent['service_id']}"
    free = [slot["start_at"] for slot in api.json(query)["items"]]
    assert booking["start_at"] not in free, f"{booking['start_at']} is still free: {free}"
    kinds = [event["kind"] for event in api.json(f"/api/v1/appeals/{appeal}/events")["items"]]
    print(f"\nappeal {appeal}'s chain after the booking: {kinds}")
    assert any("book" in kind for kind in kinds), f"appeal {appeal}'s chain: {kinds}"
    # Completed: the appeal is no longer open (its chain ends in a closing event).
    assert any(kind in ("booked", "completed", "closed") for kind in kinds), f"appeal {appeal}'s chain: {kinds}"
