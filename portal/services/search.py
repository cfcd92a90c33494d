"""Vietnamese full-text search that ignores tone marks and case.

Text is *folded* (``portal.text.fold``: "Đăng ký khai sinh" → "dang ky khai sinh") both when
it is indexed and when it is searched, so ``dang ky khai sinh``, ``Đăng ký khai sinh`` and
``DANG KY KHAI SINH`` are one query, and ``thuỷ`` / ``thủy`` meet as ``thuy``. The database does
the matching: SQLite through FTS5 (``search_document_fts``), PostgreSQL through a ``tsvector``
with a GIN index. Every word must match as a prefix (partial words help, word order does not
matter); if nothing matches all words, any word will do and the result says it is relaxed.
Ranking: the whole query as a phrase in the title first (shortest title first), then title
matches over body matches.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import Float, Integer, String, TextClause, bindparam, delete, func, select, text
from sqlalchemy.orm import Session

from portal.models import (
    ContentStatus,
    Faq,
    Guide,
    Procedure,
    SearchDocument,
    SearchKind,
)
from portal.text import fold

_TOKEN = re.compile(r"[a-z0-9]+")
MAX_TOKENS = 12

# Ranking tiers, best first: the whole query as a phrase in the title; every word in the
# title (any order); then the engine's relevance, title words weighing more than body words.
# Within the first two tiers the shortest title wins: "Thủ tục đăng ký khai sinh" is more
# specific than "… khai sinh kết hợp đăng ký nhận cha, mẹ, con".
_RANK = (
    "CASE WHEN d.title LIKE :phrase THEN -2000000.0 + length(d.title) "
    "WHEN {all_words} THEN -1000000.0 + length(d.title) ELSE {relevance} END"
)
_SQLITE = (
    "SELECT d.kind AS kind, d.ref_id AS ref_id, {rank} AS rank "
    "FROM search_document_fts CROSS JOIN search_document AS d ON d.id = search_document_fts.rowid "
    "WHERE search_document_fts MATCH :match"
)
_POSTGRES = (
    "SELECT d.kind AS kind, d.ref_id AS ref_id, {rank} AS rank "
    "FROM search_document AS d "
    "WHERE d.tsv @@ to_tsquery('simple', :match) AND d.kind IN :kinds"
)
_RELEVANCE = {
    "sqlite": "bm25(search_document_fts, 0.0, 10.0, 1.0)",
    "postgresql": "-ts_rank(d.tsv, to_tsquery('simple', :match), 1)",
}


@dataclass(frozen=True)
class Query:
    """A parsed search: its folded words, and whether any word (not all) may match."""

    words: tuple[str, ...]
    relaxed: bool = False

    @classmethod
    def parse(cls, raw: str | None) -> Query:
        return cls(tuple(_TOKEN.findall(fold(raw or "")))[:MAX_TOKENS])

    def __bool__(self) -> bool:
        return bool(self.words)

    def relax(self) -> Query:
        return Query(self.words, relaxed=True)


@dataclass
class Found:
    """The matches of one search, by kind, best first, as ``(id, rank)`` (lower is better)."""

    hits: dict[SearchKind, list[tuple[int, float]]]
    relaxed: bool = False

    def ids(self, kind: SearchKind, limit: int | None = None) -> list[int]:
        return [ref for ref, _rank in self.hits.get(kind, [])[:limit]]

    def ranks(self, kind: SearchKind) -> dict[int, float]:
        return dict(self.hits.get(kind, []))


def matches(session: Session, query: Query, kinds: tuple[SearchKind, ...]) -> TextClause:
    """A ``(kind, ref_id, rank)`` statement of the documents of ``kinds`` matching ``query``."""
    if not query:
        raise ValueError("empty search query")
    dialect = session.get_bind().dialect.name
    params: dict = {f"w{i}": f"%{word}%" for i, word in enumerate(query.words)}
    if dialect == "sqlite":
        joiner, template, sql = (" OR " if query.relaxed else " AND "), '"{}"*', _SQLITE
        # Words in the title or body; within one kind, the kind column narrows the index.
        outer = "{title body} : (%s)"
        if len(kinds) == 1:
            outer = "kind : " + kinds[0].value + " AND " + outer
    else:
        joiner, template, sql = (" | " if query.relaxed else " & "), "{}:*", _POSTGRES
        outer = "%s"
        params["kinds"] = tuple(kind.value for kind in kinds)
    all_words = " AND ".join(f"d.title LIKE :w{i}" for i in range(len(query.words)))
    rank = _RANK.format(all_words=all_words,
                        relevance=_RELEVANCE.get(dialect, _RELEVANCE["postgresql"]))
    statement = text(sql.format(rank=rank))
    if "kinds" in params:
        statement = statement.bindparams(bindparam("kinds", expanding=True))
    return statement.bindparams(
        match=outer % joiner.join(template.format(word) for word in query.words),
        phrase=f"%{' '.join(query.words)}%", **params,
    ).columns(kind=String, ref_id=Integer, rank=Float)


def find(session: Session, raw: str | None,
         kinds: tuple[SearchKind, ...] = tuple(SearchKind)) -> Found:
    """Every match of ``kinds`` for the text ``raw``, with one query to the index per attempt.

    Every word must match; when nothing does and there are several words, any word will do
    (``Found.relaxed``).
    """
    query = Query.parse(raw)
    if not query:
        return Found({})
    found = _run(session, query, kinds)
    if found.hits or len(query.words) == 1:
        return found
    return _run(session, query.relax(), kinds)


def _run(session: Session, query: Query, kinds: tuple[SearchKind, ...]) -> Found:
    rows = matches(session, query, kinds).subquery()
    by_value: dict[str, list[tuple[int, float]]] = {kind.value: [] for kind in kinds}
    # Hundreds of rows for a common word: plain tuples, grouped by the kind's string value.
    for kind, ref, rank in session.execute(
        select(rows.c.kind, rows.c.ref_id, rows.c.rank).order_by(rows.c.rank, rows.c.ref_id)
    ):
        by_value[kind].append((ref, rank))
    hits = {SearchKind(value): found for value, found in by_value.items() if found}
    return Found(hits, relaxed=query.relaxed)


# --- Indexing ---------------------------------------------------------------------------------


def index_procedure(session: Session, procedure: Procedure) -> None:
    """Index a published procedure (or drop it from the index when unpublished)."""
    parts = [
        procedure.field.name if procedure.field else "", procedure.subjects_text,
        procedure.result_text, procedure.requirements_text, procedure.authority_text,
        procedure.processing_time_text, procedure.fees_text,
        *(step.text for step in procedure.steps),
        *(component.name for component in procedure.components),
        *(fee.description for fee in procedure.fees),
        *(f"{basis.number or ''} {basis.title or ''}" for basis in procedure.legal_bases),
    ]
    # The code is indexed whole and split ("1.004873 1 004873"): PostgreSQL keeps "1.004873"
    # as one token where SQLite splits it, and either way typing the code finds it.
    code = f"{procedure.code} {procedure.code.replace('.', ' ')}"
    _put(session, SearchKind.PROCEDURE, procedure.id, procedure.published,
         f"{procedure.name} {code}", parts)


def index_guide(session: Session, guide: Guide) -> None:
    """Index a published guide (or drop it)."""
    _put(session, SearchKind.GUIDE, guide.id, guide.status is ContentStatus.PUBLISHED,
         guide.title, [guide.summary, guide.body])


def index_faq(session: Session, faq: Faq) -> None:
    """Index a published FAQ entry (or drop it)."""
    _put(session, SearchKind.FAQ, faq.id, faq.status is ContentStatus.PUBLISHED,
         faq.question, [faq.answer])


def rebuild(session: Session) -> int:
    """Index everything again from scratch; return the number of documents."""
    session.execute(delete(SearchDocument))
    for procedure in session.scalars(select(Procedure)):
        index_procedure(session, procedure)
    for guide in session.scalars(select(Guide)):
        index_guide(session, guide)
    for faq in session.scalars(select(Faq)):
        index_faq(session, faq)
    session.flush()
    return session.scalar(select(func.count()).select_from(SearchDocument))


def is_empty(session: Session) -> bool:
    """True when nothing is indexed yet."""
    return session.scalar(select(SearchDocument.id).limit(1)) is None


def _put(session: Session, kind: SearchKind, ref_id: int, visible: bool, title: str,
         parts: list[str | None]) -> None:
    document = session.scalar(
        select(SearchDocument).where(SearchDocument.kind == kind, SearchDocument.ref_id == ref_id)
    )
    if not visible:
        if document is not None:
            session.delete(document)
        return
    if document is None:
        document = SearchDocument(kind=kind, ref_id=ref_id)
        session.add(document)
    document.title = fold(title)
    document.body = fold(" ".join(part for part in parts if part))
