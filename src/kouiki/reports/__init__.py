"""Reports: bundled Japanese font (and, later, Excel/PDF builders)."""
