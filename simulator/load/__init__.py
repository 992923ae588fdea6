"""Load under degradation: Locust profiles whose phases switch the proxy's faults, and the
payment-aware metrics, verdict and report of a run.

Locust itself only ever runs as a subprocess (`scenarios/load/<profile>.py`); nothing in this
package imports locust, so the CLI and the pytest plugin stay free of gevent's monkey-patching.
"""
