"""A working-day calendar people can correct, with the known 2026 decisions (HOL-2026); what
a desk scan was, bản chính or bản sao (TT01-M01); audit events whose client address may be
cleared once the retention period is over, and nothing else changed (TT22-PL5-b) (issue 13).

Revision ID: 1796100100
Revises: 1796100000
Create Date: 2026-12-08 09:00:00

"""
import json
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '1796100100'
down_revision: Union[str, Sequence[str], None] = '1796100000'
branch_labels: Union[str, Sequence[str], None] = ()
depends_on: Union[str, Sequence[str], None] = None

#: The decisions this revision ships (a later year comes with its own revision).
SHIPPED = Path(__file__).resolve().parent.parent / "portal" / "data" / "calendar" / "2026.json"
#: Every column of audit_event but the address: none of them may ever change.
AUDIT_COLUMNS = ("id", "at", "actor_id", "actor_label", "action", "object_type", "object_id",
                 "details")
APPEND_ONLY = "RAISE EXCEPTION 'audit_event is append-only'"


def upgrade() -> None:
    """Upgrade schema."""
    table = op.create_table('calendar_exception',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('kind', sa.Enum('day_off', 'working_day', name='daykind', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('decision', sa.String(length=120), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('agency_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agency.id'], name=op.f('fk_calendar_exception_agency_id_agency'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_calendar_exception')),
    sa.UniqueConstraint('day', 'agency_id', name=op.f('uq_calendar_exception_day_agency_id'))
    )
    with op.batch_alter_table('calendar_exception', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_calendar_exception_agency_id'), ['agency_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_calendar_exception_day'), ['day'], unique=False)
        batch_op.create_index('uq_calendar_exception_general_day', ['day'], unique=True, sqlite_where=sa.text('agency_id IS NULL'), postgresql_where=sa.text('agency_id IS NULL'))

    now = datetime.now(timezone.utc)
    op.bulk_insert(table, [
        {"day": date.fromisoformat(row["day"]), "kind": row["kind"],
         "decision": row["decision"], "note": row["note"], "agency_id": None,
         "created_at": now, "updated_at": now}
        for row in json.loads(SHIPPED.read_text(encoding="utf-8"))])

    with op.batch_alter_table('attachment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('paper', sa.String(length=8), nullable=True))

    _audit_update_trigger(address_may_be_cleared=True)


def downgrade() -> None:
    """Downgrade schema."""
    _audit_update_trigger(address_may_be_cleared=False)
    with op.batch_alter_table('attachment', schema=None) as batch_op:
        batch_op.drop_column('paper')

    with op.batch_alter_table('calendar_exception', schema=None) as batch_op:
        batch_op.drop_index('uq_calendar_exception_general_day')
        batch_op.drop_index(batch_op.f('ix_calendar_exception_day'))
        batch_op.drop_index(batch_op.f('ix_calendar_exception_agency_id'))

    op.drop_table('calendar_exception')


def _audit_update_trigger(address_may_be_cleared: bool) -> None:
    """The trigger refusing updates of audit_event: every update, or every update but one
    that only clears the address."""
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS audit_event_no_update")
        unchanged = " AND ".join(f"NEW.{name} IS OLD.{name}" for name in AUDIT_COLUMNS)
        when = (f" WHEN NOT (NEW.address IS NULL AND {unchanged})"
                if address_may_be_cleared else "")
        op.execute(
            f"CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event{when} "
            "BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END")
        return
    # One function serves UPDATE and DELETE; a row compared as JSON covers every column,
    # including any added later.
    allowed = ("IF TG_OP = 'UPDATE' AND NEW.address IS NULL AND "
               "to_jsonb(NEW) - 'address' = to_jsonb(OLD) - 'address' THEN RETURN NEW; "
               "END IF; ") if address_may_be_cleared else ""
    op.execute(
        "CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger AS $$ BEGIN "
        f"{allowed}{APPEND_ONLY}; END $$ LANGUAGE plpgsql")
