"""paychaos: chaos simulator and test harness for payment integrations."""

__version__ = "0.1.0"
