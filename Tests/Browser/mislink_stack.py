"""The processes the browser tests and the browser benchmark run against, and the helpers that drive them.

A `Stack` is one fresh MisLink in a temporary folder:

- the embedded demo database (`mislink serve` with no database configured builds `var/mislink.fdb` under its
  working directory from SQL/clinic-schema.sql with demo data, the demo operators and the migrations);
- the fake Mango VPBX API (`mislink emulate pbx-api`: commands the worker sends, signed; GET /emulator/commands);
- the fake edna + Chatwoot API (`mislink emulate chat`: messages the worker sends; GET /emulator/sent);
- the worker (`mislink serve`), pointed at both through MISLINK_* variables, on free ports, with an embed secret
  and the origin of the fake web MIS page (`EmbedPage`) allowed.

The database is made in two steps: the worker runs once to build and migrate it and is stopped; isql then reads
the demo operators (their extensions and chat logins) and adds what the tests need that the demo does not have
(an employee for the lock-out test; password hashes if the demo has none yet); then the worker starts for good.
Firebird 3 embedded opens a database file for one process at a time, so everything the tests check while the
worker runs goes through its API (the bearer token is a machine client: it sees everything).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.client
import http.server
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import threading
import time
import urllib.parse
import uuid
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

MANGO_KEY = "browser-vpbx-key"
MANGO_SALT = "browser-vpbx-salt"
API_TOKEN = "browser-api-token"
CHATWOOT_TOKEN = "browser-chatwoot-token"
WEBHOOK_SECRET = "browser-webhook-secret"
EMBED_SECRET = "browser-embed-secret-0123456789abcdef"
PASSWORD = "demo"
LINE = "74951234567"
FAMILY_NUMBER = "79161234567"  # three demo patients share it («и ещё 2»)
SINGLE_NUMBER = "79031112233"  # one demo patient's alone
LOCKOUT_LOGIN = "locktest"  # an employee only the lock-out test signs in as (it stays locked for 15 minutes)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def password_hash(password: str, salt: bytes | None = None) -> str:
    """The reference MIS's stored form: `sha256:<salt hex>:<hex of SHA-256(salt bytes + UTF-8 password)>`."""
    salt = salt or secrets.token_bytes(16)
    return f"sha256:{salt.hex()}:{hashlib.sha256(salt + password.encode()).hexdigest()}"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def embed_token(login: str, secret: str = EMBED_SECRET, lifetime: int = 120) -> str:
    """What the web MIS signs for `MisLinkEmbed.mount`: `base64url(JSON) "." base64url(HMAC-SHA256(secret, part 1))`."""
    now = int(time.time())
    payload = b64url(json.dumps({"login": login, "exp": now + lifetime, "iat": now}, separators=(",", ":")).encode())
    signature = hmac.new(secret.encode(), payload.encode("ascii"), hashlib.sha256).digest()
    return payload + "." + b64url(signature)


# MARK: - HTTP


@dataclass
class Answer:
    status: int
    headers: dict
    body: bytes

    def json(self):
        return json.loads(self.body.decode() or "null")

    @property
    def text(self) -> str:
        return self.body.decode(errors="replace")


def request(base: str, method: str, path: str, body=None, headers: dict | None = None, timeout: float = 30) -> Answer:
    """One HTTP request (JSON in when `body` is not bytes/str)."""
    url = urllib.parse.urlsplit(base)
    headers = dict(headers or {})
    if body is not None and not isinstance(body, (bytes, str)):
        body = json.dumps(body, ensure_ascii=False).encode()
        headers.setdefault("Content-Type", "application/json")
    if isinstance(body, str):
        body = body.encode()
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=timeout)
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        return Answer(response.status, {k.lower(): v for k, v in response.getheaders()}, response.read())
    finally:
        connection.close()


