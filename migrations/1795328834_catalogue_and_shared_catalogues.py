"""Catalogue (agencies, fields, procedures with the 11 TT32 items) and shared catalogues.

Revision ID: 1795328834
Revises: 
Create Date: 2026-11-22 06:27:14.630917

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '1795328834'
down_revision: Union[str, Sequence[str], None] = None
branch_labels: Union[str, Sequence[str], None] = ('default',)
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('admin_unit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=10), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('short_name', sa.String(length=255), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('level', sa.Enum('province', 'district', 'commune', name='unitlevel', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('legacy', sa.Boolean(), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('successor_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['parent_id'], ['admin_unit.id'], name=op.f('fk_admin_unit_parent_id_admin_unit'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['successor_id'], ['admin_unit.id'], name=op.f('fk_admin_unit_successor_id_admin_unit'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_admin_unit')),
    sa.UniqueConstraint('level', 'code', 'legacy', name=op.f('uq_admin_unit_level_code_legacy'))
    )
    with op.batch_alter_table('admin_unit', schema=None) as batch_op:
        batch_op.create_index('ix_admin_unit_parent_name', ['parent_id', 'name'], unique=False)

    op.create_table('agency',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('name_en', sa.String(length=255), nullable=True),
    sa.Column('level', sa.Enum('province', 'district', 'commune', 'unit', name='agencylevel', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('admin_unit_code', sa.String(length=10), nullable=True),
    sa.Column('receives_dossiers', sa.Boolean(), nullable=False),
    sa.Column('address', sa.String(length=500), nullable=True),
    sa.Column('phone', sa.String(length=50), nullable=True),
    sa.Column('email', sa.String(length=255), nullable=True),
    sa.Column('sort_order', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['parent_id'], ['agency.id'], name=op.f('fk_agency_parent_id_agency'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agency')),
    sa.UniqueConstraint('code', name=op.f('uq_agency_code'))
    )
    op.create_table('code_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code_list', sa.Enum('ethnicity', 'nationality', 'gender', 'id_document', name='codelist', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('name_en', sa.String(length=255), nullable=True),
    sa.Column('sort_order', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_code_entry')),
    sa.UniqueConstraint('code_list', 'code', name=op.f('uq_code_entry_code_list_code'))
    )
    op.create_table('field',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('slug', sa.String(length=255), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('sort_order', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_field')),
    sa.UniqueConstraint('code', name=op.f('uq_field_code')),
    sa.UniqueConstraint('name', name=op.f('uq_field_name')),
    sa.UniqueConstraint('slug', name=op.f('uq_field_slug'))
    )
    op.create_table('procedure',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('field_id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=True),
    sa.Column('authority_text', sa.Text(), nullable=True),
    sa.Column('competent_authority_text', sa.Text(), nullable=True),
    sa.Column('agency_level_text', sa.String(length=255), nullable=True),
    sa.Column('subjects_text', sa.Text(), nullable=True),
    sa.Column('method_text', sa.Text(), nullable=True),
    sa.Column('processing_time_text', sa.Text(), nullable=True),
    sa.Column('processing_amount', sa.Numeric(precision=8, scale=2), nullable=True),
    sa.Column('processing_unit', sa.Enum('working_day', 'calendar_day', 'working_hour', name='timeunit', native_enum=False, create_constraint=True, length=20), nullable=True),
    sa.Column('result_text', sa.Text(), nullable=True),
    sa.Column('requirements_text', sa.Text(), nullable=True),
    sa.Column('fees_text', sa.Text(), nullable=True),
    sa.Column('fee_free', sa.Boolean(), nullable=True),
    sa.Column('announcing_decision', sa.Text(), nullable=True),
    sa.Column('procedure_type', sa.String(length=255), nullable=True),
    sa.Column('tt32_level', sa.Integer(), nullable=True),
    sa.Column('online_level', sa.Enum('toan_trinh', 'mot_phan', name='onlinelevel', native_enum=False, create_constraint=True, length=20), nullable=True),
    sa.Column('online_result', sa.Boolean(), nullable=False),
    sa.Column('published', sa.Boolean(), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('tt32_level BETWEEN 1 AND 4', name=op.f('ck_procedure_tt32_level_range')),
    sa.ForeignKeyConstraint(['agency_id'], ['agency.id'], name=op.f('fk_procedure_agency_id_agency'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['field_id'], ['field.id'], name=op.f('fk_procedure_field_id_field'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_procedure')),
    sa.UniqueConstraint('code', name=op.f('uq_procedure_code'))
    )
    with op.batch_alter_table('procedure', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_procedure_agency_id'), ['agency_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_procedure_field_id'), ['field_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_procedure_published'), ['published'], unique=False)

    op.create_table('dossier_component',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('procedure_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('originals', sa.Integer(), nullable=False),
    sa.Column('copies', sa.Integer(), nullable=False),
    sa.Column('required', sa.Boolean(), nullable=False),
    sa.Column('presentation_only', sa.Boolean(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('accepted_types', sa.String(length=200), nullable=True),
    sa.Column('max_size_mb', sa.Integer(), nullable=True),
    sa.CheckConstraint('originals >= 0 AND copies >= 0', name=op.f('ck_dossier_component_counts_not_negative')),
    sa.ForeignKeyConstraint(['procedure_id'], ['procedure.id'], name=op.f('fk_dossier_component_procedure_id_procedure'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dossier_component')),
    sa.UniqueConstraint('procedure_id', 'position', name=op.f('uq_dossier_component_procedure_id_position'))
    )
    op.create_table('fee_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('procedure_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('phi', 'le_phi', name='feekind', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('amount', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.CheckConstraint('amount IS NULL OR amount >= 0', name=op.f('ck_fee_item_amount_not_negative')),
    sa.ForeignKeyConstraint(['procedure_id'], ['procedure.id'], name=op.f('fk_fee_item_procedure_id_procedure'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fee_item')),
    sa.UniqueConstraint('procedure_id', 'position', name=op.f('uq_fee_item_procedure_id_position'))
    )
    op.create_table('form_file',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('procedure_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=True),
    sa.Column('sha256', sa.String(length=64), nullable=True),
    sa.Column('media_type', sa.String(length=127), nullable=True),
    sa.Column('size', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['procedure_id'], ['procedure.id'], name=op.f('fk_form_file_procedure_id_procedure'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_form_file')),
    sa.UniqueConstraint('procedure_id', 'position', name=op.f('uq_form_file_procedure_id_position'))
    )
    op.create_table('legal_basis',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('procedure_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=100), nullable=True),
    sa.Column('issued', sa.Date(), nullable=True),
    sa.Column('issuer', sa.String(length=255), nullable=True),
    sa.Column('title', sa.Text(), nullable=True),
    sa.CheckConstraint('number IS NOT NULL OR title IS NOT NULL', name=op.f('ck_legal_basis_number_or_title')),
    sa.ForeignKeyConstraint(['procedure_id'], ['procedure.id'], name=op.f('fk_legal_basis_procedure_id_procedure'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_legal_basis')),
    sa.UniqueConstraint('procedure_id', 'position', name=op.f('uq_legal_basis_procedure_id_position'))
    )
    op.create_table('procedure_applicant',
    sa.Column('procedure_id', sa.Integer(), nullable=False),
    sa.Column('applicant_type', sa.Enum('individual', 'organisation', name='applicanttype', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.ForeignKeyConstraint(['procedure_id'], ['procedure.id'], name=op.f('fk_procedure_applicant_procedure_id_procedure'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('procedure_id', 'applicant_type', name=op.f('pk_procedure_applicant'))
    )
    with op.batch_alter_table('procedure_applicant', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_procedure_applicant_applicant_type'), ['applicant_type'], unique=False)

    op.create_table('procedure_channel',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('procedure_id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.SmallInteger(), nullable=False),
    sa.Column('processing_time_text', sa.Text(), nullable=True),
    sa.Column('fee_text', sa.Text(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['procedure_id'], ['procedure.id'], name=op.f('fk_procedure_channel_procedure_id_procedure'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_procedure_channel')),
    sa.UniqueConstraint('procedure_id', 'channel', name=op.f('uq_procedure_channel_procedure_id_channel'))
    )
    op.create_table('procedure_step',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('procedure_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['procedure_id'], ['procedure.id'], name=op.f('fk_procedure_step_procedure_id_procedure'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_procedure_step')),
    sa.UniqueConstraint('procedure_id', 'position', name=op.f('uq_procedure_step_procedure_id_position'))
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table('procedure_step')
    op.drop_table('procedure_channel')
    with op.batch_alter_table('procedure_applicant', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_procedure_applicant_applicant_type'))

    op.drop_table('procedure_applicant')
    op.drop_table('legal_basis')
    op.drop_table('form_file')
    op.drop_table('fee_item')
    op.drop_table('dossier_component')
    with op.batch_alter_table('procedure', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_procedure_published'))
        batch_op.drop_index(batch_op.f('ix_procedure_field_id'))
        batch_op.drop_index(batch_op.f('ix_procedure_agency_id'))

    op.drop_table('procedure')
    op.drop_table('field')
    op.drop_table('code_entry')
    op.drop_table('agency')
    with op.batch_alter_table('admin_unit', schema=None) as batch_op:
        batch_op.drop_index('ix_admin_unit_parent_name')

    op.drop_table('admin_unit')
