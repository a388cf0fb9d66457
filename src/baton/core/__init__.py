"""Baton's domain core: pure functions over plain data.

Nothing here reads the clock, a database or the network: ``now`` and the
playbook are passed in and every command returns the events it caused.
"""
