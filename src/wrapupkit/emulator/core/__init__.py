"""Shared HTTP plumbing of the emulator: errors, requests, routes, the pipeline, faults, rules, media."""
