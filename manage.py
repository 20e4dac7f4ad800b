"""Thin entry point: `python manage.py COMMAND ...` is the same as `photosearch COMMAND ...`."""

from photosearch.cli import main

if __name__ == "__main__":
    main()
