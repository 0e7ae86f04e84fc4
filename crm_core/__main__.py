"""`python -m crm_core ...`: the command-line interface."""

from crm_core.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
