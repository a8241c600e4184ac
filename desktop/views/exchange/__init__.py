"""The File menu's offline entries: take a copy, send the changes, receive a partner's."""
