"""Import wizard and the File menu's import entries."""
