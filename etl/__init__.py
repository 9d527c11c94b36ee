"""Importers of the Excel/CSV sources: profiles as data, reading, pure table steps and checks;
nothing here touches the database (the import use case is zielcockpit.services.imports)."""
