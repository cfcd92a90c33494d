"""Shared counters (site_state): the public content version behind the page cache.

Revision ID: 1795333077
Revises: 1795330080
Create Date: 2026-11-22 07:37:57.803341

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '1795333077'
down_revision: Union[str, Sequence[str], None] = '1795330080'
branch_labels: Union[str, Sequence[str], None] = ()
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('site_state',
    sa.Column('key', sa.String(length=50), nullable=False),
    sa.Column('value', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_site_state'))
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table('site_state')
