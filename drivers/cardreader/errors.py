"""Typed failures of card readers, each with words a citizen understands."""

from __future__ import annotations

from domain.text import Text


class CardReaderError(Exception):
    """Base of card reader failures; ``citizen`` is what the screen says."""

    citizen = Text("读卡失败，请重试。", "The card could not be read. Please try again.")


class NoCard(CardReaderError):
    """No card on the reader (within the time allowed)."""

    citizen = Text("未检测到证件，请将身份证放在感应区。", "No card found. Please place your ID card on the reader.")


class CardLifted(CardReaderError):
    """The card left the reader between finding it and reading it."""

    citizen = Text(
        "证件被移开了，请重新放好并保持不动。", "The card was moved. Please place it again and hold it still."
    )


class ReaderUnavailable(CardReaderError):
    """The reader cannot be reached (unplugged, wrong port, no permission)."""

    citizen = Text(
        "读卡器暂时无法使用，请联系工作人员。", "The card reader is not working. Please ask a member of staff."
    )


class ReaderTimeout(ReaderUnavailable):
    """The reader did not answer in time."""


class ReaderProtocolError(CardReaderError):
    """The reader answered with garbage or an error status."""


class CardDataError(CardReaderError):
    """The card's data could not be decoded at all."""

    citizen = Text("证件信息无法识别，请到窗口办理。", "The card's data cannot be read. Please go to a service window.")
