"""Printed documents of the programmes: sheets, roadmap, échéancier and their charts."""
