"""The silver and gold Delta tables as DuckDB views, for SQL from the command line, BI tools and notebooks."""