class API:
    """The worker's REST API as a machine client (the bearer token) or as a session (`X-MisLink-Session`)."""

    def __init__(self, base: str, token: str | None = API_TOKEN, session: str | None = None, csrf: str | None = None):
        self.base, self.token, self.session, self.csrf = base, token, session, csrf

    def headers(self, extra: dict | None = None) -> dict:
        headers = {"Accept-Language": "ru"}
        if self.session:
            headers["X-MisLink-Session"] = self.session
        elif self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        headers.update(extra or {})
        return headers

    def call(self, method: str, path: str, body=None, headers: dict | None = None) -> Answer:
        return request(self.base, method, path, body, self.headers(headers))

    def get(self, path: str) -> Answer:
        return self.call("GET", path)

    def json(self, path: str):
        answer = self.get(path)
        assert answer.status == 200, f"GET {path}: {answer.status} {answer.text}"
        return answer.json()

    def call_for_entry(self, entry_id: str, phone: str | None = None, timeout: float = 10):
        """The call-log item of a PBX call (`pbx_call_id` = entry_id), waiting for the worker to store it."""
        deadline = time.time() + timeout
        query = f"/api/v1/calls?limit=50" + (f"&phone={phone}" if phone else "")
        while True:
            for item in self.json(query)["items"]:
                if item.get("pbx_call_id") == entry_id:
                    return item
            if time.time() > deadline:
                raise AssertionError(f"the call {entry_id} is not in GET {query}")
            time.sleep(0.05)

    def thread_for_conversation(self, conversation: int, timeout: float = 10):
        deadline = time.time() + timeout
        while True:
            for item in self.json("/api/v1/threads?limit=200")["items"]:
                if str(item.get("external_id")) == str(conversation):
                    return item
            if time.time() > deadline:
                raise AssertionError(f"the Chatwoot conversation {conversation} is not in GET /api/v1/threads")
            time.sleep(0.05)


def session_api(base: str, login: str, password: str = PASSWORD) -> API:
    """Signs in through `POST /api/v1/session` and returns a session client (the token from the cookie, sent as
    `X-MisLink-Session`, which is its own CSRF proof)."""
    answer = request(base, "POST", "/api/v1/session", {"login": login, "password": password})
    assert answer.status == 200, f"sign-in as {login}: {answer.status} {answer.text}"
    cookie = answer.headers.get("set-cookie", "")
    match = re.search(r"mislink_session=([^;]+)", cookie)
    assert match, f"sign-in as {login}: no mislink_session cookie in {cookie!r}"
    body = answer.json()
    api = API(base, token=None, session=match.group(1), csrf=body.get("csrf_token"))
    api.operator = body.get("operator", {})
    return api


# MARK: - Mango webhooks


class Mango:
    """Signed Mango notifications to the worker: form `vpbx_api_key`, `sign` = sha256(key + json + salt), `json`."""

    def __init__(self, base: str, key: str = MANGO_KEY, salt: str = MANGO_SALT, path: str = "/mango"):
        url = urllib.parse.urlsplit(base)
        self.host, self.port, self.path, self.key, self.salt = url.hostname, url.port, path, key, salt
        self.local = threading.local()

    def _connection(self) -> http.client.HTTPConnection:
        connection = getattr(self.local, "connection", None)
        if connection is None:
            connection = self.local.connection = http.client.HTTPConnection(self.host, self.port, timeout=30)
        return connection

    def send(self, event: str, payload: dict) -> float:
        """Posts `events/<…>`; returns the wall-clock time (ms since the epoch, as `Date.now()`) it was sent at."""
        text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
        sign = hashlib.sha256((self.key + text + self.salt).encode()).hexdigest()
        body = urllib.parse.urlencode({"vpbx_api_key": self.key, "sign": sign, "json": text})
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        for attempt in range(2):
            connection = self._connection()
            try:
                sent = time.time() * 1000
                connection.request("POST", f"{self.path}/{event}", body=body, headers=headers)
                response = connection.getresponse()
                response.read()
                break
            except (http.client.HTTPException, OSError):
                connection.close()
                self.local.connection = None
                if attempt == 1:
                    raise
        assert 200 <= response.status < 300, f"{event}: {response.status}"
        return sent


