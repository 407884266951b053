"""The `parkgraph` subcommands, one module per topic; importing a module registers its commands."""
