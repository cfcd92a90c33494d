"""Editors: revision history, site settings, scheduled publication, maintenance notices.

Revision ID: 1796005935
Revises: 1796002672
Create Date: 2026-11-30 02:32:15.629822

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '1796005935'
down_revision: Union[str, Sequence[str], None] = '1796002672'
branch_labels: Union[str, Sequence[str], None] = ()
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('revision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('object_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('author_label', sa.String(length=255), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['author_id'], ['user_account.id'], name=op.f('fk_revision_author_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_revision')),
    sa.UniqueConstraint('kind', 'object_id', 'number', name=op.f('uq_revision_kind_object_id_number'))
    )
    with op.batch_alter_table('revision', schema=None) as batch_op:
        batch_op.create_index('ix_revision_kind_object', ['kind', 'object_id'], unique=False)

    op.create_table('site_setting',
    sa.Column('key', sa.String(length=60), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user_account.id'], name=op.f('fk_site_setting_updated_by_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_site_setting'))
    )
    with op.batch_alter_table('faq', schema=None) as batch_op:
        batch_op.add_column(sa.Column('publish_at', sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table('guide', schema=None) as batch_op:
        batch_op.add_column(sa.Column('publish_at', sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table('notice', schema=None) as batch_op:
        batch_op.add_column(sa.Column('publish_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('kind', sa.Enum('announcement', 'maintenance', name='noticekind', native_enum=False, create_constraint=True, length=20), server_default='announcement', nullable=False))
        batch_op.add_column(sa.Column('starts_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('ends_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('notice', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_notice_noticekind'), type_='check')
        batch_op.drop_column('ends_at')
        batch_op.drop_column('starts_at')
        batch_op.drop_column('kind')
        batch_op.drop_column('publish_at')

    with op.batch_alter_table('guide', schema=None) as batch_op:
        batch_op.drop_column('publish_at')

    with op.batch_alter_table('faq', schema=None) as batch_op:
        batch_op.drop_column('publish_at')

    op.drop_table('site_setting')
    with op.batch_alter_table('revision', schema=None) as batch_op:
        batch_op.drop_index('ix_revision_kind_object')

    op.drop_table('revision')
