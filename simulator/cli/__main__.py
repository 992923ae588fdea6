import sys

from paychaos.cli import main

sys.exit(main())
