"""Keep the README's settings table equal to the settings the code declares.

Run `python scripts/readme_tables.py README.md` after changing a setting.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from mock_server.settings import settings_table

START = "<!-- settings-table:start -->"
END = "<!-- settings-table:end -->"
BLOCK = re.compile(re.escape(START) + r".*?" + re.escape(END), re.DOTALL)


def with_settings_table(readme: str) -> str:
    """Return the README text with the table between the markers regenerated."""
    return BLOCK.sub(lambda _m: f"{START}\n{settings_table()}\n{END}", readme)


def main() -> int:
    path = Path(sys.argv[1] if len(sys.argv) > 1 else "README.md")
    path.write_text(with_settings_table(path.read_text(encoding="utf-8")), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
