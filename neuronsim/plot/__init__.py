"""Plotting (temporary package marker; the lead writes the real one)."""
