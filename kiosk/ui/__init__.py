"""The citizen's touch UI (Kivy): the only package that imports Kivy.

Importing it sets Kivy's environment first: no command-line parsing (our CLI owns argv), no
log files, and Kivy's log through Python logging; and the collector's young generation is sized
for the UI from the start (as `settle_gc` leaves it): the start's modules, layouts and screens
are long-lived, and repeated full passes over them only delay the first frame.
"""

import gc
import os

os.environ.setdefault("KIVY_NO_ARGS", "1")
os.environ.setdefault("KIVY_NO_FILELOG", "1")
os.environ.setdefault("KIVY_LOG_MODE", "PYTHON")
gc.set_threshold(20_000, 20, 50)
