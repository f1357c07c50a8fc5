"""The notifications service: channels, topic subscriptions, the WebSocket and its faults."""
