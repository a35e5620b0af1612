"""The hub directory coordinators edit: hubs, agencies, focal points, emergency contacts,
the service mapping and deadlines (format: ``docs/directory.md``).

Loaded from YAML with the same line-keeping loader as flows; a bad file raises a
:class:`~bot.flows.problems.FlowError` naming file, line and entry, and changes nothing.
"""

from __future__ import annotations

from bot.directory.deadlines import Deadline, DeadlineTable
from bot.directory.loader import SAMPLE, load_directory, load_directory_text, parse_directory
from bot.directory.model import Agency, Directory, EmergencyContact, FocalPoint, Hub, Service

__all__ = [
    "SAMPLE", "Agency", "Deadline", "DeadlineTable", "Directory", "EmergencyContact",
    "FocalPoint", "Hub", "Service", "load_directory", "load_directory_text", "parse_directory",
]
