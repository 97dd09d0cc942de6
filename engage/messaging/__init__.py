"""The message log and outbox (one ``message`` table) and what a text costs: shared by
the SMS channel, outreach and plans, below all three."""
