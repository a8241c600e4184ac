"""The window around the tabs: main window, tab protocol, printing, shared widgets."""
