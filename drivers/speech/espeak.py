"""espeak-ng, the offline speech engine: one process per utterance, played through ALSA/PulseAudio or written as WAV.

A worker thread runs the engine so that speaking never blocks the caller (the UI thread). A new
utterance kills the processes of the one being said; the text goes to the engine on stdin, never
on a command line. A player that fails (no sound card, PulseAudio gone) marks the speaker as having
no device, for ops; the terminal carries on silently and the next utterance tries again.
"""

from __future__ import annotations

import shutil
import subprocess
import threading
from pathlib import Path

from drivers.speech.port import DEVICE, Utterance
from drivers.status import ClearAction, DeviceError, DeviceState, ErrorKind, Snapshot

AMPLITUDE_STEP = 20  # espeak-ng's amplitude runs 0..200 (100 is its default): ten volume steps
KEEP_FILES = 20  # WAV output keeps the latest files only


class EspeakSpeaker:
    """Says utterances with espeak-ng, piping its WAV to ``player`` or writing files into ``wav_dir``."""

    def __init__(self, *, player: list[str] | None = None, wav_dir: Path | None = None,
                 binary: str = "espeak-ng") -> None:
        """Find the engine and start the worker thread."""
        self.player, self.wav_dir, self.binary = player, wav_dir, shutil.which(binary)
        self._cond = threading.Condition()
        self._pending: Utterance | None = None
        self._running: list[subprocess.Popen[bytes]] = []
        self._busy = self._closed = self._killed = False
        self._fault: tuple[str, str] | None = None if self.binary else ("engine_missing", f"{binary} is not installed")
        self.last_file: Path | None = None  # the WAV file of the latest utterance (WAV output)
        self.said = 0  # utterances the engine finished (interrupted ones not counted)
        self._thread = threading.Thread(target=self._work, name="speaker", daemon=True)
        self._thread.start()

    def say(self, utterance: Utterance) -> None:
        """Start saying ``utterance``, cutting off the current one."""
        with self._cond:
            self._pending = utterance
            self._kill()
            self._cond.notify()

    def stop(self) -> None:
        """Stop speaking now."""
        with self._cond:
            self._pending = None
            self._kill()

    def speaking(self) -> bool:
        """Return whether an utterance is being said or waits to be."""
        with self._cond:
            return self._busy or self._pending is not None

    def wait(self, timeout: float) -> bool:
        """Wait until nothing is being said; return whether that happened within ``timeout`` seconds."""
        with self._cond:
            return self._cond.wait_for(lambda: not self._busy and self._pending is None, timeout)

    def status(self) -> Snapshot:
        """Return online, or no device with what failed last."""
        detail = {"engine": "espeak-ng", "output": "wav" if self.wav_dir else (self.player or ["?"])[0]}
        with self._cond:
            fault = self._fault
        if fault is None:
            return Snapshot(DEVICE, DeviceState.ONLINE, detail=detail)
        code, message = fault
        return Snapshot(DEVICE, DeviceState.NO_DEVICE, detail=detail,
                        error=DeviceError(ErrorKind.HARDWARE, ClearAction.MAINTENANCE, code, message))

    def close(self) -> None:
        """Stop speaking and end the worker."""
        with self._cond:
            self._closed, self._pending = True, None
            self._kill()
            self._cond.notify()
        self._thread.join(timeout=5)

    def _kill(self) -> None:
        """Kill the processes of the utterance being said (the condition is held)."""
        for process in self._running:
            if process.poll() is None:
                process.kill()
                self._killed = True

    def _work(self) -> None:
        """Say pending utterances one at a time until closed."""
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._pending is not None or self._closed)
                if self._closed:
                    return
                utterance, self._pending = self._pending, None
                if utterance is None or self.binary is None:
                    continue
                self._busy, self._killed = True, False
                self._running = self._start(utterance)
            fault = self._finish(self._running)
            with self._cond:
                if not self._killed:
                    self._fault = fault
                    self.said += fault is None
                self._running, self._busy = [], False
                self._cond.notify_all()

    def _engine(self, utterance: Utterance) -> list[str]:
        """Return the engine's command line (the text itself goes on stdin)."""
        return [str(self.binary), "-v", utterance.voice, "-a", str(utterance.volume * AMPLITUDE_STEP),
                "-s", str(utterance.rate), "--stdin"]

    def _start(self, utterance: Utterance) -> list[subprocess.Popen[bytes]]:
        """Start the engine (and the player) for ``utterance``."""
        if self.wav_dir is not None:
            self.wav_dir.mkdir(parents=True, exist_ok=True)
            self.last_file = self.wav_dir / f"{self.said + 1:06d}.wav"
            out = ["-w", str(self.last_file)]
            engine = subprocess.Popen([*self._engine(utterance), *out], stdin=subprocess.PIPE,  # noqa: S603
                                      stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            processes = [engine]
        else:
            engine = subprocess.Popen([*self._engine(utterance), "--stdout"], stdin=subprocess.PIPE,  # noqa: S603
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            player = subprocess.Popen(self.player or ["aplay", "-q", "-"], stdin=engine.stdout,  # noqa: S603
                                      stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            assert engine.stdout is not None  # noqa: S101 - stdout=PIPE above
            engine.stdout.close()  # the player holds it now: if the player dies, the engine gets SIGPIPE
            processes = [engine, player]
        assert engine.stdin is not None  # noqa: S101 - stdin=PIPE above
        engine.stdin.write(utterance.text.encode())
        engine.stdin.close()
        return processes

    def _finish(self, processes: list[subprocess.Popen[bytes]]) -> tuple[str, str] | None:
        """Wait for the processes; return (code, message) of a failure, or None."""
        fault: tuple[str, str] | None = None
        for process, code in zip(processes, ("engine_failed", "no_audio_device"), strict=False):
            err = process.stderr.read() if process.stderr else b""
            if process.wait() > 0:  # killed processes end with a negative code: not a fault
                reason = err.decode(errors="replace").strip().splitlines()[-1:] or [f"exit {process.returncode}"]
                fault = (code, reason[0][:200])
        if self.wav_dir is not None:
            for old in sorted(self.wav_dir.glob("*.wav"))[:-KEEP_FILES]:
                old.unlink(missing_ok=True)
        return fault