class Call:
    """One inbound PBX call (one `entry_id`), its legs to extensions, as `events/call` and `events/summary`."""

    def __init__(self, mango: Mango, client: str, line: str = LINE):
        self.mango, self.client, self.line = mango, client, line
        self.entry_id = f"br{uuid.uuid4().hex[:16]}"
        self.seq: dict[str, int] = {}
        self.started = int(time.time())
        self.ended = False
        self.answered_by: str | None = None

    def leg(self, extension: str) -> str:
        return f"{self.entry_id}-{extension}"

    def _event(self, extension: str, state: str, **extra) -> float:
        self.seq[extension] = self.seq.get(extension, 0) + 1
        payload = {
            "entry_id": self.entry_id, "call_id": self.leg(extension), "timestamp": int(time.time()),
            "seq": self.seq[extension], "call_state": state, "location": "abonent",
            "from": {"number": self.client},
            "to": {"extension": extension, "number": f"sip:op{extension}@vpbx400000000.mangosip.ru",
                   "line_number": self.line},
        }
        payload.update(extra)
        return self.mango.send("events/call", payload)

    def ring(self, *extensions: str) -> float:
        """Appeared legs at each extension; returns when the first was sent."""
        return min(self._event(extension, "Appeared") for extension in extensions)

    def connect(self, extension: str) -> float:
        self.answered_by = extension
        return self._event(extension, "Connected")

    def hang_up(self, reason: int = 1110) -> None:
        """Every leg Disconnected, then the summary (answered or missed)."""
        if self.ended:
            return
        self.ended = True
        for extension in self.seq:
            self._event(extension, "Disconnected", disconnect_reason=reason)
        now = int(time.time())
        first = self.answered_by or next(iter(self.seq), "101")
        self.mango.send("events/summary", {
            "entry_id": self.entry_id, "call_direction": 1, "from": {"number": self.client},
            "to": {"extension": first, "number": f"sip:op{first}@vpbx400000000.mangosip.ru"},
            "create_time": self.started, "forward_time": self.started,
            "talk_time": now if self.answered_by else 0, "end_time": now,
            "entry_result": 1 if self.answered_by else 0, "disconnect_reason": reason, "line_number": self.line})


# MARK: - Chatwoot webhooks


class Chatwoot:
    """Chatwoot webhooks to the worker (`/chatwoot/webhook/<secret>`): a conversation, a message, an assignment."""

    def __init__(self, base: str, secret: str = WEBHOOK_SECRET):
        self.base, self.path = base, f"/chatwoot/webhook/{secret}"
        self.next_id = int(time.time()) % 100000 * 10

    def _send(self, payload: dict) -> None:
        answer = request(self.base, "POST", self.path, payload)
        assert 200 <= answer.status < 300, f"chatwoot {payload['event']}: {answer.status} {answer.text}"

    def conversation(self, phone: str, name: str, agent: int, text: str) -> int:
        """A new WhatsApp conversation with one client message, assigned to the Chatwoot agent `agent`."""
        self.next_id += 1
        conversation, contact, message = self.next_id, self.next_id + 500000, self.next_id + 900000
        now = int(time.time())
        sender = {"id": contact, "name": name, "phone_number": "+" + phone, "identifier": None,
                  "custom_attributes": {}, "type": "contact"}
        base = {"id": conversation, "inbox_id": 1, "channel": "Channel::Whatsapp", "status": "open", "can_reply": True,
                "unread_count": 1, "timestamp": now,
                "contact_inbox": {"contact_id": contact, "inbox_id": 1, "source_id": phone},
                "messages": [], "additional_attributes": {}}
        self._send({"event": "conversation_created", **base, "meta": {"sender": sender}})
        self._send({"event": "message_created", "id": message, "content": text, "created_at": now,
                    "message_type": "incoming", "content_type": "text", "content_attributes": {}, "private": False,
                    "source_id": None, "sender": {"id": contact, "name": name, "type": "contact"},
                    "inbox": {"id": 1, "name": "WhatsApp клиники"}, "account": {"id": 1, "name": "Клиника"},
                    "conversation": {"id": conversation, "inbox_id": 1, "status": "open",
                                     "channel": "Channel::Whatsapp", "timestamp": now,
                                     "contact_inbox": {"source_id": phone}}})
        self._send({"event": "conversation_updated", **base, "timestamp": now + 1,
                    "meta": {"sender": sender, "assignee": {"id": agent, "name": f"agent {agent}",
                                                            "available_name": f"agent {agent}", "type": "user"}},
                    "changed_attributes": [{"assignee_id": {"previous_value": None, "current_value": agent}}]})
        return conversation


