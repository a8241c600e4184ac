"""Budgets: the funding chain, filters, the cross-table, declared totals and frozen situations."""
