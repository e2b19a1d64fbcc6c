"""What answers people on Telegram: each module parses an update, calls a service and renders
the reply. The wiring (which update reaches which handler), the transport, the jobs and the
context types live in `telegram_adapter/`."""
