"""The playbook: one YAML file, validated at load, handed to the core as plain data."""

from baton.playbook.load import PlaybookError, PlaybookIssue, load_playbook, parse_playbook

__all__ = ["PlaybookError", "PlaybookIssue", "load_playbook", "parse_playbook"]
