"""``python -m demo.forum --port N``."""
from demo.forum.serve import main

main()
