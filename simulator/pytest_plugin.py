"""paychaos pytest plugin (registered through the pytest11 entry point).

Never import locust here: it monkey-patches the process with gevent.
"""
