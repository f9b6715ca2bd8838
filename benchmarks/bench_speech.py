"""Voice guidance: a screen's prompt → the first audio sample, espeak-ng started per utterance and kept warm.

The kiosk starts one espeak-ng process per utterance (drivers/speech/espeak.py): nothing stays
resident, and a new screen simply kills the old process. The subject is that path from the prompt
in Chinese — pinyin by l10n/speakable.py, the process started, the text on its stdin — to the
first sample on its stdout (target p99 < 300 ms). The baseline is the same engine kept warm in
this process (libespeak-ng through ctypes, synchronous mode, stopped at its first samples): what
keeping it resident would save.
"""

from __future__ import annotations

import ctypes
import shutil
import subprocess
from collections.abc import Callable
from itertools import cycle

from benchmarks.harness import LatencyCase
from l10n.speakable import speakable

PROMPTS = ("请选择要办理的事项", "这是办事指南，准备好后请点“开始办理”。", "请将身份证件放在感应区。",
           "是您本人吗？现在可以取走证件。", "请核对您填写的内容，然后提交。", "已提交，请取走回执。")
WAV_HEADER = 44
SYNCHRONOUS, POS_CHARACTER, CHARS_UTF8 = 2, 1, 1  # espeak-ng's enums (speak_lib.h)
Callback = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p)


def per_utterance() -> Callable[[], object]:
    """The kiosk's path: pinyin, a new espeak-ng process, the first sample on its stdout."""
    binary = shutil.which("espeak-ng") or "espeak-ng"
    prompts = cycle(PROMPTS)

    def call() -> object:
        voice, text = speakable((next(prompts),), "zh")
        engine = subprocess.Popen([binary, "-v", voice, "--stdin", "--stdout"], stdin=subprocess.PIPE,  # noqa: S603
                                  stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        assert engine.stdin is not None
        assert engine.stdout is not None
        engine.stdin.write(text.encode())
        engine.stdin.close()
        first = engine.stdout.read(WAV_HEADER + 2)
        engine.kill()
        engine.wait()
        return first

    return call


def kept_warm() -> Callable[[], object]:
    """The same engine resident in this process: pinyin, synthesis until its first samples arrive."""
    library = ctypes.CDLL("libespeak-ng.so.1")
    if library.espeak_Initialize(SYNCHRONOUS, 100, None, 0) <= 0:
        raise RuntimeError("libespeak-ng would not initialise")
    library.espeak_SetVoiceByName(b"cmn-latn-pinyin")
    got: list[int] = []

    def first_samples(wav: object, count: int, events: object) -> int:
        got.append(count)
        return 1 if count > 0 else 0  # stop at the first samples: that is the latency measured

    callback = Callback(first_samples)
    library.espeak_SetSynthCallback(callback)
    prompts = cycle(PROMPTS)

    def call() -> object:
        _, text = speakable((next(prompts),), "zh")
        data = text.encode() + b"\0"
        library.espeak_Synth(data, len(data), 0, POS_CHARACTER, 0, CHARS_UTF8, None, None)
        return callback  # kept alive with the closure

    return call


def cases() -> list[LatencyCase]:
    """Return the speech case."""
    return [LatencyCase(
        name="voice: prompt → first audio sample",
        subject=per_utterance, baseline=kept_warm,
        subject_label="espeak-ng started per utterance (the kiosk's), pinyin to the first sample on stdout "
                      "(target p99 < 300 ms)",
        baseline_label="libespeak-ng kept warm in process, pinyin to its first samples",
        ops=300,
    )]
