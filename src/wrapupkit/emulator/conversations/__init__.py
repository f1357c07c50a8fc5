"""The conversations service: conversations on a timeline, their JSON and wrap-up writes."""
