"""The ``vpcflow`` command line: thin Typer shells over the library."""
