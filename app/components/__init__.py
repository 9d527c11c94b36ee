"""Pure functions: data in, Dash components out; no database, no callbacks."""
