"""Fuzz suite (issue 13, "Input is typed at the edge"): hostile requests never answer 5xx.

Every POST endpoint listed from ``app.url_map`` is sent hypothesis-made bodies through the
Flask client, as an anonymous visitor, a citizen, an administrator and a receiving officer:
the route's real form (found by reading the pages the user can open) with fields changed,
dropped or added; form, multipart and JSON bodies; file parts under any name; huge and
negative numbers, NUL bytes, RTL marks, combining marks, emoji and lone surrogates. Path
parameters take real ids and codes from the demo data and hostile values (beyond 32 and 64
bits, thousands of digits, markup). GET routes get hostile query strings, lightly, and every
page is opened again at the end (what a fuzzed request stored must not break it later).

Bounded for CI: ``FUZZ_EXAMPLES`` (default 2) examples per route and user. ``make fuzz`` runs
many more. A failure names the request and the server's traceback.
"""
from __future__ import annotations

import html.parser
import io
import logging
import os
import re
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote_from_bytes, urlsplit

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from werkzeug.routing import Rule

from portal.extensions import db
from tests.conftest import login

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "2"))
#: The users the suite acts as: (name, login e-mail or None for anonymous).
USERS = [("anonymous", None), ("citizen", "congdan@demo.local"),
         ("admin", "quantri@demo.local"), ("officer", "motcua@demo.local")]
#: Endpoints that end the session: fuzzed last, logged in again after each example.
SESSION_ENDERS = {"account.logout", "account.logout_everywhere", "account.delete"}

HOSTILE_INTS = ["0", "-1", "2147483647", "2147483648", "4294967296", "9223372036854775807",
                "9223372036854775808", "9" * 40, "9" * 5000, "1e309", "٣", "²", "²²²²", "①",
                "00000000001"]
HOSTILE_TEXT = ["", " ", "\x00", "a\x00b", "\u202e\u200f", "e\u0301\u0301\u0301", "🙂👨‍👩‍👧",
                "<script>alert(1)</script>", "' OR 1=1 --", "\ufeff", "\ud800", "a\udfffb",
                "%00", "../../etc/passwd", "x" * 5000, "ǅ\u0000\u001f\u007f", "nan", "inf",
                "1/1/99999", "31/02/2024", "on", "true", "[]", "{}", "Ngô Thị Thu-Hà",
                "cà phê sáng ở bến sông " * 5, "y" * 256, "z" * 257]
VALUES = st.one_of(st.sampled_from(HOSTILE_INTS + HOSTILE_TEXT), st.text(max_size=30),
                   st.integers(min_value=-(2 ** 70), max_value=2 ** 70).map(str))
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2 ** 70), max_value=2 ** 70)
    | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner,
                                                                max_size=3),
    max_leaves=8)
HEALTH = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
          HealthCheck.data_too_large, HealthCheck.filter_too_much]


# --- reading the pages: which forms post where, with which fields -------------------------

