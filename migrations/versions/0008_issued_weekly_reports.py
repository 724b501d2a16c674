"""issued weekly reports

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-27 15:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('issued_report',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.Column('week', sa.String(length=8), nullable=True),
    sa.Column('site_id', sa.Integer(), nullable=True),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('lang', sa.String(length=8), nullable=False),
    sa.Column('figures', sa.JSON(), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('pdf', sa.LargeBinary(), nullable=False),
    sa.Column('issued_by_id', sa.Integer(), nullable=False),
    sa.Column('issued_by_name', sa.String(length=120), nullable=False),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['issued_by_id'], ['user_account.id'], name=op.f('fk_issued_report_issued_by_id_user_account')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_issued_report_organisation_id_organisation')),
    sa.ForeignKeyConstraint(['site_id'], ['site.id'], name=op.f('fk_issued_report_site_id_site')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_issued_report'))
    )
    with op.batch_alter_table('issued_report', schema=None) as batch_op:
        batch_op.create_index('ix_issued_report_period', ['period_start', 'period_end'], unique=False)

    # The weekly report reads a period's distributions across every partner.
    with op.batch_alter_table('distribution', schema=None) as batch_op:
        batch_op.create_index('ix_distribution_day', ['distributed_on'], unique=False)


def downgrade():
    with op.batch_alter_table('distribution', schema=None) as batch_op:
        batch_op.drop_index('ix_distribution_day')

    with op.batch_alter_table('issued_report', schema=None) as batch_op:
        batch_op.drop_index('ix_issued_report_period')

    op.drop_table('issued_report')
