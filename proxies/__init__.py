"""paychaos fault-injecting proxy (a mitmproxy addon)."""