class _FormReader(html.parser.HTMLParser):
    """Collects each ``<form>``'s action, method and fields (name, current value)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[tuple[str, str, list[tuple[str, str]]]] = []
        self._fields: list[tuple[str, str]] | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._fields = []
            self.forms.append((a.get("action", ""), a.get("method", "get").lower(),
                               self._fields))
        elif self._fields is not None and a.get("name"):
            self._add_field(tag, a)

    def _add_field(self, tag: str, a: dict) -> None:
        if tag == "input" and a.get("type") in ("checkbox", "radio") and "checked" not in a:
            return
        if tag == "textarea":
            self._textarea = a["name"]
            return
        if tag in ("input", "select", "button"):
            self._fields.append((a["name"], a.get("value", "")))

    def handle_data(self, data):
        if self._textarea is not None and self._fields is not None:
            self._fields.append((self._textarea, data))
            self._textarea = None

    def handle_endtag(self, tag):
        if tag == "form":
            self._fields = None
        elif tag == "textarea" and self._textarea is not None:
            self._fields.append((self._textarea, ""))
            self._textarea = None


@dataclass
class Target:
    """One POST endpoint: its rules, concrete paths to post to, the fields of its real forms."""

    rules: list[Rule]
    paths: set[str] = field(default_factory=set)
    forms: list[list[tuple[str, str]]] = field(default_factory=list)
    names: set[str] = field(default_factory=set)


def _read_forms(page_path: str, body: str, adapter, targets: dict[str, Target],
                query_names: set[str]) -> None:
    reader = _FormReader()
    reader.feed(body)
    for action, method, fields in reader.forms:
        if method != "post":
            query_names.update(name for name, _ in fields)
            continue
        path = urlsplit(action).path or page_path
        try:
            endpoint, _args = adapter.match(path, method="POST")
        except Exception:  # noqa: BLE001 - a link outside the app or to a GET-only page
            continue
        if endpoint in targets:
            targets[endpoint].paths.add(path)
            targets[endpoint].forms.append(fields)
            targets[endpoint].names.update(name for name, _ in fields)


# --- real and hostile path parameters ------------------------------------------------------

def _ids(model, column="id", where=None) -> list[str]:
    query = select(getattr(model, column)).limit(4)
    if where is not None:
        query = query.where(where)
    return [str(value) for value in db.session.scalars(query)]


def real_values(app, draft_token: str | None) -> dict[str, list[str]]:
    """Real path values from the demo data, keyed by ``endpoint-prefix:argument``."""
    from portal import models as m

    with app.app_context():
        values = {
            "code": _ids(m.Dossier, "code"), "applications.start:code": _procedure_codes(),
            "backoffice.petition_act:code": _ids(m.Petition, "code"),
            "backoffice.question_act:question_id": _ids(m.Question),
            "question_id": _ids(m.SurveyQuestion), "component_id": _ids(m.DossierComponent),
            "consultation_id": _ids(m.Consultation), "form_id": _ids(m.FormSpec),
            "number": ["1", "2"], "user_id": _ids(m.User), "agency_id": _ids(m.Agency),
            "official_id": _ids(m.Official), "survey_id": _ids(m.Survey),
            "field_id": _ids(m.Field), "procedure_id": _ids(m.Procedure),
            "attachment_id": _ids(m.Attachment), "slug": _ids(m.Survey, "slug"),
            "_guide:item_id": _ids(m.Guide), "_faq:item_id": _ids(m.Faq),
            "_notice:item_id": _ids(m.Notice), "token": [draft_token or "x"],
        }
    return values


def _procedure_codes() -> list[str]:
    from portal import models as m

    return list(db.session.scalars(select(m.Procedure.code).join(
        m.FormSpec, m.FormSpec.procedure_id == m.Procedure.id).where(
        m.Procedure.published.is_(True)).limit(2)))


def _action_names(app, endpoint: str) -> list[str]:
    module = sys.modules[app.view_functions[endpoint].__module__]
    return list(getattr(module, "ACTIONS", {}) or ["x"])


def param_choices(app, rule: Rule, real: dict[str, list[str]]) -> dict[str, list[str]]:
    """For each argument of ``rule``: real values first, then hostile ones."""
    out = {}
    for arg in rule.arguments:
        keys = [f"{rule.endpoint}:{arg}", *(f"{suffix}:{arg}" for suffix in
                                            ("_guide", "_faq", "_notice")
                                            if rule.endpoint.endswith(suffix)), arg]
        found = next((real[k] for k in keys if real.get(k)), [])
        if arg == "action":
            found = _action_names(app, rule.endpoint)
        hostile = HOSTILE_INTS if _is_int(rule, arg) else ["x", "a" * 300, "🙂", "<b>", "%2e%2e"]
        out[arg] = found + hostile
    return out


def _is_int(rule: Rule, arg: str) -> bool:
    return type(rule._converters[arg]).__name__.lower().startswith(("int", "bounded"))


_PARAM = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")


def build_path(rule: Rule, values: dict[str, str]) -> str:
    """The rule's path with the given raw values (not checked by the converters)."""
    return _PARAM.sub(lambda match: quote_from_bytes(
        values[match.group(1)].encode("utf-8", "surrogatepass"), safe=""), rule.rule)


