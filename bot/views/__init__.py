"""Channel-neutral replies: the text of a service's result in the reader's language, made once
for Telegram's handlers and WeChat's flows alike. No Telegram or WeChat types here."""
