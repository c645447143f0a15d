"""Regime."""
