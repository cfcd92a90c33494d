"""Drafts remember the revision at which each field last changed, so saves merge by field:
two tabs saving different fields both succeed; the same field changed on both sides is a
conflict for exactly one of them (issue 13).

Revision ID: 1796100000
Revises: 1796006280
Create Date: 2026-12-07 23:40:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '1796100000'
down_revision: Union[str, Sequence[str], None] = '1796006280'
branch_labels: Union[str, Sequence[str], None] = ()
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table('draft', schema=None) as batch_op:
        batch_op.add_column(sa.Column('field_revisions', sa.JSON(), nullable=False,
                                      server_default='{}'))


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('draft', schema=None) as batch_op:
        batch_op.drop_column('field_revisions')
