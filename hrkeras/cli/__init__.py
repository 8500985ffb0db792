"""The `hrkeras` command line."""
