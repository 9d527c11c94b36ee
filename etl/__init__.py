"""Importers of the Excel/CSV sources: profiles as data, pure table steps, one shared loader."""
