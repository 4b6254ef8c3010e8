"""The console's browser benchmark (issue 17), run by `scripts/bench-console`.

1. Card latency: a real Chromium signed in as operator1 (extension 101); ringing calls at `--rate` calls/s for
   `--seconds` s, each to extension 101 from a demo patient's number and hung up `--ring-seconds` later; for each,
   webhook sent → `window.__mislinkCardShown[call_id]` (the page's record after the frame that shows the card).
   Prints p50/p90/p99/max and how many cards never showed.
2. The call-log page: navigation to `/console/#/calls` until the first `call-log-row` is visible, over a log of
   `--calls` calls (MISLINK_CALLS filled before the worker starts, in the database, the way `mislink-bench calls`
   fills it), `--loads` fresh page loads.

Not part of the tests: it takes minutes (the fill of 1,000,000 calls, then the run).
"""

from __future__ import annotations

import argparse
import concurrent.futures
import os
import random
import re
import sys
import tempfile
import threading
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent))
import mislink_stack as ms  # noqa: E402


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]


def summary(values: list[float]) -> str:
    if not values:
        return "no samples"
    return (f"p50 {percentile(values, 50):.0f} ms, p90 {percentile(values, 90):.0f} ms, "
            f"p99 {percentile(values, 99):.0f} ms, max {max(values):.0f} ms")


FILL_CHUNK = 50_000


def fill_calls(count: int):
    """A `prepare_database` hook: `count` ended calls spread over the past year, in PSQL (as mislink-bench calls)."""

    def fill(stack: ms.Stack) -> None:
        started = time.time()
        for first in range(0, count, FILL_CHUNK):
            last = min(count, first + FILL_CHUNK)
            stack.isql(f"""
SET TERM ^ ;
EXECUTE BLOCK AS
DECLARE I INTEGER = {first};
DECLARE R INTEGER;
BEGIN
  WHILE (I < {last}) DO BEGIN
    R = MOD(I * 7919, 100);
    INSERT INTO MISLINK_CALLS (PBX_CALL_ID, DIRECTION, STATE, RESULT, FROM_NUMBER, PHONE_KEY, PATIENT_ID,
        OPERATOR_ID, STARTED_AT, ENDED_AT, TALK_SEC, CREATED_AT, UPDATED_AT)
    VALUES ('bench-' || :I, IIF(:R < 70, 'in', IIF(:R < 95, 'out', 'internal')), 'ended',
        IIF(:R < 55, 'answered', IIF(:R < 70, 'missed', 'answered')),
        '7916' || LPAD(MOD(:I, 200000), 7, '0'), '7916' || LPAD(MOD(:I, 200000), 7, '0'),
        IIF(MOD(:I, 3) = 0, NULL, MOD(:I, {stack.patients}) + 1), MOD(:I, 40) + 1,
        DATEADD(SECOND, -MOD(:I * 31, 31536000) - 86400, CURRENT_TIMESTAMP),
        DATEADD(SECOND, 60 - MOD(:I * 31, 31536000) - 86400, CURRENT_TIMESTAMP), 60,
        CURRENT_TIMESTAMP, CURRENT_TIMESTAMP);
    I = I + 1;
  END
END^
SET TERM ; ^
COMMIT;
""")
            print(f"  {last} calls ({time.time() - started:.0f} s)", file=sys.stderr, flush=True)
        print(f"filled MISLINK_CALLS with {count} calls in {time.time() - started:.0f} s", flush=True)

    return fill


def patient_numbers(stack: ms.Stack, limit: int = 400) -> list[str]:
    """Demo patients' mobile numbers as the PBX sends them (7XXXXXXXXXX)."""
    numbers = []
    for row in stack.rows(f"SELECT FIRST {limit} PHONE_MOBILE AS P FROM PATIENTS WHERE PHONE_MOBILE IS NOT NULL "
                          "ORDER BY ID"):
        digits = re.sub(r"\D", "", row["P"] or "")
        if len(digits) == 10:
            digits = "7" + digits
        if len(digits) == 11 and digits[0] in "78":
            numbers.append("7" + digits[1:])
    return numbers


