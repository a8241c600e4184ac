"""Printed documents of the budgets: the synthesis and its charts."""
