"""The control plane under ``/__emulator__/``: JSON over the same typed operations as the Python API."""
