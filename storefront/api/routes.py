"""Imports every API endpoint module so their routes attach to the blueprint."""
