"""stop_on_signals: a real signal to this process sets the event, from a thread of its own."""

from __future__ import annotations

import os
import signal
import threading

from cmdline.signals import stop_on_signals


def test_a_signal_sets_the_stop_event_while_the_main_thread_waits_on_it() -> None:
    stop = threading.Event()
    previous = signal.getsignal(signal.SIGUSR1)
    try:
        stop_on_signals(stop, [signal.SIGUSR1])
        threading.Timer(0.2, os.kill, (os.getpid(), signal.SIGUSR1)).start()
        assert stop.wait(10)  # the main thread inside wait(): where setting it in the handler could deadlock
    finally:
        signal.signal(signal.SIGUSR1, previous)
