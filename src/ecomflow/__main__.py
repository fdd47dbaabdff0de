"""``python -m ecomflow`` runs the command-line interface."""

from ecomflow.cli import main

if __name__ == "__main__":
    main()
