"""Small helpers shared by the gateway, the proxy and the runner. Imports nothing else of paychaos."""
