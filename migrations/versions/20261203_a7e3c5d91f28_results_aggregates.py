"""results served from aggregates kept current: result_count, result_seen, result_state

Empty after upgrading: the worker (or the first results page of a survey, or
``flask engage rebuild-results``) counts each survey's responses into them.

Revision ID: a7e3c5d91f28
Revises: c4e7a9d21b58
Create Date: 2026-12-03 19:30:00

"""
from alembic import op
import sqlalchemy as sa

import engage.core.models  # noqa: F401 - custom column types

# revision identifiers, used by Alembic.
revision = 'a7e3c5d91f28'
down_revision = 'c4e7a9d21b58'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'result_count',
        sa.Column('survey_id', sa.Integer(), nullable=False),
        sa.Column('dim', sa.String(length=32), nullable=False),
        sa.Column('channel', sa.String(length=8), nullable=False),
        sa.Column('question_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('locale', sa.String(length=16), nullable=False),
        sa.Column('synthetic', sa.Boolean(), nullable=False),
        sa.Column('area', sa.String(length=64), nullable=False),
        sa.Column('race', sa.Text(), nullable=False),
        sa.Column('age', sa.String(length=64), nullable=False),
        sa.Column('atom', sa.Text(), nullable=False),
        sa.Column('item', sa.String(length=64), nullable=False),
        sa.Column('number', sa.Float(), nullable=False),
        sa.Column('n', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['survey_id'], ['survey.id'], name=op.f('fk_result_count_survey_id_survey'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('survey_id', 'dim', 'channel', 'question_id', 'locale', 'synthetic', 'area',
                                'race', 'age', 'atom', 'item', 'number', name=op.f('pk_result_count')),
    )
    op.create_table(
        'result_seen',
        sa.Column('response_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('survey_id', sa.Integer(), nullable=False),
        sa.Column('snapshot', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['survey_id'], ['survey.id'], name=op.f('fk_result_seen_survey_id_survey'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('response_id', name=op.f('pk_result_seen')),
    )
    with op.batch_alter_table('result_seen', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_result_seen_survey_id'), ['survey_id'], unique=False)
    op.create_table(
        'result_state',
        sa.Column('survey_id', sa.Integer(), nullable=False),
        sa.Column('watermark', engage.core.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column('refreshed_at', engage.core.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column('dimensions', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['survey_id'], ['survey.id'], name=op.f('fk_result_state_survey_id_survey'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('survey_id', name=op.f('pk_result_state')),
    )


def downgrade():
    op.drop_table('result_state')
    with op.batch_alter_table('result_seen', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_result_seen_survey_id'))
    op.drop_table('result_seen')
    op.drop_table('result_count')
