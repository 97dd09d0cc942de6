"""one conversation row per resident for every channel (replaces sms_conversation and
the stage, locale and silences of voice_call); existing conversations are moved

Revision ID: 8d4f6a2b9c13
Revises: 5b2d8e4c1a90
Create Date: 2026-12-03 17:00:00

"""
from alembic import op
import sqlalchemy as sa

import engage.core.models  # noqa: F401 - custom column types

# revision identifiers, used by Alembic.
revision = '8d4f6a2b9c13'
down_revision = '5b2d8e4c1a90'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('conversation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('respondent_id', sa.Integer(), nullable=True),
    sa.Column('channel', sa.String(length=8), nullable=False),
    sa.Column('stage', sa.String(length=16), nullable=False),
    sa.Column('survey_id', sa.Integer(), nullable=True),
    sa.Column('response_id', sa.Integer(), nullable=True),
    sa.Column('locale', sa.String(length=16), nullable=True),
    sa.Column('silences', sa.Integer(), nullable=False),
    sa.Column('last_activity_at', engage.core.models.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['respondent_id'], ['respondent.id'], name=op.f('fk_conversation_respondent_id_respondent'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['response_id'], ['response.id'], name=op.f('fk_conversation_response_id_response'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['survey_id'], ['survey.id'], name=op.f('fk_conversation_survey_id_survey'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_conversation')),
    sa.UniqueConstraint('respondent_id', name=op.f('uq_conversation_respondent_id'))
    )
    with op.batch_alter_table('voice_call', schema=None) as batch_op:
        batch_op.add_column(sa.Column('conversation_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_voice_call_conversation_id'), ['conversation_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_voice_call_conversation_id_conversation'), 'conversation', ['conversation_id'], ['id'], ondelete='SET NULL')

    # Every text conversation moves as it stands (the stage names are the same).
    op.execute(
        "INSERT INTO conversation (respondent_id, channel, stage, survey_id, response_id, locale,"
        " silences, last_activity_at)"
        " SELECT c.respondent_id, 'sms', c.stage, c.survey_id, c.response_id, p.locale, 0,"
        " c.last_activity_at FROM sms_conversation c JOIN respondent p ON p.id = c.respondent_id")
    # A call still under way keeps its place: it becomes its resident's conversation (or
    # its own, for a withheld number), and the call points at it.
    bind = op.get_bind()
    calls = bind.execute(sa.text(
        "SELECT id, respondent_id, stage, survey_id, response_id, locale, silences, started_at"
        " FROM voice_call WHERE status = 'in-progress' ORDER BY started_at")).all()
    for call in calls:
        row = None
        if call.respondent_id is not None:
            row = bind.execute(sa.text("SELECT id FROM conversation WHERE respondent_id = :r"),
                               {"r": call.respondent_id}).first()
        values = {"stage": call.stage, "survey": call.survey_id, "response": call.response_id,
                  "locale": call.locale, "silences": call.silences, "at": call.started_at,
                  "respondent": call.respondent_id}
        if row is None:
            bind.execute(sa.text(
                "INSERT INTO conversation (respondent_id, channel, stage, survey_id, response_id,"
                " locale, silences, last_activity_at) VALUES (:respondent, 'voice', :stage,"
                " :survey, :response, :locale, :silences, :at)"), values)
            if call.respondent_id is not None:
                row = bind.execute(sa.text("SELECT id FROM conversation WHERE respondent_id = :r"),
                                   {"r": call.respondent_id}).first()
            else:
                row = bind.execute(sa.text("SELECT MAX(id) AS id FROM conversation")).first()
        else:
            bind.execute(sa.text(
                "UPDATE conversation SET channel = 'voice', stage = :stage, survey_id = :survey,"
                " response_id = :response, silences = :silences, last_activity_at = :at"
                " WHERE id = :id"), {**values, "id": row.id})
        bind.execute(sa.text("UPDATE voice_call SET conversation_id = :c WHERE id = :id"),
                     {"c": row.id, "id": call.id})

    op.drop_table('sms_conversation')
    with op.batch_alter_table('voice_call', schema=None) as batch_op:
        batch_op.drop_column('silences')
        batch_op.drop_column('stage')
        batch_op.drop_column('locale')


def downgrade():
    with op.batch_alter_table('voice_call', schema=None) as batch_op:
        batch_op.add_column(sa.Column('locale', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('stage', sa.String(length=16), server_default='done', nullable=False))
        batch_op.add_column(sa.Column('silences', sa.Integer(), server_default='0', nullable=False))
    op.execute(
        "UPDATE voice_call SET stage = (SELECT c.stage FROM conversation c WHERE c.id ="
        " voice_call.conversation_id), locale = (SELECT c.locale FROM conversation c WHERE c.id ="
        " voice_call.conversation_id), silences = (SELECT c.silences FROM conversation c WHERE"
        " c.id = voice_call.conversation_id) WHERE conversation_id IS NOT NULL AND status ="
        " 'in-progress'")
    op.create_table('sms_conversation',
    sa.Column('respondent_id', sa.Integer(), nullable=False),
    sa.Column('survey_id', sa.Integer(), nullable=False),
    sa.Column('response_id', sa.Integer(), nullable=True),
    sa.Column('stage', sa.String(length=16), nullable=False),
    sa.Column('last_activity_at', engage.core.models.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['respondent_id'], ['respondent.id'], name=op.f('fk_sms_conversation_respondent_id_respondent'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['response_id'], ['response.id'], name=op.f('fk_sms_conversation_response_id_response'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['survey_id'], ['survey.id'], name=op.f('fk_sms_conversation_survey_id_survey'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('respondent_id', name=op.f('pk_sms_conversation'))
    )
    op.execute(
        "INSERT INTO sms_conversation (respondent_id, survey_id, response_id, stage, last_activity_at)"
        " SELECT respondent_id, survey_id, response_id,"
        " CASE WHEN stage IN ('language', 'resume', 'answering', 'invited') THEN stage ELSE 'done' END,"
        " last_activity_at FROM conversation"
        " WHERE respondent_id IS NOT NULL AND survey_id IS NOT NULL AND last_activity_at IS NOT NULL")
    with op.batch_alter_table('voice_call', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_voice_call_conversation_id_conversation'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_voice_call_conversation_id'))
        batch_op.drop_column('conversation_id')
    op.drop_table('conversation')
