"""``python -m leaflets`` → the CLI."""

from .cli import main

main()
