"""Tools built on the checked IR: visualization (`tools.viz`), and the builder and analysis modules."""
