"""Printed documents of the directory: the listing and the organisation chart."""
