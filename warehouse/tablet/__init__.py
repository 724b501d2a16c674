"""Warehouse tablet mode: shared tablets on which volunteers switch by name and PIN."""
