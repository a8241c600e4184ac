"""Widgets of the Budgets tab: filter bar, chart views, chain, cross-table and checks panels."""
