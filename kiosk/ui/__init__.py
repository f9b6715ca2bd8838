"""The citizen's touch UI (Kivy): the only package that imports Kivy.

Importing it sets Kivy's environment first: no command-line parsing (our CLI owns argv), no
log files, and Kivy's log through Python logging.
"""

import os

os.environ.setdefault("KIVY_NO_ARGS", "1")
os.environ.setdefault("KIVY_NO_FILELOG", "1")
os.environ.setdefault("KIVY_LOG_MODE", "PYTHON")