# MARK: - The fake web MIS page (another origin) for embed.js


class EmbedPage:
    """A small http.server on its own port playing the web MIS: `/mis?login=…` signs an embed token with the shared
    secret and mounts `embed.js` from the worker into a page of this origin."""

    def __init__(self, worker_base: str, port: int, secret: str = EMBED_SECRET):
        self.worker_base, self.port, self.secret = worker_base, port, secret
        self.origin = f"http://127.0.0.1:{port}"
        page = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (http.server's name)
                url = urllib.parse.urlsplit(self.path)
                query = urllib.parse.parse_qs(url.query)
                if url.path == "/mis":
                    login = query.get("login", ["operator1"])[0]
                    body = page.html(embed_token(login, page.secret)).encode()
                    self.send_response(200)
                    self.send_header("Content-Type", "text/html; charset=utf-8")
                elif url.path.startswith("/patients/"):
                    body = f"<h1>Карта пациента {url.path.rsplit('/', 1)[-1]}</h1>".encode()
                    self.send_response(200)
                    self.send_header("Content-Type", "text/html; charset=utf-8")
                else:
                    body = b"not found"
                    self.send_response(404)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def html(self, token: str) -> str:
        base = self.worker_base
        return f"""<!doctype html>
<html lang="ru"><head><meta charset="utf-8"><title>Веб-МИС (тест)</title></head>
<body>
<h1>Расписание — веб-МИС клиники</h1>
<div id="mislink-card"></div>
<script src="{base}/console/embed.js"></script>
<script>
  window.__embedError = null;
  try {{
    const mounted = MisLinkEmbed.mount(document.getElementById("mislink-card"), {{baseURL: "{base}", token: "{token}"}});
    if (mounted && mounted.catch) mounted.catch(e => {{ window.__embedError = String(e); }});
  }} catch (e) {{ window.__embedError = String(e); }}
</script>
</body></html>"""

    def start(self):
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


# MARK: - The processes


@dataclass
class Operator:
    staff_id: int
    login: str
    name: str
    extension: str | None
    chat_login: str | None
    chat_agent: int | None = None


@dataclass
class Process:
    name: str
    popen: subprocess.Popen
    log: Path

    def alive(self) -> bool:
        return self.popen.poll() is None

    def stop(self, timeout: float = 15) -> None:
        if self.popen.poll() is not None:
            return
        try:
            os.killpg(self.popen.pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        try:
            self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait()


@dataclass
class Stack:
    root: Path
    mislink: Path
    patients: int = 2000
    prepare_database: "callable | None" = None  # extra isql SQL run while the worker is stopped (the benchmark's fill)
    ports: dict = field(default_factory=dict)
    processes: list = field(default_factory=list)
    operators: dict = field(default_factory=dict)

    def __repr__(self) -> str:
        return f"Stack({self.root}, worker {getattr(self, 'base', '?')})"

    def __post_init__(self):
        self.root.mkdir(parents=True, exist_ok=True)
        for name in ("worker", "pbx", "chat", "embed"):
            self.ports[name] = free_port()
        self.base = f"http://127.0.0.1:{self.ports['worker']}"
        self.pbx_base = f"http://127.0.0.1:{self.ports['pbx']}"
        self.chat_base = f"http://127.0.0.1:{self.ports['chat']}"
        self.embed = EmbedPage(self.base, self.ports["embed"])
        self.database = self.root / "var" / "mislink.fdb"

    # The environment every process gets: the worker reads its settings from it, the emulator its credentials.
    def environment(self, agents: str = "") -> dict:
        env = dict(os.environ)
        for key in [k for k in env if k.startswith("MISLINK_")] + ["ISC_PASSWORD"]:
            env.pop(key, None)  # a developer's own settings must not leak in (MISLINK_DATABASE would stop the demo)
        env.update({
            "ISC_USER": "SYSDBA",
            "MISLINK_LISTEN": f"127.0.0.1:{self.ports['worker']}",
            "MISLINK_DEMO_PATIENTS": str(self.patients),
            "MISLINK_LOG_LEVEL": "info",
            "MISLINK_MANGO_API_KEY": MANGO_KEY,
            "MISLINK_MANGO_API_SALT": MANGO_SALT,
            "MISLINK_MANGO_BASE_URL": self.pbx_base,
            "MISLINK_CHAT_PLATFORM": "chatwoot",
            "MISLINK_CHATWOOT_BASE_URL": self.chat_base,
            "MISLINK_CHATWOOT_API_TOKEN": CHATWOOT_TOKEN,
            "MISLINK_CHATWOOT_WEBHOOK_SECRET": WEBHOOK_SECRET,
            "MISLINK_EDNA_BASE_URL": self.chat_base,
            "MISLINK_EDNA_WEBHOOK_SECRET": WEBHOOK_SECRET,
            "MISLINK_API_TOKEN": API_TOKEN,
            "MISLINK_TELEPHONY_RECONCILE_MINUTES": "0",
            "MISLINK_CONSOLE_EMBED_SECRET": EMBED_SECRET,
            "MISLINK_CONSOLE_EMBED_ORIGINS": self.embed.origin,
            "MISLINK_CONSOLE_PATIENT_URL_TEMPLATE": self.embed.origin + "/patients/{patient_id}",
        })
        if agents:
            env["MISLINK_CHAT_AGENTS"] = agents
        return env

    def spawn(self, name: str, arguments: list, env: dict) -> Process:
        log = self.root / f"{name}.log"
        handle = open(log, "ab")
        popen = subprocess.Popen([str(self.mislink)] + arguments, cwd=self.root, env=env, stdout=handle,
                                 stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
        handle.close()
        process = Process(name, popen, log)
        self.processes.append(process)
        return process

    def wait_healthy(self, process: Process, base: str, path: str, timeout: float) -> None:
        deadline = time.time() + timeout
        while time.time() < deadline:
            if not process.alive():
                raise RuntimeError(f"{process.name} exited ({process.popen.returncode}):\n{tail(process.log)}")
            try:
                if request(base, "GET", path, timeout=2).status < 500:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"{process.name} did not answer {base}{path} in {timeout:.0f} s:\n{tail(process.log)}")

    def start(self) -> "Stack":
        # 1. Build and migrate the demo database, then stop.
        first = self.spawn("worker-create", ["serve"], self.environment())
        self.wait_healthy(first, self.base, "/health", 600)
        first.stop()
        # 2. While no process holds the file: the operators, and what the tests add.
        self.prepare_staff()
        if self.prepare_database:
            self.prepare_database(self)
        agents = ",".join(f"chatwoot:{op.chat_agent}={op.chat_login}" for op in self.operators.values()
                          if op.chat_login and op.chat_agent)
        env = self.environment(agents)
        # 3. The emulator and the worker, for good.
        pbx = self.spawn("pbx", ["emulate", "pbx-api", "--port", str(self.ports["pbx"]), "--target", self.base], env)
        chat = self.spawn("chat", ["emulate", "chat", "--port", str(self.ports["chat"])], env)
        self.worker = self.spawn("worker", ["serve"], env)
        self.wait_healthy(pbx, self.pbx_base, "/emulator/commands", 60)
        self.wait_healthy(chat, self.chat_base, "/emulator/sent", 60)
        self.wait_healthy(self.worker, self.base, "/health", 120)
        self.embed.start()
        self.api = API(self.base)
        self.mango = Mango(self.base)
        self.chatwoot = Chatwoot(self.base)
        return self

    def stop(self) -> None:
        for process in reversed(self.processes):
            process.stop()
        try:
            self.embed.stop()
        except Exception:
            pass

    # MARK: isql (only while the worker is stopped)

    def isql(self, script: str) -> str:
        result = subprocess.run(
            ["isql-fb", "-q", "-u", "SYSDBA", "-ch", "UTF8", str(self.database)], input=script, text=True,
            capture_output=True, cwd=self.root, timeout=600)
        if result.returncode != 0 or "Statement failed" in result.stderr or "SQLSTATE" in result.stderr:
            raise RuntimeError(f"isql-fb failed ({result.returncode}):\n{result.stderr}\n{result.stdout}")
        return result.stdout

    def rows(self, select: str) -> list[dict]:
        """A SELECT through isql's SET LIST output: one dict per row, values as text (None for <null>)."""
        out = self.isql(f"SET LIST ON;\n{select};\n")
        rows, current = [], {}
        for line in out.splitlines():
            if not line.strip():
                if current:
                    rows.append(current)
                    current = {}
                continue
            name, _, value = line.partition(" ")
            value = value.strip()
            current[name] = None if value == "<null>" else value
        if current:
            rows.append(current)
        return rows

    def prepare_staff(self) -> None:
        """Reads the demo operators (extensions 101 and 102, the administrator) and adds the lock-out employee.

        The demo data gives them the logins operator1, operator2 and admin with the password `demo`
        (MisLinkDemoData's DemoShowcase); where a login or a hash is missing, the fixture sets it the same way."""
        has_hash = self.rows("SELECT COUNT(*) AS N FROM RDB$RELATION_FIELDS "
                             "WHERE RDB$RELATION_NAME = 'STAFF' AND RDB$FIELD_NAME = 'PASSWORD_HASH'")[0]["N"] != "0"
        script = []
        if not has_hash:
            script.append("ALTER TABLE STAFF ADD PASSWORD_HASH VARCHAR(200);\nCOMMIT;")
        wanted = {"101": "operator1", "102": "operator2", None: "admin"}
        for extension, login in wanted.items():
            where = f"SIP_EXTENSION = '{extension}'" if extension else "ROLE = 'admin' AND UPPER(MIS_LOGIN) = 'ADMIN'"
            script.append(f"UPDATE STAFF SET MIS_LOGIN = '{login}', PASSWORD_HASH = '{password_hash(PASSWORD)}' "
                          f"WHERE {where} AND (PASSWORD_HASH IS NULL OR MIS_LOGIN <> '{login}');")
        script.append(
            "INSERT INTO STAFF (FULL_NAME, ROLE, MIS_LOGIN, IS_ACTIVE, PASSWORD_HASH) "
            f"VALUES ('Проверкина Блокировка Тестовна', 'operator', '{LOCKOUT_LOGIN}', 1, '{password_hash(PASSWORD)}');")
        script.append("COMMIT;")
        self.isql("\n".join(script) + "\n")
        rows = self.rows("SELECT ID, TRIM(MIS_LOGIN) AS LOGIN, FULL_NAME, TRIM(SIP_EXTENSION) AS EXT, "
                         "TRIM(CHAT_LOGIN) AS CHAT FROM STAFF WHERE MIS_LOGIN IN "
                         f"('operator1', 'operator2', 'admin', '{LOCKOUT_LOGIN}') ORDER BY ID")
        agents = {"operator1": 11, "operator2": 12}
        for row in rows:
            self.operators[row["LOGIN"]] = Operator(
                staff_id=int(row["ID"]), login=row["LOGIN"], name=row["FULL_NAME"], extension=row["EXT"],
                chat_login=row["CHAT"], chat_agent=agents.get(row["LOGIN"]))
        missing = {"operator1", "operator2", "admin", LOCKOUT_LOGIN} - set(self.operators)
        if missing:
            raise RuntimeError(f"the demo database has no employees for {sorted(missing)}")

    # MARK: the fakes' records

    def pbx_commands(self) -> list:
        return request(self.pbx_base, "GET", "/emulator/commands").json()

    def chat_sent(self) -> list:
        return request(self.chat_base, "GET", "/emulator/sent").json()


def tail(path: Path, lines: int = 80, start: int = 0) -> str:
    try:
        with open(path, "rb") as handle:
            handle.seek(start)
            text = handle.read().decode(errors="replace")
    except OSError:
        return ""
    return "\n".join(text.splitlines()[-lines:])
