"""scanner: count sessions (stocktakes) and their differences, sync conflicts

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27 15:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('count_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('location_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=24), nullable=False),
    sa.Column('started_by_id', sa.Integer(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_by_id', sa.Integer(), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user_account.id'], name=op.f('fk_count_session_decided_by_id_user_account')),
    sa.ForeignKeyConstraint(['finished_by_id'], ['user_account.id'], name=op.f('fk_count_session_finished_by_id_user_account')),
    sa.ForeignKeyConstraint(['location_id'], ['location.id'], name=op.f('fk_count_session_location_id_location')),
    sa.ForeignKeyConstraint(['site_id'], ['site.id'], name=op.f('fk_count_session_site_id_site')),
    sa.ForeignKeyConstraint(['started_by_id'], ['user_account.id'], name=op.f('fk_count_session_started_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_count_session'))
    )
    with op.batch_alter_table('count_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_count_session_location_id'), ['location_id'], unique=False)
        batch_op.create_index('ix_count_session_status', ['status', 'finished_at'], unique=False)

    op.create_table('sync_conflict',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('idempotency_key', sa.String(length=120), nullable=True),
    sa.Column('method', sa.String(length=8), nullable=False),
    sa.Column('path', sa.String(length=300), nullable=False),
    sa.Column('body', sa.JSON(), nullable=True),
    sa.Column('problem', sa.JSON(), nullable=False),
    sa.Column('scanned_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('resolved_by_id', sa.Integer(), nullable=True),
    sa.Column('resolution', sa.String(length=20), nullable=True),
    sa.ForeignKeyConstraint(['resolved_by_id'], ['user_account.id'], name=op.f('fk_sync_conflict_resolved_by_id_user_account')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_sync_conflict_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sync_conflict')),
    sa.UniqueConstraint('user_id', 'idempotency_key', name=op.f('uq_sync_conflict_user_id_idempotency_key'))
    )
    with op.batch_alter_table('sync_conflict', schema=None) as batch_op:
        batch_op.create_index('ix_sync_conflict_open', ['resolved_at', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_sync_conflict_user_id'), ['user_id'], unique=False)

    op.create_table('count_difference',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('count_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('box_id', sa.Integer(), nullable=True),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('location_id', sa.Integer(), nullable=False),
    sa.Column('expected', sa.Integer(), nullable=False),
    sa.Column('counted', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=20), nullable=True),
    sa.Column('document_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('expected >= 0 AND counted >= 0', name=op.f('ck_count_difference_quantities_not_negative')),
    sa.ForeignKeyConstraint(['box_id'], ['box.id'], name=op.f('fk_count_difference_box_id_box')),
    sa.ForeignKeyConstraint(['count_id'], ['count_session.id'], name=op.f('fk_count_difference_count_id_count_session')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user_account.id'], name=op.f('fk_count_difference_decided_by_id_user_account')),
    sa.ForeignKeyConstraint(['document_id'], ['document.id'], name=op.f('fk_count_difference_document_id_document')),
    sa.ForeignKeyConstraint(['item_id'], ['item.id'], name=op.f('fk_count_difference_item_id_item')),
    sa.ForeignKeyConstraint(['location_id'], ['location.id'], name=op.f('fk_count_difference_location_id_location')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_count_difference'))
    )
    with op.batch_alter_table('count_difference', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_count_difference_count_id'), ['count_id'], unique=False)

    op.create_table('count_line',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('count_id', sa.Integer(), nullable=False),
    sa.Column('box_id', sa.Integer(), nullable=True),
    sa.Column('item_id', sa.Integer(), nullable=True),
    sa.Column('quantity', sa.Integer(), nullable=True),
    sa.Column('counted_by_id', sa.Integer(), nullable=False),
    sa.Column('counted_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('(box_id IS NULL) <> (item_id IS NULL)', name=op.f('ck_count_line_box_or_item')),
    sa.CheckConstraint('box_id IS NOT NULL OR quantity IS NOT NULL', name=op.f('ck_count_line_loose_has_quantity')),
    sa.CheckConstraint('quantity IS NULL OR quantity >= 0', name=op.f('ck_count_line_quantity_not_negative')),
    sa.ForeignKeyConstraint(['box_id'], ['box.id'], name=op.f('fk_count_line_box_id_box')),
    sa.ForeignKeyConstraint(['count_id'], ['count_session.id'], name=op.f('fk_count_line_count_id_count_session')),
    sa.ForeignKeyConstraint(['counted_by_id'], ['user_account.id'], name=op.f('fk_count_line_counted_by_id_user_account')),
    sa.ForeignKeyConstraint(['item_id'], ['item.id'], name=op.f('fk_count_line_item_id_item')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_count_line')),
    sa.UniqueConstraint('count_id', 'box_id', name=op.f('uq_count_line_count_id_box_id')),
    sa.UniqueConstraint('count_id', 'item_id', name=op.f('uq_count_line_count_id_item_id'))
    )


def downgrade():
    op.drop_table('count_line')
    with op.batch_alter_table('count_difference', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_count_difference_count_id'))

    op.drop_table('count_difference')
    with op.batch_alter_table('sync_conflict', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sync_conflict_user_id'))
        batch_op.drop_index('ix_sync_conflict_open')

    op.drop_table('sync_conflict')
    with op.batch_alter_table('count_session', schema=None) as batch_op:
        batch_op.drop_index('ix_count_session_status')
        batch_op.drop_index(batch_op.f('ix_count_session_location_id'))

    op.drop_table('count_session')
