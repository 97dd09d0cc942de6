"""The voice channel: Twilio calls answered with the keypad or by speaking."""
