"""Shared fixtures: the real division tree, loaded once per test database."""
