"""``python -m kouiki.cli …`` = ``kouiki …``."""

from kouiki.cli import main

main()
