"""Zielcockpit: indicator controlling for a municipal social department."""

__version__ = "0.1.0"
