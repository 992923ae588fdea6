# The corpus is data for test_corpus.py, not scenarios: the paychaos pytest plugin must not collect it.
collect_ignore_glob = ["*.yaml"]
