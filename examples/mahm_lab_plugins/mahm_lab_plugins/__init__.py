"""A lab's plug-ins for mahm-search: entry points in setup.cfg register them on `pip install`."""
