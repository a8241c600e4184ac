"""Test data shared by several test modules: small worlds loaded through the real import path."""
