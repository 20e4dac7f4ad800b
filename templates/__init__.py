"""Jinja templates of the web app (a package only so that installs carry them)."""
