"""Dossiers: submissions, versions, attachments, events, messages, supplement requests;
background jobs; the outbox learns retries and which dossier a message is about.

Revision ID: 1796000215
Revises: 1795342470
Create Date: 2026-11-30 00:56:55.527488

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '1796000215'
down_revision: Union[str, Sequence[str], None] = '1795342470'
branch_labels: Union[str, Sequence[str], None] = ()
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('dossier_sequence',
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('last', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agency.id'], name=op.f('fk_dossier_sequence_agency_id_agency'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('agency_id', 'day', name=op.f('pk_dossier_sequence'))
    )
    op.create_table('job',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=60), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('status', sa.Enum('queued', 'running', 'done', 'failed', name='jobstatus', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('progress', sa.Integer(), nullable=False),
    sa.Column('progress_text', sa.Text(), nullable=True),
    sa.Column('result', sa.JSON(), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('max_attempts', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('run_after', sa.DateTime(timezone=True), nullable=False),
    sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['owner_id'], ['user_account.id'], name=op.f('fk_job_owner_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_job'))
    )
    with op.batch_alter_table('job', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_job_owner_id'), ['owner_id'], unique=False)
        batch_op.create_index('ix_job_status_run_after', ['status', 'run_after'], unique=False)

    op.create_table('dossier',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('procedure_id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=True),
    sa.Column('receiving_agency_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('channel', sa.SmallInteger(), nullable=False),
    sa.Column('status', sa.SmallInteger(), nullable=False),
    sa.Column('applicant_name', sa.String(length=255), nullable=False),
    sa.Column('applicant_id_number', sa.String(length=12), nullable=True),
    sa.Column('applicant_phone', sa.String(length=20), nullable=True),
    sa.Column('applicant_email', sa.String(length=255), nullable=True),
    sa.Column('applicant_address', sa.Text(), nullable=True),
    sa.Column('form_spec_id', sa.Integer(), nullable=True),
    sa.Column('spec_version', sa.Integer(), nullable=True),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('result_channel', sa.SmallInteger(), nullable=False),
    sa.Column('result_address', sa.Text(), nullable=True),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('processing_days', sa.Numeric(precision=8, scale=2), nullable=True),
    sa.Column('due_date', sa.Date(), nullable=True),
    sa.Column('paused_since', sa.DateTime(timezone=True), nullable=True),
    sa.Column('accepted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('returned_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agency.id'], name=op.f('fk_dossier_agency_id_agency'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['form_spec_id'], ['form_spec.id'], name=op.f('fk_dossier_form_spec_id_form_spec'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['procedure_id'], ['procedure.id'], name=op.f('fk_dossier_procedure_id_procedure'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['receiving_agency_id'], ['agency.id'], name=op.f('fk_dossier_receiving_agency_id_agency'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_dossier_user_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dossier')),
    sa.UniqueConstraint('code', name=op.f('uq_dossier_code'))
    )
    with op.batch_alter_table('dossier', schema=None) as batch_op:
        batch_op.create_index('ix_dossier_agency_status_due', ['receiving_agency_id', 'status', 'due_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_dossier_procedure_id'), ['procedure_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_dossier_status'), ['status'], unique=False)
        batch_op.create_index('ix_dossier_user_status', ['user_id', 'status'], unique=False)

    op.create_table('dossier_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dossier_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('status_from', sa.SmallInteger(), nullable=True),
    sa.Column('status_to', sa.SmallInteger(), nullable=True),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor_label', sa.String(length=255), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('public', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['user_account.id'], name=op.f('fk_dossier_event_actor_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['dossier_id'], ['dossier.id'], name=op.f('fk_dossier_event_dossier_id_dossier'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dossier_event'))
    )
    with op.batch_alter_table('dossier_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dossier_event_dossier_id'), ['dossier_id'], unique=False)

    op.create_table('dossier_message',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dossier_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('author_label', sa.String(length=255), nullable=False),
    sa.Column('from_staff', sa.Boolean(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['user_account.id'], name=op.f('fk_dossier_message_author_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['dossier_id'], ['dossier.id'], name=op.f('fk_dossier_message_dossier_id_dossier'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dossier_message'))
    )
    with op.batch_alter_table('dossier_message', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dossier_message_dossier_id'), ['dossier_id'], unique=False)

    op.create_table('dossier_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dossier_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('spec_version', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_dossier_version_created_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['dossier_id'], ['dossier.id'], name=op.f('fk_dossier_version_dossier_id_dossier'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dossier_version')),
    sa.UniqueConstraint('dossier_id', 'number', name=op.f('uq_dossier_version_dossier_id_number'))
    )
    op.create_table('supplement_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dossier_id', sa.Integer(), nullable=False),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=True),
    sa.Column('items', sa.JSON(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('status_before', sa.SmallInteger(), nullable=False),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('answer_version', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['dossier_id'], ['dossier.id'], name=op.f('fk_supplement_request_dossier_id_dossier'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['requested_by_id'], ['user_account.id'], name=op.f('fk_supplement_request_requested_by_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_supplement_request'))
    )
    with op.batch_alter_table('supplement_request', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_supplement_request_dossier_id'), ['dossier_id'], unique=False)

    op.create_table('attachment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('media_type', sa.String(length=127), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('component_id', sa.Integer(), nullable=True),
    sa.Column('component_name', sa.Text(), nullable=True),
    sa.Column('draft_id', sa.Integer(), nullable=True),
    sa.Column('version_id', sa.Integer(), nullable=True),
    sa.Column('message_id', sa.Integer(), nullable=True),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reused_from_id', sa.Integer(), nullable=True),
    sa.Column('valid_until', sa.Date(), nullable=True),
    sa.CheckConstraint('(CASE WHEN draft_id IS NULL THEN 0 ELSE 1 END) + (CASE WHEN version_id IS NULL THEN 0 ELSE 1 END) + (CASE WHEN message_id IS NULL THEN 0 ELSE 1 END) = 1', name=op.f('ck_attachment_one_owner')),
    sa.CheckConstraint('size > 0', name=op.f('ck_attachment_not_empty')),
    sa.ForeignKeyConstraint(['component_id'], ['dossier_component.id'], name=op.f('fk_attachment_component_id_dossier_component'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['draft_id'], ['draft.id'], name=op.f('fk_attachment_draft_id_draft'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['message_id'], ['dossier_message.id'], name=op.f('fk_attachment_message_id_dossier_message'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reused_from_id'], ['attachment.id'], name=op.f('fk_attachment_reused_from_id_attachment'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['user_account.id'], name=op.f('fk_attachment_uploaded_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['version_id'], ['dossier_version.id'], name=op.f('fk_attachment_version_id_dossier_version'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attachment'))
    )
    with op.batch_alter_table('attachment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attachment_draft_id'), ['draft_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_attachment_message_id'), ['message_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_attachment_sha256'), ['sha256'], unique=False)
        batch_op.create_index(batch_op.f('ix_attachment_uploaded_by_id'), ['uploaded_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_attachment_version_id'), ['version_id'], unique=False)

    with op.batch_alter_table('draft', schema=None) as batch_op:
        batch_op.add_column(sa.Column('dossier_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_draft_dossier_id'), ['dossier_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_draft_dossier_id_dossier'), 'dossier', ['dossier_id'], ['id'], ondelete='CASCADE')

    with op.batch_alter_table('outbound_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('dossier_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_outbound_message_dossier_id'), ['dossier_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_outbound_message_dossier_id_dossier'), 'dossier', ['dossier_id'], ['id'], ondelete='SET NULL')



def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('outbound_message', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_outbound_message_dossier_id_dossier'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_outbound_message_dossier_id'))
        batch_op.drop_column('dossier_id')
        batch_op.drop_column('claimed_at')
        batch_op.drop_column('next_attempt_at')

    with op.batch_alter_table('draft', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_draft_dossier_id_dossier'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_draft_dossier_id'))
        batch_op.drop_column('dossier_id')

    with op.batch_alter_table('attachment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attachment_version_id'))
        batch_op.drop_index(batch_op.f('ix_attachment_uploaded_by_id'))
        batch_op.drop_index(batch_op.f('ix_attachment_sha256'))
        batch_op.drop_index(batch_op.f('ix_attachment_message_id'))
        batch_op.drop_index(batch_op.f('ix_attachment_draft_id'))

    op.drop_table('attachment')
    with op.batch_alter_table('supplement_request', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_supplement_request_dossier_id'))

    op.drop_table('supplement_request')
    op.drop_table('dossier_version')
    with op.batch_alter_table('dossier_message', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dossier_message_dossier_id'))

    op.drop_table('dossier_message')
    with op.batch_alter_table('dossier_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dossier_event_dossier_id'))

    op.drop_table('dossier_event')
    with op.batch_alter_table('dossier', schema=None) as batch_op:
        batch_op.drop_index('ix_dossier_user_status')
        batch_op.drop_index(batch_op.f('ix_dossier_status'))
        batch_op.drop_index(batch_op.f('ix_dossier_procedure_id'))
        batch_op.drop_index('ix_dossier_agency_status_due')

    op.drop_table('dossier')
    with op.batch_alter_table('job', schema=None) as batch_op:
        batch_op.drop_index('ix_job_status_run_after')
        batch_op.drop_index(batch_op.f('ix_job_owner_id'))

    op.drop_table('job')
    op.drop_table('dossier_sequence')