# --- bodies --------------------------------------------------------------------------------

def _encode(text: str) -> str:
    """Percent-encode, lone surrogates included (as a careless client would send them)."""
    return quote_from_bytes(text.encode("utf-8", "surrogatepass"), safe="")


def _printable(text: str) -> str:
    """``text`` with lone surrogates replaced, for the parts the test client must encode."""
    return text.encode("utf-8", "replace").decode("utf-8")


@st.composite
def form_fields(draw, target: Target) -> list[tuple[str, str]]:
    """A real form of the target with some fields changed, dropped or added."""
    base = list(draw(st.sampled_from(target.forms))) if target.forms else []
    names = sorted(target.names) or ["x"]
    changed = []
    for name, value in base:
        roll = draw(st.integers(0, 5))
        if roll == 0:
            continue  # dropped
        changed.append((name, draw(VALUES) if roll == 1 else value))
    extra = draw(st.lists(st.tuples(st.sampled_from(names) | st.text(max_size=12), VALUES),
                          max_size=3))
    return changed + extra


@st.composite
def requests(draw, target: Target, params: dict[str, dict[str, list[str]]]) -> dict:
    """Keyword arguments for ``client.open``: path, body and headers."""
    rule = draw(st.sampled_from(target.rules))
    values = {arg: draw(st.sampled_from(choices)) for arg, choices in params[rule.rule].items()}
    real_path = sorted(target.paths)
    path = (draw(st.sampled_from(real_path)) if real_path and draw(st.booleans())
            else build_path(rule, values))
    fields = draw(form_fields(target))
    headers = draw(st.sampled_from([{}, {"HX-Request": "true"},
                                    {"Accept": "application/json"}]))
    kind = draw(st.sampled_from(["form", "form", "multipart", "json", "raw"]))
    kwargs = {"path": path, "method": "POST", "headers": headers}
    if kind == "form":
        kwargs["data"] = "&".join(f"{_encode(k)}={_encode(v)}" for k, v in fields)
        kwargs["content_type"] = "application/x-www-form-urlencoded"
    elif kind == "multipart":
        kwargs["data"] = _multipart(draw, fields, sorted(target.names))
    elif kind == "json":
        kwargs["json"] = draw(st.one_of(JSON_VALUES, st.just(dict(fields))))
    else:
        kwargs["data"] = draw(st.binary(max_size=200))
        kwargs["content_type"] = draw(st.sampled_from(
            ["text/plain", "application/xml", "application/octet-stream", "multipart/form-data",
             "application/x-www-form-urlencoded; charset=latin-1"]))
    return kwargs


FILES = [b"", b"%PDF-1.4\n%\xe2\xe3\n", b"\x89PNG\r\n\x1a\n" + b"\x00" * 20, b"PK\x03\x04",
         b'{"a": 1}', b"[1, 2]", "Tên tệp".encode(), b"\xff\xfe\x00"]


def _multipart(draw, fields, names) -> dict:
    data: dict = {}
    for name, value in fields:
        data.setdefault(_printable(name), []).append(_printable(value))
    for _ in range(draw(st.integers(0, 2))):
        name = _printable(draw(st.sampled_from(["tep", "file", "logo", "ket-qua", *names])
                               | st.text(min_size=1, max_size=8)))
        content = draw(st.sampled_from(FILES) | st.binary(max_size=64))
        filename = _printable(draw(st.sampled_from(["a.pdf", "b.png", "c.docx", "d.json", ""])
                                   | st.text(max_size=12)))
        data.setdefault(name, []).append((io.BytesIO(content), filename))
    return data


# --- running ---------------------------------------------------------------------------------

