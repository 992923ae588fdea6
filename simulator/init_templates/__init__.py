"""Files `paychaos init` writes: a starter target file and a sample scenario (filled in by cmd_init)."""
