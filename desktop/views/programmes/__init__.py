"""Widgets of the Suivi des programmes tab: editor, roadmap, échéancier."""
