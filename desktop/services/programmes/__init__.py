"""Suivi des programmes: the programme tree, editing, sheets, roadmap and échéancier."""
