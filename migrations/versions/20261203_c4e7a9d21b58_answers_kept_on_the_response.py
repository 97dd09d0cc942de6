"""answers kept on the response row (response.answered), read by every turn instead of the answer rows

Revision ID: c4e7a9d21b58
Revises: 8d4f6a2b9c13
Create Date: 2026-12-03 19:30:00

Existing responses keep ``answered`` NULL: their turns read the answer rows, as before.
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = 'c4e7a9d21b58'
down_revision = '8d4f6a2b9c13'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('response', schema=None) as batch_op:
        batch_op.add_column(sa.Column('answered', sa.JSON().with_variant(
            postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=True))


def downgrade():
    with op.batch_alter_table('response', schema=None) as batch_op:
        batch_op.drop_column('answered')
