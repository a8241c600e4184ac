"""Widgets, dialogs and views of the Annuaire des services tab."""
