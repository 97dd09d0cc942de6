"""staff accounts: session version (server-side revocation) and one-time reset links

Revision ID: 3c9e1f0a7b21
Revises: f8f150711766
Create Date: 2026-12-03 14:00:00

"""
from alembic import op
import sqlalchemy as sa

import engage.core.models  # noqa: F401 - custom column types

# revision identifiers, used by Alembic.
revision = '3c9e1f0a7b21'
down_revision = 'f8f150711766'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('staff_user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_version', sa.Integer(), server_default='1', nullable=False))
        batch_op.add_column(sa.Column('reset_token_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('reset_expires_at', engage.core.models.UTCDateTime(timezone=True),
                                      nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_staff_user_reset_token_hash'), ['reset_token_hash'])


def downgrade():
    with op.batch_alter_table('staff_user', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_staff_user_reset_token_hash'), type_='unique')
        batch_op.drop_column('reset_expires_at')
        batch_op.drop_column('reset_token_hash')
        batch_op.drop_column('session_version')
