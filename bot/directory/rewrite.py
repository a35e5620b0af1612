"""Replace one top-level section of a directory file, keeping everything else as written.

Coordinators comment their directory; loading and dumping it with PyYAML would drop every
comment. So an import rewrites only the lines of its own section: from the section's key
to the next top-level key, leaving the comment block that introduces the next section.
"""

from __future__ import annotations

from bot.flows.yamlsource import load_text


def replace_section(text: str, filename: str, key: str, block: str) -> str:
    """``text`` with top-level ``key`` replaced by ``block`` (appended if absent)."""
    raw = load_text(text, filename)
    lines = text.splitlines(keepends=True)
    if key not in raw:
        tail = "" if not lines or lines[-1].endswith("\n") else "\n"
        return text + tail + "\n" + block
    start = raw.line_of(key) - 1
    later = sorted(line - 1 for k, line in raw.key_lines.items() if line - 1 > start)
    end = later[0] if later else len(lines)
    while end > start + 1 and (not lines[end - 1].strip()
                               or lines[end - 1].lstrip().startswith("#")):
        end -= 1  # leave the next section's introduction (comments, blank line) in place
    ending = "" if end == len(lines) else "\n" if lines[end].lstrip().startswith("#") else ""
    return "".join(lines[:start]) + block + ending + "".join(lines[end:])
