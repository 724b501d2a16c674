"""app settings (public needs list switch)

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-27 15:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('app_setting',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('value', sa.JSON(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user_account.id'], name=op.f('fk_app_setting_updated_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_app_setting')),
    sa.UniqueConstraint('key', name=op.f('uq_app_setting_key'))
    )


def downgrade():
    op.drop_table('app_setting')
