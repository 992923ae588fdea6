pytest_plugins = ["pytester"]


def pytest_configure(config):
    # With -n (pyproject's addopts: --dist loadfile) a file's tests all run on one worker, so a module-scoped
    # run (a shop's clean suite, a forward stack) is made once, not once per worker. Files are handed out
    # in collection order (below), not by how many tests they hold (xdist's --loadscope-reorder).
    config.option.loadscopereorder = False


def pytest_collection_modifyitems(config, items):
    """The slow (end-to-end) tests first, otherwise in their order: with two workers the long files start
    first and the many short ones fill in behind them, instead of one long file running alone at the end."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)