class _Errors(logging.Handler):
    """Keeps the tracebacks the app logs, to show beside a failing request."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[str] = []

    def emit(self, record):
        self.records.append(self.format(record))


@pytest.fixture
def server_errors():
    """Tracebacks the ``portal`` logger writes during the test."""
    handler = _Errors()
    handler.setFormatter(logging.Formatter("%(message)s"))
    logger = logging.getLogger("portal")
    logger.addHandler(handler)
    yield handler
    logger.removeHandler(handler)


def _describe(kwargs: dict) -> str:
    data = kwargs.get("data", kwargs.get("json"))
    if isinstance(data, dict):
        data = {k: [v if isinstance(v, str) else "<file>" for v in vs] for k, vs in data.items()}
    text = repr(data)
    return (f"{kwargs['method']} {kwargs['path']} headers={kwargs['headers']} "
            f"type={kwargs.get('content_type', 'json' if 'json' in kwargs else 'multipart')} "
            f"body={text[:600]}")


#: Answers by endpoint and status class, printed at the end of each test (``-s`` shows it).
TALLY: Counter = Counter()


def send(client, kwargs: dict, errors: _Errors, user: str) -> None:
    """Send one request; fail with the request and the server's traceback on a 5xx."""
    before = len(errors.records)
    response = client.open(**kwargs)
    status = response.status_code
    response.close()
    TALLY[f"{status // 100}xx"] += 1
    assert status < 500, (f"{status} as {user}: {_describe(kwargs)}\n"
                          + "\n".join(errors.records[before:])[-3000:])


# --- the user's view of the app ------------------------------------------------------------

#: GET pages not worth reading for forms (files, documents, machine formats).
_NOT_PAGES = re.compile(r"file|download|export|pdf|slip|csv|static|logo|healthz|robots|"
                        r"sitemap|result|receipt|printable|blank_form|set_language|report_file")


def seed_dossiers(app) -> None:
    """The demo dossiers (at every stage) and survey, so dossier pages have real codes."""
    from portal.services import demo_dossiers, demo_survey

    with app.app_context():
        demo_dossiers.seed(db.session)
        demo_survey.seed(db.session)
        db.session.commit()


def start_draft(app, client) -> str | None:
    """Start a draft of a demo procedure with an e-form; its secret token."""
    with app.app_context():
        code = _procedure_codes()[0]
    location = client.post(f"/nop-ho-so/{code}").headers.get("Location", "")
    match = re.search(r"/nop-ho-so/nhap/([^/?]+)", location)
    return match.group(1) if match else None


def read_pages(app, client, real: dict[str, list[str]], targets: dict[str, Target],
               query_names: set[str]) -> list[str]:
    """GET every page the user can open (real path values); note its POST forms in
    ``targets`` and the fields of its GET forms in ``query_names``."""
    adapter = app.url_map.bind("localhost")
    pages = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or _NOT_PAGES.search(rule.endpoint):
            continue
        params = param_choices(app, rule, real)
        path = build_path(rule, {arg: values[0] for arg, values in params.items()})
        response = client.get(path)
        if response.status_code == 200 and response.mimetype == "text/html":
            pages.append(path)
            _read_forms(path, response.get_data(as_text=True), adapter, targets, query_names)
        response.close()
    return pages


def post_targets(app) -> dict[str, Target]:
    """Every POST endpoint of the app; the ones that end the session come last."""
    rules = [rule for rule in app.url_map.iter_rules() if "POST" in rule.methods]
    rules.sort(key=lambda rule: (rule.endpoint in SESSION_ENDERS, rule.rule))
    targets: dict[str, Target] = {}
    for rule in rules:
        targets.setdefault(rule.endpoint, Target([])).rules.append(rule)
    return targets


def ensure_logged_in(client, email: str | None) -> None:
    """Log in again if a fuzzed request logged the user out (or changed who it is)."""
    if email is None:
        return
    response = client.get("/tai-khoan/")
    response.close()
    if response.status_code != 200:
        assert login(client, email).status_code in (302, 303)


# --- the tests -------------------------------------------------------------------------------

def _fuzz_target(app, client, target: Target, real, errors, user: str) -> None:
    params = {rule.rule: param_choices(app, rule, real) for rule in target.rules}

    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=HEALTH,
              database=None, phases=[Phase.generate, Phase.shrink], print_blob=True)
    @given(kwargs=requests(target, params))
    def run(kwargs):
        send(client, kwargs, errors, user)

    run()


