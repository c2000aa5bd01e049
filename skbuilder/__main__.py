import sys

from skbuilder.cli import main

sys.exit(main())
