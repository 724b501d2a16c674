"""tablet session generation: a switch of user ends every earlier session on the tablet

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-08 00:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('tablet_device', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_generation', sa.Integer(), nullable=False,
                                      server_default='0'))


def downgrade():
    with op.batch_alter_table('tablet_device', schema=None) as batch_op:
        batch_op.drop_column('session_generation')
