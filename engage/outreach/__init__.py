"""Reaching residents: the Twilio gateway now; contacts, campaigns and the outbox later."""
