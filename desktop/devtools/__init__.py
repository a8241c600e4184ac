"""Tools for developers (synthetic data at scale), kept out of the installed application."""
