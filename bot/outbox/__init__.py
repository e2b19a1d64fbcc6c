"""The outbox: messages that are not direct replies, written with the change that causes
them and delivered exactly once within Telegram's limits."""