def card_latency(stack: ms.Stack, page, numbers: list[str], rate: float, seconds: float, ring_seconds: float):
    total = int(rate * seconds)
    sent: dict[str, float] = {}
    failures: list[str] = []
    lock = threading.Lock()
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=16)
    calls: list[ms.Call] = []
    start = time.time() + 0.5

    def ring(call: ms.Call, at: float):
        time.sleep(max(0, at - time.time()))
        try:
            when = call.ring("101")
            with lock:
                sent[call.entry_id] = when
            time.sleep(max(0, at + ring_seconds - time.time()))
            call.hang_up(1110)
        except Exception as error:  # counted, the run goes on
            with lock:
                failures.append(f"{call.entry_id}: {error}")

    for n in range(total):
        call = ms.Call(stack.mango, random.choice(numbers))
        calls.append(call)
        pool.submit(ring, call, start + n / rate)
    pool.shutdown(wait=True)
    elapsed = time.time() - start
    time.sleep(2)  # the last cards' frames
    shown = {int(k): v for k, v in (page.evaluate("() => window.__mislinkCardShown || {}") or {}).items()}
    # Entry id → MisLink's call id, from the call log (newest first).
    ids: dict[str, int] = {}
    cursor = None
    wanted = set(sent)
    while wanted - set(ids):
        query = "/api/v1/calls?limit=200" + (f"&cursor={cursor}" if cursor else "")
        pageful = stack.api.json(query)
        for item in pageful["items"]:
            if item["pbx_call_id"] in wanted:
                ids[item["pbx_call_id"]] = item["id"]
        cursor = pageful.get("next_cursor")
        if not cursor or len(ids) == len(wanted) or pageful["items"][-1]["pbx_call_id"].startswith("bench-"):
            break
    latencies = [shown[ids[e]] - t for e, t in sent.items() if e in ids and ids[e] in shown]
    missing = len(sent) - len(latencies)
    return total, elapsed, latencies, missing, failures


def call_log_loads(context, loads: int) -> list[float]:
    times = []
    for _ in range(loads):
        page = context.new_page()
        started = time.time()
        page.goto("/console/#/calls")
        page.get_by_test_id("call-log-row").first.wait_for(state="visible", timeout=60_000)
        times.append((time.time() - started) * 1000)
        page.close()
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=30, help="seconds of ringing calls (default 30)")
    parser.add_argument("--rate", type=float, default=20, help="ringing calls per second (default 20)")
    parser.add_argument("--ring-seconds", type=float, default=1.5, help="seconds each call rings before the hang-up")
    parser.add_argument("--calls", type=int, default=1_000_000, help="calls in the log for the call-log page")
    parser.add_argument("--loads", type=int, default=10, help="call-log page loads (default 10)")
    parser.add_argument("--patients", type=int, default=20_000, help="demo patients (default 20,000)")
    parser.add_argument("--directory", default=os.environ.get("FIREBIRD_TEST_DIR") or None,
                        help="folder for the temporary database")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()

    binary = Path(os.environ.get("MISLINK_BIN", ms.REPO / ".build" / "release" / "mislink"))
    root = Path(tempfile.mkdtemp(prefix="mislink-bench-console-", dir=args.directory))
    stack = ms.Stack(root=root, mislink=binary, patients=args.patients,
                     prepare_database=fill_calls(args.calls) if args.calls else None)
    print(f"mislink {binary}; folder {root}", flush=True)
    try:
        numbers: list[str] = []
        original = stack.prepare_database

        def prepare(s: ms.Stack):
            numbers.extend(patient_numbers(s))
            if original:
                original(s)

        stack.prepare_database = prepare
        stack.start()
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=os.environ.get("MISLINK_CHROMIUM", "/usr/bin/chromium"), args=["--no-sandbox"])
            context = browser.new_context(base_url=stack.base, locale="ru-RU", viewport={"width": 1366, "height": 900})
            answer = context.request.post("/api/v1/session", data={"login": "operator1", "password": ms.PASSWORD})
            assert answer.status == 200, f"sign-in: {answer.status} {answer.text()}"

            loads = call_log_loads(context, args.loads) if args.loads else []
            # The page's own request, to tell the API's share of a load from the browser's.
            operator = ms.session_api(stack.base, "operator1")
            requests = []
            for _ in range(args.loads):
                started = time.time()
                assert operator.get("/api/v1/calls?limit=50").status == 200
                requests.append((time.time() - started) * 1000)

            page = context.new_page()
            page.goto("/console/#/calls")
            page.get_by_test_id("nav-calls").wait_for(state="visible")
            page.wait_for_timeout(1000)  # the stream is open
            total, elapsed, latencies, missing, failures = card_latency(
                stack, page, numbers, args.rate, args.seconds, args.ring_seconds)
            browser.close()

        print()
        print(f"card latency (webhook sent → card shown), {total} ringing calls at {args.rate:g}/s "
              f"in {elapsed:.1f} s to extension 101 from {len(set(numbers))} demo patients' numbers:")
        print(f"  {summary(latencies)}; cards not shown: {missing}; webhooks failed: {len(failures)}")
        for failure in failures[:5]:
            print(f"  {failure}")
        if loads:
            print(f"call-log page (navigation → first call-log-row visible) over {args.calls:,} calls, "
                  f"{len(loads)} loads:")
            print(f"  first {loads[0]:.0f} ms; {summary(loads)}")
            print(f"  its request GET /api/v1/calls?limit=50 alone: {summary(requests)}")
        return 1 if missing or failures else 0
    finally:
        stack.stop()
        if args.keep:
            print(f"kept {root}")
        else:
            import shutil
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
