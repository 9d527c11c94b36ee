"""Database access: the model, the engine, migrations, loaders and named queries."""
