"""One-stop back office: assignment, steps, approval, consultations, extensions, fee
requests, e-results; a folded search text on dossiers; procedures get a process plan.

Revision ID: 1796002672
Revises: 1796000215
Create Date: 2026-11-30 01:37:52.857395

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '1796002672'
down_revision: Union[str, Sequence[str], None] = '1796000215'
branch_labels: Union[str, Sequence[str], None] = ()
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('dossier_consultation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dossier_id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('question', sa.Text(), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=False),
    sa.Column('asked_by_id', sa.Integer(), nullable=True),
    sa.Column('asked_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('answer', sa.Text(), nullable=True),
    sa.Column('answered_by_id', sa.Integer(), nullable=True),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['agency_id'], ['agency.id'], name=op.f('fk_dossier_consultation_agency_id_agency'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['answered_by_id'], ['user_account.id'], name=op.f('fk_dossier_consultation_answered_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['asked_by_id'], ['user_account.id'], name=op.f('fk_dossier_consultation_asked_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['dossier_id'], ['dossier.id'], name=op.f('fk_dossier_consultation_dossier_id_dossier'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dossier_consultation'))
    )
    with op.batch_alter_table('dossier_consultation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dossier_consultation_agency_id'), ['agency_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_dossier_consultation_dossier_id'), ['dossier_id'], unique=False)

    op.create_table('dossier_extension',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dossier_id', sa.Integer(), nullable=False),
    sa.Column('old_due_date', sa.Date(), nullable=False),
    sa.Column('new_due_date', sa.Date(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_dossier_extension_created_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['dossier_id'], ['dossier.id'], name=op.f('fk_dossier_extension_dossier_id_dossier'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dossier_extension'))
    )
    with op.batch_alter_table('dossier_extension', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dossier_extension_dossier_id'), ['dossier_id'], unique=False)

    op.create_table('dossier_result',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dossier_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=50), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('media_type', sa.String(length=127), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('signature', sa.String(length=64), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_dossier_result_created_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['dossier_id'], ['dossier.id'], name=op.f('fk_dossier_result_dossier_id_dossier'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dossier_result')),
    sa.UniqueConstraint('code', name=op.f('uq_dossier_result_code')),
    sa.UniqueConstraint('dossier_id', 'number', name=op.f('uq_dossier_result_dossier_id_number'))
    )
    op.create_table('fee_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dossier_id', sa.Integer(), nullable=False),
    sa.Column('amount', sa.Numeric(precision=14, scale=0), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=True),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('paid_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('confirmed_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['confirmed_by_id'], ['user_account.id'], name=op.f('fk_fee_request_confirmed_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['dossier_id'], ['dossier.id'], name=op.f('fk_fee_request_dossier_id_dossier'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['requested_by_id'], ['user_account.id'], name=op.f('fk_fee_request_requested_by_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fee_request'))
    )
    with op.batch_alter_table('fee_request', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fee_request_dossier_id'), ['dossier_id'], unique=False)

    with op.batch_alter_table('dossier', schema=None) as batch_op:
        batch_op.add_column(sa.Column('search_text', sa.String(length=320), server_default='', nullable=False))
        batch_op.add_column(sa.Column('assignee_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('step', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('step_due_date', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('awaiting_approval', sa.Boolean(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('proposal', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('extended_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('returned_via', sa.SmallInteger(), nullable=True))
        batch_op.add_column(sa.Column('outcome', sa.String(length=12), nullable=True))
        batch_op.create_index(batch_op.f('ix_dossier_outcome'), ['outcome'], unique=False)
        batch_op.create_index(batch_op.f('ix_dossier_assignee_id'), ['assignee_id'], unique=False)
        batch_op.create_index('ix_dossier_received_at', ['received_at'], unique=False)
        batch_op.create_index('ix_dossier_status_due', ['status', 'due_date'], unique=False)
        batch_op.create_index('ix_dossier_status_scope', ['status', 'awaiting_approval', 'receiving_agency_id', 'agency_id'], unique=False)
        batch_op.create_index('ix_dossier_unit_status_due', ['agency_id', 'status', 'due_date'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_dossier_assignee_id_user_account'), 'user_account', ['assignee_id'], ['id'], ondelete='SET NULL')

    with op.batch_alter_table('procedure', schema=None) as batch_op:
        batch_op.add_column(sa.Column('process_plan', sa.JSON(), nullable=True))
    _fill_search_text()


def _fill_search_text() -> None:
    """Dossiers submitted before this revision get their folded search text."""
    from portal.text import fold

    connection = op.get_bind()
    rows = connection.execute(sa.text("SELECT id, code, applicant_name FROM dossier")).all()
    for row in rows:
        connection.execute(sa.text("UPDATE dossier SET search_text = :text WHERE id = :id"),
                           {"text": fold(f"{row.applicant_name} {row.code}")[:320], "id": row.id})



def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('procedure', schema=None) as batch_op:
        batch_op.drop_column('process_plan')

    with op.batch_alter_table('dossier', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_dossier_assignee_id_user_account'), type_='foreignkey')
        batch_op.drop_index('ix_dossier_unit_status_due')
        batch_op.drop_index('ix_dossier_status_scope')
        batch_op.drop_index('ix_dossier_status_due')
        batch_op.drop_index('ix_dossier_received_at')
        batch_op.drop_index(batch_op.f('ix_dossier_assignee_id'))
        batch_op.drop_index(batch_op.f('ix_dossier_outcome'))
        batch_op.drop_column('outcome')
        batch_op.drop_column('returned_via')
        batch_op.drop_column('extended_at')
        batch_op.drop_column('proposal')
        batch_op.drop_column('awaiting_approval')
        batch_op.drop_column('step_due_date')
        batch_op.drop_column('step')
        batch_op.drop_column('assignee_id')
        batch_op.drop_column('search_text')

    with op.batch_alter_table('fee_request', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_fee_request_dossier_id'))

    op.drop_table('fee_request')
    op.drop_table('dossier_result')
    with op.batch_alter_table('dossier_extension', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dossier_extension_dossier_id'))

    op.drop_table('dossier_extension')
    with op.batch_alter_table('dossier_consultation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dossier_consultation_dossier_id'))
        batch_op.drop_index(batch_op.f('ix_dossier_consultation_agency_id'))

    op.drop_table('dossier_consultation')
