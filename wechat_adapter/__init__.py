"""The WeChat Official Account channel: the endpoint WeChat pushes to (signatures, safe-mode
AES, replay refusal, the 5-second passive-reply window, one person's messages in order) and
the API client (access token, customer-service, template and media messages, the menu).

What a person's message means is the conversation layer's: it implements
`messages.InboundHandler`. Nothing here knows the services."""