#: Query-string names the views read, found in their source, and a few common ones.
QUERY_NAMES = sorted(set(re.findall(
    r"""args\.get(?:list)?\(\s*["']([^"']+)""",
    "\n".join(path.read_text() for path in Path(__file__).resolve().parent.parent.joinpath(
        "portal").rglob("*.py")))) | {"trang", "page", "id", "kenh", "nam", "thu-tuc",
                                      "linh-vuc", "co-quan", "so-voi", "tu", "den"})


#: Values every page gets under every query name (beyond 64 bits, beyond 32, not ASCII).
FIXED_PROBES = ("9" * 40, "2147483648", "²²²²")


@st.composite
def queries(draw, page: str, names: list[str]) -> str:
    """``page`` with a hostile query string: each known name is present or not, most with a
    huge, negative or odd number (one request tries many filters at once)."""
    pairs = [(name, draw(st.sampled_from(HOSTILE_INTS) | VALUES)) for name in names
             if draw(st.booleans())]
    pairs += draw(st.lists(st.tuples(st.text(max_size=8), VALUES), max_size=2))
    query = "&".join(f"{_encode(k)}={_encode(v)}" for k, v in pairs)
    return f"{page}?{query}"


def _fuzz_queries(client, pages: list[str], names: set[str], errors, user: str) -> None:
    """``EXAMPLES`` hostile query strings on each page; failures are gathered per page."""
    failures = []
    everything = sorted(names | set(QUERY_NAMES))
    for page in pages:
        for value in FIXED_PROBES:  # every name at once: no filter is left to chance
            query = "&".join(f"{_encode(name)}={_encode(value)}" for name in everything)
            try:
                send(client, {"path": f"{page}?{query}", "method": "GET", "headers": {}},
                     errors, user)
            except AssertionError as error:
                failures.append(f"GET {page}: {error}")

        @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=HEALTH,
                  database=None, print_blob=True)
        @given(path=queries(page, everything))
        def run(path):
            send(client, {"path": path, "method": "GET", "headers": {}}, errors, user)

        try:
            run()
        except Exception as error:  # noqa: BLE001 - an assertion, or hypothesis' group of them
            failures.append(f"GET {page}: {_text(error)}")
    assert not failures, "\n\n".join(failures)


def revisit(client, pages: list[str], errors, user: str) -> list[str]:
    """Open every page again: nothing the fuzzed requests stored may break a page later."""
    failures = []
    for page in pages:
        try:
            send(client, {"path": page, "method": "GET", "headers": {}}, errors, user)
        except AssertionError as error:
            failures.append(f"GET {page} after the fuzzed requests: {error}")
    return failures


def _text(error: BaseException) -> str:
    if isinstance(error, BaseExceptionGroup):
        return "\n".join(_text(inner) for inner in error.exceptions)
    return str(error)


@pytest.mark.parametrize("user, email", USERS, ids=[u for u, _ in USERS])
def test_requests_never_answer_5xx(app, demo, server_errors, user, email):
    """Hostile query strings on every page, hostile bodies and path values on every POST
    endpoint: 4xx at worst (issue 13)."""
    seed_dossiers(app)
    client = app.test_client()
    if email:
        assert login(client, email).status_code in (302, 303)
    real = real_values(app, start_draft(app, client))
    targets = post_targets(app)
    query_names: set[str] = set()
    pages = read_pages(app, client, real, targets, query_names)
    failures = []
    try:
        _fuzz_queries(client, pages, query_names, server_errors, user)
    except AssertionError as error:
        failures.append(str(error))
    for endpoint, target in targets.items():
        try:
            _fuzz_target(app, client, target, real, server_errors, user)
        except Exception as error:  # noqa: BLE001 - as above
            failures.append(f"{endpoint}: {_text(error)}")
        ensure_logged_in(client, email)
    failures += revisit(client, pages, server_errors, user)
    print(f"fuzz {user}: {len(pages)} pages, {len(targets)} POST endpoints, "
          f"{EXAMPLES} examples each: {dict(sorted(TALLY.items()))}")
    TALLY.clear()
    assert not failures, "\n\n".join(failures)
