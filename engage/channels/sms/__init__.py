"""The SMS channel: a Twilio Messaging webhook over the conversation engine."""
