"""Guides, FAQ, notices, officials; the search index (FTS5 / tsvector); procedure order.

Revision ID: 1795330080
Revises: 1795328834
Create Date: 2026-11-22 06:48:00.308921

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '1795330080'
down_revision: Union[str, Sequence[str], None] = '1795328834'
branch_labels: Union[str, Sequence[str], None] = ()
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('notice',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=255), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('body_html', sa.Text(), nullable=False),
    sa.Column('status', sa.Enum('draft', 'published', 'archived', name='contentstatus', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notice'))
    )
    with op.batch_alter_table('notice', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notice_published_at'), ['published_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_notice_status'), ['status'], unique=False)

    op.create_table('search_document',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('procedure', 'guide', 'faq', name='searchkind', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('ref_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_search_document')),
    sa.UniqueConstraint('kind', 'ref_id', name=op.f('uq_search_document_kind_ref_id'))
    )
    op.create_table('faq',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=120), nullable=False),
    sa.Column('question', sa.Text(), nullable=False),
    sa.Column('answer', sa.Text(), nullable=False),
    sa.Column('answer_html', sa.Text(), nullable=False),
    sa.Column('field_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.Enum('draft', 'published', 'archived', name='contentstatus', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('sort_order', sa.Integer(), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['field_id'], ['field.id'], name=op.f('fk_faq_field_id_field'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_faq')),
    sa.UniqueConstraint('slug', name=op.f('uq_faq_slug'))
    )
    with op.batch_alter_table('faq', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_faq_status'), ['status'], unique=False)

    op.create_table('guide',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=120), nullable=False),
    sa.Column('title', sa.String(length=255), nullable=False),
    sa.Column('summary', sa.Text(), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('body_html', sa.Text(), nullable=False),
    sa.Column('field_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.Enum('draft', 'published', 'archived', name='contentstatus', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['field_id'], ['field.id'], name=op.f('fk_guide_field_id_field'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_guide')),
    sa.UniqueConstraint('slug', name=op.f('uq_guide_slug'))
    )
    with op.batch_alter_table('guide', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_guide_status'), ['status'], unique=False)

    op.create_table('official',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('title', sa.String(length=255), nullable=False),
    sa.Column('title_en', sa.String(length=255), nullable=True),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('phone', sa.String(length=50), nullable=True),
    sa.Column('email', sa.String(length=255), nullable=True),
    sa.Column('sort_order', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agency.id'], name=op.f('fk_official_agency_id_agency'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_official'))
    )
    op.create_table('faq_procedure',
    sa.Column('faq_id', sa.Integer(), nullable=False),
    sa.Column('procedure_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['faq_id'], ['faq.id'], name=op.f('fk_faq_procedure_faq_id_faq'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['procedure_id'], ['procedure.id'], name=op.f('fk_faq_procedure_procedure_id_procedure'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('faq_id', 'procedure_id', name=op.f('pk_faq_procedure'))
    )
    with op.batch_alter_table('faq_procedure', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_faq_procedure_procedure_id'), ['procedure_id'], unique=False)

    op.create_table('guide_procedure',
    sa.Column('guide_id', sa.Integer(), nullable=False),
    sa.Column('procedure_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['guide_id'], ['guide.id'], name=op.f('fk_guide_procedure_guide_id_guide'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['procedure_id'], ['procedure.id'], name=op.f('fk_guide_procedure_procedure_id_procedure'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('guide_id', 'procedure_id', name=op.f('pk_guide_procedure'))
    )
    with op.batch_alter_table('guide_procedure', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_guide_procedure_procedure_id'), ['procedure_id'], unique=False)

    with op.batch_alter_table('agency', schema=None) as batch_op:
        batch_op.add_column(sa.Column('description', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('description_html', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('description_en', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('description_en_html', sa.Text(), nullable=True))

    with op.batch_alter_table('procedure', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sort_key', sa.String(length=255), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('popularity', sa.Integer(), nullable=False,
                                      server_default='0'))
        batch_op.create_index(batch_op.f('ix_procedure_sort_key'), ['sort_key'], unique=False)
    _backfill_sort_keys()
    _create_search_structures()


def _backfill_sort_keys() -> None:
    """Existing procedures get their dictionary-order key (new ones get it from the model)."""
    from portal.text import collation_key

    conn = op.get_bind()
    rows = conn.execute(sa.text("SELECT id, name FROM procedure")).all()
    for row in rows:
        conn.execute(sa.text("UPDATE procedure SET sort_key = :key WHERE id = :id"),
                     {"key": collation_key(row.name), "id": row.id})


def _create_search_structures() -> None:
    """Full-text index of search_document: FTS5 on SQLite, tsvector + GIN on PostgreSQL.

    The index itself is filled by ``flask search rebuild`` (run by ``make migrate``).
    """
    if op.get_bind().dialect.name == "sqlite":
        for statement in SQLITE_SEARCH:
            op.execute(statement)
    else:
        op.execute(
            "ALTER TABLE search_document ADD COLUMN tsv tsvector GENERATED ALWAYS AS ("
            "setweight(to_tsvector('simple', title), 'A') || "
            "setweight(to_tsvector('simple', body), 'B')) STORED"
        )
        op.execute("CREATE INDEX ix_search_document_tsv ON search_document USING gin (tsv)")


SQLITE_SEARCH = (
    # External-content FTS5 table over search_document, with prefix indexes for partial words.
    # The kind is indexed too, so a search within one kind is an index intersection.
    "CREATE VIRTUAL TABLE search_document_fts USING fts5("
    "kind, title, body, content='search_document', content_rowid='id', prefix='2 3')",
    "CREATE TRIGGER search_document_ai AFTER INSERT ON search_document BEGIN "
    "INSERT INTO search_document_fts(rowid, kind, title, body) "
    "VALUES (new.id, new.kind, new.title, new.body); END",
    "CREATE TRIGGER search_document_ad AFTER DELETE ON search_document BEGIN "
    "INSERT INTO search_document_fts(search_document_fts, rowid, kind, title, body) "
    "VALUES ('delete', old.id, old.kind, old.title, old.body); END",
    "CREATE TRIGGER search_document_au AFTER UPDATE ON search_document BEGIN "
    "INSERT INTO search_document_fts(search_document_fts, rowid, kind, title, body) "
    "VALUES ('delete', old.id, old.kind, old.title, old.body); "
    "INSERT INTO search_document_fts(rowid, kind, title, body) "
    "VALUES (new.id, new.kind, new.title, new.body); END",
)



def downgrade() -> None:
    """Downgrade schema."""
    if op.get_bind().dialect.name == "sqlite":
        for name in ("search_document_ai", "search_document_ad", "search_document_au"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute("DROP TABLE IF EXISTS search_document_fts")
    with op.batch_alter_table('procedure', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_procedure_sort_key'))
        batch_op.drop_column('popularity')
        batch_op.drop_column('sort_key')

    with op.batch_alter_table('agency', schema=None) as batch_op:
        batch_op.drop_column('description_en_html')
        batch_op.drop_column('description_en')
        batch_op.drop_column('description_html')
        batch_op.drop_column('description')

    with op.batch_alter_table('guide_procedure', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_guide_procedure_procedure_id'))

    op.drop_table('guide_procedure')
    with op.batch_alter_table('faq_procedure', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_faq_procedure_procedure_id'))

    op.drop_table('faq_procedure')
    op.drop_table('official')
    with op.batch_alter_table('guide', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_guide_status'))

    op.drop_table('guide')
    with op.batch_alter_table('faq', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_faq_status'))

    op.drop_table('faq')
    op.drop_table('search_document')
    with op.batch_alter_table('notice', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notice_status'))
        batch_op.drop_index(batch_op.f('ix_notice_published_at'))

    op.drop_table('notice')
