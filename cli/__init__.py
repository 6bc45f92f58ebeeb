"""The `hub` command line: the admin API for people and scripts."""
