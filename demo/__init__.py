"""The demonstration exchange: one command seeds every app with the reference case."""
