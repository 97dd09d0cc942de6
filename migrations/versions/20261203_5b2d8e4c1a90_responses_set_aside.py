"""responses set aside when a resident starts again (abandoned_at), never deleted

Revision ID: 5b2d8e4c1a90
Revises: 3c9e1f0a7b21
Create Date: 2026-12-03 16:30:00

"""
from alembic import op
import sqlalchemy as sa

import engage.core.models  # noqa: F401 - custom column types

# revision identifiers, used by Alembic.
revision = '5b2d8e4c1a90'
down_revision = '3c9e1f0a7b21'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('response', schema=None) as batch_op:
        batch_op.add_column(sa.Column('abandoned_at', engage.core.models.UTCDateTime(timezone=True),
                                      nullable=True))


def downgrade():
    with op.batch_alter_table('response', schema=None) as batch_op:
        batch_op.drop_column('abandoned_at')
