"""The routing service: queues, wrap-up codes and users."""
